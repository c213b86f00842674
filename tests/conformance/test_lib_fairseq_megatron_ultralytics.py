"""fairseq's, Megatron-LM's and ultralytics' schedules against the ``fairseq.*``, ``megatron.*`` and ``ultralytics.*``
aliases.

None of the three installs here, so each schedule is written out below from its source (file and function cited in
each docstring), in the library's own operations on Python floats. The aliases must agree within 1e-12 of the peak,
densely and at steps past 2**24; one document per library is also run in the generated torch, TF and JAX code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import lrspec
from lrspec.conformance import check

FAR = [2**24 + 1, 2**31 + 5, 10**12]


def _load(schedule: dict, **top) -> lrspec.Spec:
    return lrspec.load({"lrspec": 1, **top, "schedule": schedule})


def _close(got: np.ndarray, want: np.ndarray, rel: float = 1e-12) -> None:
    bound = rel * np.abs(want).max()
    bad = np.abs(got - want) > bound
    assert not bad.any(), f"first difference at index {int(np.argmax(bad))}: {got[bad][0]!r} vs {want[bad][0]!r}"


def _steps(dense: int) -> np.ndarray:
    return np.r_[np.arange(dense), FAR]


# ---------------------------------------------------------------------------------------------------------- fairseq

def fairseq_inverse_sqrt(n: int, lr: float, warmup_updates: int, warmup_init_lr: float) -> float:
    """fairseq/optim/lr_scheduler/inverse_square_root_schedule.py, ``InverseSquareRootSchedule.__init__`` and
    ``step_update``."""
    if warmup_init_lr < 0:
        warmup_init_lr = 0 if warmup_updates > 0 else lr
    lr_step = (lr - warmup_init_lr) / warmup_updates
    decay_factor = lr * warmup_updates**0.5
    if n < warmup_updates:
        return warmup_init_lr + n * lr_step
    return decay_factor * n**-0.5


def fairseq_polynomial_decay(n: int, lr: float, warmup_updates: int, end_learning_rate: float, power: float,
                             total_num_update: int, zero_lr_warmup_steps: int) -> float:
    """fairseq/optim/lr_scheduler/polynomial_decay_schedule.py, ``PolynomialDecayLRSchedule.step_update``."""
    if zero_lr_warmup_steps > 0 and n <= zero_lr_warmup_steps:
        return 0
    if warmup_updates > 0 and n <= warmup_updates + zero_lr_warmup_steps:
        return (n - zero_lr_warmup_steps) / float(warmup_updates) * lr
    if n >= total_num_update:
        return end_learning_rate
    warmup = warmup_updates + zero_lr_warmup_steps
    pct_remaining = 1 - (n - warmup) / (total_num_update - warmup)
    return (lr - end_learning_rate) * pct_remaining ** power + end_learning_rate


def fairseq_cosine(n: int, lr: float, warmup_updates: int, warmup_init_lr: float, min_lr: float, t_mult: float,
                   period: float, lr_shrink: float) -> float:
    """fairseq/optim/lr_scheduler/cosine_lr_scheduler.py, ``CosineLRSchedule.__init__`` and ``step_update``
    (``period`` is lr_period_updates, or max_update - warmup_updates)."""
    if warmup_init_lr < 0:
        warmup_init_lr = min_lr
    lr_step = (lr - warmup_init_lr) / warmup_updates if warmup_updates > 0 else 1
    if n < warmup_updates:
        return warmup_init_lr + n * lr_step
    curr = n - warmup_updates
    if t_mult != 1:
        i = math.floor(math.log(1 - curr / period * (1 - t_mult), t_mult))
        t_i = t_mult**i * period
        t_curr = curr - (1 - t_mult**i) / (1 - t_mult) * period
    else:
        i = math.floor(curr / period)
        t_i = period
        t_curr = curr - (period * i)
    shrink = lr_shrink**i
    lo, hi = min_lr * shrink, lr * shrink
    return lo + 0.5 * (hi - lo) * (1 + math.cos(math.pi * t_curr / t_i))


def fairseq_tri_stage(n: int, lr: float, warmup_steps: int, hold_steps: int, decay_steps: int, init_lr_scale: float,
                      final_lr_scale: float) -> float:
    """fairseq/optim/lr_scheduler/tri_stage_lr_scheduler.py, ``TriStageLRSchedule._decide_stage`` and
    ``step_update``."""
    init_lr, final_lr = init_lr_scale * lr, final_lr_scale * lr
    warmup_rate = (lr - init_lr) / warmup_steps if warmup_steps != 0 else 0
    decay_factor = -math.log(final_lr_scale) / decay_steps
    if n < warmup_steps:
        return init_lr + warmup_rate * n
    offset = warmup_steps
    if n < offset + hold_steps:
        return lr
    offset += hold_steps
    if n <= offset + decay_steps:
        return lr * math.exp(-decay_factor * (n - offset))
    return final_lr


def fairseq_step(n: int, lr: float, warmup_updates: int, warmup_init_lr: float, min_lr: float, lr_decay_period: int,
                 lr_decay: float) -> float:
    """fairseq/optim/lr_scheduler/step_lr_scheduler.py, ``StepLRSchedule.__init__`` and ``step_update``."""
    init = warmup_init_lr if warmup_init_lr >= 0 else min_lr
    warmup_lr_step = (lr - init) / warmup_updates if warmup_updates > 0 else 1
    if n < warmup_updates:
        return init + n * warmup_lr_step
    return max(lr * lr_decay ** ((n - warmup_updates) // lr_decay_period), min_lr)


def fairseq_fixed(n: int, updates_per_epoch: int, lrs: list[float], force_anneal: int | None, lr_shrink: float,
                  warmup_updates: int) -> float:
    """fairseq/optim/lr_scheduler/fixed_schedule.py, ``FixedLRSchedule.get_next_lr`` (set by
    ``step_begin_epoch(epoch)``, the trainer's epochs counted from 1) and ``step_update``."""
    epoch = n // updates_per_epoch + 1
    if force_anneal is None or epoch < force_anneal:
        cur = lrs[min(epoch - 1, len(lrs) - 1)]
    else:
        cur = lrs[-1] * lr_shrink ** (epoch + 1 - force_anneal)
    if warmup_updates > 0 and n < warmup_updates:
        return (n + 1) / float(warmup_updates) * cur
    return cur


@pytest.mark.parametrize("init", [-1, 1e-7])
def test_fairseq_inverse_sqrt(init: float) -> None:
    spec = _load({"type": "fairseq.inverse_sqrt", "lr": [5e-4], "warmup_updates": 400, "warmup_init_lr": init})
    steps = _steps(3000)[1:]  # fairseq's decay divides by 0 ** 0.5 at update 0 only without a warm-up
    _close(spec.evaluate(steps), np.array([fairseq_inverse_sqrt(int(t), 5e-4, 400, init) for t in steps]))


@pytest.mark.parametrize("warmup,zero,total", [(400, 0, 3000), (0, 0, 2500), (300, 50, 2000), (0, 30, 1500)])
def test_fairseq_polynomial_decay(warmup: int, zero: int, total: int) -> None:
    spec = _load({"type": "fairseq.polynomial_decay", "lr": 5e-4, "warmup_updates": warmup, "total_num_update": total,
                  "end_learning_rate": 1e-6, "power": 2.0, "zero_lr_warmup_steps": zero})
    steps = _steps(total + 100)
    want = np.array([fairseq_polynomial_decay(int(t), 5e-4, warmup, 1e-6, 2.0, total, zero) for t in steps])
    _close(spec.evaluate(steps), want)


@pytest.mark.parametrize("params", [
    dict(warmup_updates=100, lr_period_updates=500, min_lr=0.0, lr_shrink=0.5),
    dict(warmup_updates=50, warmup_init_lr=1e-6, max_update=650, min_lr=1e-5, lr_shrink=0.5),
    dict(warmup_updates=20, lr_period_updates=100, t_mult=2.0, min_lr=1e-5, lr_shrink=0.5),
    dict(lr_period_updates=100, t_mult=2.0, lr_shrink=1.0, min_lr=1e-5),
])
def test_fairseq_cosine(params: dict) -> None:
    spec = _load({"type": "fairseq.cosine", "lr": 1e-3, **params})
    w = params.get("warmup_updates", 0)
    period = params.get("lr_period_updates", -1)
    period = period if period > 0 else params["max_update"] - w
    steps = _steps(4000)
    want = np.array([fairseq_cosine(int(t), 1e-3, w, params.get("warmup_init_lr", -1), params["min_lr"],
                                    params.get("t_mult", 1.0), period, params["lr_shrink"]) for t in steps])
    _close(spec.evaluate(steps), want)


@pytest.mark.parametrize("params", [
    dict(warmup_steps=100, hold_steps=200, decay_steps=300),
    dict(warmup_steps=0, hold_steps=0, decay_steps=500, init_lr_scale=0.05, final_lr_scale=0.02),
    dict(phase_ratio=[0.1, 0.4, 0.5], max_update=1001),
])
def test_fairseq_tri_stage(params: dict) -> None:
    spec = _load({"type": "fairseq.tri_stage", "lr": 2e-3, **params})
    if "phase_ratio" in params:
        w, h, d = (int(params["max_update"] * r) for r in params["phase_ratio"])
    else:
        w, h, d = params["warmup_steps"], params["hold_steps"], params["decay_steps"]
    steps = _steps(w + h + d + 200)
    want = np.array([fairseq_tri_stage(int(t), 2e-3, w, h, d, params.get("init_lr_scale", 0.01),
                                       params.get("final_lr_scale", 0.01)) for t in steps])
    _close(spec.evaluate(steps), want)


@pytest.mark.parametrize("warmup,init", [(0, -1), (100, -1), (100, 1e-4)])
def test_fairseq_step(warmup: int, init: float) -> None:
    spec = _load({"type": "fairseq.step", "lr": 1e-3, "warmup_updates": warmup, "warmup_init_lr": init,
                  "min_lr": 2e-5, "lr_decay_period": 250, "lr_decay": 0.5})
    steps = _steps(3000)
    _close(spec.evaluate(steps), np.array([fairseq_step(int(t), 1e-3, warmup, init, 2e-5, 250, 0.5) for t in steps]))


@pytest.mark.parametrize("lrs,force_anneal,warmup", [([1e-3, 5e-4, 2e-4], None, 0), ([1e-3, 5e-4], 4, 25),
                                                     ([1e-3], 1, 7)])
def test_fairseq_fixed_counts_epochs_from_one(lrs: list, force_anneal: int | None, warmup: int) -> None:
    upe = 37
    schedule = {"type": "fairseq.fixed", "lr": lrs, "warmup_updates": warmup, "lr_shrink": 0.5}
    if force_anneal is not None:
        schedule["force_anneal"] = force_anneal
    spec = _load(schedule, steps_per_epoch=upe)
    steps = _steps(upe * 12)
    want = np.array([fairseq_fixed(int(t), upe, lrs, force_anneal, 0.5, warmup) for t in steps])
    _close(spec.evaluate(steps), want)


# ------------------------------------------------------------------------------------------------------ Megatron-LM

def megatron_get_lr(n: int, style: str, init_lr: float, max_lr: float, min_lr: float, warmup: int, decay: int,
                    wsd_decay_steps: int | None = None, wsd_style: str | None = None) -> float:
    """megatron/core/optimizer_param_scheduler.py, ``OptimizerParamScheduler.get_lr`` at ``num_steps = n``."""
    if warmup > 0 and n <= warmup:
        return init_lr + ((max_lr - init_lr) * float(n) / float(warmup))
    if style == "constant":
        return max_lr
    if n > decay:
        return min_lr
    if style == "inverse-square-root":
        return max(min_lr, max_lr * max(warmup, 1) ** 0.5 / (max(n, 1) ** 0.5))
    decay_ratio = float(n - warmup) / float(decay - warmup)
    delta = max_lr - min_lr
    if style == "linear":
        coeff = 1.0 - decay_ratio
    elif style == "cosine":
        coeff = 0.5 * (math.cos(math.pi * decay_ratio) + 1.0)
    else:
        start = decay - wsd_decay_steps
        if n <= start:
            coeff = 1.0
        else:
            r = float(n - start) / float(wsd_decay_steps)
            coeff = {"linear": lambda: 1.0 - r, "cosine": lambda: 0.5 * (math.cos(math.pi * r) + 1.0),
                     "exponential": lambda: (2.0 * math.pow(0.5, r)) - 1.0,
                     "minus_sqrt": lambda: 1.0 - math.sqrt(r)}[wsd_style]()
    return min_lr + coeff * delta


MEGATRON_CASES = [
    dict(lr_decay_style="constant", lr_warmup_steps=100),
    dict(lr_decay_style="linear", lr_warmup_steps=0),
    dict(lr_decay_style="cosine", lr_warmup_steps=150, init_lr=1e-6),
    dict(lr_decay_style="inverse-square-root", lr_warmup_steps=100),
    dict(lr_decay_style="inverse-square-root", lr_warmup_steps=0),
    *[dict(lr_decay_style="WSD", lr_warmup_steps=50, wsd_decay_steps=400, lr_wsd_decay_style=s)
      for s in ("linear", "cosine", "exponential", "minus_sqrt")],
]


@pytest.mark.parametrize("params", MEGATRON_CASES, ids=lambda p: f"{p['lr_decay_style']}-"
                         f"{p.get('lr_wsd_decay_style', p['lr_warmup_steps'])}")
def test_megatron(params: dict) -> None:
    decay = 2000
    spec = _load({"type": "megatron.OptimizerParamScheduler", "max_lr": 3e-4, "min_lr": 3e-5,
                  "lr_decay_steps": decay, **params})
    steps = _steps(decay + 200)
    want = np.array([megatron_get_lr(int(t), params["lr_decay_style"], params.get("init_lr", 0.0), 3e-4, 3e-5,
                                     params["lr_warmup_steps"], decay, params.get("wsd_decay_steps"),
                                     params.get("lr_wsd_decay_style")) for t in steps])
    _close(spec.evaluate(steps), want)


@pytest.mark.parametrize("style", ["cosine", "inverse-square-root"])
def test_megatron_lengths_in_samples(style: str) -> None:
    """``step(increment=global_batch_size)`` in megatron/training/training.py ``train_step``: num_steps counts
    samples, and the lengths (--lr-warmup-samples, --lr-decay-samples) are neither multiples of the batch."""
    gbs, warmup, decay = 96, 30_001, 400_007
    spec = _load({"type": "megatron.OptimizerParamScheduler", "max_lr": 3e-4, "min_lr": 3e-5, "lr_decay_style": style,
                  "lr_warmup_steps": warmup, "lr_decay_steps": decay, "global_batch_size": gbs},
                 samples_per_step=gbs)
    steps = np.r_[np.arange(decay // gbs + 50), FAR]
    want = np.array([megatron_get_lr(int(k) * gbs, style, 0.0, 3e-4, 3e-5, warmup, decay) for k in steps])
    _close(spec.evaluate(steps), want)


# ------------------------------------------------------------------------------------------------------ ultralytics

def yolo_lr(ni: int, nb: int, epochs: int, lr0: float, lrf: float, warmup_epochs: float, cos_lr: bool,
            start: float) -> float:
    """ultralytics/engine/trainer.py, ``BaseTrainer._setup_scheduler`` (lf linear, or ``one_cycle(1, lrf, epochs)``
    from ultralytics/utils/__init__.py; ``LambdaLR`` stepped once per epoch) and the warm-up in
    ``BaseTrainer._do_train``: ``nw = max(round(warmup_epochs * nb), 100)``, and for ``ni <= nw``
    ``np.interp(ni, [0, nw], [start, initial_lr * lf(epoch)])`` (start: warmup_bias_lr for group 0, else 0.0)."""
    epoch = ni // nb
    if cos_lr:
        lf = max((1 - math.cos(epoch * math.pi / epochs)) / 2, 0) * (lrf - 1) + 1
    else:
        lf = max(1 - epoch / epochs, 0) * (1.0 - lrf) + lrf
    nw = max(round(warmup_epochs * nb), 100) if warmup_epochs > 0 else -1
    if ni <= nw:
        return float(np.interp(ni, [0, nw], [start, lr0 * lf]))
    return lr0 * lf


@pytest.mark.parametrize("cos_lr,group,warmup_epochs,nb", [(False, "weights", 3.0, 117), (True, "weights", 2.5, 61),
                                                           (True, "bias", 3.0, 117), (False, "weights", 0.5, 30),
                                                           (False, "bias", 0.0, 117)])
def test_ultralytics(cos_lr: bool, group: str, warmup_epochs: float, nb: int) -> None:
    epochs = 30
    spec = _load({"type": "ultralytics.YOLO", "nb": nb, "epochs": epochs, "lr0": 0.01, "lrf": 0.01,
                  "cos_lr": cos_lr, "warmup_epochs": warmup_epochs, "warmup_bias_lr": 0.1, "group": group},
                 steps_per_epoch=nb)
    steps = _steps(nb * (epochs + 2))
    start = 0.1 if group == "bias" else 0.0
    want = np.array([yolo_lr(int(t), nb, epochs, 0.01, 0.01, warmup_epochs, cos_lr, start) for t in steps])
    _close(spec.evaluate(steps), want)


# ---------------------------------------------------------------------------------------------- generated targets

TARGET_DOCUMENTS = {
    "fairseq": ({"type": "fairseq.polynomial_decay", "lr": 5e-4, "warmup_updates": 40, "total_num_update": 400,
                 "end_learning_rate": 1e-6, "power": 2.0, "zero_lr_warmup_steps": 5}, {}),
    "megatron": ({"type": "megatron.OptimizerParamScheduler", "max_lr": 3e-4, "min_lr": 3e-5, "init_lr": 1e-6,
                  "lr_warmup_steps": 300, "lr_decay_steps": 1500, "lr_decay_style": "cosine"}, {}),
    "ultralytics": ({"type": "ultralytics.YOLO", "nb": 20, "epochs": 60, "warmup_epochs": 3.0, "group": "bias"},
                    {"steps_per_epoch": 20}),
}


@pytest.mark.parametrize("target", ["torch", "tf", "jax"])
@pytest.mark.parametrize("library", sorted(TARGET_DOCUMENTS))
def test_generated_targets(library: str, target: str) -> None:
    schedule, top = TARGET_DOCUMENTS[library]
    report = check(_load(schedule, **top), target)
    assert report.passed, report.detail


# ------------------------------------------------------------------------------------------------- invalid fields

INVALID = [
    ({"type": "fairseq.cosine", "lr": [1e-3, 1e-4], "lr_period_updates": 10}, {}, r"schedule\.lr: .*one rate"),
    ({"type": "fairseq.cosine", "lr": 1e-3, "min_lr": 1e-3, "lr_period_updates": 10}, {}, r"schedule\.lr: .*min_lr"),
    ({"type": "fairseq.cosine", "lr": 1e-3}, {}, r"schedule\.lr_period_updates: .*max_update"),
    ({"type": "fairseq.polynomial_decay", "lr": 1e-3, "total_num_update": 10, "force_anneal": 3}, {},
     r"schedule\.force_anneal: force_anneal is not supported"),
    ({"type": "fairseq.tri_stage", "lr": 1e-3, "warmup_steps": 5}, {}, r"schedule\.decay_steps: decay_steps must"),
    ({"type": "fairseq.tri_stage", "lr": 1e-3, "phase_ratio": [0.5, 0.2, 0.2], "max_update": 100}, {},
     r"schedule\.phase_ratio: .*add up to 1"),
    ({"type": "fairseq.step", "lr": 1e-3, "min_lr": 1e-2}, {}, r"schedule\.lr: .*min_lr"),
    ({"type": "fairseq.fixed", "lr": [1e-3]}, {}, r"schedule\.lr: .*steps_per_epoch"),
    ({"type": "megatron.OptimizerParamScheduler", "max_lr": 1e-3, "lr_warmup_steps": 10, "lr_decay_steps": 10,
      "lr_decay_style": "cosine"}, {}, r"schedule\.lr_warmup_steps: .*smaller than lr_decay_steps"),
    ({"type": "megatron.OptimizerParamScheduler", "max_lr": 1e-3, "min_lr": 1e-2, "lr_decay_steps": 10,
      "lr_decay_style": "cosine"}, {}, r"schedule\.max_lr: "),
    ({"type": "megatron.OptimizerParamScheduler", "max_lr": 1e-3, "lr_decay_steps": 10, "lr_decay_style": "WSD"},
     {}, r"schedule\.wsd_decay_steps: .*needs wsd_decay_steps"),
    ({"type": "megatron.OptimizerParamScheduler", "max_lr": 1e-3, "lr_decay_steps": 10, "lr_decay_style": "WSD",
      "wsd_decay_steps": 5}, {}, r"schedule\.lr_wsd_decay_style: "),
    ({"type": "megatron.OptimizerParamScheduler", "max_lr": 1e-3, "lr_decay_steps": 100, "lr_warmup_steps": 50,
      "lr_decay_style": "WSD", "wsd_decay_steps": 60, "lr_wsd_decay_style": "linear"}, {},
     r"schedule\.wsd_decay_steps: .*not supported"),
    ({"type": "megatron.OptimizerParamScheduler", "max_lr": 1e-3, "lr_decay_steps": 100, "lr_decay_style": "linear",
      "global_batch_size": 32}, {"samples_per_step": 16}, r"schedule\.global_batch_size: .*samples_per_step: 32"),
    ({"type": "ultralytics.YOLO", "nb": 100}, {"steps_per_epoch": 50}, r"schedule\.nb: .*steps_per_epoch: 100"),
    ({"type": "ultralytics.YOLO", "nb": 100}, {}, r"schedule\.nb: "),
]


@pytest.mark.parametrize("schedule,top,message", INVALID, ids=lambda v: v.get("type") if isinstance(v, dict) and
                         "type" in v else None)
def test_invalid_fields_are_named(schedule: dict, top: dict, message: str) -> None:
    with pytest.raises(lrspec.LrspecError, match=message):
        _load(schedule, **top)


@pytest.mark.parametrize("target", ["torch", "tf", "jax"])
def test_ultralytics_cosine_in_generated_targets_over_the_training_run(target: str) -> None:
    """With cos_lr, lf(epoch) goes on oscillating after `epochs`, where ultralytics never trains; there, at epochs in
    the millions, float32 targets lose the cosine's accuracy, so the run is checked up to its last iteration."""
    nb, epochs = 20, 60
    spec = _load({"type": "ultralytics.YOLO", "nb": nb, "epochs": epochs, "cos_lr": True}, steps_per_epoch=nb)
    report = check(spec, target, np.arange(nb * epochs))
    assert report.passed, report.detail
