"""Version numbers.

`__version__` is the package version. `STREAM_VERSION` identifies the random-number layout:
series i of seed s is a pure function of (s, i, config) *for a given STREAM_VERSION*. Any
change that alters generated values (slot layout, parameter transforms) must bump it.
"""

__version__ = "0.1.0"
STREAM_VERSION = 1
