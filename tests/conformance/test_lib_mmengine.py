"""The mmengine aliases and the MMEngine config importer against mmengine 0.10's own schedulers, run for real.

MMEngine's rates come from its schedulers built on a torch SGD in the config's order, then stepped as its
ParamSchedulerHook steps them: the iteration-based ones after every iteration, the epoch-based ones after every
epoch (converted ones through build_iter_from_epoch). lr(t) is the rate read before iteration t's steps. Far steps
use MMEngine's closed forms written out by hand. Every comparison is within 1e-12 of the peak rate.
"""

from __future__ import annotations

import copy
import math
import os
import warnings

import numpy as np
import pytest
import torch

import lrspec
from lrspec.diagnostics import LrspecError
from lrspec.importers.mmengine import mmengine_document

S = pytest.importorskip("mmengine.optim.scheduler")

TOL = 1e-12
DATA = os.path.join(os.path.dirname(__file__), "..", "data", "mmengine")


def mm_lrs(configs: list[dict], base_lr: float, n: int, epoch_length: int) -> np.ndarray:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=base_lr)
    scheds = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for cfg in configs:
            cfg = copy.deepcopy(cfg)
            cls = getattr(S, cfg.pop("type").split(".")[-1])
            if cfg.pop("convert_to_iter_based", False):
                scheds.append(cls.build_iter_from_epoch(opt, epoch_length=epoch_length, **cfg))
            else:
                scheds.append(cls(opt, **cfg))
        out = np.empty(n)
        for t in range(n):
            out[t] = opt.param_groups[0]["lr"]
            for s in scheds:
                if not s.by_epoch:
                    s.step()
            if (t + 1) % epoch_length == 0:
                for s in scheds:
                    if s.by_epoch:
                        s.step()
    return out


def _doc(configs: list[dict], base_lr: float, spe: int) -> lrspec.Spec:
    items = [{**c, "type": "mmengine." + c["type"]} for c in configs]
    return lrspec.load({"lrspec": 1, "steps_per_epoch": spe, "schedule": {
        "type": "mmengine.param_scheduler", "base_lr": base_lr, "schedulers": items}})


def assert_close(got, ref) -> None:
    got, ref = np.asarray(got, dtype=float), np.asarray(ref, dtype=float)
    err = np.abs(got - ref)
    bad = np.nonzero(~(err <= TOL * np.abs(ref).max()))[0]
    assert not len(bad), f"first differences at {bad[:5]}: {got[bad[:5]]} vs {ref[bad[:5]]}"


I = {"by_epoch": False}
SINGLE = [
    [dict(type="LinearLR", start_factor=0.1, end_factor=0.8, begin=3, end=60, **I)],
    [dict(type="ConstantLR", factor=0.5, begin=3, end=40, **I)],
    [dict(type="CosineAnnealingLR", T_max=30, eta_min=0.001, begin=0, end=200, **I)],
    [dict(type="CosineAnnealingLR", eta_min_ratio=0.01, begin=5, end=25, by_epoch=True)],
    [dict(type="MultiStepLR", milestones=[0, 4, 4, 9], gamma=0.5, begin=2, end=20, by_epoch=True)],
    [dict(type="StepLR", step_size=7, gamma=0.5, begin=3, end=240, **I)],
    [dict(type="ExponentialLR", gamma=0.98, begin=3, **I)],
    [dict(type="PolyLR", eta_min=0.001, power=2.0, begin=3, end=150, **I)],
    [dict(type="OneCycleLR", eta_max=0.3, total_steps=20, three_phase=True, anneal_strategy="linear", begin=1,
          end=20, by_epoch=True, convert_to_iter_based=True)],
    [dict(type="CosineRestartLR", periods=[50, 80, 60], restart_weights=[1.0, 0.5, 0.25], eta_min=0.001, begin=10,
          **I)],
]


@pytest.mark.parametrize("configs", SINGLE, ids=[c[0]["type"] for c in SINGLE])
def test_alias_against_mmengine(configs):
    assert_close(_doc(configs, 0.1, 10).evaluate(np.arange(300)), mm_lrs(configs, 0.1, 300, 10))


def test_standalone_alias_is_the_one_element_list():
    cfg = dict(type="PolyLR", power=0.9, begin=4, end=90, by_epoch=False)
    spec = lrspec.load({"lrspec": 1, "schedule": {**cfg, "type": "mmengine.PolyLR", "base_lr": 0.05}})
    assert_close(spec.evaluate(np.arange(120)), mm_lrs([cfg], 0.05, 120, 7))


def test_overlapping_multiplicative_schedulers_against_mmengine():
    configs = [dict(type="ExponentialLR", gamma=0.99, by_epoch=False, begin=0, end=100),
               dict(type="CosineAnnealingLR", by_epoch=False, begin=20, end=120),
               dict(type="MultiStepLR", milestones=[0, 2, 2, 9], gamma=0.7, by_epoch=True, begin=1),
               dict(type="LinearLR", start_factor=0.1, end=5, by_epoch=True, convert_to_iter_based=True)]
    assert_close(_doc(configs, 0.1, 10).evaluate(np.arange(300)), mm_lrs(configs, 0.1, 300, 10))


def test_disjoint_windows_start_from_the_rate_left_before():
    configs = [dict(type="LinearLR", start_factor=0.1, end_factor=0.5, begin=0, end=50, by_epoch=False),
               dict(type="PolyLR", eta_min=1e-4, begin=50, end=250, by_epoch=False),
               dict(type="StepLR", step_size=3, gamma=0.5, begin=26, by_epoch=True)]
    assert_close(_doc(configs, 0.1, 10).evaluate(np.arange(320)), mm_lrs(configs, 0.1, 320, 10))


def test_affine_scheduler_overlapping_another_is_refused():
    configs = [dict(type="LinearLR", end=100, by_epoch=False),
               dict(type="CosineAnnealingLR", eta_min=1e-5, begin=0, end=20, by_epoch=True)]
    with pytest.raises(LrspecError, match="moves the rate towards eta_min"):
        _doc(configs, 0.1, 10)


def test_by_epoch_default_needs_the_epoch_length():
    with pytest.raises(LrspecError, match="steps_per_epoch"):
        lrspec.load({"lrspec": 1, "schedule": {"type": "mmengine.StepLR", "base_lr": 0.1, "step_size": 3}})


def test_far_steps_against_the_closed_forms():
    spec = lrspec.load({"lrspec": 1, "schedule": {"type": "mmengine.param_scheduler", "base_lr": 0.1, "schedulers": [
        {"type": "mmengine.ExponentialLR", "gamma": 0.9999999, "by_epoch": False, "end": 2**26},
        {"type": "mmengine.StepLR", "step_size": 2**23, "gamma": 0.5, "by_epoch": False, "begin": 2**24}]}})
    steps = np.array([2**24 + 3, 2**25 + 1, 2**26 - 1, 2**26, 2**27])
    want = []
    for t in steps:
        exp = 0.9999999 ** float(min(t, 2**26 - 1))
        step = 0.5 ** float((t - 2**24) // 2**23)
        want.append(0.1 * exp * step)
    assert_close(spec.evaluate(steps), want)


def test_cosine_past_t_max_rises_with_the_initial_amplitude():
    # MMEngine past T_max: eta_min + (initial - eta_min) * (1 + cos(pi * k / T_max)) / 2 (its special step at T_max+1)
    spec = lrspec.load({"lrspec": 1, "schedule": {"type": "mmengine.CosineAnnealingLR", "base_lr": 0.1, "T_max": 1000,
                                                  "eta_min": 0.01, "by_epoch": False}})
    steps = np.array([2**25 + 7, 2**25 + 500])
    want = [0.01 + 0.09 * (1 + math.cos(math.pi * float(t % 2000) / 1000.0)) / 2 for t in steps]
    assert_close(spec.evaluate(steps), want)


@pytest.mark.parametrize("target", ["torch", "tf", "jax"])
def test_alias_through_generated_code(target):
    from lrspec.conformance import check

    spec = _doc([dict(type="LinearLR", start_factor=0.01, end=30, by_epoch=False),
                 dict(type="MultiStepLR", milestones=[3, 5], by_epoch=True)], 0.1, 10)
    report = check(spec, target)
    assert report.passed, report.detail


def _import(name: str, spe: int | None) -> lrspec.Spec:
    from lrspec.importers._common import to_spec

    doc, _ = mmengine_document(os.path.join(DATA, name), spe)
    return to_spec(doc, name)


def test_import_config_with_base():
    spec = _import("child.py", 10)
    configs = [dict(type="LinearLR", start_factor=1.0e-5, by_epoch=False, begin=0, end=40),
               dict(type="CosineAnnealingLR", eta_min=0.004 * 0.05, begin=6, end=12, T_max=6, by_epoch=True,
                    convert_to_iter_based=True)]
    assert_close(spec.evaluate(np.arange(150)), mm_lrs(configs, 0.008, 150, 10))


def test_import_dumped_config():
    doc, notes = mmengine_document(os.path.join(DATA, "dumped.json"))
    assert any("val_interval" in n for n in notes)
    assert any("end = 300" in n for n in notes)
    from lrspec.importers._common import to_spec

    configs = [dict(type="LinearLR", start_factor=1e-6, by_epoch=False, begin=0, end=30),
               dict(type="PolyLR", eta_min=0.0, power=1.0, begin=30, end=300, by_epoch=False)]
    assert_close(to_spec(doc, "dumped.json").evaluate(np.arange(320)), mm_lrs(configs, 0.0006, 320, 10))


def test_import_base_schedule_needs_steps_per_epoch():
    with pytest.raises(LrspecError, match="epoch length"):
        mmengine_document(os.path.join(DATA, "base_schedule.py"))


def test_import_refuses_a_call():
    with pytest.raises(LrspecError, match="line 2: a call of 'build_end' is not a literal"):
        mmengine_document(os.path.join(DATA, "forbidden.py"))
