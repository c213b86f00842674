"""Kernel modules on disk: ``$LRSPEC_CACHE_DIR/kernels/k_<key>.py``, with Numba's machine code beside it in
``__pycache__`` and nowhere else.

The key hashes everything compiled into a kernel: its text, the source of the helper modules it calls
(``prims.py``), lrspec's, Numba's, llvmlite's and NumPy's versions and the CPU Numba compiles for, so a stale
kernel is never reused. Before import, the file must hold the kernel's text (else it is rewritten) and each Numba
cache file of the module must read back whole and name only this module (else all are deleted and compiled
again): another kernel's machine code is never run. Files honour the umask and are replaced atomically.

A cache directory that cannot be used (read-only, full, not a directory, a broken symlink) is one
:class:`~lrspec.diagnostics.KernelCacheWarning` per process and directory; the kernel is then compiled in memory.
SIGINT is held back while a kernel compiles or loads and delivered when that ends: an interrupt inside LLVM
leaves a library half built (Numba's "no compiled object yet") or the process unstable.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import linecache
import os
import pickle
import re
import signal
import sys
import threading
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import llvmlite
import numba
import numpy
from numba.core import event
from numba.core.caching import CompileResultCacheImpl, FunctionCache, _CacheLocator, _SourceFileBackedLocatorMixin
from numba.core.dispatcher import Dispatcher

from ..diagnostics import Diagnostic, KernelCacheWarning, SettingError

__all__ = ["cache_dir", "load_kernel"]

#: Modules compiled into every kernel: their source is part of the key.
HELPERS = ("lrspec.eval.prims",)
_KEY_HEX = 24
_MODULE = re.compile(rb"lrspec_kernel_([0-9a-f]{%d})" % _KEY_HEX)
#: Numba's threading layers and the libraries each may use (Numba's documentation, "The Threading Layers").
_THREADING_LAYERS = {"default": ("tbb", "omp", "workqueue"), "safe": ("tbb",), "threadsafe": ("tbb", "omp"),
                     "forksafe": ("tbb", "workqueue") if sys.platform == "linux" else ("tbb", "omp", "workqueue"),
                     "tbb": ("tbb",), "omp": ("omp",), "workqueue": ("workqueue",)}
_LIBRARIES = {"tbb": "numba.np.ufunc.tbbpool", "omp": "numba.np.ufunc.omppool", "workqueue": "numba.np.ufunc.workqueue"}

_LOADED: dict[str, ModuleType] = {}
_WARNED: set[str] = set()


def cache_dir() -> Path:
    """``$LRSPEC_CACHE_DIR``, else ``$XDG_CACHE_HOME/lrspec``, else ``~/.cache/lrspec``."""
    explicit = os.environ.get("LRSPEC_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lrspec"


def _helper_source(name: str) -> bytes:
    return Path(importlib.import_module(name).__file__).read_bytes()


@functools.cache
def _environment() -> bytes:
    """What decides a kernel's machine code besides its text: helper sources, versions, the target CPU."""
    from numba.core.registry import cpu_target

    from .. import __version__

    parts = [__version__, numba.__version__, llvmlite.__version__, numpy.__version__,
             repr(cpu_target.target_context.codegen().magic_tuple())]
    parts += [f"{name}:{hashlib.sha256(_helper_source(name)).hexdigest()}" for name in HELPERS]
    return "\0".join(parts).encode()


def _key(source: str) -> str:
    return hashlib.sha256(_environment() + b"\0" + source.encode()).hexdigest()[:_KEY_HEX]


def load_kernel(source: str) -> ModuleType:
    """The kernel module whose text is ``source``: imported once per process, its machine code cached on disk."""
    key = _key(source)
    module = _LOADED.get(key)
    if module is None:
        _check_threading_layer()
        root = cache_dir()
        path = root / "kernels" / f"k_{key}.py"
        try:
            _prepare(path, source)
        except OSError as exc:
            _warn_unusable(root, exc)
            module = _import(f"lrspec_kernel_{key}", source, f"<lrspec kernel {key}>")
        else:
            module = _import(f"lrspec_kernel_{key}", source, str(path))
            try:
                _attach_caches(module)
            except OSError as exc:
                _warn_unusable(root, exc)
        _LOADED[key] = module
    return module


def _prepare(path: Path, source: str) -> None:
    """Make ``path`` hold ``source`` and leave beside it only machine code that is whole and this kernel's."""
    try:
        current = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        current = None
    if current != source:
        _write_atomic(path, source)
    entries = sorted((path.parent / "__pycache__").glob(f"{path.stem}.*.nb[ic]"))
    if not all(_belongs(entry, path.stem) for entry in entries):
        for entry in entries:
            entry.unlink(missing_ok=True)


def _write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file created with mode 0666, so the umask applies, then renamed over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}.py")
    try:
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _belongs(entry: Path, stem: str) -> bool:
    """Whether a Numba index (.nbi: a version pickle, then the source stamp and the data files it maps to) or data
    file (.nbc) reads back whole and is this kernel's: an index names only this module's data files, a data file
    names only this module (``lrspec_kernel_<key>`` in its descriptor and symbols)."""
    try:
        with entry.open("rb") as fh:
            if entry.suffix == ".nbi":
                pickle.load(fh)
                _, overloads = pickle.loads(fh.read())
                return all(name.startswith(f"{stem}.") for name in overloads.values())
            data = fh.read()
        # a pickle ends with STOP; a truncated one does not
        return data.endswith(b".") and set(_MODULE.findall(data)) == {stem[2:].encode()}
    except Exception:  # any damage: the entry is rebuilt, never trusted
        return False


def _import(name: str, source: str, filename: str) -> ModuleType:
    """Execute ``source`` (exactly the text checked, not what the file holds by then) as module ``name``."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = ModuleType(name)
    module.__file__ = filename
    sys.modules[name] = module
    try:
        exec(compile(source, filename, "exec"), module.__dict__)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _attach_caches(module: ModuleType) -> None:
    """Give each function of the kernel module Numba's disk cache, kept beside its file."""
    for value in list(vars(module).values()):
        if isinstance(value, Dispatcher) and value.py_func.__module__ == module.__name__:
            value._cache = _KernelCache(value.py_func)


def _warn_unusable(root: Path, exc: OSError) -> None:
    if str(root) in _WARNED:
        return
    _WARNED.add(str(root))
    reason = exc.strerror or str(exc)
    if exc.filename:
        reason = f"{reason}: {exc.filename}"
    warnings.warn(f"the kernel cache {root} cannot be used ({reason}); kernels are compiled in memory and not kept. "
                  "Set LRSPEC_CACHE_DIR to a writable directory to keep them.", KernelCacheWarning, stacklevel=3)


class _KernelLocator(_SourceFileBackedLocatorMixin, _CacheLocator):
    """Numba's machine code of a kernel lives in ``__pycache__`` beside it; a cache that cannot be written is still
    read."""

    def __init__(self, py_func, py_file):
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno

    def get_cache_path(self):
        return os.path.join(os.path.dirname(self._py_file), "__pycache__")

    def ensure_cache_path(self):
        os.makedirs(self.get_cache_path(), exist_ok=True)

    @classmethod
    def from_function(cls, py_func, py_file):
        return cls(py_func, py_file)


class _KernelCacheImpl(CompileResultCacheImpl):
    _locator_classes = [_KernelLocator]


class _KernelCache(FunctionCache):
    """Numba's disk cache of one kernel function. Loads and saves hold SIGINT back; an entry that does not load
    is compiled again, and a save that fails is a warning (the compiled function is used all the same)."""

    _impl_class = _KernelCacheImpl

    def load_overload(self, sig, target_context):
        with _interrupts_held():
            try:
                return super().load_overload(sig, target_context)
            except Exception:
                return None

    def save_overload(self, sig, data):
        with _interrupts_held():
            try:
                super().save_overload(sig, data)
            except OSError as exc:
                self.disable()
                _warn_unusable(Path(self.cache_path).parent.parent, exc)


class _HeldInterrupts:
    """SIGINT, in the main thread, recorded rather than raised until the outermost hold ends."""

    def __init__(self) -> None:
        self.depth = 0
        self.previous = None
        self.pending = False

    def _record(self, signum, frame) -> None:
        self.pending = True

    def enter(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        if self.depth == 0:
            previous = signal.getsignal(signal.SIGINT)
            self.previous = previous if callable(previous) else None
            self.pending = False
            if self.previous is not None:
                signal.signal(signal.SIGINT, self._record)
        self.depth += 1

    def exit(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        self.depth -= 1
        if self.depth == 0 and self.previous is not None:
            previous, self.previous = self.previous, None
            signal.signal(signal.SIGINT, previous)
            if self.pending:
                self.pending = False
                previous(signal.SIGINT, None)


_HOLD = _HeldInterrupts()


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    _HOLD.enter()
    try:
        yield
    finally:
        _HOLD.exit()


class _CompileListener(event.Listener):
    """Holds SIGINT back while Numba compiles a kernel or a helper (and everything it compiles on the way)."""

    @staticmethod
    def _ours(ev: event.Event) -> bool:
        module = getattr(getattr(ev.data.get("dispatcher"), "py_func", None), "__module__", None) or ""
        return module.startswith(("lrspec_kernel_", "lrspec.eval."))

    def on_start(self, ev: event.Event) -> None:
        if self._ours(ev):
            _HOLD.enter()

    def on_end(self, ev: event.Event) -> None:
        if self._ours(ev):
            _HOLD.exit()


event.register("numba:compile", _CompileListener())


def _check_threading_layer() -> None:
    """A NUMBA_THREADING_LAYER that Numba cannot start is an error now, not a traceback at the first parallel
    evaluation. Checked as Numba chooses, without starting threads (a pool started early does not survive fork)."""
    value = str(numba.config.THREADING_LAYER).lower()
    usable = _THREADING_LAYERS.get(value)
    if usable is not None and set(usable) & set(_loadable_layers()):
        return
    reason = "not a threading layer" if usable is None else f"needs {' or '.join(usable)}, not loadable here"
    raise SettingError(Diagnostic(
        f"Numba cannot start the threading layer {value!r} ({reason})", "NUMBA_THREADING_LAYER", file="environment",
        help=f"allowed: {', '.join(_THREADING_LAYERS)}; loadable here: {', '.join(_loadable_layers()) or 'none'}; "
             "unset it to let Numba choose"))


@functools.cache
def _loadable_layers() -> tuple[str, ...]:
    found = []
    for library, module in _LIBRARIES.items():
        try:
            importlib.import_module(module)
        except (ImportError, OSError):
            continue
        found.append(library)
    return tuple(found)
