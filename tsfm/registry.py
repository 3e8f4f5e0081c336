"""Backbone discovery through pluggy entry points (group "tsfm")."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import pluggy

from . import hookspecs
from .errors import PluginConflictError, UnknownBackboneError
from .spec import BackboneSpec

_lock = threading.Lock()
_manager: pluggy.PluginManager | None = None
_specs: dict[str, BackboneSpec] | None = None


def plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, with installed plugins loaded."""
    global _manager
    with _lock:
        if _manager is None:
            pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
            pm.add_hookspecs(hookspecs)
            pm.load_setuptools_entrypoints(hookspecs.PROJECT_NAME)
            _manager = pm
        return _manager


def register_plugin(plugin: Any, name: str | None = None) -> None:
    """Register a plugin object at run time (for code that is not pip-installed)."""
    plugin_manager().register(plugin, name=name)
    _invalidate()


def unregister_plugin(plugin: Any) -> None:
    plugin_manager().unregister(plugin)
    _invalidate()


def _invalidate() -> None:
    global _specs
    with _lock:
        _specs = None


def _distribution_of(pm: pluggy.PluginManager) -> dict[int, tuple[str, str]]:
    found: dict[int, tuple[str, str]] = {}
    for plugin, dist in pm.list_plugin_distinfo():
        found[id(plugin)] = (dist.metadata["name"], dist.version)
    return found


def backbone_specs() -> dict[str, BackboneSpec]:
    """All registered backbones by name. Two plugins claiming one name is an error."""
    global _specs
    pm = plugin_manager()
    with _lock:
        if _specs is not None:
            return _specs
        dists = _distribution_of(pm)
        specs: dict[str, BackboneSpec] = {}
        for impl in pm.hook.tsfm_backbones.get_hookimpls():
            dist, version = dists.get(
                id(impl.plugin), (f"<runtime plugin {impl.plugin_name}>", "")
            )
            for spec in impl.function():
                if not isinstance(spec, BackboneSpec):
                    raise TypeError(
                        f"plugin {impl.plugin_name} ({dist}) returned {type(spec).__name__}, "
                        "expected tsfm.BackboneSpec"
                    )
                spec = dataclasses.replace(spec, distribution=dist, distribution_version=version)
                if spec.name in specs:
                    other = specs[spec.name].distribution
                    raise PluginConflictError(
                        f"backbone name {spec.name!r} is claimed by two plugins: "
                        f"distribution {other!r} and distribution {dist!r}; uninstall one"
                    )
                specs[spec.name] = spec
        _specs = dict(sorted(specs.items()))
        return _specs


def get_spec(name: str) -> BackboneSpec:
    """Resolve "name" or "name/preset" to its spec."""
    base = name.split("/", 1)[0]
    specs = backbone_specs()
    if base not in specs:
        raise UnknownBackboneError(
            f"unknown backbone {base!r}; installed backbones: {', '.join(specs) or 'none'}. "
            "A backbone from a plugin package must be pip-installed so its 'tsfm' entry "
            "point is visible."
        )
    return specs[base]


def list_backbones() -> list[str]:
    """Names of every installed backbone, sorted."""
    return list(backbone_specs())
