"""RealTS: the ViTime paper's synthetic time-series generator (appendix A), seeded and vectorised.

    >>> import realts
    >>> x = realts.generate(num_series=256, length=1232, seed=7)   # float32 [256, 1232]

Series i of seed s is a pure function of (s, i, config): any slicing into batches, shards,
workers or ranks reproduces the same rows. See docs/realts.md.
"""

from .config import (AUTHORS_WEIGHTS, BEHAVIOURS, PERIODIC_BEHAVIOURS, WAVE_SHAPES, AugmentConfig,
                     IFFTBConfig, LGBConfig, RealTSConfig, RWBConfig, SeasonalConfig, TWDBConfig,
                     WaveConfig, load_config)
from .errors import ConfigError, CorpusError, OutputExistsError, RealTSError, SpectrumError
from .generator import Batch, generate, generate_batch, generate_behaviour, iter_batches
from .augment import AUGMENTATIONS
from .spectra import Spectrum, builtin_spectrum, fit_spectrum, load_spectrum
from .version import STREAM_VERSION, __version__

__all__ = [
    "AUGMENTATIONS", "AUTHORS_WEIGHTS", "BEHAVIOURS", "PERIODIC_BEHAVIOURS", "WAVE_SHAPES",
    "AugmentConfig", "IFFTBConfig", "LGBConfig", "RealTSConfig", "RWBConfig", "SeasonalConfig",
    "TWDBConfig", "WaveConfig", "load_config",
    "ConfigError", "CorpusError", "OutputExistsError", "RealTSError", "SpectrumError",
    "Batch", "generate", "generate_batch", "generate_behaviour", "iter_batches",
    "Spectrum", "builtin_spectrum", "fit_spectrum", "load_spectrum",
    "write_corpus", "read_corpus_metadata", "stream_corpus", "iter_corpus",
    "STREAM_VERSION", "__version__",
]


def __getattr__(name: str):
    # Corpus I/O pulls in pyarrow/datasets; import it only when used.
    if name in ("write_corpus", "read_corpus_metadata", "stream_corpus", "iter_corpus"):
        from . import corpus
        return getattr(corpus, name)
    raise AttributeError(f"module 'realts' has no attribute {name!r}")
