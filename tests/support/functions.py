"""Load a function's ``app.py`` the way Lambda does: by file, under a module name of its own."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]


@cache
def load_function(name: str) -> ModuleType:
    path = REPO / "functions" / name / "app.py"
    module_name = f"fn_{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module
