"""Modules imported on first use, and type tests that do not import them."""

from __future__ import annotations

from typing import TYPE_CHECKING


import importlib
import sys


class _LazyModule:
    """A module imported on first use: sympy and python-flint load when exact symbolic values or balls are first
    needed, not on ``import theory`` (they take most of its import time)."""

    def __init__(self, name: str):
        self._name = name
        self._module = None

    def __getattr__(self, attr):
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


if TYPE_CHECKING:
    pass

sympy = _LazyModule("sympy")
_flint = _LazyModule("flint")


def _instance_of(x, module: str, name: str) -> bool:
    """``isinstance(x, module.name)`` without importing ``module``: while it is not loaded, none of its objects
    can exist.

    >>> _instance_of(1, "sympy", "Basic")
    False
    """
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(x, getattr(loaded, name))
