"""lrspec eval's CSV and JSON text, byte for byte: every row against the value ``spec.evaluate`` gives, written
the slow way (``repr`` and ``json.dumps`` per value), over chunk boundaries, strides, float32, non-finite values,
steps near 2**53, standard output and files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import lrspec.cli.evaluate
from lrspec.cli import main
from lrspec.cli._common import load

#: The writers' chunk in these tests (the command's is 2**16): chunk boundaries with few rows to check.
CHUNK = 1000

ROOT = Path(__file__).resolve().parents[2]
T_MAX = 2**53

DOCUMENTS = {
    # warm-up, then cosine cycles: values of every length of repr, chunk boundaries in the warm-up and a cycle
    "restarts": "schedule:\n  type: cosine\n  initial_lr: 0.1\n  final_lr: 0.0\n"
                "  warmup: {steps: 1000, initial_lr: 0.0}\n"
                "  restarts: {period: 700, period_mul: 2.0, decay: 0.5}\n",
    # 1e-320 (subnormal) .. 1e+279: exponents in the repr, all finite
    "powers": "name: powers.of-10\n"
              "schedule: {type: expression, expr: \"10 ** (t % 600 - 320)\"}\n",
    # NaN at t = 1500, inf at 1502, -inf at 1504: the second chunk only
    "poles": "schedule: {type: expression, expr: \"1 / (t - 1500) - 1 / (t - 1500) + 1 / (1502 - t) "
             "- 1 / (t - 1504)\"}\n",
    # negative values, -0.0 at t = 3, halves up to 2**53
    "halves": "schedule: {type: expression, expr: \"(t - 3) * -0.5\"}\n",
}

RANGES = {
    "two chunk boundaries": ["--steps", str(2 * CHUNK + 3)],
    "one row": ["--start", "3", "--stop", "4"],
    "stride": ["--start", "5", "--stop", str(3 * CHUNK), "--stride", "2"],
    "near 2**53": ["--start", str(T_MAX - CHUNK - 5), "--stop", "2**53+1"],
    "near 2**53 with a stride": ["--start", str(T_MAX - 20 * CHUNK), "--stop", "2**53+1", "--stride", "13"],
}

CASES = [
    ("restarts", "two chunk boundaries", False),
    ("restarts", "stride", True),
    ("restarts", "one row", True),
    ("powers", "two chunk boundaries", False),
    ("powers", "stride", True),
    ("poles", "two chunk boundaries", False),
    ("poles", "two chunk boundaries", True),
    ("halves", "one row", False),
    ("halves", "near 2**53", False),
    ("halves", "near 2**53 with a stride", True),
]


def steps_of(argv: list[str]) -> range:
    """The range the command line arguments name, read independently of the command's parser."""
    opts = dict(zip(argv[::2], argv[1::2], strict=True))
    stop = T_MAX + 1 if opts.get("--stop") == "2**53+1" else int(opts.get("--stop", opts.get("--steps", 0)))
    return range(int(opts.get("--start", 0)), stop, int(opts.get("--stride", 1)))


def values_of(path: Path, steps: range, float32: bool) -> list[float]:
    """lr(t) in binary64, rounded to binary32 one value at a time with --float32 (beyond its range: inf)."""
    values = load(str(path)).evaluate(steps).tolist()
    if not float32:
        return values
    with np.errstate(over="ignore"):
        return [float(np.float32(v)) for v in values]


def expected_csv(steps: range, values: list[float]) -> str:
    return "step,lr\n" + "".join(str(t) + "," + repr(v) + "\n" for t, v in zip(steps, values, strict=True))


def json_number(v: float) -> float | str:
    if math.isnan(v):
        return "NaN"
    return v if math.isfinite(v) else ("Infinity" if v > 0 else "-Infinity")


def expected_json(name: str, steps: range, values: list[float]) -> str:
    return json.dumps({"name": name, "steps": list(steps), "lr": [json_number(v) for v in values]}) + "\n"


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lrspec.cli.evaluate, "CHUNK", CHUNK)


@pytest.fixture
def documents(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for name, body in DOCUMENTS.items():
        paths[name] = tmp_path / f"{name}.yaml"
        paths[name].write_text("lrspec: 1\n" + body, encoding="utf-8")
    return paths


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


@pytest.mark.parametrize("document, span, float32", CASES, ids=[f"{d}-{s}-{'f32' if f else 'f64'}"
                                                                 for d, s, f in CASES])
def test_csv_and_json_text_is_exact(capsys, tmp_path, documents, document, span, float32):
    path, argv = documents[document], RANGES[span] + (["--float32"] if float32 else [])
    steps = steps_of(RANGES[span])
    values = values_of(path, steps, float32)
    csv, text = expected_csv(steps, values), expected_json(load(str(path)).name, steps, values)
    assert run(capsys, "eval", str(path), *argv) == csv
    assert run(capsys, "eval", str(path), *argv, "--format", "json") == text
    assert run(capsys, "eval", str(path), *argv, "-o", str(tmp_path / "lr.csv")) == ""
    assert (tmp_path / "lr.csv").read_bytes() == csv.encode()
    assert run(capsys, "eval", str(path), *argv, "-o", str(tmp_path / "lr.json")) == ""
    assert (tmp_path / "lr.json").read_bytes() == text.encode()


def test_the_cases_cover_what_they_claim(documents):
    """Exponents, subnormals, -0.0 and every non-finite value appear in the pinned output, non-finite values
    after the first chunk only."""
    powers = load(str(documents["powers"])).evaluate(range(600)).tolist()
    assert {"1e-05", "1e+16", "1e-320"} <= set(map(repr, powers)) and all(map(math.isfinite, powers))
    poles = load(str(documents["poles"])).evaluate(range(2 * CHUNK + 3)).tolist()
    assert all(map(math.isfinite, poles[:CHUNK]))
    assert [json_number(v) for v in poles if not math.isfinite(v)] == ["NaN", "Infinity", "-Infinity"]
    assert repr(load(str(documents["halves"])).evaluate(3)) == "-0.0"


def test_an_example_to_standard_output_and_dash(capsys):
    path = ROOT / "examples" / "clr-exp-range.yaml"
    steps = range(CHUNK + 10)
    values = load(str(path)).evaluate(steps).tolist()
    assert run(capsys, "eval", str(path), "--steps", str(len(steps)), "-o", "-") == expected_csv(steps, values)
    assert run(capsys, "eval", str(path), "--steps", str(len(steps)), "--format", "json", "-o", "-") == \
        expected_json("clr-exp-range", steps, values)


def test_json_text_reads_back(capsys, documents):
    """repr of a finite binary64 is a JSON number that reads back to the same value."""
    out = run(capsys, "eval", str(documents["powers"]), "--steps", "600", "--format", "json")
    assert json.loads(out)["lr"] == load(str(documents["powers"])).evaluate(range(600)).tolist()
