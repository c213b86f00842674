"""Nodes on counters of their own (spec/composition.md#node-counters) and warm-ups towards the current rate, against
the training code they come from: ultralytics' per-iteration warm-up into an epoch-stepped decay, Megatron-LM's
lengths in samples (both written out from their source), and torch's LinearLR chained with a decay (run for real).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import lrspec

L = torch.optim.lr_scheduler


def _relative(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    return np.abs(got - ref) / np.abs(ref).max()


# ---------------------------------------------------------------- ultralytics (YOLOv5/v8)
def yolo_lr(ni: int, nb: int, epochs: int, lr0: float, lrf: float, nw: int, cos: bool) -> float:
    """ultralytics/engine/trainer.py (``_setup_scheduler`` and the warm-up in ``_do_train``), for a weight group:
    lf(x) = max(1 - x / epochs, 0) * (1 - lrf) + lrf, or one_cycle(1, lrf, epochs) (utils/__init__.py:
    ((1 - cos(x * pi / epochs)) / 2) * (lrf - 1) + 1); LambdaLR stepped once per epoch; for ni <= nw the rate is
    np.interp(ni, [0, nw], [0, initial_lr * lf(epoch)])."""
    epoch = ni // nb
    lf = ((1 - math.cos(epoch * math.pi / epochs)) / 2) * (lrf - 1) + 1 if cos else \
        max(1 - epoch / epochs, 0) * (1.0 - lrf) + lrf
    if ni <= nw:
        return float(np.interp(ni, [0, nw], [0.0, lr0 * lf]))
    return lr0 * lf


@pytest.mark.parametrize("cos", [False, True])
def test_yolo_epoch_stepped_decay_under_a_per_iteration_warmup(cos):
    nb, epochs, lr0, lrf = 117, 40, 0.01, 0.01
    nw = max(round(3 * nb), 100)
    decay = ({"type": "cosine", "final_lr": lr0 * lrf} if cos else
             {"type": "polynomial", "end_lr": lr0 * lrf, "power": 1})
    spec = lrspec.load({"lrspec": 1, "steps_per_epoch": nb, "schedule": {
        "type": "sequence", "warmup": {"steps": nw, "initial_lr": 0.0, "prefix": False, "target_lr": "current"},
        "phases": [{**decay, "unit": "epoch", "initial_lr": lr0, "decay_steps": epochs}]}})
    steps = np.arange(epochs * nb)
    ref = np.array([yolo_lr(int(t), nb, epochs, lr0, lrf, nw, cos) for t in steps])
    assert _relative(spec.evaluate(steps), ref).max() <= 1e-12
    # the decay holds through each epoch and moves at its first iteration
    assert spec.evaluate(nb * 10 - 1) == spec.evaluate(nb * 9) != spec.evaluate(nb * 10)


# ---------------------------------------------------------------- Megatron-LM, lengths in samples
def megatron_lr(samples: int, max_lr: float, min_lr: float, warmup: int, decay: int) -> float:
    """megatron/core/optimizer_param_scheduler.py ``get_lr`` with the counters in samples (``--lr-warmup-samples``,
    ``--lr-decay-samples``; ``step(increment=global_batch_size)``), cosine style, init_lr 0."""
    if warmup > 0 and samples <= warmup:
        return max_lr * float(samples) / float(warmup)
    if samples > decay:
        return min_lr
    ratio = float(samples - warmup) / float(decay - warmup)
    return min_lr + 0.5 * (math.cos(math.pi * ratio) + 1.0) * (max_lr - min_lr)


def test_megatron_lengths_in_samples():
    gbs, warmup, decay = 512, 3_000_000, 40_000_000  # neither a multiple of the batch
    spec = lrspec.load({"lrspec": 1, "samples_per_step": gbs, "schedule": {
        "type": "sequence", "unit": "sample",
        "warmup": {"steps": warmup + 1, "divisor": warmup, "initial_lr": 0.0, "prefix": False, "target_lr": 3e-4},
        "phases": [{"type": "constant", "lr": 3e-4, "steps": warmup},
                   {"type": "cosine", "initial_lr": 3e-4, "final_lr": 3e-5, "decay_steps": decay - warmup,
                    "steps": decay - warmup + 1},
                   {"type": "constant", "lr": 3e-5}]}})
    steps = np.array([*range(0, decay // gbs + 50, 7), decay // gbs, 2**24 + 1, 2**31 + 5, 10**12])
    ref = np.array([megatron_lr(int(k) * gbs, 3e-4, 3e-5, warmup, decay) for k in steps])
    assert _relative(spec.evaluate(steps), ref).max() <= 1e-12


def test_a_sample_counter_saturates_at_t_max():
    spec = lrspec.load({"lrspec": 1, "samples_per_step": 1024, "schedule": {
        "type": "expression", "expr": "t", "unit": "sample"}})
    last = 2**53 // 1024
    assert spec.evaluate(last) == float(last * 1024)
    assert spec.evaluate(2**53) == spec.evaluate(last + 1) == float(last * 1024)


# ---------------------------------------------------------------- torch LinearLR chained with a decay
def test_current_target_is_torch_linear_lr_chained():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = L.ChainedScheduler([L.LinearLR(opt, start_factor=0.1, total_iters=40), L.ExponentialLR(opt, 0.99)])
        ref = []
        for _ in range(300):
            ref.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
    spec = lrspec.load({"lrspec": 1, "schedule": {
        "type": "exponential", "initial_lr": 0.1, "decay_rate": 0.99, "decay_steps": 1,
        "warmup": {"steps": 40, "start_factor": 0.1, "prefix": False, "target_lr": "current"}}})
    assert _relative(spec.evaluate(np.arange(300)), np.array(ref)).max() <= 1e-12
