"""A tiny third-party tsfm plugin used by the test suite."""
