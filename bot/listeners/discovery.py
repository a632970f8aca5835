"""Finding the listener modules of a package, so adding a feature is adding a module."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from types import ModuleType

from slack_bolt import App


def modules_of(package: ModuleType) -> list[ModuleType]:
    """Every non-private submodule of ``package``, imported, in name order."""
    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            found.append(importlib.import_module(f"{package.__name__}.{info.name}"))
    return found


def register_package(app: App, package_name: str) -> None:
    """Register every module of the (imported) package that has a ``register(app)``."""
    for module in modules_of(sys.modules[package_name]):
        if hasattr(module, "register"):
            module.register(app)
