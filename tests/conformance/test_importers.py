"""lrspec.from_keras / from_torch / from_timm against the very objects they import, run for real.

Each importer must return a spec that evaluates to the object's own rates over several cycles: torch by
stepping the scheduler (within 1e-12 of the peak: torch's recursive formulas drift from the closed form),
timm through ``_get_lr(t)`` and ``step_update(t)`` (within 1e-12), Keras by calling the schedule (within 1e-6: Keras is float32).
What has no lrspec equivalent must be refused with a message that says what to write instead.
"""

from __future__ import annotations

import json
import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from libs import sgd, timm_scheduler  # noqa: E402
from torch.optim import lr_scheduler as L  # noqa: E402

import lrspec  # noqa: E402
from lrspec.cli import main  # noqa: E402
from lrspec.importers import timm_document, torch_document  # noqa: E402

S = keras.optimizers.schedules


def close(got: np.ndarray, ref: np.ndarray, tol: float) -> None:
    err = np.abs(got - ref) / np.abs(ref).max()
    bad = np.nonzero(err > tol)[0]
    assert bad.size == 0, f"steps {bad[:10].tolist()} differ by up to {err.max():.3g} of the peak"


# --- torch ------------------------------------------------------------------------------------------------------

def stepped(sched: L.LRScheduler, n: int) -> np.ndarray:
    """The optimizer's rate before each of n steps: lr(0 .. n-1) as a training loop sees it."""
    group = sched.optimizer.param_groups[0]
    out = np.empty(n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scheduler.step() before optimizer.step(): no effect on the rate
        for t in range(n):
            out[t] = group["lr"]
            if t + 1 < n:
                sched.step()
    return out


TORCH = [
    ("StepLR", lambda o: L.StepLR(o, step_size=30, gamma=0.5), 200),
    ("MultiStepLR", lambda o: L.MultiStepLR(o, milestones=[80, 30, 30, 150], gamma=0.3), 200),
    ("ExponentialLR", lambda o: L.ExponentialLR(o, gamma=0.97), 300),
    ("CosineAnnealingLR", lambda o: L.CosineAnnealingLR(o, T_max=50, eta_min=1e-3), 260),  # 2.6 half-periods
    ("CosineAnnealingWarmRestarts", lambda o: L.CosineAnnealingWarmRestarts(o, T_0=20, T_mult=2, eta_min=1e-4), 300),
    ("PolynomialLR", lambda o: L.PolynomialLR(o, total_iters=70, power=2.0), 120),
    ("LinearLR", lambda o: L.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=40), 80),
    ("ConstantLR", lambda o: L.ConstantLR(o, factor=0.25, total_iters=17), 40),
    ("CyclicLR-triangular2", lambda o: L.CyclicLR(o, base_lr=1e-3, max_lr=1e-2, step_size_up=20, step_size_down=30,
                                                  mode="triangular2", cycle_momentum=False), 260),
    ("CyclicLR-exp_range", lambda o: L.CyclicLR(o, base_lr=1e-3, max_lr=1e-2, step_size_up=25, mode="exp_range",
                                                gamma=0.99, cycle_momentum=False), 300),
    # t = 0 .. total_steps - 1: at total_steps torch continues the curve and lrspec holds the end (docs/compat.md)
    ("OneCycleLR", lambda o: L.OneCycleLR(o, max_lr=0.1, total_steps=200, cycle_momentum=False), 200),
    ("OneCycleLR-three-phase", lambda o: L.OneCycleLR(o, max_lr=0.37, epochs=7, steps_per_epoch=13, pct_start=0.23,
                                                      div_factor=7.3, final_div_factor=333.0, three_phase=True,
                                                      anneal_strategy="linear", cycle_momentum=False), 91),
    ("SequentialLR", lambda o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.01, total_iters=10),
                                                  L.CosineAnnealingLR(o, T_max=90, eta_min=1e-4)], milestones=[10]),
     200),
]


@pytest.mark.parametrize("build,n", [c[1:] for c in TORCH], ids=[c[0] for c in TORCH])
def test_from_torch_matches_the_stepped_scheduler(build, n):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SequentialLR's deprecation note
        sched = build(sgd(0.1))
    spec = lrspec.from_torch(sched)  # before stepping: the importer reads parameters, not state
    close(spec.evaluate(range(n)), stepped(sched, n), 1e-12)


def test_from_torch_reads_the_requested_param_group():
    opt = torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 0.1},
                           {"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 0.02}])
    sched = L.StepLR(opt, step_size=3, gamma=0.5)
    assert lrspec.from_torch(sched, group=1).evaluate(range(7)).tolist() == [0.02, 0.02, 0.02, 0.01, 0.01, 0.01,
                                                                            0.005]
    with pytest.raises(lrspec.LrspecError, match="2 param group"):
        lrspec.from_torch(sched, group=2)


def test_from_torch_keeps_the_momentum_cycle_in_the_document():
    sched = L.OneCycleLR(sgd(0.1), max_lr=0.1, total_steps=100, base_momentum=0.8, max_momentum=0.9)
    node = torch_document(sched)["schedule"]
    assert (node["cycle_momentum"], node["base_momentum"], node["max_momentum"]) == (True, 0.8, 0.9)
    sched = L.CyclicLR(sgd(0.1), base_lr=0.01, max_lr=0.1, step_size_up=5, base_momentum=0.7, max_momentum=0.95)
    node = torch_document(sched)["schedule"]
    assert (node["cycle_momentum"], node["base_momentum"], node["max_momentum"]) == (True, 0.7, 0.95)


@pytest.mark.parametrize("build", [
    lambda o: L.OneCycleLR(o, max_lr=0.1, total_steps=120, base_momentum=0.8, max_momentum=0.9, three_phase=True),
    lambda o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5, mode="triangular2", base_momentum=0.7,
                         max_momentum=0.95),
])
def test_from_torch_momentum_matches_the_scheduler(build):
    opt = sgd(0.1)
    opt.param_groups[0]["momentum"] = 0.9
    sched = build(opt)
    spec = lrspec.from_torch(sched)
    ref = []
    for _ in range(100):
        ref.append(opt.param_groups[0]["momentum"])
        opt.step()
        sched.step()
    got = spec.momentum.evaluate(range(100))
    assert np.max(np.abs(got - np.array(ref))) <= 1e-12


def test_from_torch_without_the_momentum_cycle_has_no_momentum():
    sched = L.OneCycleLR(sgd(0.1), max_lr=0.1, total_steps=100, cycle_momentum=False)
    assert torch_document(sched)["schedule"]["cycle_momentum"] is False
    assert lrspec.from_torch(sched).momentum is None


@pytest.mark.parametrize("build,message", [
    (lambda o: L.LambdaLR(o, lambda t: 0.95 ** t), "LambdaLR: its lr_lambda is an arbitrary Python function"),
    (lambda o: L.MultiplicativeLR(o, lambda t: 0.95), "MultiplicativeLR"),
    (lambda o: L.ReduceLROnPlateau(o), "validation metric"),
    (lambda o: L.CyclicLR(o, 0.01, 0.1, scale_fn=lambda x: 0.5 ** x, cycle_momentum=False), "custom scale_fn"),
    (lambda o: L.SequentialLR(o, [L.ConstantLR(o), L.LambdaLR(o, lambda t: 1.0)], milestones=[5]), "LambdaLR"),
])
def test_from_torch_refuses_what_has_no_equivalent(build, message):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = build(sgd(0.1))
    with pytest.raises(lrspec.LrspecError, match=message) as info:
        lrspec.from_torch(sched)
    assert info.value.diagnostics[0].help  # and says what to write instead


# --- timm -------------------------------------------------------------------------------------------------------

TIMM = [
    ("cosine_lr", "CosineLRScheduler", dict(t_initial=100, cycle_mul=2, cycle_decay=0.5, cycle_limit=3, lr_min=1e-4,
                                            k_decay=1.5, warmup_t=10, warmup_lr_init=1e-5), 800),
    ("cosine_lr", "CosineLRScheduler", dict(t_initial=50, cycle_limit=4, cycle_decay=0.8, lr_min=1e-3, warmup_t=5,
                                            warmup_prefix=True), 260),
    ("tanh_lr", "TanhLRScheduler", dict(t_initial=50, cycle_mul=2, cycle_decay=0.5, cycle_limit=2, warmup_t=5,
                                        warmup_lr_init=1e-5, lr_min=1e-5, lb=-6.0, ub=4.0), 200),
    ("poly_lr", "PolyLRScheduler", dict(t_initial=60, cycle_limit=3, power=2.0, lr_min=1e-3, warmup_t=7), 220),
    ("step_lr", "StepLRScheduler", dict(decay_t=30, decay_rate=0.5, warmup_t=3, warmup_lr_init=1e-4), 200),
    ("multistep_lr", "MultiStepLRScheduler", dict(decay_t=[30, 60, 80], decay_rate=0.1, warmup_t=5), 150),
    ("wsd_lr", "WSDLRScheduler", dict(t_initial=200, decay_t=60, stable_fn="rsqrt", decay_fn="exp", decay_ratio=0.2,
                                      lr_min=1e-4, warmup_t=20, warmup_lr_init=1e-5), 260),
]


@pytest.mark.parametrize("module,name,params,n", TIMM, ids=[f"{c[1]}-{i}" for i, c in enumerate(TIMM)])
def test_from_timm_matches_get_lr(module, name, params, n):
    sched = timm_scheduler(module, name)(sgd(0.05), **params)
    ref = np.array([sched._get_lr(t)[0] for t in range(n)])
    close(lrspec.from_timm(sched).evaluate(range(n)), ref, 1e-12)
    # counted in updates: what step_update(t) writes into the optimizer
    optimizer = sgd(0.05)
    per_update = timm_scheduler(module, name)(optimizer, **params, t_in_epochs=False)
    ref = np.empty(n)
    for t in range(n):
        per_update.step_update(t)
        ref[t] = optimizer.param_groups[0]["lr"]
    close(lrspec.from_timm(per_update).evaluate(range(n)), ref, 1e-12)


def test_from_timm_carries_the_noise_parameters():
    sched = timm_scheduler("cosine_lr", "CosineLRScheduler")(sgd(0.1), t_initial=100, noise_range_t=[10, 60],
                                                              noise_pct=0.5, noise_std=0.8, noise_seed=7)
    node = timm_document(sched)["schedule"]
    assert {k: node[k] for k in ("noise_range_t", "noise_pct", "noise_std", "noise_seed")} == {
        "noise_range_t": [10, 60], "noise_pct": 0.5, "noise_std": 0.8, "noise_seed": 7}
    spec = lrspec.from_timm(sched)  # noise only inside [10, 60): elsewhere exactly timm's rate
    steps = [*range(10), *range(60, 100)]
    close(spec.evaluate(steps), np.array([sched._get_lr(t)[0] for t in steps]), 1e-12)


def test_from_timm_refuses_the_plateau_scheduler():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its deprecation note
        sched = timm_scheduler("plateau_lr", "PlateauLRScheduler")(sgd(0.1))
    with pytest.raises(lrspec.LrspecError, match="PlateauLRScheduler: its rate depends on the validation metric"):
        lrspec.from_timm(sched)


# --- Keras ------------------------------------------------------------------------------------------------------

KERAS = [
    S.CosineDecay(0.1, decay_steps=80, alpha=0.05),
    S.CosineDecay(1e-3, decay_steps=60, warmup_target=0.02, warmup_steps=15),
    S.CosineDecayRestarts(0.05, first_decay_steps=20, t_mul=2.0, m_mul=0.7, alpha=0.01),
    S.ExponentialDecay(0.1, decay_steps=7, decay_rate=0.8, staircase=True),
    S.PiecewiseConstantDecay([10, 25, 40], [0.1, 0.05, 0.01, 0.001]),
    S.PolynomialDecay(0.1, decay_steps=30, end_learning_rate=1e-3, power=2.0, cycle=True),
    S.InverseTimeDecay(0.1, decay_steps=5, decay_rate=0.5),
]


@pytest.mark.parametrize("schedule", KERAS, ids=[f"{type(s).__name__}-{i}" for i, s in enumerate(KERAS)])
def test_from_keras_matches_the_schedule(schedule):
    steps = range(0, 300, 3)
    ref = np.array([float(schedule(t)) for t in steps])  # one scalar call per step, as an optimizer does
    for source in (schedule, schedule.get_config(), S.serialize(schedule)):
        close(lrspec.from_keras(source).evaluate(steps), ref, 1e-6)


def test_a_bare_config_with_a_custom_name_needs_its_class():
    config = S.InverseTimeDecay(0.1, decay_steps=5, decay_rate=0.5, name="my_decay").get_config()
    with pytest.raises(lrspec.LrspecError, match="ExponentialDecay and InverseTimeDecay have the same parameters"):
        lrspec.from_keras(config)


def test_from_keras_refuses_a_custom_schedule():
    class Halving(S.LearningRateSchedule):
        def __call__(self, step):
            return 0.1 * 0.5 ** (step // 10)

    with pytest.raises(lrspec.LrspecError, match="cannot import keras schedule Halving") as info:
        lrspec.from_keras(Halving())
    assert "expression" in info.value.diagnostics[0].help


def test_cli_import_writes_a_document_that_evaluates_like_keras(tmp_path, capsys):
    schedule = S.CosineDecayRestarts(0.05, first_decay_steps=20, t_mul=2.0, m_mul=0.7, alpha=0.01)
    config = tmp_path / "keras-config.json"
    config.write_text(json.dumps(S.serialize(schedule)))
    out = tmp_path / "schedule.yaml"
    assert main(["import", str(config), "-o", str(out)]) == 0
    text = out.read_text()
    assert "type: keras.CosineDecayRestarts" in text and text.startswith("# yaml-language-server: $schema=")
    steps = range(0, 200, 7)
    close(lrspec.load(out).evaluate(steps), np.array([float(schedule(t)) for t in steps]), 1e-6)
