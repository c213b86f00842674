"""The document's momentum schedule: where it comes from, and every way to write it wrongly (spec/README.md)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import lrspec
from lrspec.expand import core_mapping

ROOT = Path(__file__).resolve().parents[2]
CYCLIC = {"type": "torch.CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 5}
ONE_CYCLE = {"type": "torch.OneCycleLR", "max_lr": 0.1, "total_steps": 100}


def doc(schedule: dict, **extra) -> dict:
    return {"lrspec": 1, "schedule": schedule, **extra}


def test_cyclic_fills_the_swapped_cycle_with_torchs_defaults():
    mapping = core_mapping(lrspec.load(doc(CYCLIC)).document)
    assert mapping["momentum"] == {"type": "cyclical", "initial_lr": 0.9, "maximal_lr": 0.8, "step_size": 5,
                                   "mode": "triangular", "params": {}}


def test_one_cycle_fills_a_one_cycle_from_max_momentum_through_base_momentum():
    spec = lrspec.load(doc({**ONE_CYCLE, "base_momentum": 0.5, "max_momentum": 1.0}))
    momentum = core_mapping(spec.document)["momentum"]
    assert momentum["max_lr"] == 0.5 and momentum["div_factor"] == 0.5 and momentum["final_div_factor"] == 1.0
    # torch: max_momentum at t = 0, base_momentum where the rate peaks (t = 0.3 * 100 - 1 = 29), back at the end
    assert spec.momentum.evaluate([0, 29, 99]).tolist() == [1.0, 0.5, 1.0]
    assert spec.momentum.name == "schedule-momentum"


def test_explicit_momentum_node_and_no_momentum():
    plain = lrspec.load(doc({"type": "constant", "lr": 0.1}))
    assert plain.momentum is None
    spec = lrspec.load(doc({"type": "constant", "lr": 0.1}, momentum={"type": "constant", "lr": 0.9}))
    assert spec.momentum.evaluate(10**12) == 0.9
    off = lrspec.load(doc({**CYCLIC, "cycle_momentum": False}, momentum={"type": "constant", "lr": 0.9}))
    assert off.momentum.evaluate(3) == 0.9


def test_the_rate_is_the_same_with_and_without_the_momentum_cycle():
    on = lrspec.load(doc(CYCLIC)).evaluate(range(40))
    off = lrspec.load(doc({**CYCLIC, "cycle_momentum": False})).evaluate(range(40))
    assert on.tolist() == off.tolist()


ERRORS = [
    (doc(CYCLIC, momentum={"type": "constant", "lr": 0.9}),
     r"momentum: the document has two momentum schedules: this one and the cycle_momentum of torch.CyclicLR"),
    (doc({"type": "sequence", "phases": [{"type": "constant", "lr": 0.001, "steps": 10}, ONE_CYCLE]}),
     r"schedule.phases\[1\].cycle_momentum: cycle_momentum fills the document's momentum schedule, so it is allowed "
     r"only on the top-level schedule"),
    (doc({"type": "constant", "lr": 0.1}, momentum=CYCLIC),
     r"momentum.cycle_momentum: cycle_momentum fills the document's momentum schedule"),
    (doc({"type": "constant", "lr": 0.1}, momentum={"type": "constant", "lr": 0.9, "steps": 5}),
     r"momentum.steps: steps is a phase length"),
    (doc({**CYCLIC, "cycle_momentum": False, "max_momentum": 0.9}),
     r"schedule.max_momentum: max_momentum is used only with cycle_momentum: true"),
    (doc({**ONE_CYCLE, "max_momentum": 0.0}), r"schedule.max_momentum: max_momentum must be > 0 with cycle_momentum"),
    (doc({**ONE_CYCLE, "base_momentum": -0.1}), r"schedule.base_momentum: must be >= 0"),
    (doc({"type": "constant", "lr": 0.1}, momentum={"type": "cosine"}), r"momentum.initial_lr: missing required field"),
]


@pytest.mark.parametrize(("document", "message"), ERRORS)
def test_invalid_momentum_is_named(document, message):
    with pytest.raises(lrspec.LrspecError) as info:
        lrspec.load(document)
    assert re.search(message, str(info.value)), str(info.value)


def test_nested_error_points_at_the_line(tmp_path):
    path = tmp_path / "nested.yaml"
    path.write_text("lrspec: 1\nschedule:\n  type: sequence\n  phases:\n    - {type: constant, lr: 0.001, steps: 10}\n"
                    "    - type: torch.CyclicLR\n      base_lr: 0.001\n      max_lr: 0.01\n")
    with pytest.raises(lrspec.LrspecError) as info:
        lrspec.load(path)
    assert re.match(rf"{re.escape(str(path))}:6:7: schedule.phases\[1\].cycle_momentum: ", str(info.value))


def test_cli_eval_and_audit_momentum(tmp_path):
    path = tmp_path / "one-cycle.yaml"
    path.write_text("lrspec: 1\nschedule: {type: torch.OneCycleLR, max_lr: 0.1, total_steps: 100,"
                    " base_momentum: 0.5, max_momentum: 1.0}\n")
    run = subprocess.run([sys.executable, "-m", "lrspec", "eval", str(path), "--momentum", "--start", "0",
                          "--stop", "100", "--stride", "29"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[:3] == ["step,lr", "0,1.0", "29,0.5"]
    plain = tmp_path / "plain.yaml"
    plain.write_text("lrspec: 1\nschedule: {type: constant, lr: 0.1}\n")
    run = subprocess.run([sys.executable, "-m", "lrspec", "audit", str(plain), "--momentum", "--steps", "10"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 1
    assert "momentum: the document has no momentum schedule" in run.stderr
    assert "Traceback" not in run.stderr
