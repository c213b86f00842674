"""Every malformed document in tests/data/invalid gives its expected first diagnostic, exit 1, no traceback.

Each corpus file's first line is ``# expect: LINE:COL: path: message-prefix`` (or ``# expect: message`` for a
problem without a position); files that cannot carry a comment line (JSON, empty, not UTF-8) have their
expectation in tests/data/invalid/EXPECTED.toml.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from lrspec.cli import main

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "invalid"
EXPECTED_FILE = CORPUS / "EXPECTED.toml"
EXPECTED = tomllib.loads(EXPECTED_FILE.read_text(encoding="utf-8"))
FILES = sorted(p for p in CORPUS.iterdir() if p.is_file() and p != EXPECTED_FILE)
_POSITION = re.compile(r"^(\d+):(\d+): ")


def expected_for(path: Path) -> str:
    first = path.read_bytes().split(b"\n", 1)[0]
    in_file = first.startswith(b"# expect:")
    in_toml = path.name in EXPECTED
    assert in_file != in_toml, f"{path.name}: give the expectation either on the first line or in EXPECTED.toml"
    return first[len(b"# expect:"):].decode("utf-8").strip() if in_file else EXPECTED[path.name]


def expected_line(path: Path) -> str:
    """The start of the first output line: ``FILE:LINE:COL: ...`` or ``FILE: message``."""
    expected = expected_for(path)
    return f"{path}:{expected}" if _POSITION.match(expected) else f"{path}: {expected}"


#: Hostile inputs the corpus must keep (by file name): alias bomb, deep nesting, duplicate keys, tags, bytes that
#: are not UTF-8, non-finite numbers, very long integers, YAML 1.1 words and forms, code in text fields.
HOSTILE = ["yaml-billion-laughs.yaml", "yaml-flow-nesting-bomb.yaml", "json-deep-nesting.json",
           "yaml-duplicate-key-in-phase.yaml", "json-duplicate-nested-key.json", "yaml-tag-python-object.yaml",
           "yaml-tag-python-name.yaml", "yaml-tag-binary.yaml", "utf8-overlong-slash.yaml", "utf16-with-bom.yaml",
           "nan-rate.yaml", "inf-step-count.yaml", "json-nan.json", "integer-400-digits-step.yaml",
           "integer-5000-digits.yaml", "yaml-yes-for-bool.yaml", "yaml-on-for-bool.yaml", "yaml-sexagesimal-steps.yaml",
           "scientific-quoted-rate.yaml", "expr-dunder-import-os.yaml", "name-code-injection.yaml"]


def test_corpus_is_large_and_consistent() -> None:
    assert len(FILES) >= 200
    assert set(HOSTILE) <= {p.name for p in FILES}
    assert set(EXPECTED) <= {p.name for p in FILES}, "EXPECTED.toml names a file that does not exist"
    kinds = {p.suffix for p in FILES}
    assert {".yaml", ".json"} <= kinds


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_first_diagnostic(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    want = expected_line(path)
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code == 1
    assert err == ""
    lines = out.splitlines()
    first = lines[0]
    assert first.startswith(want), f"\n got: {first}\nwant: {want}"
    position = _POSITION.match(first[len(str(path)) + 1:])
    if position and len(lines) >= 3 and lines[2].lstrip(" \t") == "^":
        # the excerpt: at most ~100 characters of the source line, the caret under the reported column
        source = path.read_bytes().decode("utf-8").splitlines()[int(position[1]) - 1]
        excerpt, caret = lines[1][4:], lines[2][4:]
        assert len(excerpt) <= 106
        column = int(position[2])
        if column <= len(source):
            assert excerpt[len(caret) - 1] == source[column - 1]
        assert caret.strip(" \t") == "^"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_first_diagnostic_as_json(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = expected_for(path)
    code = main(["validate", "--format", "json", str(path)])
    out, err = capsys.readouterr()
    assert code == 1 and err == ""
    problems = json.loads(out)
    assert problems and all(p["file"] == str(path) for p in problems)
    first = problems[0]
    position = _POSITION.match(expected)
    if position:
        assert (first["line"], first["column"]) == (int(position[1]), int(position[2]))
        rest = expected[position.end():]
    else:
        assert first["line"] is None
        rest = expected
    where = f"{first['path']}: " if first["path"] else ""
    assert (where + first["message"]).startswith(rest)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def test_whole_corpus_in_a_subprocess() -> None:
    run = subprocess.run([sys.executable, "-m", "lrspec", "validate", *map(str, FILES)], cwd=ROOT, env=_env(),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert run.stderr == ""
    for path in FILES:
        assert expected_line(path) in run.stdout, path.name


def test_validate_imports_no_numerics_or_templates() -> None:
    valid = sorted((ROOT / "examples").glob("*.yaml"))
    assert valid
    probe = (
        "import json, sys\n"
        "from lrspec.cli import main\n"
        "valid, invalid = json.loads(sys.argv[1])\n"
        "codes = [main(['validate', *valid]), main(['validate', *invalid])]\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('numba', 'numpy', 'llvmlite', 'jinja2')"
        " or m.startswith(('lrspec.eval', 'lrspec.lower')))\n"
        "print(json.dumps([codes, heavy]), file=sys.stderr)\n"
    )
    files = json.dumps([[str(p) for p in valid], [str(p) for p in FILES]])
    run = subprocess.run([sys.executable, "-c", probe, files], cwd=ROOT, env=_env(), capture_output=True, text=True,
                         timeout=300)
    codes, heavy = json.loads(run.stderr.strip().splitlines()[-1])
    assert codes == [0, 1]
    assert heavy == [], f"lrspec validate imported {heavy}"
