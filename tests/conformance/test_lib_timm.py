"""timm's schedulers (timm 1.0.x, timm/scheduler/*.py) against the ``timm.*`` aliases.

timm is imported for real (its scheduler modules, without ``timm/__init__``, see libs.py). lr(t) of timm
is ``scheduler._get_lr(t)``: what ``step(t)`` / ``step_update(t)`` puts into the optimizer, noise aside.
timm computes in float64, so the aliases must agree within 1e-12 of the peak; known timm bugs are
excluded by name below (docs/compat.md). Noise uses another generator than timm's torch.Generator
and is compared in distribution only.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from libs import sgd, timm_scheduler

import lrspec
from lrspec.conformance import check
from lrspec.expand import core_mapping

MODULES = {"CosineLRScheduler": "cosine_lr", "TanhLRScheduler": "tanh_lr", "StepLRScheduler": "step_lr",
           "MultiStepLRScheduler": "multistep_lr", "PolyLRScheduler": "poly_lr", "WSDLRScheduler": "wsd_lr"}

#: timm finds the restart cycle with math.floor(math.log(...)); for CosineLRScheduler(t_initial=100,
#: cycle_mul=3) the logarithm falls just below the integer at these cycle starts and timm returns lr_min
#: where the peak of the next cycle belongs (docs/compat.md). lrspec's cycles are exact integers.
FLOAT_LOG_RESTART_BUG = {("CosineLRScheduler", 100, 3): {12100, 2952400}}

LARGE = [10**6 + 3, 10**9 + 7, 10**12 + 11, 2**40 + 5, 2**52 + 1, 2**53 - 3, 2**53]


def _timm(name: str, base_lr: float, **params):
    return timm_scheduler(MODULES[name], name)(sgd(base_lr), **params)


def _alias(name: str, base_lr: float, **params) -> lrspec.Spec:
    return lrspec.load({"lrspec": 1, "schedule": {"type": f"timm.{name}", "base_lr": base_lr, **params}})


SEED_TANH = dict(t_initial=50, cycle_mul=2, cycle_decay=0.5, warmup_t=5, warmup_lr_init=1e-5, lr_min=1e-5)

CASES = [
    # the seed examples: tanh cycles of 50, 100, ... with the peak halving, warmup with and without prefix
    *[("TanhLRScheduler", 0.05, {**SEED_TANH, "warmup_prefix": prefix, "cycle_limit": limit}, 800, LARGE)
      for prefix in (False, True) for limit in (1, 2)],
    ("TanhLRScheduler", 0.1, dict(t_initial=200, lb=-6.0, ub=4.0, warmup_t=20, cycle_limit=10**6), 800, LARGE),
    # cosine: overlay warmup with its jump; prefix warmup and restarts decaying above lr_min 0
    ("CosineLRScheduler", 0.1, dict(t_initial=100, warmup_t=10), 300, LARGE),
    ("CosineLRScheduler", 0.1, dict(t_initial=100, warmup_t=10, warmup_prefix=True, cycle_limit=3, cycle_decay=0.5),
     450, LARGE),
    # growing cycles; timm's float-log cycle index is wrong at two of these steps (excluded by name)
    ("CosineLRScheduler", 0.1, dict(t_initial=100, cycle_mul=3, cycle_limit=20), 13000,
     [2952399, 2952400, 2952401, 10**7 + 1, 10**9 + 7]),
    # lr_min > 0 with cycle_decay != 1: every cycle written out with timm's own peak
    ("CosineLRScheduler", 0.1, dict(t_initial=50, cycle_limit=4, cycle_decay=0.8, lr_min=1e-3, warmup_t=5,
                                    warmup_prefix=True), 300, LARGE),
    # k_decay: expressions carrying timm's formula, per cycle or under restarts
    ("CosineLRScheduler", 0.1, dict(t_initial=100, cycle_mul=2, cycle_limit=5, cycle_decay=0.5, lr_min=1e-4,
                                    k_decay=1.5), 3200, [10**6, 10**9 + 7]),
    ("CosineLRScheduler", 0.1, dict(t_initial=100, cycle_limit=3, lr_min=1e-3, k_decay=2.0, warmup_t=10), 400, LARGE),
    # poly
    ("PolyLRScheduler", 0.1, dict(t_initial=100, cycle_limit=5, cycle_decay=0.8, lr_min=1e-3, power=2.0,
                                  warmup_t=7), 600, LARGE),
    ("PolyLRScheduler", 0.1, dict(t_initial=60, cycle_mul=2, cycle_limit=4, cycle_decay=0.9, lr_min=1e-5,
                                  k_decay=0.7), 1000, LARGE),
    # step and multistep (warmup_prefix defaults to True)
    ("StepLRScheduler", 0.1, dict(decay_t=30, decay_rate=0.5, warmup_t=3, warmup_lr_init=1e-4), 200, LARGE[:3]),
    ("MultiStepLRScheduler", 0.1, dict(decay_t=[1, 2, 30, 30, 80], decay_rate=0.5, warmup_t=3, warmup_lr_init=1e-4),
     200, LARGE),
    ("MultiStepLRScheduler", 0.1, dict(decay_t=[30, 60, 80], decay_rate=0.1, warmup_t=5, warmup_prefix=False),
     200, LARGE),
    # WSD: each stable and decay function, warm-up prefix, lr_min
    ("WSDLRScheduler", 0.1, dict(t_initial=1000, decay_t=200), 1300, LARGE),
    ("WSDLRScheduler", 0.1, dict(t_initial=1000, decay_t=300, stable_fn="rsqrt", decay_fn="linear", warmup_t=50,
                                 warmup_lr_init=1e-5, lr_min=1e-4), 1400, LARGE),
    ("WSDLRScheduler", 0.1, dict(t_initial=900, decay_t=900, stable_fn="power", stable_power=0.3, stable_timescale=70,
                                 decay_fn="power", decay_power=2.0), 1000, LARGE),
    ("WSDLRScheduler", 0.1, dict(t_initial=600, decay_t=100, decay_fn="exp", decay_ratio=0.05, lr_min=1e-3,
                                 warmup_t=20), 700, LARGE),
    ("WSDLRScheduler", 0.1, dict(t_initial=600, decay_t=150, decay_fn="cosine", warmup_t=10), 700, LARGE),
]


@pytest.mark.parametrize("name,base_lr,params,dense,large", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_alias_matches_timm(name, base_lr, params, dense, large):
    sched = _timm(name, base_lr, **params)
    spec = _alias(name, base_lr, **params)
    known = FLOAT_LOG_RESTART_BUG.get((name, params.get("t_initial"), params.get("cycle_mul")), set())
    steps = sorted(set(range(dense)) | set(large))
    ref = np.array([sched._get_lr(t)[0] for t in steps])
    got = spec.evaluate(np.array(steps, dtype=np.int64))
    keep = np.array([t not in known for t in steps])
    err = np.abs(got - ref) / np.abs(ref).max()
    bad = [steps[i] for i in np.nonzero(keep & (err > 1e-12))[0]]
    assert not bad, (bad[:10], float(err[keep].max()))
    for t in known & set(steps):  # the excluded steps are timm's bug: lr_min at a restart peak
        assert sched._get_lr(t)[0] == params.get("lr_min", 0.0) and spec.evaluate(t) == base_lr


def test_known_float_log_restart_steps():
    sched = _timm("CosineLRScheduler", 0.1, t_initial=100, cycle_mul=3, cycle_limit=20)
    spec = _alias("CosineLRScheduler", 0.1, t_initial=100, cycle_mul=3, cycle_limit=20)
    # cycles start at 100 * (3**i - 1) / 2: 12100 is the start of cycle 5, 2952400 of cycle 10
    for t in FLOAT_LOG_RESTART_BUG[("CosineLRScheduler", 100, 3)]:
        assert sched._get_lr(t)[0] == 0.0
        assert spec.evaluate(t) == 0.1
        assert sched._get_lr(t + 1)[0] == pytest.approx(spec.evaluate(t + 1), rel=1e-12)


def test_warmup_targets():
    # cosine without prefix: the ramp heads for base_lr, then the cosine takes over at warmup_t (a jump)
    spec = _alias("CosineLRScheduler", 0.1, t_initial=100, warmup_t=10)
    assert spec.evaluate(9) == pytest.approx(0.09, rel=1e-14)
    assert spec.evaluate(10) == pytest.approx(0.0975528258147577, rel=1e-14)
    # tanh without prefix ramps to its own value at warmup_t; with the prefix to base_lr
    overlay = _alias("TanhLRScheduler", 0.05, **SEED_TANH, warmup_prefix=False, cycle_limit=1)
    tanh5 = _timm("TanhLRScheduler", 0.05, **SEED_TANH, warmup_prefix=False, cycle_limit=1)._get_lr(5)[0]
    assert overlay.evaluate(5) == tanh5
    assert overlay.evaluate(4) == pytest.approx(1e-5 + 4 * (tanh5 - 1e-5) / 5, rel=1e-14)
    prefix = _alias("TanhLRScheduler", 0.05, **SEED_TANH, warmup_prefix=True, cycle_limit=1)
    assert prefix.evaluate(4) == pytest.approx(1e-5 + 4 * (0.05 - 1e-5) / 5, rel=1e-14)
    # timm MultiStepLRScheduler: milestone m takes effect at t = m - 1 (one step before torch's MultiStepLR)
    spec = _alias("MultiStepLRScheduler", 0.1, decay_t=[30, 60, 80], decay_rate=0.1, warmup_t=5, warmup_prefix=False)
    assert spec.evaluate(28) == 0.1 and spec.evaluate(29) == 0.1 * 0.1


def test_core_forms():
    doc = _alias("TanhLRScheduler", 0.05, **SEED_TANH, warmup_prefix=True, cycle_limit=2).document
    tanh = {"type": "tanh", "lr_min": 1e-5, "lb": -7.0, "ub": 3.0}
    assert core_mapping(doc)["schedule"] == {
        "type": "sequence",
        "warmup": {"steps": 5, "initial_lr": 1e-5, "shape": "linear", "prefix": True, "target_lr": 0.05},
        "phases": [{**tanh, "initial_lr": 0.05, "decay_steps": 50, "steps": 50},
                   {**tanh, "initial_lr": 0.025, "decay_steps": 100, "steps": 100},
                   {"type": "constant", "lr": 1e-5}]}
    doc = _alias("CosineLRScheduler", 0.1, t_initial=100, cycle_mul=2, cycle_decay=0.5, cycle_limit=4,
                 warmup_t=10, noise_range_t=[10, 300], t_in_epochs=False).document
    assert core_mapping(doc)["schedule"] == {
        "type": "cosine", "initial_lr": 0.1, "final_lr": 0.0, "exponent": 1.0,
        "restarts": {"period": 100, "period_mul": 2.0, "decay": 0.5, "limit": 4},
        "warmup": {"steps": 10, "initial_lr": 0.0, "shape": "linear", "prefix": False, "target_lr": 0.1},
        "noise": {"distribution": "normal", "kind": "multiplicative", "std": 1.0, "pct": 0.67, "decay": 0.0,
                  "start": 10, "end": 300, "seed": 42}}
    doc = _alias("MultiStepLRScheduler", 0.1, decay_t=[1, 30, 30, 80], decay_rate=0.5).document
    assert core_mapping(doc)["schedule"] == {"type": "piecewise_constant", "boundaries": [29, 79],
                                             "values": [0.05, 0.0125, 0.00625]}
    doc = _alias("TanhLRScheduler", 0.05, **SEED_TANH, cycle_limit=2, warmup_prefix=False).document
    assert core_mapping(doc)["schedule"]["warmup"]["target_lr"] == "end"


@pytest.mark.parametrize("name,params,path,message", [
    ("CosineLRScheduler", dict(t_initial=100, cycle_mul=1.5, cycle_limit=3, cycle_decay=0.5, lr_min=1e-3),
     "schedule.cycle_mul", "fractional cycle_mul with lr_min > 0 and cycle_decay != 1 is not supported"),
    ("PolyLRScheduler", dict(t_initial=100, cycle_mul=1.5, cycle_limit=3, k_decay=2.0), "schedule.cycle_mul",
     "fractional cycle_mul with k_decay != 1 is not supported"),
    ("PolyLRScheduler", dict(t_initial=100, cycle_mul=0.5), "schedule.cycle_mul", "must be >= 1"),
    ("CosineLRScheduler", dict(t_initial=100, cycle_mul=1.0000001), "schedule.cycle_mul", "at most 6 places"),
    ("StepLRScheduler", dict(decay_t=2.5000001), "schedule.decay_t", "at most 6 decimal places"),
    ("TanhLRScheduler", dict(t_initial=100, lb=3.0), "schedule.ub", "greater than lb"),
    ("WSDLRScheduler", dict(t_initial=100, decay_t=200), "schedule.decay_t", "must be <= t_initial"),
    ("WSDLRScheduler", dict(t_initial=100, decay_t=20, stable_fn="rsqrt"), "schedule.stable_timescale",
     "defaults to warmup_t"),
    ("WSDLRScheduler", dict(t_initial=100, decay_t=20, warmup_prefix=False), "schedule.warmup_prefix", ""),
    ("MultiStepLRScheduler", dict(decay_t=[30, 10]), "schedule.decay_t\\[1\\]", "non-decreasing"),
    ("CosineLRScheduler", dict(t_initial=100, noise_range_t=[5, 5]), "schedule.noise_range_t", "is empty"),
    ("CosineLRScheduler", dict(t_initial=100, noise_range_t=[1, 2, 3]), "schedule.noise_range_t", "pair"),
    ("CosineLRScheduler", dict(t_initial=100, cycle_limit=64, cycle_decay=0.5, lr_min=1e-5), "schedule.cycle_limit",
     "more than 64 phases"),
    ("CosineLRScheduler", dict(t_initial=100, k_decay=0), "schedule.k_decay", "must be > 0"),
    ("CosineLRScheduler", dict(t_initial=100, initialize=True), "schedule.initialize", "unknown field"),
    ("CosineLRScheduler", dict(t_initial=0), "schedule.t_initial", "integer >= 1"),
])
def test_invalid_parameters_name_the_field(name, params, path, message):
    with pytest.raises(lrspec.LrspecError, match=f"{path}: .*{message}"):
        _alias(name, 0.1, **params)


def test_base_lr_is_required():
    with pytest.raises(lrspec.LrspecError, match="schedule.base_lr: missing required field"):
        lrspec.load({"lrspec": 1, "schedule": {"type": "timm.CosineLRScheduler", "t_initial": 100}})


def _noise(name: str, base_lr: float, n: int, **params):
    """The multiplicative noise factors - 1 of timm (via step(t)) and of lrspec, with the noiseless rates."""
    sched = _timm(name, base_lr, **params)
    opt = sched.optimizer
    timm_lr = []
    for t in range(n):
        sched.step(t)
        timm_lr.append(opt.param_groups[0]["lr"])
    clean = np.array([sched._get_lr(t)[0] for t in range(n)])
    got = _alias(name, base_lr, **params).evaluate(np.arange(n))
    return np.array(timm_lr) / clean - 1, got / clean - 1


def _truncated_std(std: float, pct: float) -> float:
    a = pct / std
    phi = math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
    mass = math.erf(a / math.sqrt(2))
    return std * math.sqrt(1 - 2 * a * phi / mass)


@pytest.mark.parametrize("pct,std", [(0.5, 0.5), (0.1, 1.0)])
def test_noise_matches_timm_in_distribution(pct, std):
    """Both draw the truncated normal: timm by retrying, lrspec by inverse transform (a tight truncation too)."""
    n = 20000
    z_timm, z_ours = _noise("CosineLRScheduler", 0.1, n, t_initial=10**6, noise_range_t=0, noise_pct=pct,
                            noise_std=std)
    assert np.abs(z_timm).max() < pct and np.abs(z_ours).max() < pct  # both truncate at noise_pct
    expected = _truncated_std(std, pct)
    for z in (z_timm, z_ours):
        assert z.std() == pytest.approx(expected, rel=0.03)
        assert abs(z.mean()) < 4 * expected / math.sqrt(n)
    # two-sample Kolmogorov-Smirnov statistic, critical value at alpha = 0.001
    grid = np.sort(np.concatenate([z_timm, z_ours]))
    cdf = [np.searchsorted(np.sort(z), grid, side="right") / n for z in (z_timm, z_ours)]
    assert np.abs(cdf[0] - cdf[1]).max() < 1.95 * math.sqrt(2 / n)
    assert not np.allclose(z_timm, z_ours)  # another generator: same distribution, different draws


def test_noise_range_and_warmup_counter():
    # noise for 5 <= t < 40 on the raw counter, also within a prefix warmup (timm does not shift it)
    z_timm, z_ours = _noise("StepLRScheduler", 0.1, 60, decay_t=10, decay_rate=0.5, warmup_t=8,
                            warmup_lr_init=0.01, noise_range_t=[5, 40], noise_std=0.1, noise_pct=0.2)
    for z in (z_timm, z_ours):
        assert np.all(z[:5] == 0) and np.all(z[40:] == 0)
        assert np.all(np.abs(z[5:40]) > 0) and np.all(np.abs(z[5:40]) < 0.2 + 1e-12)
    # a single number t0: noise for every t >= t0
    z_timm, z_ours = _noise("TanhLRScheduler", 0.05, 80, **SEED_TANH, noise_range_t=30, noise_std=0.05)
    for z in (z_timm, z_ours):
        assert np.all(z[:30] == 0) and np.all(np.abs(z[30:]) > 0)


def test_generated_torch_code_of_aliases_conforms():
    spec = _alias("TanhLRScheduler", 0.05, **SEED_TANH, warmup_prefix=False, cycle_limit=2)
    report = check(spec, "torch")
    assert report.passed, report.detail
    spec = _alias("CosineLRScheduler", 0.1, t_initial=100, cycle_mul=2, cycle_limit=5, cycle_decay=0.5, lr_min=1e-4,
                  k_decay=1.5)
    report = check(spec, "torch")
    assert report.passed, report.detail
