"""The torch aliases against torch 2.13's own schedulers (torch/optim/lr_scheduler.py), run for real.

torch's values are what a training loop sees: the optimizer is built with ``lr=base_lr``, and
``optimizer.param_groups[0]["lr"]`` is read before each ``scheduler.step()``, so the t-th value is lr(t).
``optimizer.step()`` is not called in the long loops (it never touches the rate;
test_the_optimizer_step_does_not_change_the_rates checks that), which keeps this file fast.

torch steps most schedulers with recursive ("chainable") formulas; lrspec gives their closed forms, which agree to
about 1e-13 relative over a few thousand steps. Every comparison is within 1e-12 of the peak |lr|
(docs/compat.md quantifies the drift); where lrspec reproduces torch's arithmetic exactly, values are compared
bit for bit.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as L

import lrspec
from lrspec.conformance import check
from lrspec.expand import core_mapping

TOL = 1e-12


def _optimizer(lr: float) -> torch.optim.SGD:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def torch_lrs(build, base_lr: float, n: int, *, optimizer_step: bool = False) -> np.ndarray:
    """lr(0..n-1) of the scheduler ``build(optimizer)`` in a training loop."""
    opt = _optimizer(base_lr)
    with warnings.catch_warnings():
        # "lr_scheduler.step() before optimizer.step()" and SequentialLR's deprecation notes: no effect on the rate
        warnings.simplefilter("ignore")
        sched = build(opt)
        group = opt.param_groups[0]
        out = np.empty(n)
        for t in range(n):
            out[t] = group["lr"]
            if t + 1 < n:  # no step past the last value read (OneCycleLR raises beyond total_steps)
                if optimizer_step:
                    opt.step()
                sched.step()
    return out


def alias(schedule: dict) -> lrspec.Spec:
    return lrspec.load({"lrspec": 1, "schedule": schedule})


def assert_close(got: np.ndarray, ref: np.ndarray, steps: np.ndarray | None = None) -> None:
    steps = np.arange(len(ref)) if steps is None else steps
    peak = np.abs(ref).max()
    err = np.abs(got - ref)
    bad = np.nonzero(~(err <= TOL * peak))[0]
    assert bad.size == 0, (f"{bad.size} steps differ by more than {TOL:g} of the peak; first at t = {steps[bad[0]]}: "
                           f"lrspec {got[bad[0]]!r}, torch {ref[bad[0]]!r}; max {err.max() / peak:.3g}")


def _simple(kind: str, n: int, **params):
    """A case whose alias fields are torch's keyword arguments, plus base_lr (the optimizer's rate; CyclicLR's own)."""
    kwargs = {k: v for k, v in params.items() if k != "base_lr" or kind == "CyclicLR"}
    schedule = {"type": f"torch.{kind}", **params}
    return pytest.param(schedule, lambda opt: getattr(L, kind)(opt, **kwargs), n,
                        id=f"{kind}-" + ",".join(f"{k}={v}" for k, v in kwargs.items())[:60])


def _with(schedule: dict, build, n: int, name: str):
    return pytest.param(schedule, build, n, id=name)


#: The Transformer's rate (Vaswani et al. 2017) as a LambdaLR factor, d_model 512, 400 warm-up steps.
NOAM = {"type": "torch.LambdaLR", "base_lr": 1.0, "params": {"d": 512, "w": 400},
        "lr_lambda": "d ** -0.5 * min((t + 1) ** -0.5, (t + 1) * w ** -1.5)"}


def noam(epoch: int) -> float:
    return 512 ** -0.5 * min((epoch + 1) ** -0.5, (epoch + 1) * 400 ** -1.5)


CASES = [
    # StepLR: the torch docs example (every 30 epochs), halving, a per-step decay, growth, gamma 0
    _simple("StepLR", 400, base_lr=0.05, step_size=30),
    _simple("StepLR", 300, base_lr=0.05, step_size=7, gamma=0.5),
    _simple("StepLR", 200, base_lr=0.01, step_size=10, gamma=1.5),
    _simple("StepLR", 100, base_lr=0.1, step_size=10, gamma=0.0),
    # MultiStepLR: the docs example; unsorted, repeated and 0 milestones; none; many
    _simple("MultiStepLR", 300, base_lr=0.05, milestones=[30, 80]),
    _simple("MultiStepLR", 300, base_lr=0.1, milestones=[50, 10, 50, 0, 120], gamma=0.5),
    _simple("MultiStepLR", 50, base_lr=0.1, milestones=[]),
    _simple("MultiStepLR", 3000, base_lr=0.4, milestones=list(range(100, 3000, 100)), gamma=0.9),
    # ExponentialLR
    _simple("ExponentialLR", 3000, base_lr=0.1, gamma=0.999),
    _simple("ExponentialLR", 3000, base_lr=0.001, gamma=1.001),
    _simple("ExponentialLR", 20, base_lr=0.1, gamma=0.0),
    # CosineAnnealingLR, over many periods past T_max (the recursion goes back up with period 2 * T_max)
    _simple("CosineAnnealingLR", 3000, base_lr=0.1, T_max=100),
    _simple("CosineAnnealingLR", 3000, base_lr=0.1, T_max=50, eta_min=1e-3),
    _simple("CosineAnnealingLR", 2000, base_lr=0.05, T_max=7, eta_min=0.01),
    _simple("CosineAnnealingLR", 6001, base_lr=0.1, T_max=1000, eta_min=1e-3),
    _simple("CosineAnnealingLR", 3001, base_lr=0.1, T_max=2000, eta_min=1e-3),
    _simple("CosineAnnealingLR", 50, base_lr=0.1, T_max=1),
    # CosineAnnealingWarmRestarts in a training loop (integer T_cur: exact, and bit for bit with lrspec)
    _simple("CosineAnnealingWarmRestarts", 300, base_lr=0.1, T_0=10),
    _simple("CosineAnnealingWarmRestarts", 1300, base_lr=0.1, T_0=5, T_mult=2, eta_min=1e-3),
    _simple("CosineAnnealingWarmRestarts", 13000, base_lr=0.1, T_0=100, T_mult=3),
    # CyclicLR (the lr is the same with torch's momentum cycle on or off; tests/conformance/test_momentum.py)
    _simple("CyclicLR", 1300, base_lr=0.001, max_lr=0.006, step_size_up=200),
    _simple("CyclicLR", 400, base_lr=0.001, max_lr=0.01, step_size_up=10, step_size_down=30, mode="triangular2"),
    _simple("CyclicLR", 1000, base_lr=0.001, max_lr=0.01, step_size_up=25, mode="exp_range", gamma=0.999,
            cycle_momentum=False),
    _simple("CyclicLR", 300, base_lr=0.01, max_lr=0.001, step_size_up=7, step_size_down=3),
    _with({"type": "torch.CyclicLR", "base_lr": 0.001, "max_lr": 0.005, "step_size_up": 20,
           "scale_fn": "1 / (1 + k * (x - 1))", "params": {"k": 0.5}},
          lambda opt: L.CyclicLR(opt, 0.001, 0.005, 20, scale_fn=lambda x: 1 / (1 + 0.5 * (x - 1))), 400,
          "CyclicLR-scale_fn-cycle"),
    _with({"type": "torch.CyclicLR", "base_lr": 0.001, "max_lr": 0.005, "step_size_up": 15, "step_size_down": 5,
           "scale_fn": "g ** x", "params": {"g": 0.998}, "scale_mode": "iterations"},
          lambda opt: L.CyclicLR(opt, 0.001, 0.005, 15, 5, scale_fn=lambda x: 0.998 ** x, scale_mode="iterations"),
          400, "CyclicLR-scale_fn-iterations"),
    # OneCycleLR: the cycle's steps 0 .. total_steps - 1 (the step at total_steps: see the test below)
    _simple("OneCycleLR", 1000, max_lr=0.1, total_steps=1000),
    _simple("OneCycleLR", 500, max_lr=0.01, epochs=10, steps_per_epoch=50, anneal_strategy="linear"),
    _simple("OneCycleLR", 1000, max_lr=0.1, total_steps=1000, three_phase=True),
    _simple("OneCycleLR", 10, max_lr=0.1, total_steps=10, pct_start=0.25),
    _simple("OneCycleLR", 200, max_lr=1.0, total_steps=200, anneal_strategy="linear", div_factor=10.0,
            final_div_factor=100.0, pct_start=0.4),
    # PolynomialLR
    _simple("PolynomialLR", 20, base_lr=0.1),
    _simple("PolynomialLR", 3000, base_lr=0.1, total_iters=1000, power=2.0),
    _simple("PolynomialLR", 700, base_lr=0.3, total_iters=300, power=0.5),
    # LinearLR: the default warm-up, a long one, a decay, down to 0
    _simple("LinearLR", 20, base_lr=0.1),
    _simple("LinearLR", 3000, base_lr=0.1, start_factor=0.01, total_iters=1000),
    _simple("LinearLR", 2000, base_lr=0.1, start_factor=1.0, end_factor=0.1, total_iters=777),
    _simple("LinearLR", 200, base_lr=0.1, start_factor=0.5, end_factor=0.0, total_iters=50),
    # ConstantLR
    _simple("ConstantLR", 20, base_lr=0.1),
    _simple("ConstantLR", 300, base_lr=0.05, factor=0.5, total_iters=100),
    _simple("ConstantLR", 20, base_lr=0.1, factor=1.0),
    _simple("ConstantLR", 30, base_lr=0.007, factor=0.3, total_iters=3),
    # LambdaLR: the factor as an expression of t, torch's as the same Python lambda
    _with({"type": "torch.LambdaLR", "base_lr": 0.1, "lr_lambda": "0.95 ** t"},
          lambda opt: L.LambdaLR(opt, lambda e: 0.95 ** e), 500, "LambdaLR-power"),
    _with({"type": "torch.LambdaLR", "base_lr": 0.1, "lr_lambda": "1 / (1 + 0.01 * t)"},
          lambda opt: L.LambdaLR(opt, lambda e: 1 / (1 + 0.01 * e)), 1000, "LambdaLR-inverse-time"),
    _with({"type": "torch.LambdaLR", "base_lr": 0.003, "lr_lambda": "min(1.0, (t + 1) / warm)",
           "params": {"warm": 100}},
          lambda opt: L.LambdaLR(opt, lambda e: min(1.0, (e + 1) / 100)), 500, "LambdaLR-warmup"),
    _with(NOAM, lambda opt: L.LambdaLR(opt, noam), 3000, "LambdaLR-noam"),
]


@pytest.mark.parametrize("schedule,build,n", CASES)
def test_alias_matches_torch_in_a_training_loop(schedule, build, n):
    base_lr = schedule.get("base_lr", 1.0)
    ref = torch_lrs(build, base_lr, n)
    got = alias(schedule).evaluate(np.arange(n))
    assert_close(got, ref)


# --- where lrspec reproduces torch's arithmetic exactly -----------------------------------------------------------

@pytest.mark.parametrize("schedule,build,n", [
    c for c in CASES if c.values[0]["type"] in (
        "torch.MultiStepLR", "torch.ConstantLR", "torch.CosineAnnealingWarmRestarts", "torch.OneCycleLR",
        "torch.LambdaLR")])
def test_bit_for_bit_where_the_loop_is_a_closed_form_or_a_table(schedule, build, n):
    # MultiStepLR and ConstantLR: the alias's values are torch's recursion (lr * gamma ** count, lr * (1 / factor));
    # CosineAnnealingWarmRestarts (stepped), OneCycleLR, LambdaLR: torch's loop evaluates a closed form
    ref = torch_lrs(build, schedule.get("base_lr", 1.0), n)
    got = alias(schedule).evaluate(np.arange(n))
    if schedule["type"] == "torch.CosineAnnealingWarmRestarts":
        # lrspec's cosine is its vectorizing fast path, within 1e-15 of the peak (spec/numerics.md#fast-paths)
        assert np.abs(got - ref).max() <= 1e-15 * schedule["base_lr"]
        assert np.array_equal(got[ref == schedule["base_lr"]], ref[ref == schedule["base_lr"]])  # restarts exact
    else:
        assert np.array_equal(got, ref)


def _closed_form(sched, t: int) -> float:
    sched.last_epoch = t
    return sched._get_closed_form_lr()[0]


@pytest.mark.parametrize("kind,params,steps", [
    ("StepLR", dict(base_lr=0.05, step_size=7, gamma=0.5), [0, 6, 7, 8, 1000, 10**6 + 7, 10**9]),
    ("ExponentialLR", dict(base_lr=0.1, gamma=0.999), [0, 1, 2, 999, 10**5, 10**6 + 1]),
    ("PolynomialLR", dict(base_lr=0.3, total_iters=300, power=0.5), [0, 1, 100, 299, 300, 10**9]),
    ("LinearLR", dict(base_lr=0.1, start_factor=0.01, total_iters=1000), [0, 1, 500, 999, 1000, 1001, 10**12]),
    ("CosineAnnealingLR", dict(base_lr=0.1, T_max=1000, eta_min=1e-3), [0, 1, 250, 500, 999, 1000, 1001, 1999]),
])
def test_alias_is_torch_closed_form_bit_for_bit(kind, params, steps):
    kwargs = {k: v for k, v in params.items() if k != "base_lr"}
    sched = getattr(L, kind)(_optimizer(params["base_lr"]), **kwargs)
    spec = alias({"type": f"torch.{kind}", **params})
    for t in steps:
        assert spec.evaluate(t) == _closed_form(sched, t), t


# --- far steps ----------------------------------------------------------------------------------------------------

def test_cosine_annealing_is_exactly_periodic_far_past_t_max():
    # torch's recursion continues past T_max with period 2 * T_max; lrspec reduces t modulo 2 * T_max exactly, so
    # lr(t + 2 * T_max * k) == lr(t) bit for bit at any distance, and equals torch's closed form on [0, 2 * T_max)
    spec = alias({"type": "torch.CosineAnnealingLR", "base_lr": 0.1, "T_max": 50, "eta_min": 1e-3})
    first = spec.evaluate(np.arange(100))
    for k in (1, 7, 10**6, 10**12, 2**52 // 100 - 1):
        assert np.array_equal(spec.evaluate(np.arange(100) + 100 * k), first), k
    assert spec.evaluate(50) == 1e-3 and spec.evaluate(100 * 10**12) == first[0]
    # what torch's loop reads after 20000 steps (200 periods) is the same value, up to its accumulated drift
    opt = _optimizer(0.1)
    sched = L.CosineAnnealingLR(opt, 50, 1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(20000):
            sched.step()
    assert abs(opt.param_groups[0]["lr"] - spec.evaluate(20000)) < 1e-11 * 0.1


#: torch's step(epoch) finds the cycle with int(math.log(...)), which rounds below the cycle index exactly at these
#: cycle starts (T_0=100, T_mult=3) and returns eta_min instead of base_lr: a torch bug lrspec does not reproduce
#: (docs/compat.md). The stepped loop is exact (test_alias_matches_torch_in_a_training_loop, 13000 steps).
CAWR_FLOAT_LOG_BUG = {12100: 0.0, 2952400: 0.0, 79716100: 0.0}


def test_cosine_annealing_warm_restarts_far_cycles_by_epoch():
    spec = alias({"type": "torch.CosineAnnealingWarmRestarts", "base_lr": 0.1, "T_0": 100, "T_mult": 3})
    opt = _optimizer(0.1)
    sched = L.CosineAnnealingWarmRestarts(opt, 100, 3)
    starts = [100 * (3**n - 1) // 2 for n in range(1, 15)]
    checked = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for start in starts:
            for t in (start - 1, start, start + 1, start + 37):
                sched.step(t)
                got, ref = spec.evaluate(t), opt.param_groups[0]["lr"]
                if t in CAWR_FLOAT_LOG_BUG:
                    assert ref == CAWR_FLOAT_LOG_BUG[t] and got == 0.1
                    continue
                assert got == pytest.approx(ref, abs=1e-15 * 0.1, rel=0), t  # the cosine fast path's bound
                checked += 1
    assert checked == 4 * len(starts) - len(CAWR_FLOAT_LOG_BUG)


def _at(sched, t: int) -> float:
    """The rate a stateless scheduler (computed from last_epoch alone) gives after t steps."""
    sched.last_epoch = t - 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched.step()
    return sched.optimizer.param_groups[0]["lr"]


def test_cyclic_far_steps_where_torch_is_still_exact():
    # torch computes the position in the cycle as 1 + t / total - cycle in floating point: exact to ~1e-13 while
    # t / total is below a few thousand
    spec = alias({"type": "torch.CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 10,
                  "step_size_down": 30, "mode": "triangular2"})
    sched = L.CyclicLR(_optimizer(0.001), 0.001, 0.01, 10, 30, mode="triangular2")
    steps = [10**4 + 17, 3 * 10**4 + 9, 3 * 10**4 + 10, 3 * 10**4 + 11, 40_958, 40_959]
    ref = np.array([_at(sched, t) for t in steps])
    assert_close(spec.evaluate(np.array(steps)), ref, np.array(steps))
    # cycle 1025 starts at 40960: torch's triangular2 scale 1 / 2.0 ** 1024 raises OverflowError in Python;
    # lrspec's 2 ** 1024 is inf and the scale 0, so the rate is base_lr (docs/compat.md)
    with pytest.raises(OverflowError):
        _at(sched, 40_960)
    assert np.all(spec.evaluate(np.array([40_960, 40_975, 10**9])) == 0.001)
    steps = [10**5 + 17, 3 * 10**5 + 149, 3 * 10**5 + 150, 3 * 10**5 + 151, 10**6 - 1, 10**6]
    spec = alias({"type": "torch.CyclicLR", "base_lr": 0.001, "max_lr": 0.006, "step_size_up": 200})
    sched = L.CyclicLR(_optimizer(0.001), 0.001, 0.006, 200)
    ref = np.array([_at(sched, t) for t in steps])
    assert_close(spec.evaluate(np.array(steps)), ref, np.array(steps))


def test_cyclic_far_out_torch_loses_digits_and_lrspec_is_exact():
    spec = alias({"type": "torch.CyclicLR", "base_lr": 0.001, "max_lr": 0.006, "step_size_up": 200})
    sched = L.CyclicLR(_optimizer(0.001), 0.001, 0.006, 200)
    t = 2**40 + 123                                   # q = t mod 400 = 299: on the way down, h = 101 / 200
    q = t % 400
    assert q == 299
    exact = 0.001 + (0.006 - 0.001) * (101 / 200)
    assert spec.evaluate(t) == exact
    # torch: x = 1 + t / 400 - cycle has lost about 30 bits: 5.7e-10 off, about 1e-7 of the peak
    assert abs(_at(sched, t) - exact) > 1e-8 * 0.006


def test_lambda_far_steps():
    spec = alias({"type": "torch.LambdaLR", "base_lr": 0.003, "lr_lambda": "min(1.0, (t + 1) / warm)",
                  "params": {"warm": 100}})
    sched = L.LambdaLR(_optimizer(0.003), lambda e: min(1.0, (e + 1) / 100))
    for t in (10**6, 10**9 + 7, 2**40, 2**53 - 1):
        assert spec.evaluate(t) == _at(sched, t) == 0.003
    spec = alias(NOAM)
    sched = L.LambdaLR(_optimizer(1.0), noam)
    for t in (10**6, 10**9 + 7, 2**40, 2**53 - 1):
        assert spec.evaluate(t) == _at(sched, t)


def test_one_cycle_holds_its_final_rate_after_the_cycle():
    # torch allows one step() past the cycle, to step total_steps, and continues its curve there (for a linear
    # anneal below the final rate, often negative); later steps raise. lrspec holds the final rate from the
    # cycle's last step on (docs/compat.md): step total_steps is the one excluded step, by name.
    spec = alias({"type": "torch.OneCycleLR", "max_lr": 0.1, "total_steps": 1000})
    final = _at(L.OneCycleLR(_optimizer(1.0), 0.1, 1000), 999)
    assert final == 0.1 / 25 / 1e4
    assert np.all(spec.evaluate(np.array([999, 1000, 1001, 5000, 2**53])) == final)
    assert _at(L.OneCycleLR(_optimizer(1.0), 0.1, 1000), 1000) == 9.035483855369959e-07
    linear = alias({"type": "torch.OneCycleLR", "max_lr": 0.1, "total_steps": 10, "pct_start": 0.25,
                    "anneal_strategy": "linear"})
    torch_past = _at(L.OneCycleLR(_optimizer(1.0), 0.1, 10, pct_start=0.25, anneal_strategy="linear"), 10)
    assert torch_past < 0 < linear.evaluate(10)
    with pytest.raises(ValueError, match="Tried to step 1001 times"):
        _at(L.OneCycleLR(_optimizer(1.0), 0.1, 1000), 1001)


def test_constant_factor_zero_gives_base_lr_where_torch_divides_by_zero():
    # torch's loop divides the factor out again at total_iters (lr * (1.0 / factor)): ZeroDivisionError for factor 0;
    # lrspec gives torch's closed form, base_lr * (0 + 1 * (1 - 0)) = base_lr (docs/compat.md)
    spec = alias({"type": "torch.ConstantLR", "base_lr": 0.1, "factor": 0.0, "total_iters": 4})
    ref = torch_lrs(lambda opt: L.ConstantLR(opt, 0.0, 4), 0.1, 4)
    assert np.array_equal(spec.evaluate(np.arange(4)), ref) and not ref.any()
    with pytest.raises(ZeroDivisionError):
        torch_lrs(lambda opt: L.ConstantLR(opt, 0.0, 4), 0.1, 5)
    sched = L.ConstantLR(_optimizer(0.1), 0.0, 4)
    assert spec.evaluate(4) == spec.evaluate(10**6) == _closed_form(sched, 4) == 0.1


# --- SequentialLR -------------------------------------------------------------------------------------------------

SEQUENTIAL = [
    # warm-up then cosine, running past the cosine's T_max inside its phase
    ({"base_lr": 0.1, "milestones": [10], "schedulers": [
        {"type": "torch.LinearLR", "start_factor": 0.1, "total_iters": 10},
        {"type": "torch.CosineAnnealingLR", "T_max": 90}]},
     lambda o: [L.LinearLR(o, 0.1, total_iters=10), L.CosineAnnealingLR(o, 90)], 400),
    ({"base_lr": 0.05, "milestones": [20, 200], "schedulers": [
        {"type": "torch.ConstantLR", "factor": 0.5, "total_iters": 5},
        {"type": "torch.ExponentialLR", "gamma": 0.99},
        {"type": "torch.StepLR", "step_size": 20, "gamma": 0.5}]},
     lambda o: [L.ConstantLR(o, 0.5, 5), L.ExponentialLR(o, 0.99), L.StepLR(o, 20, 0.5)], 500),
    ({"base_lr": 0.1, "milestones": [100, 300, 450, 700], "schedulers": [
        {"type": "torch.LinearLR", "start_factor": 0.01, "total_iters": 100},
        {"type": "torch.MultiStepLR", "milestones": [50, 50, 120, 0], "gamma": 0.5},
        {"type": "torch.PolynomialLR", "total_iters": 200, "power": 2.0},
        {"type": "torch.CosineAnnealingWarmRestarts", "T_0": 30, "T_mult": 2, "eta_min": 1e-4},
        {"type": "torch.LambdaLR", "lr_lambda": "0.97 ** t"}]},
     lambda o: [L.LinearLR(o, 0.01, total_iters=100), L.MultiStepLR(o, [50, 50, 120, 0], 0.5),
                L.PolynomialLR(o, 200, 2.0), L.CosineAnnealingWarmRestarts(o, 30, 2, 1e-4),
                L.LambdaLR(o, lambda e: 0.97 ** e)], 1000),
    # a scheduler restarted after a milestone that it would itself have reached (ConstantLR, total_iters 50)
    ({"base_lr": 0.02, "milestones": [30, 60], "schedulers": [
        {"type": "torch.CosineAnnealingLR", "T_max": 20, "eta_min": 0.001},
        {"type": "torch.ConstantLR", "factor": 0.25, "total_iters": 50},
        {"type": "torch.ConstantLR", "factor": 0.25, "total_iters": 10}]},
     lambda o: [L.CosineAnnealingLR(o, 20, 0.001), L.ConstantLR(o, 0.25, 50), L.ConstantLR(o, 0.25, 10)], 200),
    ({"base_lr": 0.1, "schedulers": [{"type": "torch.CosineAnnealingLR", "T_max": 50}]},
     lambda o: [L.CosineAnnealingLR(o, 50)], 300),
]


def _sequential(params, children):
    return lambda opt: L.SequentialLR(opt, children(opt), params.get("milestones", []))


@pytest.mark.parametrize("params,children,n", SEQUENTIAL, ids=[f"seq{i}" for i in range(len(SEQUENTIAL))])
def test_sequential_matches_torch(params, children, n):
    # torch restarts each scheduler at a milestone at its closed-form value for step 0, then steps it recursively
    # from there; lrspec's phases start again at local step 0 with the same base_lr
    ref = torch_lrs(_sequential(params, children), params["base_lr"], n)
    got = alias({"type": "torch.SequentialLR", **params}).evaluate(np.arange(n))
    assert_close(got, ref)


def test_the_optimizer_step_does_not_change_the_rates():
    params, children, n = SEQUENTIAL[2]
    build = _sequential(params, children)
    assert np.array_equal(torch_lrs(build, 0.1, n, optimizer_step=True), torch_lrs(build, 0.1, n))


# --- core form, errors, generated code ----------------------------------------------------------------------------

def test_core_forms():
    spec = alias({"type": "torch.StepLR", "base_lr": 0.1, "step_size": 30})
    assert core_mapping(spec.document)["schedule"] == {
        "type": "exponential", "initial_lr": 0.1, "decay_rate": 0.1, "decay_steps": 30, "staircase": True}
    spec = alias({"type": "torch.MultiStepLR", "base_lr": 0.1, "milestones": [80, 30, 80], "gamma": 0.5})
    assert core_mapping(spec.document)["schedule"] == {
        "type": "piecewise_constant", "boundaries": [30, 80], "values": [0.1, 0.05, 0.05 * 0.5 ** 2]}
    spec = alias({"type": "torch.SequentialLR", "base_lr": 0.1, "milestones": [5], "schedulers": [
        {"type": "torch.ConstantLR", "factor": 0.5}, {"type": "torch.CosineAnnealingWarmRestarts", "T_0": 10}]})
    assert core_mapping(spec.document)["schedule"] == {"type": "sequence", "phases": [
        {"type": "piecewise_constant", "boundaries": [5], "values": [0.05, 0.1], "steps": 5},
        {"type": "cosine", "initial_lr": 0.1, "final_lr": 0.0, "exponent": 1.0,
         "restarts": {"period": 10, "period_mul": 1.0, "decay": 1.0}}]}
    spec = alias({"type": "torch.LambdaLR", "base_lr": 0.1, "lr_lambda": "0.9 ** (t // 10)"})
    assert core_mapping(spec.document)["schedule"] == {
        "type": "expression", "expr": "base_lr * (0.9 ** (t // 10))", "params": {"base_lr": 0.1}}


ERRORS = [
    ({"type": "torch.StepLR", "step_size": 30}, r"schedule.base_lr: missing required field 'base_lr'"),
    ({"type": "torch.StepLR", "base_lr": 0.1, "step_size": 2.5}, r"schedule.step_size: must be an integer >= 1"),
    ({"type": "torch.StepLR", "base_lr": 0.1, "step_size": 3, "last_epoch": 5}, r"unknown field 'last_epoch'"),
    ({"type": "torch.MultiStepLR", "base_lr": 0.1, "milestones": [10, -5]}, r"schedule.milestones\[1\]: must be"),
    ({"type": "torch.MultiStepLR", "base_lr": 0.1, "milestones": [10] * 400, "gamma": 10.0},
     r"schedule.gamma: .*overflows"),
    ({"type": "torch.ConstantLR", "base_lr": 0.1, "factor": 1.5}, r"schedule.factor: must be <= 1"),
    ({"type": "torch.ConstantLR", "base_lr": 0.1, "total_iters": 0}, r"schedule.total_iters: must be an integer >= 1"),
    ({"type": "torch.LinearLR", "base_lr": 0.1, "start_factor": 0}, r"schedule.start_factor: must be > 0"),
    ({"type": "torch.LinearLR", "base_lr": 0.1, "start_factor": 1.5}, r"schedule.start_factor: must be > 0 and <= 1"),
    ({"type": "torch.CosineAnnealingWarmRestarts", "base_lr": 0.1, "T_0": 10, "T_mult": 1.5},
     r"schedule.T_mult: must be a whole number"),
    ({"type": "torch.CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "cycle_momentum": False, "base_momentum": 0.8},
     r"schedule.base_momentum: base_momentum is used only with cycle_momentum: true"),
    ({"type": "torch.CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "max_momentum": 1.5},
     r"schedule.max_momentum: must be <= 1"),
    ({"type": "torch.OneCycleLR", "max_lr": 0.1, "total_steps": 100, "base_momentum": 0},
     r"schedule.base_momentum: base_momentum must be > 0 with cycle_momentum"),
    ({"type": "torch.CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 0},
     r"schedule.step_size_up: must be a number > 0"),
    ({"type": "torch.CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 12.1234567},
     r"schedule.step_size_up: .*at most 6 decimal places"),
    ({"type": "torch.CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "scale_fn": "lam(x)"},
     r"schedule.scale_fn: unknown function 'lam'"),
    ({"type": "torch.OneCycleLR", "max_lr": 0.1, "epochs": 10}, r"schedule.steps_per_epoch: give total_steps, or both"),
    ({"type": "torch.OneCycleLR", "max_lr": 0.1, "total_steps": 10, "pct_start": 0.05},
     r"schedule.pct_start: the first phase ends at pct_start \* total_steps - 1 = -0.5, which must be > 0"),
    ({"type": "torch.OneCycleLR", "base_lr": 0.1, "max_lr": 0.1, "total_steps": 100}, r"unknown field 'base_lr'"),
    ({"type": "torch.LambdaLR", "base_lr": 0.1, "lr_lambda": "epoch * 2"}, r"schedule.lr_lambda: unknown name 'epoch'"),
    ({"type": "torch.LambdaLR", "base_lr": 0.1, "lr_lambda": "k * t", "params": {"base_lr": 2.0}},
     r"schedule.params.base_lr: parameter name 'base_lr' is taken"),
    ({"type": "torch.SequentialLR", "base_lr": 0.1, "milestones": [5], "schedulers": [
        {"type": "torch.ConstantLR"}, {"type": "torch.ExponentialLR", "base_lr": 0.1, "gamma": 0.9}]},
     r"schedule.schedulers\[1\].base_lr: a scheduler of torch.SequentialLR takes the SequentialLR's base_lr"),
    ({"type": "torch.SequentialLR", "base_lr": 0.1, "milestones": [5], "schedulers": [
        {"type": "torch.ConstantLR"}, {"type": "torch.OneCycleLR", "max_lr": 0.1, "total_steps": 100}]},
     r"schedule.schedulers\[1\].type: torch.OneCycleLR cannot be a scheduler of torch.SequentialLR"),
    ({"type": "torch.SequentialLR", "base_lr": 0.1, "milestones": [5], "schedulers": [
        {"type": "torch.ConstantLR"}, {"type": "cosine", "initial_lr": 0.1, "decay_steps": 10}]},
     r"schedule.schedulers\[1\].type: the schedulers of torch.SequentialLR are torch schedulers"),
    ({"type": "torch.SequentialLR", "base_lr": 0.1, "milestones": [5, 9], "schedulers": [{"type": "torch.ConstantLR"}]},
     r"schedule.milestones: needs one milestone fewer than schedulers"),
    ({"type": "torch.SequentialLR", "base_lr": 0.1, "milestones": [5, 5], "schedulers": [
        {"type": "torch.ConstantLR"}, {"type": "torch.ConstantLR"}, {"type": "torch.ConstantLR"}]},
     r"schedule.milestones\[1\]: milestones must be strictly increasing"),
    ({"type": "torch.SequentialLR", "base_lr": 0.1, "milestones": [5], "schedulers": [
        {"type": "torch.ConstantLR", "steps": 5}, {"type": "torch.ConstantLR"}]},
     r"schedule.schedulers\[0\].steps: the milestones of torch.SequentialLR set the length"),
]


@pytest.mark.parametrize("schedule,message", ERRORS, ids=[f"error{i}" for i in range(len(ERRORS))])
def test_invalid_parameters_are_named(schedule, message):
    with pytest.raises(lrspec.LrspecError, match=message):
        alias(schedule)


def test_durations_resolve_in_torch_aliases():
    spec = lrspec.load({"lrspec": 1, "steps_per_epoch": 100, "schedule": {
        "type": "torch.SequentialLR", "base_lr": 0.1, "milestones": ["2ep"], "schedulers": [
            {"type": "torch.LinearLR", "start_factor": 0.1, "total_iters": "2ep"},
            {"type": "torch.CosineAnnealingLR", "T_max": "8ep"}]}})
    phases = core_mapping(spec.document)["schedule"]["phases"]
    assert phases[0]["steps"] == 200 and phases[1]["params"]["T_max"] == 800.0


@pytest.mark.parametrize("schedule", [
    {"type": "torch.SequentialLR", **SEQUENTIAL[2][0]},
    {"type": "torch.OneCycleLR", "max_lr": 0.1, "total_steps": 1000, "three_phase": True},
], ids=["sequential", "one-cycle"])
def test_generated_torch_code_of_an_alias_conforms(schedule):
    report = check(alias(schedule), "torch")
    assert report.passed, report.detail


# --- ChainedScheduler ---------------------------------------------------------------------------------------------

CHAINED = [
    # a per-step decay chained with a step decay, and with milestones (repeated, unsorted, at 0)
    ({"base_lr": 0.1, "schedulers": [{"type": "torch.ExponentialLR", "gamma": 0.99},
                                     {"type": "torch.StepLR", "step_size": 30, "gamma": 0.5}]},
     lambda o: [L.ExponentialLR(o, 0.99), L.StepLR(o, 30, 0.5)], 300),
    ({"base_lr": 0.05, "schedulers": [{"type": "torch.MultiStepLR", "milestones": [50, 120, 50, 0], "gamma": 0.5},
                                      {"type": "torch.ExponentialLR", "gamma": 0.995}]},
     lambda o: [L.MultiStepLR(o, [50, 120, 50, 0], 0.5), L.ExponentialLR(o, 0.995)], 300),
    # torch's documentation example (ConstantLR's factor until total_iters, an exponential decay throughout)
    ({"base_lr": 0.05, "schedulers": [{"type": "torch.ConstantLR", "factor": 0.1, "total_iters": 20},
                                      {"type": "torch.ExponentialLR", "gamma": 0.9}]},
     lambda o: [L.ConstantLR(o, 0.1, 20), L.ExponentialLR(o, 0.9)], 300),
    # torch's own test (test_chained_lr2): a LinearLR warm-up factor chained with MultiStepLR
    ({"base_lr": 0.05, "schedulers": [{"type": "torch.LinearLR", "start_factor": 0.4, "total_iters": 3},
                                      {"type": "torch.MultiStepLR", "milestones": [4, 8, 10], "gamma": 0.1}]},
     lambda o: [L.LinearLR(o, 0.4, total_iters=3), L.MultiStepLR(o, [4, 8, 10], 0.1)], 300),
    # a warm-up factor, a decay and a polynomial that reaches 0 inside the run
    ({"base_lr": 0.2, "schedulers": [{"type": "torch.LinearLR", "start_factor": 0.1, "total_iters": 50},
                                     {"type": "torch.ExponentialLR", "gamma": 0.999},
                                     {"type": "torch.PolynomialLR", "total_iters": 250, "power": 2.0}]},
     lambda o: [L.LinearLR(o, 0.1, total_iters=50), L.ExponentialLR(o, 0.999), L.PolynomialLR(o, 250, 2.0)], 300),
    # one scheduler: the chain is that scheduler
    ({"base_lr": 0.1, "schedulers": [{"type": "torch.StepLR", "step_size": 7, "gamma": 0.5}]},
     lambda o: [L.StepLR(o, 7, 0.5)], 100),
]


def _chained(children):
    return lambda opt: L.ChainedScheduler(children(opt))


@pytest.mark.parametrize("params,children,n", CHAINED, ids=[f"chained{i}" for i in range(len(CHAINED))])
def test_chained_matches_torch(params, children, n):
    # torch multiplies the optimizer's rate by each scheduler's change in turn at every step; lrspec multiplies
    # base_lr by each scheduler's closed form at t (spec/types/product.md)
    ref = torch_lrs(_chained(children), params["base_lr"], n)
    got = alias({"type": "torch.ChainedScheduler", **params}).evaluate(np.arange(n))
    assert_close(got, ref)


def test_chained_core_form_is_a_product_with_the_first_scheduler_as_the_base():
    spec = alias({"type": "torch.ChainedScheduler", **CHAINED[2][0]})
    assert core_mapping(spec.document)["schedule"] == {
        "type": "product",
        "base": {"type": "piecewise_constant", "boundaries": [20], "values": [0.05 * 0.1, 0.05 * 0.1 * (1 / 0.1)]},
        "factors": [{"type": "exponential", "initial_lr": 1.0, "decay_rate": 0.9, "decay_steps": 1,
                     "staircase": True}]}
    single = alias({"type": "torch.ChainedScheduler", **CHAINED[-1][0]})
    assert core_mapping(single.document)["schedule"]["type"] == "exponential"


def test_generated_torch_code_of_a_chained_scheduler_conforms():
    report = check(alias({"type": "torch.ChainedScheduler", **CHAINED[4][0]}), "torch")
    assert report.passed, report.detail


# Why the refused schedulers are refused, in torch itself: chained, their rate is not the product.

def _product_of_alone(builds, base_lr: float, n: int) -> np.ndarray:
    return base_lr * np.prod([torch_lrs(lambda o, b=b: b(o), 1.0, n) for b in builds], axis=0)


@pytest.mark.parametrize("eta_min,first_difference", [(0.01, 1), (0.0, 51)])
def test_torch_cosine_annealing_does_not_chain_as_a_product(eta_min, first_difference):
    builds = [lambda o: L.CosineAnnealingLR(o, 50, eta_min), lambda o: L.ExponentialLR(o, 0.99)]
    ref = torch_lrs(lambda o: L.ChainedScheduler([b(o) for b in builds]), 0.1, 120)
    product = _product_of_alone(builds, 0.1, 120)
    differs = np.nonzero(np.abs(ref - product) > 1e-6)[0]
    assert differs[0] == first_difference


@pytest.mark.parametrize("build", [lambda o: L.LambdaLR(o, lambda e: 0.98 ** e),
                                   lambda o: L.CosineAnnealingWarmRestarts(o, 30)], ids=["LambdaLR", "SGDR"])
def test_torch_schedulers_that_compute_from_base_lr_do_not_chain_as_a_product(build):
    builds = [build, lambda o: L.ExponentialLR(o, 0.99)]
    ref = torch_lrs(lambda o: L.ChainedScheduler([b(o) for b in builds]), 0.1, 50)
    assert np.abs(ref - _product_of_alone(builds, 0.1, 50)).max() > 1e-4


def test_torch_sequential_lr_cannot_hold_a_chained_scheduler_faithfully():
    # first: SequentialLR's construction steps the chained ExponentialLR once more (base_lr * gamma at step 0)
    ref = torch_lrs(lambda o: L.SequentialLR(o, [L.ChainedScheduler([L.ExponentialLR(o, 0.5)]),
                                                 L.ConstantLR(o, 1.0)], [5]), 1.0, 4)
    assert ref.tolist() == [0.5, 0.25, 0.125, 0.0625]
    # later: SequentialLR restarts it through get_lr at its milestone, which a ChainedScheduler does not have
    with pytest.raises(NotImplementedError):
        torch_lrs(lambda o: L.SequentialLR(o, [L.ConstantLR(o, 1.0), L.ChainedScheduler([L.ExponentialLR(o, 0.5)])],
                                           [2]), 1.0, 4)


CHAINED_ERRORS = [
    ([{"type": "torch.ExponentialLR", "gamma": 0.9}, {"type": "torch.CosineAnnealingLR", "T_max": 10}],
     r"schedule.schedulers\[1\].type: torch.CosineAnnealingLR cannot be chained in torch.ChainedScheduler: its step is "
     r"not a multiplication of the current rate"),
    ([{"type": "torch.LambdaLR", "lr_lambda": "0.9 ** t"}, {"type": "torch.ExponentialLR", "gamma": 0.9}],
     r"schedule.schedulers\[0\].type: torch.LambdaLR cannot be chained in torch.ChainedScheduler: it computes the rate "
     r"from base_lr at every step"),
    ([{"type": "torch.ExponentialLR", "gamma": 0.9}, {"type": "torch.CosineAnnealingWarmRestarts", "T_0": 10}],
     r"schedule.schedulers\[1\].type: torch.CosineAnnealingWarmRestarts cannot be chained"),
    ([{"type": "torch.ExponentialLR", "gamma": 0.9}, {"type": "torch.OneCycleLR", "max_lr": 0.1, "total_steps": 9}],
     r"schedule.schedulers\[1\].type: torch.OneCycleLR cannot be chained"),
    ([{"type": "torch.ExponentialLR", "gamma": 0.9}, {"type": "torch.ChainedScheduler", "schedulers": []}],
     r"schedule.schedulers\[1\].type: torch.ChainedScheduler cannot be chained in torch.ChainedScheduler: list its "
     r"schedulers in this one instead"),
    ([{"type": "torch.ExponentialLR", "gamma": 0.9}, {"type": "torch.ReduceLROnPlateau"}],
     r"schedule.schedulers\[1\].type: torch.ReduceLROnPlateau cannot be chained .* validation metric"),
    ([{"type": "torch.ExponentialLR", "gamma": 0.9}, {"type": "exponential", "initial_lr": 1.0, "decay_rate": 0.5}],
     r"schedule.schedulers\[1\].type: the schedulers of torch.ChainedScheduler are torch schedulers, got type "
     r"'exponential'; allowed: torch.StepLR, .*; for other factors, write a core 'product' node"),
    ([{"type": "torch.ExponentialLR", "gamma": 0.9, "base_lr": 0.1}],
     r"schedule.schedulers\[0\].base_lr: a scheduler of torch.ChainedScheduler takes the ChainedScheduler's base_lr"),
    ([{"type": "torch.ExponentialLR", "gamma": 0.9, "steps": 10}, {"type": "torch.ExponentialLR", "gamma": 0.9}],
     r"schedule.schedulers\[0\].steps: the schedulers of torch.ChainedScheduler all run from step 0"),
    ([{"type": "torch.StepLR", "step_size": 0}], r"schedule.schedulers\[0\].step_size: must be an integer >= 1"),
    ([], r"schedule.schedulers: needs at least 1 item"),
]


@pytest.mark.parametrize("schedulers,message", CHAINED_ERRORS,
                         ids=[f"chained-error{i}" for i in range(len(CHAINED_ERRORS))])
def test_invalid_chained_schedulers_are_named(schedulers, message):
    with pytest.raises(lrspec.LrspecError, match=message):
        alias({"type": "torch.ChainedScheduler", "base_lr": 0.1, "schedulers": schedulers})


def test_sequential_lr_refuses_a_chained_scheduler_and_says_why():
    chained = {"type": "torch.ChainedScheduler", "schedulers": [{"type": "torch.ExponentialLR", "gamma": 0.5}]}
    with pytest.raises(lrspec.LrspecError, match=r"schedule.schedulers\[0\].type: torch.ChainedScheduler cannot be a "
                                                 r"scheduler of torch.SequentialLR: torch cannot restart"):
        alias({"type": "torch.SequentialLR", "base_lr": 0.1, "milestones": [5],
               "schedulers": [chained, {"type": "torch.ConstantLR"}]})
    # the core sequence says what is meant: the chain for 5 steps, then the constant rate
    spec = alias({"type": "sequence", "phases": [{**chained, "base_lr": 0.1, "steps": 5},
                                                 {"type": "torch.ConstantLR", "base_lr": 0.1, "factor": 1.0}]})
    assert spec.evaluate([0, 1, 4, 5]).tolist() == [0.1, 0.05, 0.1 * 0.5 ** 4, 0.1]
