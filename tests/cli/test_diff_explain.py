"""lrspec diff and lrspec explain: their real outputs on schedules whose answers are worked out by hand."""

from __future__ import annotations

import math
from dataclasses import astuple
from pathlib import Path

import numpy as np
import pytest

import lrspec
from lrspec.cli import diff, main
from lrspec.cli._common import load
from lrspec.cli.diff import Difference, compare
from lrspec.cli.explain import explain

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def write(tmp_path: Path, name: str, schedule: str, unit: str = "step") -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"lrspec: 1\nname: {name}\nunit: {unit}\nschedule: {schedule}\n")
    return str(path)


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


def test_diff_reports_first_step_and_largest_differences(tmp_path, capsys):
    a = write(tmp_path, "a", "{type: constant, lr: 0.1}")
    b = write(tmp_path, "b", "{type: piecewise_constant, boundaries: [30, 40], values: [0.1, 0.05, 0.08]}")
    code, out = run(capsys, "diff", a, b, "--steps", "50")
    assert code == 1
    # t = 30 .. 49 differ; |0.1 - 0.05| = 0.05 (relative 0.5) first at 30; |0.1 - 0.08| = 0.02 from 40 on
    assert "differ at 20 of 50 steps in 0 <= t < 50 (50 steps)" in out
    assert "first at t=30: 0.1 vs 0.05" in out
    assert "max abs difference 0.05 at t=30" in out
    assert "max rel difference 0.5 at t=30" in out


def test_diff_agrees_across_an_alias_and_its_core_form(tmp_path, capsys):
    # keras ExponentialDecay(0.1, 10, 0.5, staircase) is 0.1 * 0.5 ** (t // 10), the core exponential node
    keras = write(tmp_path, "keras", "{type: keras.ExponentialDecay, initial_learning_rate: 0.1, decay_steps: 10, "
                                     "decay_rate: 0.5, staircase: true}")
    core = write(tmp_path, "core", "{type: exponential, initial_lr: 0.1, decay_rate: 0.5, decay_steps: 10, "
                                   "staircase: true}")
    code, out = run(capsys, "diff", keras, core, "--start", "0", "--stop", "100000")
    assert code == 0 and "agree on 0 <= t < 100000 (100000 steps)" in out


def test_diff_tolerances_and_default_range(tmp_path, capsys):
    a = write(tmp_path, "a", "{type: constant, lr: 0.1}")
    b = write(tmp_path, "b", "{type: expression, expr: '0.1 + 1e-15 * t'}")
    assert run(capsys, "diff", a, b, "--steps", "50")[0] == 1
    assert run(capsys, "diff", a, b, "--steps", "50", "--rtol", "1e-12")[0] == 0
    assert run(capsys, "diff", a, b, "--steps", "50", "--atol", "1e-13")[0] == 0
    # without a range: long enough for both (cosine over 50 epochs, shown to 55)
    code, out = run(capsys, "diff", str(EXAMPLES / "cosine-decay-alpha.yaml"),
                    str(EXAMPLES / "cosine-decay-small.yaml"))
    assert code == 1 and "first at t=0: 0.01 vs 0.001" in out and "(56 steps)" in out
    assert run(capsys, "diff", a, b, "--steps", "5", "--rtol", "-1")[0] == 2


COSINE = ("{type: cosine, initial_lr: %s, final_lr: 0.0, warmup: {steps: %d, initial_lr: 0.0}, "
          "restarts: {period: 3000, period_mul: 2.0, decay: 0.5}}")

# (a, b, range, rtol, atol): schedules that differ in several ways, and the tolerances that hide some of it
PAIRS = {
    "peak": (COSINE % (0.1, 100), COSINE % (0.2, 100), range(0, 40000), 0.0, 0.0),
    "warm-up": (COSINE % (0.1, 100), COSINE % (0.1, 250), range(0, 40000), 0.0, 0.0),
    "warm-up, tolerant": (COSINE % (0.1, 100), COSINE % (0.1, 250), range(0, 40000), 1e-3, 1e-4),
    "late start": (COSINE % (0.1, 100), COSINE % (0.2, 100), range(2**53 - 5000, 2**53 + 1), 0.0, 0.0),
    # NaN at t = 50 in a only, and in both at t = 80
    "nan": ("{type: expression, expr: '0.1 + (1 / (t - 50) - 1 / (t - 50)) + (1 / (t - 80) - 1 / (t - 80))'}",
            "{type: expression, expr: '0.1 + 1e-9 * (t % 7) + (1 / (t - 80) - 1 / (t - 80))'}", range(0, 3000), 0, 0),
    # inf in both at t = 50, inf against -inf at t = 60
    "inf": ("{type: expression, expr: '1 / (t - 50) + 1 / (t - 60)'}",
            "{type: expression, expr: '1 / (t - 50) - 1 / (t - 60) + 1e-12 * t'}", range(0, 3000), 0.0, 0.0),
    "inf, tolerant": ("{type: expression, expr: '1 / (t - 50) + 1 / (t - 60)'}",
                      "{type: expression, expr: '1 / (t - 50) - 1 / (t - 60) + 1e-12 * t'}", range(0, 3000), 1e-9, 0),
    # equal largest differences (0.25 at t = 30 and t = 40 on): the first one is reported
    "ties": ("{type: constant, lr: 0.5}",
             "{type: piecewise_constant, boundaries: [30, 40, 2500], values: [0.5, 0.25, 0.75, 0.25]}",
             range(0, 3000), 0.0, 0.0),
    "rtol": ("{type: constant, lr: 0.1}", "{type: expression, expr: '0.1 + 1e-15 * t'}", range(0, 3000), 1e-13, 0.0),
    "atol": ("{type: constant, lr: 0.1}", "{type: expression, expr: '0.1 + 1e-15 * t'}", range(0, 3000), 0.0, 5e-13),
    "agree": ("{type: constant, lr: 0.1}", "{type: expression, expr: '0.05 * 2'}", range(0, 3000), 0.0, 0.0),
}


def slow_compare(a: lrspec.Spec, b: lrspec.Spec, steps: range, rtol: float, atol: float) -> Difference:
    """What ``compare`` answers, one step at a time: NaN agrees with NaN; a NaN beside a number is an
    infinite absolute and a zero relative difference (the larger magnitude of the two is NaN); -0.0 as the
    first differing value is reported as 0.0."""
    differing, first, first_a, first_b = 0, None, 0.0, 0.0
    max_abs = max_rel = 0.0
    abs_at = rel_at = None
    for t, x, y in zip(steps, a.evaluate(steps).tolist(), b.evaluate(steps).tolist(), strict=True):
        d = abs(x - y)
        scale = math.nan if math.isnan(x) or math.isnan(y) else max(abs(x), abs(y))
        if x == y or (math.isnan(x) and math.isnan(y)) or d <= atol or d <= rtol * scale:
            continue
        differing += 1
        if first is None:
            first, first_a, first_b = t, x or 0.0, y or 0.0
        r = d / scale if scale > 0 else 0.0
        d, r = (v if math.isfinite(v) else math.inf for v in (d, r))
        if abs_at is None or d > max_abs:
            max_abs, abs_at = d, t
        if rel_at is None or r > max_rel:
            max_rel, rel_at = r, t
    return Difference(steps.start, steps.stop, differing, first, first_a, first_b, max_abs, abs_at, max_rel, rel_at)


def exact(d: Difference) -> tuple:
    """The fields with floats as their repr: NaN equals NaN, -0.0 differs from 0.0."""
    return tuple(repr(v) if isinstance(v, float) else v for v in astuple(d))


SIZES = [(diff.CHUNK, diff.BLOCK), (1000, 1000), (1000, 128)]


@pytest.mark.parametrize("chunk, block", SIZES, ids=["one chunk", "chunks of 1000", "blocks of 128"])
@pytest.mark.parametrize("pair", PAIRS)
def test_compare_matches_a_step_by_step_loop(tmp_path, monkeypatch, pair, chunk, block):
    first, second, steps, rtol, atol = PAIRS[pair]
    a, b = load(write(tmp_path, "a", first)), load(write(tmp_path, "b", second))
    monkeypatch.setattr(diff, "CHUNK", chunk)
    monkeypatch.setattr(diff, "BLOCK", block)
    done = []
    got = compare(a, b, steps, rtol, atol, done.append)
    assert exact(got) == exact(slow_compare(a, b, steps, rtol, atol))
    assert done == sorted(done) and done[-1] == len(steps)
    assert (got.differing == 0) == (pair == "agree")


class Stored:
    """Values given in advance, evaluated like a schedule: values that no document would give."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values

    def evaluate(self, steps: range) -> np.ndarray:
        return self.values[steps.start:steps.stop]


def awkward_values(seed: int, n: int = 5000) -> tuple[np.ndarray, np.ndarray]:
    """Pairs equal, nearly equal, zeros of both signs, subnormals, huge values whose difference overflows,
    and, in a few places only, NaN and infinities."""
    rng = np.random.default_rng(seed)
    a = rng.choice([0.0, -0.0, 5e-324, 1e-310, 1.5, 0.25, 1e-3], n) * np.where(rng.random(n) < 0.5, 1.0, rng.random(n))
    b = a * rng.choice([1.0, 1.0 + 1e-9, 1.0 - 1e-4, 2.0, -1.0], n) + rng.choice([0.0, 0.0, 1e-6, -3e-5], n)
    huge = rng.integers(0, n, 3)
    a[huge], b[huge] = 1e308, -1e308
    for values in (a, b):
        values[rng.integers(0, n, 4)] = rng.choice([np.nan, np.inf, -np.inf], 4)
    return a, b


@pytest.mark.parametrize("rtol, atol", [(0.0, 0.0), (1e-3, 0.0), (0.0, 1e-5), (1e-9, 1e-4), (math.inf, 0.0),
                                        (0.0, math.inf), (math.nan, 0.0), (0.0, math.nan)])
@pytest.mark.parametrize("seed", range(4))
def test_compare_matches_the_loop_on_awkward_values(monkeypatch, seed, rtol, atol):
    monkeypatch.setattr(diff, "CHUNK", 1024)
    monkeypatch.setattr(diff, "BLOCK", 100)
    a, b = (Stored(v) for v in awkward_values(seed))
    steps = range(0, len(a.values))
    with np.errstate(over="ignore", invalid="ignore"):
        expected = slow_compare(a, b, steps, rtol, atol)
    assert exact(compare(a, b, steps, rtol, atol)) == exact(expected)
    assert exact(compare(b, a, steps, rtol, atol)) == exact(slow_compare(b, a, steps, rtol, atol))


@pytest.mark.parametrize("a, b, rtol, atol, expected", [
    # within atol: 1e-310 against -1e-310 (relative 2); beyond it: 1.5 against 1.5 * (1 - 1e-4) (relative 1e-4)
    ([1e-310, 1.5, 1.0], [-1e-310, 1.5 * (1 - 1e-4), 1.0], 0.0, 1e-5, (1, 1, 1)),
    # within rtol: 1000 against 1000.05 (0.05); beyond it: 1 against 1.01 (0.01)
    ([1000.0, 1.0, 0.0], [1000.05, 1.01, 0.0], 1e-4, 0.0, (1, 1, 1)),
    # both zero (0 / 0 is not a relative difference), then 0.5 against 0.25
    ([0.0, -0.0, 0.5], [0.0, 0.0, 0.25], 0.0, 0.0, (2, 2, 2)),
])
def test_compare_looks_only_at_the_differing_steps(a, b, rtol, atol, expected):
    found = compare(Stored(np.array(a)), Stored(np.array(b)), range(len(a)), rtol, atol)
    assert (found.first, found.max_abs_at, found.max_rel_at) == expected and found.differing == 1


def test_compare_pins_the_pairs_worked_out_by_hand(tmp_path):
    def of(pair: str) -> Difference:
        first, second, steps, rtol, atol = PAIRS[pair]
        return compare(load(write(tmp_path, "a", first)), load(write(tmp_path, "b", second)), steps, rtol, atol)

    # t = 30 .. 2999: 0.25 below, above from 40, below from 2500; relative 0.5 below, 1/3 above
    assert exact(of("ties")) == exact(Difference(0, 3000, 2970, 30, 0.5, 0.25, 0.25, 30, 0.5, 30))
    # the NaN at t = 50 in a: an infinite absolute difference, a zero relative one; NaN in both at 80 agree
    nan = of("nan")
    assert (nan.first, repr(nan.first_a), nan.first_b) == (1, "0.1", 0.1 + 1e-9)
    # equal where t % 7 == 0 (429 steps) and at t = 80; relative at most where t % 7 == 6 first
    top = 0.1 + 1e-9 * 6
    assert (nan.max_abs, nan.max_abs_at, nan.differing) == (math.inf, 50, 2570)
    assert (nan.max_rel, nan.max_rel_at) == ((top - 0.1) / top, 6)
    # inf against -inf at t = 60: infinite, both ways; inf and inf at t = 50 agree
    inf = of("inf")
    assert (inf.max_abs, inf.max_abs_at, inf.max_rel, inf.max_rel_at) == (math.inf, 60, math.inf, 60)
    assert inf.differing == 2999
    # with an rtol, inf and -inf are within rtol times the larger magnitude (inf) of each other
    assert of("inf, tolerant").differing == 2998 and of("inf, tolerant").max_abs < 3
    # 1e-15 * t against 1e-13 * 0.1: equal up to t = 10 (within rounding), 5e-13 absolute: up to t = 500
    assert of("rtol").first in (10, 11) and of("atol").first in (500, 501)


@pytest.mark.parametrize("boundary", ["BLOCK", "CHUNK"])
def test_compare_across_a_boundary(tmp_path, boundary):
    a, b = (load(write(tmp_path, n, COSINE % (lr, 100))) for n, lr in (("a", 0.1), ("b", 0.2)))
    steps = range(5, 5 + getattr(diff, boundary) + 3000)
    assert exact(compare(a, b, steps)) == exact(slow_compare(a, b, steps, 0.0, 0.0))


def test_explain_restarts_with_a_prefix_warmup(capsys):
    code, out = run(capsys, "explain", str(EXAMPLES / "tanh-restarts-prefix.yaml"))
    assert code == 0
    # warm-up 5 epochs, then tanh cycles of 50 and 100 epochs (period_mul 2), the second peaking at
    # lr_min + 0.5 * (0.05 - lr_min) = 0.025005; after 2 cycles (t = 5 + 150) the floor 1e-5
    assert "counted in epochs" in out
    assert "warm-up: linear from 1e-05 to the schedule's start value (0.05) in 5 epochs" in out
    assert "restarts: cycles of 50 epochs, each 2 times as long as the one before (50, 100)" in out
    assert "peaks: 0.05 at t=5, 0.025 at t=55" in out
    assert "ends at 1e-05, reached at t=155 and held from there: 155 epochs to reach the final lr" in out
    assert "restart at t=55" in out and "end of cycles at t=155" in out


def test_explain_counts_a_peak_at_step_0(capsys):
    # sgdr starter: cosine cycles of 10, 20, ... epochs from 0.05 to 1e-4;
    # cycle i peaks at 1e-4 + 0.5**i * (0.05 - 1e-4): 0.05, then 0.02505 at t = 10
    assert main(["init", "-t", "sgdr", "-o", "-"]) == 0
    doc = capsys.readouterr().out
    assert "peaks: 0.05 at t=0, 0.02505 at t=10, " in explain(lrspec.load(doc))


def test_explain_a_sequence(capsys):
    code, out = run(capsys, "explain", str(EXAMPLES / "warmup-sustain-step-decay.yaml"))
    assert code == 0
    assert "phase 1, t=0..2 (3 epochs)" in out and "phase 2, from t=3 on" in out
    assert "exponential decay from 0.01, times 0.75 every 2 epochs in stairs" in out
    assert "it never settles" in out


def test_explain_cycles_forever(capsys):
    code, out = run(capsys, "explain", str(EXAMPLES / "clr-triangular2.yaml"))
    # peaks at 1876 + 3752 k with amplitude (1e-2 - 1e-4) / 2**k above 1e-4: 0.01, 0.00505, 0.002575
    assert code == 0 and "cycles of 3752 steps" in out
    assert "peaks: 0.01 at t=1876, 0.00505 at t=5628, 0.002575 at t=9380" in out
    assert "it never settles: it repeats every 3752 steps, forever" in out
    assert "core form" not in out  # no alias


def test_explain_prints_the_core_form_of_an_alias(tmp_path, capsys):
    doc = write(tmp_path, "keras-cosine", "{type: keras.CosineDecay, initial_learning_rate: 0.001, decay_steps: 100, "
                                          "alpha: 0.1, warmup_target: 0.01, warmup_steps: 10}")
    code, out = run(capsys, "explain", doc)
    # warm-up 0.001 -> 0.01 over 10 steps, then cosine 0.01 -> 0.01 * 0.1 over 100 more: the end at t = 110
    assert code == 0
    assert "cosine decay from 0.01 to 0.001 over 100 steps" in out
    assert "ends at 0.001, reached at t=110 and held from there: 110 steps to reach the final lr" in out
    core = out.split("core form of the library alias (lrspec normalize):\n")[1]
    assert "  type: cosine\n" in core and "  warmup:\n" in core and "target_lr: 0.01" in core


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_explain_every_example(example, capsys):
    code, out = run(capsys, "explain", str(example))
    assert code == 0 and out.startswith(example.stem + ": lr(t)") and "structure:" in out


EPOCHS = "lrspec: 1\nunit: epoch\n{per}schedule: {{type: piecewise_constant, boundaries: [3], values: [0.1, 0.01]}}\n"
STEPS = "lrspec: 1\nschedule: {{type: piecewise_constant, boundaries: [{at}], values: [0.1, 0.01]}}\n"


def test_diff_of_an_epoch_document_and_a_step_document_compares_on_steps(capsys, tmp_path):
    """Epoch 3 begins at step 30 with 10 steps per epoch: a drop at step 30 agrees, a drop at step 25 differs at
    steps 25 to 29; t is never compared against t."""
    epochs, same, early = tmp_path / "e.yaml", tmp_path / "s.yaml", tmp_path / "s25.yaml"
    epochs.write_text(EPOCHS.format(per="steps_per_epoch: 10\n"), encoding="utf-8")
    same.write_text(STEPS.format(at=30), encoding="utf-8")
    early.write_text(STEPS.format(at=25), encoding="utf-8")
    code, text = run(capsys, "diff", str(epochs), str(same), "--steps", "100")
    assert code == 0 and "agree" in text and f"{epochs} at t is its epoch t // 10" in text
    code, text = run(capsys, "diff", str(early), str(epochs), "--steps", "100")
    assert code == 1 and "differ at 5 of 100 steps" in text and "first at t=25: 0.01 vs 0.1" in text


def test_diff_of_an_epoch_document_without_steps_per_epoch_and_a_step_document_is_refused(capsys, tmp_path):
    epochs, steps = tmp_path / "e.yaml", tmp_path / "s.yaml"
    epochs.write_text(EPOCHS.format(per=""), encoding="utf-8")
    steps.write_text(STEPS.format(at=30), encoding="utf-8")
    assert main(["diff", str(epochs), str(steps)]) == 1
    captured = capsys.readouterr()
    assert f"add steps_per_epoch to {epochs}" in captured.out + captured.err
