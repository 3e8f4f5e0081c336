"""Exception types. Every error raised on bad input is a subclass of `TSFMError`
(and of the builtin it refines) so callers can catch either."""

from __future__ import annotations


class TSFMError(Exception):
    """Base class for every error tsfm raises on purpose."""


class UnknownBackboneError(TSFMError, KeyError):
    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class PluginConflictError(TSFMError, RuntimeError):
    pass


class InputValidationError(TSFMError, ValueError):
    """Input tensors/arrays that the model cannot accept (NaN, shapes, lengths)."""


class DataFormatError(TSFMError, ValueError):
    """A malformed data file: missing date column, non-numeric values, bad timestamps."""


class DataNotFoundError(TSFMError, FileNotFoundError):
    pass


class CheckpointError(TSFMError, ValueError):
    """A checkpoint that cannot be loaded: missing/corrupt weights, unknown format."""


class ConfigError(TSFMError, ValueError):
    pass
