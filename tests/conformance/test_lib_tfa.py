"""tensorflow-addons' CyclicalLearningRate family against its formula, written out here in float32.

tensorflow-addons does not import under Keras 3, so its numbers are reproduced from its source,
tensorflow_addons/optimizers/cyclical_learning_rate.py (tfa 0.23), op by op in float32 as TF runs it:

    cycle = floor(1 + step / (2 * step_size))
    x = abs(step / step_size - 2 * cycle + 1)
    lr = initial + (maximal - initial) * maximum(0, 1 - x) * scale_fn(cycle if scale_mode == "cycle" else step)

with the step cast to float32 first; ``scale_fn`` of a raw Python-int step (iterations mode) runs in float64.
"""

from __future__ import annotations

import numpy as np
import pytest

import lrspec
from lrspec.conformance import check
from lrspec.expand import core_mapping

f32 = np.float32


def tfa_lr(step: int, initial: float, maximal: float, step_size: float, scale_fn, scale_mode: str) -> float:
    s = f32(step)
    size = f32(step_size)
    cycle = np.floor(f32(1) + s / (f32(2) * size))
    x = np.abs(s / size - f32(2) * cycle + f32(1))
    mode_step = cycle if scale_mode == "cycle" else step
    scale = f32(scale_fn(mode_step))
    return float(f32(initial) + (f32(maximal) - f32(initial)) * np.maximum(f32(0), f32(1) - x) * scale)


def _alias(kind: str, **params) -> lrspec.Spec:
    return lrspec.load({"lrspec": 1, "schedule": {"type": f"tfa.{kind}", **params}})


CASES = [
    # the tfa tutorial on Fashion-MNIST: triangular2, 1e-4 .. 1e-2, step_size 2 * 938
    ("Triangular2CyclicalLearningRate", dict(initial_learning_rate=1e-4, maximal_learning_rate=1e-2, step_size=1876),
     lambda x: 1 / (2.0 ** (x - 1)), "cycle"),
    # super-convergence: 3e-7 .. 3e-5, step_size 2360, triangular2 scale_fn in cycle mode
    ("CyclicalLearningRate", dict(initial_learning_rate=3e-7, maximal_learning_rate=3e-5, step_size=2360,
                                  scale_fn="1 / (2.0 ** (x - 1))", scale_mode="cycle"),
     lambda x: 1 / (2.0 ** (x - 1)), "cycle"),
    ("TriangularCyclicalLearningRate", dict(initial_learning_rate=1e-3, maximal_learning_rate=1e-2, step_size=25),
     lambda x: 1.0, "cycle"),
    ("ExponentialCyclicalLearningRate", dict(initial_learning_rate=1e-3, maximal_learning_rate=1e-2, step_size=5,
                                             gamma=0.8), lambda x: 0.8 ** x, "iterations"),
    ("CyclicalLearningRate", dict(initial_learning_rate=1e-3, maximal_learning_rate=5e-3, step_size=40,
                                  scale_fn="g ** x", params={"g": 0.999}, scale_mode="iterations"),
     lambda x: 0.999 ** x, "iterations"),
    ("Triangular2CyclicalLearningRate", dict(initial_learning_rate=0.0, maximal_learning_rate=1.0, step_size=7,
                                             scale_mode="iterations"), lambda x: 1 / (2.0 ** (x - 1)), "iterations"),
]


@pytest.mark.parametrize("kind,params,scale_fn,mode", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_alias_matches_tfa_formula(kind, params, scale_fn, mode):
    spec = _alias(kind, **params)
    size = params["step_size"]
    # float32 keeps step / step_size exact to ~1e-7 only while the quotient is small; farther out tfa's own
    # rounding exceeds the tolerance (test_float32_step_cast_breaks_tfa_far_out), so compare densely here
    steps = np.arange(0, 8 * size + 3)
    got = spec.evaluate(steps)
    ref = np.array([tfa_lr(int(t), params["initial_learning_rate"], params["maximal_learning_rate"], size, scale_fn,
                           mode) for t in steps])
    peak = np.abs(ref).max()
    assert np.all(np.abs(got - ref) <= 1e-6 * peak), float(np.abs(got - ref).max() / peak)


def test_float32_step_cast_breaks_tfa_far_out_and_lrspec_is_exact():
    # triangular, 1e-3 .. 1e-2, step_size 25, at step 1_000_001_017
    spec = _alias("TriangularCyclicalLearningRate", initial_learning_rate=1e-3, maximal_learning_rate=1e-2,
                  step_size=25)
    t = 1_000_001_017
    cycle = 1 + t // 50
    q = t - (cycle - 1) * 50                       # 17: on the way up
    exact = 1e-3 + (1e-2 - 1e-3) * (q / 25)
    assert exact == pytest.approx(0.00712, rel=1e-12)
    assert spec.evaluate(t) == pytest.approx(exact, rel=1e-15)
    tfa = tfa_lr(t, 1e-3, 1e-2, 25, lambda x: 1.0, "cycle")
    assert abs(tfa - exact) > 1e-3                 # float32 maps the step to 1_000_001_024
    for t in (1_000_003, 2**23 + 1, 2**24 + 1, 2**31 + 5):  # the exact formula, far out
        cycle = 1 + t // 50
        q = t - (cycle - 1) * 50
        x = abs(q - 25) / 25
        assert spec.evaluate(t) == pytest.approx(1e-3 + (1e-2 - 1e-3) * (1 - x), rel=1e-14)


def test_core_form_and_errors():
    spec = _alias("ExponentialCyclicalLearningRate", initial_learning_rate=1e-3, maximal_learning_rate=1e-2,
                  step_size=5, gamma=0.8)
    assert core_mapping(spec.document)["schedule"] == {
        "type": "cyclical", "initial_lr": 0.001, "maximal_lr": 0.01, "step_size": 5, "params": {"gamma": 0.8},
        "scale_fn": "gamma ** x", "scale_mode": "iterations"}
    with pytest.raises(lrspec.LrspecError, match=r"schedule.scale_fn: unknown function 'lam'"):
        _alias("CyclicalLearningRate", initial_learning_rate=1e-3, maximal_learning_rate=1e-2, step_size=5,
               scale_fn="lam(x)")
    with pytest.raises(lrspec.LrspecError, match=r"schedule.step_size: must be a number > 0"):
        _alias("TriangularCyclicalLearningRate", initial_learning_rate=1e-3, maximal_learning_rate=1e-2,
               step_size=0)
    with pytest.raises(lrspec.LrspecError, match=r"unknown field 'warmup'"):
        _alias("TriangularCyclicalLearningRate", initial_learning_rate=1e-3, maximal_learning_rate=1e-2,
               step_size=5, warmup={"steps": 3})


def test_generated_torch_code_of_an_alias_conforms():
    spec = _alias("Triangular2CyclicalLearningRate", initial_learning_rate=1e-4, maximal_learning_rate=1e-2,
                  step_size=1876)
    assert check(spec, "torch").passed
