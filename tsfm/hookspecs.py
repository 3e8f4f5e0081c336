"""pluggy hook specifications: the only contract between the core and its plugins.

A plugin is a module (named by an entry point in the "tsfm" group) that implements

    import tsfm
    @tsfm.hookimpl
    def tsfm_backbones() -> list[tsfm.BackboneSpec]: ...
"""

from __future__ import annotations

import pluggy

from .spec import BackboneSpec

PROJECT_NAME = "tsfm"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def tsfm_backbones() -> list[BackboneSpec]:
    """Return the backbones this plugin provides."""
