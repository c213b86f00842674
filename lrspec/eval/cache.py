"""Kernel modules on disk: written once per plan, imported, and compiled by Numba with ``cache=True``.

A module's file name is the hash of its source, lrspec's and Numba's versions, so a stale kernel
is never reused; Numba keeps the machine code beside it in ``__pycache__``. A file that does not
match its name (truncated, edited, corrupted) is rewritten before use, and Numba's cache files of
the module are checked before import: any that does not read back whole is deleted (recompiled).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import sys
import tempfile
from pathlib import Path
from types import ModuleType

__all__ = ["cache_dir", "load_kernel"]

_LOADED: dict[str, ModuleType] = {}


def cache_dir() -> Path:
    """``$LRSPEC_CACHE_DIR``, else ``$XDG_CACHE_HOME/lrspec``, else ``~/.cache/lrspec``."""
    explicit = os.environ.get("LRSPEC_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lrspec"


def _key(source: str) -> str:
    import numba

    from .. import __version__

    blob = f"{__version__}\0{numba.__version__}\0{source}".encode()
    return hashlib.sha256(blob).hexdigest()[:24]


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".py")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_kernel(source: str) -> ModuleType:
    """Import (writing it first if needed) the kernel module whose text is ``source``."""
    key = _key(source)
    module = _LOADED.get(key)
    if module is not None:
        return module
    path = cache_dir() / "kernels" / f"k_{key}.py"
    try:
        current = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        current = None
    if current != source:
        _write_atomic(path, source)
    _drop_damaged_machine_code(path)
    name = f"lrspec_kernel_{key}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    _LOADED[key] = module
    return module


def _readable(entry: Path) -> bool:
    """Whether a Numba index (.nbi: a version pickle, then a data pickle) or data file (.nbc) reads back whole."""
    try:
        with entry.open("rb") as fh:
            if entry.suffix == ".nbi":
                pickle.load(fh)
                overloads = pickle.loads(fh.read())
                return isinstance(overloads, tuple) and len(overloads) == 2
            data = fh.read()
        return len(data) > 2 and data.endswith(b".")  # a pickle ends with STOP; a truncated one does not
    except Exception:  # any damage: the entry is rebuilt, never trusted
        return False


def _drop_damaged_machine_code(path: Path) -> None:
    """Delete the module's Numba cache files when any is damaged, so Numba compiles them again."""
    entries = sorted((path.parent / "__pycache__").glob(f"{path.stem}.*.nb[ic]"))
    if not all(_readable(entry) for entry in entries):
        for entry in entries:
            entry.unlink(missing_ok=True)
