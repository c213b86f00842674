"""lrspec diff and lrspec explain: their real outputs on schedules whose answers are worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

import lrspec
from lrspec.cli import main
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
