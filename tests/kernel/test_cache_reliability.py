"""The kernel cache never returns another kernel's values and never stops an evaluation: its key covers every
source compiled into a kernel, foreign machine code is dropped, files honour the umask, a cache directory that
cannot be used is one warning (the kernel compiles in memory), and Ctrl-C during a compile exits cleanly.

Expected values are written out by hand: ``polynomial`` with power 1 from ``x`` to 0.5 over 4 steps is
x, (x - 0.5) * 3/4 + 0.5, ... , 0.5, exact in binary64 for the dyadic ``x`` used here.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import lrspec

ROOT = Path(__file__).resolve().parents[2]
NOBODY = "nobody"


def _doc(x: float) -> str:
    return f"lrspec: 1\nschedule: {{type: polynomial, initial_lr: {x!r}, end_lr: 0.5, decay_steps: 4, power: 1}}\n"


def _line(sign: str) -> str:
    return f"lrspec: 1\nschedule: {{type: expression, expr: '1 {sign} t / 8'}}\n"


def _line_values(sign: str) -> list[float]:
    """1 + t / 8 or 1 - t / 8 for t = 0..5, by hand."""
    return [1.0 + t / 8 if sign == "+" else 1.0 - t / 8 for t in range(6)]


def _expected(x: float) -> list[float]:
    """lr(t) for t = 0..5, by hand."""
    return [x, (x - 0.5) * 0.75 + 0.5, (x - 0.5) * 0.5 + 0.5, (x - 0.5) * 0.25 + 0.5, 0.5, 0.5]


PROBE = textwrap.dedent("""
    import json, sys, warnings
    import lrspec
    from lrspec.eval import kernel_for
    warnings.simplefilter("always")
    out = []
    for path in sys.argv[1:]:
        spec = lrspec.load(path)
        values = spec.evaluate(range(6)).tolist()
        kernel = kernel_for(spec)
        out.append({"values": values, "module": kernel.__name__,
                    "hits": sum(kernel.fill_run64.stats.cache_hits.values()),
                    "misses": sum(kernel.fill_run64.stats.cache_misses.values())})
    print(json.dumps(out))
""")


def _probe(cache: Path, *docs: Path, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "LRSPEC_CACHE_DIR": str(cache), **kwargs.pop("env", {})}
    return subprocess.run([sys.executable, "-c", PROBE, *map(str, docs)], env=env, capture_output=True, text=True,
                          timeout=300, **kwargs)


@pytest.fixture(scope="module")
def warm():
    """A cache directory warmed by root (umask 022) with documents a and b: two expressions that differ in one
    operator, so their kernels differ but have the same functions on the same lines. Everything is readable by
    other users."""
    base = Path(tempfile.mkdtemp(prefix="lrspec-warm-"))
    try:
        base.chmod(0o755)
        docs = {"a": base / "a.yaml", "b": base / "b.yaml"}
        docs["a"].write_text(_line("+"))
        docs["b"].write_text(_line("-"))
        for path in docs.values():
            path.chmod(0o644)
        run = _probe(base / "cache", docs["a"], docs["b"], umask=0o022)
        assert run.returncode == 0, run.stderr[-3000:]
        a, b = json.loads(run.stdout)
        stems = {name: "k_" + r["module"].rsplit("_", 1)[1] for name, r in (("a", a), ("b", b))}
        yield base / "cache", docs, stems
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("part", ["helper source", "numba", "llvmlite", "numpy", "cpu"])
def test_the_key_covers_everything_compiled_into_a_kernel(monkeypatch, part):
    import llvmlite
    import numba
    import numpy
    from numba.core.registry import cpu_target

    from lrspec.eval import cache

    monkeypatch.setattr(cache, "_environment", cache._environment.__wrapped__)  # read afresh on every call
    before = cache._key("kernel text")
    if part == "helper source":
        monkeypatch.setattr(cache, "_helper_source", lambda name: b"def fdiv(a, b):\n    return 0.0\n")
    elif part == "cpu":
        codegen = cpu_target.target_context.codegen()
        monkeypatch.setattr(codegen, "magic_tuple", lambda: ("x86_64-unknown-linux-gnu", "other-cpu", ""))
    else:
        monkeypatch.setattr({"numba": numba, "llvmlite": llvmlite, "numpy": numpy}[part], "__version__", "0.0.0")
    assert cache._key("kernel text") != before


def test_a_helper_change_invalidates_the_cached_kernels(tmp_path):
    # a copy of the package shadows the installed one, so that its helpers can be edited
    pkg = tmp_path / "pkg"
    shutil.copytree(ROOT / "lrspec", pkg / "lrspec", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "codegen_templates", pkg / "lrspec" / "codegen_templates")
    doc = tmp_path / "noisy.yaml"
    doc.write_text("lrspec: 1\nschedule: {type: constant, lr: 0.5,\n"
                   "  noise: {seed: 3, kind: additive, distribution: uniform, pct: 0.25}}\n")
    probe = textwrap.dedent("""
        import json, sys
        import lrspec
        from lrspec.eval import kernel_for
        spec = lrspec.load(sys.argv[1])
        print(json.dumps([lrspec.__file__, kernel_for(spec).__name__, spec.evaluate(range(6)).tolist()]))
    """)
    env = {**os.environ, "PYTHONPATH": str(pkg), "LRSPEC_CACHE_DIR": str(tmp_path / "cache")}

    def run() -> list:
        out = subprocess.run([sys.executable, "-c", probe, str(doc)], env=env, capture_output=True, text=True,
                             timeout=300, cwd=tmp_path)
        assert out.returncode == 0, out.stderr[-3000:]
        return json.loads(out.stdout)

    where, before_name, before = run()
    assert Path(where).is_relative_to(pkg)
    assert all(0.25 < v < 0.75 and v != 0.5 for v in before)
    prims = pkg / "lrspec" / "eval" / "prims.py"
    text = prims.read_text()
    head = '    """U(seed, t, k) from ``key = uniform_key(seed, t >> 32)``."""\n'
    assert head in text
    prims.write_text(text.replace(head, head + "    return 0.5\n"))  # the package version stays the same
    _, after_name, after = run()
    assert after_name != before_name
    assert after == [0.5] * 6  # 0.5 + n with n = 0.25 * (2 * 0.5 - 1) = 0, from the edited helper


@pytest.mark.parametrize("loaded_first", [False, True], ids=["fresh-process", "other-kernel-loaded"])
def test_another_kernels_machine_code_is_never_run(tmp_path, warm, loaded_first):
    cache_src, docs, stems = warm
    cache = tmp_path / "cache"
    shutil.copytree(cache_src, cache)
    stem_a, stem_b = stems["a"], stems["b"]
    pycache = cache / "kernels" / "__pycache__"
    swapped = 0
    for data in pycache.glob(f"{stem_a}.*.nbc"):  # a botched sync: b's data files hold a's machine code
        target = pycache / data.name.replace(stem_a, stem_b)
        assert target.exists()
        shutil.copy2(data, target)
        swapped += 1
    assert swapped
    run = _probe(cache, *([docs["a"]] if loaded_first else []), docs["b"])
    assert run.returncode == 0, run.stderr[-3000:]
    assert "ModuleNotFoundError" not in run.stderr
    assert json.loads(run.stdout)[-1]["values"] == _line_values("-")


def _as_nobody(argv: list[str], staging: Path) -> list[str]:
    """``argv`` run as nobody. A directory on the way to the interpreter or the package that others may not enter
    (a home of mode 0700) is covered, in a private mount namespace, by a 0755 tmpfs holding only what is needed."""
    user = pwd.getpwnam(NOBODY)
    needed = {Path(sys.executable).resolve(), Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), ROOT}
    closed: dict[Path, set[str]] = {}
    for path in needed:
        for parent in reversed(path.parents):
            if not parent.stat().st_mode & 0o001:
                closed.setdefault(parent, set()).add(path.relative_to(parent).parts[0])
                break
    steps = []
    for i, (parent, children) in enumerate(sorted(closed.items())):
        for child in sorted(children):
            keep, inside = shlex.quote(str(staging / f"{i}-{child}")), shlex.quote(str(parent / child))
            steps += [f"mkdir {keep}", f"mount --bind {inside} {keep}"]
        steps.append(f"mount -t tmpfs -o mode=0755,size=64k tmpfs {shlex.quote(str(parent))}")
        for child in sorted(children):
            keep, inside = shlex.quote(str(staging / f"{i}-{child}")), shlex.quote(str(parent / child))
            steps += [f"mkdir {inside}", f"mount --bind {keep} {inside}"]
    steps.append(f"exec setpriv --reuid={user.pw_uid} --regid={user.pw_gid} --clear-groups {shlex.join(argv)}")
    return ["unshare", "--mount", "--propagation", "private", "sh", "-ec", " && ".join(steps)]


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to another user needs root")
def test_another_user_reads_a_cache_warmed_by_root(warm, tmp_path):
    cache_src, docs, _ = warm
    home = Path(tempfile.mkdtemp(prefix="lrspec-home-"))  # exists, not writable by nobody
    try:
        home.chmod(0o755)
        argv = _as_nobody([sys.executable, "-c", PROBE, str(docs["a"]), str(docs["b"])], tmp_path)
        run = subprocess.run(argv, env={**os.environ, "LRSPEC_CACHE_DIR": str(cache_src), "HOME": str(home)},
                             cwd=str(home), capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
        assert run.stderr == ""
        a, b = json.loads(run.stdout)
        assert (a["values"], b["values"]) == (_line_values("+"), _line_values("-"))
        assert (a["hits"], a["misses"], b["hits"], b["misses"]) == (1, 0, 1, 0)  # nothing compiled again
        assert not list(home.iterdir())
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_kernel_files_honour_the_umask(tmp_path):
    from lrspec.eval import cache

    for umask, mode in ((0o022, 0o644), (0o002, 0o664), (0o077, 0o600)):
        old = os.umask(umask)
        try:
            cache._write_atomic(tmp_path / f"k_{umask:o}.py", "x = 1\n")
        finally:
            os.umask(old)
        assert (tmp_path / f"k_{umask:o}.py").stat().st_mode & 0o777 == mode


@contextlib.contextmanager
def _tmpfs(where: Path, options: str):
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True,
                             text=True)
    if mounted.returncode:
        pytest.fail(f"a read-only or full cache directory needs a small tmpfs, and mounting one failed: "
                    f"{mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


@contextlib.contextmanager
def _unusable(kind: str, tmp_path: Path):
    """A cache directory path that cannot be used, of the given kind."""
    if kind == "read-only":
        with _tmpfs(tmp_path / "ro", "ro,size=64k") as mount:
            yield mount / "cache"
    elif kind in ("full", "nearly-full"):
        # nearly full: room for the kernel's source but not for its machine code
        with _tmpfs(tmp_path / "small", "size=12k") as mount:
            if kind == "full":
                with contextlib.suppress(OSError), open(mount / "filler", "wb") as fh:
                    while True:
                        fh.write(b"\0" * 4096)
                        fh.flush()
            yield mount / "cache"
    elif kind == "file":
        (tmp_path / "cache").write_text("not a directory\n")
        yield tmp_path / "cache"
    elif kind == "dangling-symlink":
        (tmp_path / "cache").symlink_to(tmp_path / "gone" / "cache")
        yield tmp_path / "cache"
    else:
        (tmp_path / "cache").symlink_to(tmp_path / "cache")
        yield tmp_path / "cache"


UNUSABLE = ["read-only", "full", "nearly-full", "file", "dangling-symlink", "symlink-loop"]


def _doc_of_its_own(x: float, k: int) -> str:
    """_doc(x) as the first phase of a sequence with k more phases: a structure, so a kernel, no other test
    loads (kernels are shared by documents that differ only in numbers)."""
    tail = ", ".join(["{type: constant, lr: 1.0, steps: 10}"] * (k - 1) + ["{type: constant, lr: 1.0}"])
    return (f"lrspec: 1\nschedule: {{type: sequence, phases: [{{type: polynomial, initial_lr: {x!r}, end_lr: 0.5, "
            f"decay_steps: 4, power: 1, steps: 1000}}, {tail}]}}\n")


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small or read-only tmpfs needs root")
@pytest.mark.parametrize("kind", UNUSABLE)
def test_an_unusable_cache_directory_is_one_warning(tmp_path, monkeypatch, kind):
    x = 2.0 + UNUSABLE.index(kind) / 8
    document = _doc_of_its_own(x, 3 + UNUSABLE.index(kind))  # compiled here, not found loaded
    with _unusable(kind, tmp_path) as cache:
        monkeypatch.setenv("LRSPEC_CACHE_DIR", str(cache))
        spec = lrspec.load(document)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            values = spec.evaluate(range(6)).tolist()
            again = lrspec.load(document).evaluate(range(6)).tolist()
    assert values == again == _expected(x)
    from lrspec.diagnostics import KernelCacheWarning

    ours = [w for w in caught if issubclass(w.category, KernelCacheWarning)]
    assert len(ours) == 1, [str(w.message) for w in caught]
    assert str(cache) in str(ours[0].message) and "LRSPEC_CACHE_DIR" in str(ours[0].message)


def test_the_cli_shows_an_unusable_cache_as_one_warning_line(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    doc = tmp_path / "s.yaml"
    doc.write_text(_doc(3.0))
    (tmp_path / "cache").write_text("a file where the cache directory should be\n")
    helpers = ROOT / "lrspec" / "eval" / "__pycache__"
    before = sorted(helpers.glob("*.nb*")) if helpers.exists() else []
    env = {**os.environ, "LRSPEC_CACHE_DIR": str(tmp_path / "cache"), "HOME": str(home)}
    env.pop("XDG_CACHE_HOME", None)
    env.pop("NUMBA_CACHE_DIR", None)
    run = subprocess.run([sys.executable, "-m", "lrspec", "eval", str(doc), "--steps", "6"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.splitlines()[1:] == [f"{t},{v!r}" for t, v in enumerate(_expected(3.0))]
    (line,) = run.stderr.splitlines()
    assert line.startswith("lrspec: warning: ") and str(tmp_path / "cache") in line and "LRSPEC_CACHE_DIR" in line
    assert not list(home.iterdir())  # nothing written anywhere else
    assert (sorted(helpers.glob("*.nb*")) if helpers.exists() else []) == before


RUNS = 10
AFTER = textwrap.dedent("""
    import json, os, sys
    import lrspec
    out = []
    for cache, path in zip(sys.argv[1::2], sys.argv[2::2]):
        os.environ["LRSPEC_CACHE_DIR"] = cache
        out.append(lrspec.load(path).evaluate(range(6)).tolist())
    print(json.dumps(out))
""")


def _interrupt_cold_compile(doc: Path, cache: Path, delay: float) -> tuple[int, str]:
    """Run ``lrspec eval`` on an empty cache and send SIGINT ``delay`` seconds after its kernel is on disk."""
    env = {**os.environ, "LRSPEC_CACHE_DIR": str(cache)}
    # SIGINT as a terminal sends it, even when the tests run in the background (which ignores it)
    proc = subprocess.Popen([sys.executable, "-m", "lrspec", "eval", str(doc), "--steps", "40000"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline and not list(cache.glob("kernels/k_*.py")):
        time.sleep(0.002)
    time.sleep(delay)
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def test_ctrl_c_during_a_cold_compile_exits_130_and_the_next_run_works(tmp_path):
    rng = random.Random(12)
    runs = []
    for i in range(RUNS):
        doc = tmp_path / f"s{i}.yaml"
        doc.write_text(_doc(4.0 + i / 8))
        runs.append((doc, tmp_path / f"cache{i}", rng.uniform(0.0, 0.4)))  # before the compile ends (under a second)
    with ThreadPoolExecutor(max_workers=2) as pool:  # two at a time: a compile keeps one core busy
        outcomes = list(pool.map(lambda run: _interrupt_cold_compile(*run), runs))
    for i, (code, err) in enumerate(outcomes):
        assert (code, err) in ((130, "lrspec: interrupted\n"), (0, "")), (i, code, err)
    assert [code for code, _ in outcomes].count(130) >= RUNS // 2
    # each cache an interrupt left is used again, in one process: every schedule evaluates to its values
    after = subprocess.run([sys.executable, "-c", AFTER, *(str(p) for doc, cache, _ in runs for p in (cache, doc))],
                           capture_output=True, text=True, timeout=300)
    assert after.returncode == 0, after.stderr[-3000:]
    assert json.loads(after.stdout) == [_expected(4.0 + i / 8) for i in range(RUNS)]


INTERRUPTED = textwrap.dedent("""
    import json, os, signal, sys, threading
    import lrspec
    from lrspec.eval import kernel_for
    spec = lrspec.load(sys.argv[1])
    kernel_for(spec)  # imported; its parallel fill compiles on the first call, for a second or more
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
    try:
        spec.evaluate(range(40000))
        outcome = "finished"
    except BaseException as exc:
        outcome = type(exc).__name__
    print(json.dumps([outcome, spec.evaluate(range(40000))[:6].tolist()]))
""")


def test_in_python_ctrl_c_during_a_compile_is_a_keyboard_interrupt_and_the_next_call_works(tmp_path):
    doc = tmp_path / "s.yaml"
    doc.write_text(_doc(6.0))
    run = subprocess.run([sys.executable, "-c", INTERRUPTED, str(doc)], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "LRSPEC_CACHE_DIR": str(tmp_path / "cache")},
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads(run.stdout) == ["KeyboardInterrupt", _expected(6.0)]
    assert run.stderr == ""


THREADS = textwrap.dedent("""
    import sys
    import lrspec
    from lrspec.cli import main
    try:
        lrspec.load(sys.argv[1]).evaluate(range(40000))
    except lrspec.LrspecError as exc:
        print(type(exc).__name__, exc)
    sys.exit(main(["eval", sys.argv[1], "--steps", "40000"]))
""")


@pytest.mark.parametrize("layer", ["tbb", "no-such-layer"])
def test_a_threading_layer_that_cannot_load_is_a_clear_error(warm, layer):
    _, docs, _ = warm
    env = {**os.environ, "NUMBA_THREADING_LAYER": layer}
    run = subprocess.run([sys.executable, "-c", THREADS, str(docs["a"])], env=env, capture_output=True, text=True,
                         timeout=300)
    # the API raises an LrspecError, the command exits 2 with what is allowed
    assert run.stdout.startswith("SettingError environment: NUMBA_THREADING_LAYER: ")
    assert run.returncode == 2
    assert run.stderr.startswith("lrspec: NUMBA_THREADING_LAYER: ") and repr(layer) in run.stderr
    assert "workqueue" in run.stderr and "Traceback" not in run.stderr
