"""Exception types raised on bad input. Each refines a builtin (ValueError,
FileExistsError) so callers can catch either the realts type or the builtin."""

from __future__ import annotations


class RealTSError(Exception):
    """Base class for every error realts raises on purpose."""


class ConfigError(RealTSError, ValueError):
    """An invalid generator configuration or argument (lengths, counts, ranges, weights)."""


class SpectrumError(RealTSError, ValueError):
    """A malformed IFFTB spectrum file or array (wrong shape, NaN, negative std)."""


class CorpusError(RealTSError, ValueError):
    """A corpus directory that cannot be read (missing metadata, foreign files)."""


class OutputExistsError(RealTSError, FileExistsError):
    """The output path exists and overwriting was not requested."""
