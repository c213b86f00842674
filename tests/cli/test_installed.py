"""lrspec as a user installs it: a wheel, and ``pip install .``, each in a fresh virtualenv, run from outside
the repository. An editable install hides missing package data, so this is the only test that sees it.

The virtualenvs install lrspec without ``-e`` and without dependencies; the dependencies come from this
interpreter's site-packages as a plain path entry (no ``.pth`` file of it runs, so the editable lrspec of the
test environment stays invisible, which the tests check).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "clr-triangular2.yaml"

#: clr-triangular2 (spec/types/cyclical.md): 1e-4 + (1e-2 - 1e-4) * max(0, 1 - |t/1876 - 2c + 1|) / 2**(c - 1),
#: c = 1 + t // 3752; written out for t = 0, 938, 1876.
EXPECTED_EVAL = [(0, 1e-4), (938, 1e-4 + (1e-2 - 1e-4) * 0.5), (1876, 1e-2)]


def _run(cmd: list[str], cwd: Path, env: dict[str, str], ok: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if ok:
        assert proc.returncode == 0, f"{cmd} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def _venv(where: Path) -> tuple[Path, dict[str, str]]:
    venv.EnvBuilder(with_pip=False).create(where)
    bindir = where / "bin"
    site = Path(sysconfig.get_path("purelib", vars={"base": str(where), "platbase": str(where)}))
    (site / "_lrspec_test_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(where)
    return bindir, env


def _pip(args: list[str], cwd: Path) -> None:
    _run([sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet", *args], cwd, dict(os.environ))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _pip(["wheel", "--no-deps", "-w", str(out), str(ROOT)], out)
    (built,) = out.glob("lrspec-*.whl")
    return built


def _install(tmp_path: Path, what: str, wheel: Path) -> tuple[Path, dict[str, str]]:
    bindir, env = _venv(tmp_path / "venv")
    target = str(wheel) if what == "wheel" else str(ROOT)
    _pip(["--python", str(bindir / "python"), "install", "--no-deps", target], tmp_path)
    env["LRSPEC_CACHE_DIR"] = str(tmp_path / "cache")
    env["MPLBACKEND"] = "Agg"
    return bindir, env


def _installed(tmp_path: Path, what: str, wheel: Path) -> tuple[list[str], str, Path, dict[str, str]]:
    """(the lrspec command, the python, a work directory outside the repository holding s.yaml, the environment)
    of a fresh install, checked to import lrspec from the new virtualenv."""
    bindir, env = _install(tmp_path, what, wheel)
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(EXAMPLE, work / "s.yaml")
    python = str(bindir / "python")
    where = _run([python, "-c", "import lrspec; print(lrspec.__file__)"], work, env).stdout.strip()
    assert where.startswith(str(tmp_path / "venv")), where
    return [str(bindir / "lrspec")], python, work, env


def test_every_command_works_from_the_wheel(tmp_path, wheel):
    lrspec, python, work, env = _installed(tmp_path, "wheel", wheel)

    _run(lrspec + ["validate", "s.yaml"], work, env)
    rows = _run(lrspec + ["eval", "s.yaml", "--start", "0", "--stop", "2000", "--stride", "938"], work, env).stdout
    values = dict(_rows(rows))
    for t, lr in EXPECTED_EVAL:
        assert values[t] == pytest.approx(lr, rel=1e-12, abs=1e-18), (t, rows)
    audit = _run(lrspec + ["audit", "s.yaml", "--steps", "3752"], work, env).stdout
    assert "checksum" in audit
    for target in ("torch", "tf", "jax"):
        _run(lrspec + ["generate", "s.yaml", "--target", target, "-o", f"sched_{target}.py"], work, env)
    probe = textwrap.dedent("""
        import sched_torch, sched_tf, sched_jax
        print(float(sched_torch.lr_at(1876)), float(sched_jax.schedule(1876)))
    """)
    torch_lr, jax_lr = map(float, _run([python, "-c", probe], work, env).stdout.split())
    assert torch_lr == pytest.approx(1e-2, rel=1e-12)
    assert jax_lr == pytest.approx(1e-2, rel=1e-6)
    _run(lrspec + ["init", "--template", "wsd", "-o", "new.yaml"], work, env)
    assert (work / "new.yaml").is_file() and (work / "lrspec.schema.json").is_file()
    _run(lrspec + ["validate", "new.yaml"], work, env)
    _run(lrspec + ["plot", "s.yaml", "-o", "s.png", "--steps", "8000"], work, env)
    assert (work / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "cyclical" in _run(lrspec + ["explain", "s.yaml"], work, env).stdout
    same = _run(lrspec + ["diff", "s.yaml", "s.yaml", "--steps", "4000"], work, env)
    assert same.returncode == 0
    differ = _run(lrspec + ["diff", "s.yaml", "new.yaml", "--steps", "4000"], work, env, ok=False)
    assert differ.returncode == 1 and "Traceback" not in differ.stderr
    assert '"$schema"' in _run(lrspec + ["schema"], work, env).stdout


def test_pip_install_of_the_source_tree_evaluates_and_generates(tmp_path, wheel):
    """``pip install .`` builds the same wheel as above; a few commands show the install is whole."""
    lrspec, _, work, env = _installed(tmp_path, "pip install .", wheel)
    values = dict(_rows(_run(lrspec + ["eval", "s.yaml", "--start", "0", "--stop", "2000", "--stride", "938"], work,
                             env).stdout))
    for t, lr in EXPECTED_EVAL:
        assert values[t] == pytest.approx(lr, rel=1e-12, abs=1e-18)
    for target in ("torch", "tf", "jax"):
        source = _run(lrspec + ["generate", "s.yaml", "--target", target], work, env).stdout
        compile(source, f"s_{target}.py", "exec")


def _rows(text: str) -> list[tuple[int, float]]:
    rows = []
    for line in text.splitlines():
        fields = line.replace(",", " ").split()
        if len(fields) == 2 and fields[0].isdigit():
            rows.append((int(fields[0]), float(fields[1])))
    return rows


def test_templates_load_from_a_zip(tmp_path, wheel):
    """A zipped package (the wheel itself on ``sys.path``) still renders every target."""
    probe = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(wheel)!r})
        import lrspec
        from lrspec.codegen import generate
        assert lrspec.__file__.startswith({str(wheel)!r}), lrspec.__file__
        spec = lrspec.load({str(EXAMPLE)!r})
        for target in ("torch", "tf", "jax"):
            compile(generate(spec, target), target, "exec")
        from lrspec.starters import starter_text
        print(starter_text("clr", "x.json").splitlines()[0])
    """)
    bindir, env = _venv(tmp_path / "venv")
    out = _run([str(bindir / "python"), "-c", probe], tmp_path, env)
    assert "x.json" in out.stdout


def test_the_wheel_holds_every_resource(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (ROOT / "codegen_templates").glob("*.jinja"):
        assert f"lrspec/codegen_templates/{template.name}" in names
    for starter in (ROOT / "lrspec" / "starters").glob("*.yaml"):
        assert f"lrspec/starters/{starter.name}" in names
