"""``lrspec validate --check-range N``: rates that overflow, turn NaN or go negative within 0..N are errors,
reported at the node that gives them; without the flag validate never evaluates (nor imports numba)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lrspec.cli import main

ROOT = Path(__file__).resolve().parents[2]

OVERFLOW = """\
lrspec: 1
schedule:
  type: sequence
  phases:
    - {type: constant, lr: 0.1, steps: 100}
    - type: expression
      expr: "0.001 * 2 ** t"
"""


def _write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_overflow_to_inf_is_reported_at_the_expression(tmp_path, capsys):
    path = _write(tmp_path, OVERFLOW)
    assert main(["validate", str(path)]) == 0  # valid as a document
    assert main(["validate", "--check-range", "5000", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    # 2 ** 1024 is the first power of two beyond binary64: step 100 + 1024 of the document
    assert out[0] == (f"{path}:7:13: schedule.phases[1].expr: lr(t) is inf at t = 1124 (step 1024 of this node); "
                      "--check-range 5000 requires a finite rate >= 0 at every step 0..N")
    assert main(["validate", "--check-range", "1123", str(path)]) == 0  # 0.001 * 2**1023 is finite


_DENSE = 2**20
_STRIDE = (2**40 - _DENSE) // _DENSE  # beyond 2**20, about 2**20 evenly spaced steps up to N = 2**40


@pytest.mark.parametrize("expr,first,what", [
    ("0.1 - t / 100", 11, f"negative ({0.1 - 11 / 100!r})"),
    ("log(t - 3)", 0, "nan"),
    ("1 / (40 - t)", 40, "inf"),
    # beyond the dense range the first sample at or after 3000000 finds it
    ("where(t < 3000000, 0.1, -1 / 0)", _DENSE + -(-(3000000 - _DENSE) // _STRIDE) * _STRIDE, "-inf"),
])
def test_non_finite_or_negative(tmp_path, capsys, expr, first, what):
    path = _write(tmp_path, f'lrspec: 1\nschedule: {{type: expression, expr: "{expr}"}}\n')
    assert main(["validate", "--check-range", "2**40", "--format", "json", str(path)]) == 1
    (problem,) = json.loads(capsys.readouterr().out)
    assert problem["path"] == "schedule.expr" and (problem["line"], problem["column"]) == (2, 36)
    assert problem["message"].startswith(f"lr(t) is {what} at t = {first};")


def test_warmup_and_valid_documents(tmp_path, capsys):
    warm = _write(tmp_path, "lrspec: 1\nschedule:\n  type: sequence\n  warmup: {steps: 10}\n  phases:\n"
                            "    - {type: constant, lr: 0.1, steps: 5}\n    - {type: expression, expr: '-t'}\n")
    assert main(["validate", "--check-range", "100", str(warm)]) == 1
    assert "schedule.phases[1].expr: lr(t) is negative (-1.0) at t = 16 (step 1 of this node)" in \
        capsys.readouterr().out
    examples = sorted(str(p) for p in (ROOT / "examples").glob("*.yaml"))
    assert main(["validate", "--check-range", str(2**53), *examples]) == 0


def test_usage(tmp_path, capsys):
    path = _write(tmp_path, OVERFLOW)
    for bad in ("-1", "2**53+1", "x"):
        assert main(["validate", "--check-range", bad, str(path)]) == 2
    assert "--check-range" in capsys.readouterr().err


def test_numba_is_imported_only_with_the_flag(tmp_path):
    path = _write(tmp_path, "lrspec: 1\nschedule: {type: constant, lr: 0.1}\n")
    probe = ("import sys\nfrom lrspec.cli import main\n"
             "code = main(['validate', *sys.argv[1:]])\n"
             "print(code, 'numba' in sys.modules, file=sys.stderr)\n")
    without = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True)
    assert without.stderr.split()[-2:] == ["0", "False"]
    with_flag = subprocess.run([sys.executable, "-c", probe, "--check-range", "10", str(path)], capture_output=True,
                               text=True, check=True)
    assert with_flag.stderr.split()[-2:] == ["0", "True"]
