"""The `wsd` and `noam` types and the warm-up options against the code that defines them.

timm's ``WSDLRScheduler`` and transformers' ``get_wsd_schedule`` are imported and run for real, torch's ``LinearLR``
and ``LambdaLR`` are stepped for real; nanoGPT's, YOLOX's and The Annotated Transformer's schedules are written out
below from their source (cited at each). Every library here computes in binary64; where lrspec rounds in another
order (spec/types/wsd.md, spec/modifiers.md#warmup) the tolerance is 1e-12 of the peak, and bit for bit elsewhere.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import transformers
from libs import sgd, timm_scheduler

import lrspec

FAR = [2**24 + 1, 2**31 + 5, 10**12 + 3, 2**53]


def _spec(schedule: dict) -> lrspec.Spec:
    return lrspec.load({"lrspec": 1, "schedule": schedule})


def _close(got: np.ndarray, want: np.ndarray, rel: float = 1e-12) -> None:
    bound = rel * np.abs(want).max()
    bad = np.abs(got - want) > bound
    assert not bad.any(), f"first difference at index {int(np.argmax(bad))}: {got[bad][0]!r} vs {want[bad][0]!r}"


WSD_CASES = [
    # (timm WSDLRScheduler arguments, base lr)
    (dict(t_initial=1000, decay_t=200, lr_min=1e-5, warmup_t=50, warmup_lr_init=1e-6), 0.01),
    (dict(t_initial=1000, decay_t=1000, decay_fn="linear"), 0.01),
    (dict(t_initial=700, decay_t=150, decay_fn="cosine", lr_min=1e-4, warmup_t=30), 0.003),
    (dict(t_initial=700, decay_t=150, decay_fn="power", decay_power=2.0, warmup_t=30), 0.003),
    (dict(t_initial=900, decay_t=300, decay_fn="exp", decay_ratio=0.05, lr_min=1e-4), 0.01),
    (dict(t_initial=1200, decay_t=200, stable_fn="rsqrt", decay_fn="linear", warmup_t=100), 0.01),
    (dict(t_initial=1200, decay_t=200, stable_fn="power", stable_power=0.3, stable_timescale=40,
          decay_fn="1-sqrt", lr_min=2e-3, warmup_t=10), 0.01),
    (dict(t_initial=2**31 + 5, decay_t=2**29 + 3, warmup_t=2**24 + 1, warmup_lr_init=1e-6), 0.01),
]


def _wsd_document(p: dict, base: float) -> dict:
    """The core wsd node with timm's arguments, by spec/types/wsd.md#sources-and-differences."""
    node = {"type": "wsd", "lr": base, "final_lr": p.get("lr_min", 0.0), "total_steps": p["t_initial"],
            "decay_steps": p["decay_t"]}
    decay = {"exp": "exponential"}.get(p.get("decay_fn", "1-sqrt"), p.get("decay_fn", "1-sqrt"))
    node["decay_shape"] = decay
    if decay == "power":
        node["decay_power"] = p.get("decay_power", 0.5)
    if decay == "exponential":
        node["decay_ratio"] = p.get("decay_ratio", 0.1)
    stable = p.get("stable_fn", "constant")
    if stable != "constant":
        node.update(stable_shape=stable, timescale=p.get("stable_timescale") or p["warmup_t"])
        if stable == "power":
            node["stable_power"] = p.get("stable_power", 0.5)
    if p.get("warmup_t"):
        node["warmup"] = {"steps": p["warmup_t"], "initial_lr": p.get("warmup_lr_init", 0.0)}
    return node


@pytest.mark.parametrize(("params", "base"), WSD_CASES)
def test_wsd_equals_timm_wsd_scheduler(params: dict, base: float) -> None:
    timm = timm_scheduler("wsd_lr", "WSDLRScheduler")(sgd(base), **params)
    spec = _spec(_wsd_document(params, base))
    end = params.get("warmup_t", 0) + params["t_initial"]
    steps = [t for t in range(0, min(end, 3000) + 50)] if end < 10**6 else []
    for edge in (params.get("warmup_t", 0), end - params["decay_t"], end):
        steps += [t for t in range(edge - 3, edge + 4) if t >= 0]
    steps = np.array(sorted(set(steps + FAR)))
    want = np.array([timm._get_lr(int(t))[0] for t in steps])
    _close(spec.evaluate(steps), want)


@pytest.mark.parametrize("decay_type", ["linear", "cosine", "1-sqrt"])
@pytest.mark.parametrize(("warmup", "stable", "decay", "ratio"), [(100, 400, 300, 0.0), (0, 50, 1000, 0.1),
                                                                   (37, 0, 211, 0.25)])
def test_wsd_equals_transformers_get_wsd_schedule(decay_type: str, warmup: int, stable: int, decay: int,
                                                  ratio: float) -> None:
    base = 3e-4
    optimizer = sgd(base)
    scheduler = transformers.get_wsd_schedule(optimizer, num_warmup_steps=warmup, num_decay_steps=decay,
                                              num_stable_steps=stable, decay_type=decay_type, min_lr_ratio=ratio)
    n = warmup + stable + decay + 20
    want = np.empty(n)
    for t in range(n):
        want[t] = optimizer.param_groups[0]["lr"]
        optimizer.step()
        scheduler.step()
    node = {"type": "wsd", "lr": base, "final_lr": ratio * base, "total_steps": stable + decay, "decay_steps": decay,
            "decay_shape": decay_type}
    if warmup:
        node["warmup"] = {"steps": warmup, "start_factor": ratio}
    _close(_spec(node).evaluate(np.arange(n)), want)


@pytest.mark.parametrize(("start_factor", "total_iters"), [(0.1, 40), (1 / 3, 5), (1e-3, 100), (0.999, 7)])
def test_start_factor_warmup_equals_torch_linear_lr(start_factor: float, total_iters: int) -> None:
    optimizer = sgd(0.05)
    scheduler = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=start_factor, total_iters=total_iters)
    n = total_iters + 30
    want = np.empty(n)
    for t in range(n):
        want[t] = optimizer.param_groups[0]["lr"]
        optimizer.step()
        scheduler.step()
    spec = _spec({"type": "constant", "lr": 0.05, "warmup": {"steps": total_iters, "start_factor": start_factor}})
    _close(spec.evaluate(np.arange(n)), want)  # torch's chained form rounds at each step


def annotated_transformer_rate(step: int, model_size: float, factor: float, warmup: int) -> float:
    """The Annotated Transformer (harvardnlp, 2022), ``rate``: a step of 0 counts as 1."""
    if step == 0:
        step = 1
    return factor * (model_size ** (-0.5) * min(step ** (-0.5), step * warmup ** (-1.5)))


def opennmt_noam(step: int, warmup_steps: int, model_size: float, learning_rate: float) -> float:
    """OpenNMT-py ``onmt/utils/optimizers.py``: ``noam_decay`` times the base rate, steps counted from 1."""
    return learning_rate * (model_size ** (-0.5) * min(step ** (-0.5), step * warmup_steps ** (-1.5)))


def test_noam_equals_the_annotated_transformer_under_torch_lambda_lr() -> None:
    optimizer = sgd(1.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: annotated_transformer_rate(step, model_size=512, factor=1.0, warmup=400))
    n = 3000
    want = np.empty(n)
    for t in range(n):
        want[t] = optimizer.param_groups[0]["lr"]
        optimizer.step()
        scheduler.step()
    spec = _spec({"type": "noam", "d_model": 512, "warmup_steps": 400, "min_step": 1})
    np.testing.assert_array_equal(spec.evaluate(np.arange(n)), want)
    far = np.array(FAR)
    np.testing.assert_array_equal(spec.evaluate(far),
                                  [annotated_transformer_rate(int(t), 512, 1.0, 400) for t in far])


def test_noam_equals_opennmt_counting_from_one() -> None:
    spec = _spec({"type": "noam", "d_model": 1024, "warmup_steps": 8000, "factor": 2.0, "offset": 1})
    steps = np.r_[np.arange(0, 20000, 3), FAR[:-1], 2**53 - 1]
    np.testing.assert_array_equal(spec.evaluate(steps), [opennmt_noam(int(t) + 1, 8000, 1024, 2.0) for t in steps])


def nanogpt_lr(it: int, learning_rate: float, min_lr: float, warmup_iters: int, lr_decay_iters: int) -> float:
    """nanoGPT ``train.py`` ``get_lr`` (Karpathy): a warm-up (it + 1) / (warmup_iters + 1), a cosine to min_lr at
    lr_decay_iters, then min_lr."""
    if it < warmup_iters:
        return learning_rate * (it + 1) / (warmup_iters + 1)
    if it > lr_decay_iters:
        return min_lr
    decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return min_lr + coeff * (learning_rate - min_lr)


def test_offset_warmup_equals_nanogpt() -> None:
    spec = _spec({"type": "cosine", "initial_lr": 6e-4, "final_lr": 6e-5, "decay_steps": 5000 - 200,
                  "warmup": {"steps": 200, "offset": 1, "divisor": 201}})
    steps = np.r_[np.arange(0, 5300), FAR]
    _close(spec.evaluate(steps), np.array([nanogpt_lr(int(t), 6e-4, 6e-5, 200, 5000) for t in steps]))


def yolox_warmcos(iters: int, lr: float, total_iters: int, warmup_total_iters: int, warmup_lr_start: float,
                  no_aug_iter: int, min_lr_ratio: float) -> float:
    """YOLOX ``yolox/utils/lr_scheduler.py`` ``yolox_warm_cos_lr``: a quadratic warm-up, a cosine, then min_lr for
    the last no_aug_iter iterations."""
    min_lr = lr * min_lr_ratio
    if iters <= warmup_total_iters:
        return (lr - warmup_lr_start) * pow(iters / float(warmup_total_iters), 2) + warmup_lr_start
    if iters >= total_iters - no_aug_iter:
        return min_lr
    return min_lr + 0.5 * (lr - min_lr) * (1.0 + math.cos(
        math.pi * (iters - warmup_total_iters) / (total_iters - warmup_total_iters - no_aug_iter)))


def test_polynomial_warmup_equals_yolox() -> None:
    """YOLOX warms up over iterations 0..W inclusive and starts its cosine at W + 1 from the counter 1: an overlay
    warm-up of W + 1 steps with divisor W, over a cosine shifted by W."""
    lr, total, w, start, no_aug, ratio = 0.01, 3000, 150, 0.0, 450, 0.05
    cosine_len = total - w - no_aug
    spec = _spec({"type": "sequence", "phases": [
        {"type": "constant", "lr": lr, "steps": w},
        {"type": "cosine", "initial_lr": lr, "final_lr": lr * ratio, "decay_steps": cosine_len,
         "steps": cosine_len},
        {"type": "constant", "lr": lr * ratio}],
        "warmup": {"steps": w + 1, "shape": "polynomial", "power": 2.0, "initial_lr": start, "divisor": w,
                   "prefix": False, "target_lr": lr}})
    steps = np.arange(0, total + 100)
    _close(spec.evaluate(steps), np.array([yolox_warmcos(int(t), lr, total, w, start, no_aug, ratio) for t in steps]))


def test_endpoint_warmup_is_numpy_linspace() -> None:
    spec = _spec({"type": "constant", "lr": 0.1, "warmup": {"steps": 25, "initial_lr": 0.001, "endpoint": True}})
    _close(spec.evaluate(np.arange(25)), np.linspace(0.001, 0.1, 25), rel=1e-15)
    assert spec.evaluate(25) == 0.1


def open_clip_cosine_lr(step: int, base_lr: float, warmup_length: int, steps: int) -> float:
    """open_clip ``src/training/scheduler.py`` ``cosine_lr``: ``_warmup_lr`` = base_lr * (step + 1) / warmup_length,
    then a half cosine over steps - warmup_length."""
    if step < warmup_length:
        return base_lr * (step + 1) / warmup_length
    e, es = step - warmup_length, steps - warmup_length
    return 0.5 * (1 + math.cos(math.pi * e / es)) * base_lr


def test_offset_warmup_equals_open_clip() -> None:
    spec = _spec({"type": "cosine", "initial_lr": 5e-4, "decay_steps": 9000, "warmup": {"steps": 1000, "offset": 1}})
    steps = np.arange(0, 10000)
    _close(spec.evaluate(steps), np.array([open_clip_cosine_lr(int(t), 5e-4, 1000, 10000) for t in steps]))


def gpt_neox_lr(num_iters: int, start_lr: float, min_lr: float, warmup_iter: int, end_iter: int) -> float:
    """GPT-NeoX ``megatron/learning_rates.py`` ``AnnealingLR.get_lr``, cosine style: a warm-up over iterations
    0 … warmup_iter inclusive, then a cosine whose counter stops at end_iter - 2 warmup_iter, floored at min_lr."""
    n = min(num_iters, end_iter - warmup_iter)
    if warmup_iter > 0 and num_iters <= warmup_iter:
        return float(start_lr) * n / warmup_iter
    n = n - warmup_iter
    lr = start_lr / 2.0 * (math.cos(math.pi * n / end_iter) + 1)
    return max(lr, min_lr)


def test_clamp_of_the_main_schedule_equals_gpt_neox() -> None:
    """The floor applies after the warm-up only; where NeoX's counter stops (end_iter - warmup_iter on), its cosine
    is below min_lr here, as in any run whose min_lr is above lr at that point (docs/recipes.md)."""
    start, floor, w, end = 6e-4, 6e-5, 100, 3000
    spec = _spec({"type": "sequence", "phases": [
        {"type": "constant", "lr": start, "steps": w},
        {"type": "cosine", "initial_lr": start, "final_lr": 0.0, "decay_steps": end}],
        "warmup": {"steps": w + 1, "divisor": w, "prefix": False, "target_lr": start},
        "clamp": {"min_lr": floor, "applies_to": "main"}})
    steps = np.r_[np.arange(0, end + 200), FAR]
    want = np.array([gpt_neox_lr(int(t), start, floor, w, end) for t in steps])
    _close(spec.evaluate(steps), want)
    assert spec.evaluate(0) == 0.0  # the warm-up is not floored


def fairseq_polynomial_decay(num_updates: int, lr: float, end_learning_rate: float, warmup_updates: int,
                             total_num_update: int, power: float) -> float:
    """fairseq ``fairseq/optim/lr_scheduler/polynomial_decay_schedule.py`` ``step_update``: a warm-up over
    updates 0 … warmup_updates inclusive, then (lr - end) * pct_remaining ** power + end."""
    if warmup_updates > 0 and num_updates <= warmup_updates:
        return num_updates / float(warmup_updates) * lr
    if num_updates >= total_num_update:
        return end_learning_rate
    pct_remaining = 1 - (num_updates - warmup_updates) / (total_num_update - warmup_updates)
    return (lr - end_learning_rate) * pct_remaining ** power + end_learning_rate


def test_polynomial_decay_equals_fairseq() -> None:
    lr, end, w, total, power = 5e-4, 1e-6, 400, 3000, 2.0
    spec = _spec({"type": "sequence", "phases": [
        {"type": "constant", "lr": lr, "steps": w},
        {"type": "polynomial", "initial_lr": lr, "end_lr": end, "decay_steps": total - w, "power": power}],
        "warmup": {"steps": w + 1, "divisor": w, "prefix": False, "target_lr": lr}})
    steps = np.r_[np.arange(0, total + 100), FAR]
    want = np.array([fairseq_polynomial_decay(int(t), lr, end, w, total, power) for t in steps])
    np.testing.assert_array_equal(spec.evaluate(steps), want)  # the same operations in the same order


def megatron_lr(num_steps: int, style: str, max_lr: float, min_lr: float, init_lr: float, warmup: int,
                decay_steps: int) -> float:
    """Megatron-LM ``megatron/core/optimizer_param_scheduler.py`` ``OptimizerParamScheduler.get_lr``: a warm-up over
    steps 0 … warmup inclusive, min_lr after decay_steps, and a cosine or inverse-square-root decay between."""
    if warmup > 0 and num_steps <= warmup:
        return init_lr + ((max_lr - init_lr) * float(num_steps) / float(warmup))
    if num_steps > decay_steps:
        return min_lr
    if style == "inverse-square-root":
        return max(min_lr, max_lr * max(warmup, 1) ** 0.5 / (max(num_steps, 1) ** 0.5))
    decay_ratio = float(num_steps - warmup) / float(decay_steps - warmup)
    return min_lr + 0.5 * (math.cos(math.pi * decay_ratio) + 1.0) * (max_lr - min_lr)


@pytest.mark.parametrize("style", ["cosine", "inverse-square-root"])
def test_warmup_and_decays_equal_megatron(style: str) -> None:
    max_lr, min_lr, init_lr, w, decay = 3e-4, 3e-5, 1e-6, 200, 5000
    if style == "cosine":
        main = {"type": "cosine", "initial_lr": max_lr, "final_lr": min_lr, "decay_steps": decay - w,
                "steps": decay - w + 1}
    else:  # max_lr * sqrt(W) / sqrt(n): n = τ + W on the phase's counter, floored at min_lr under the warm-up
        main = {"type": "inverse_sqrt", "initial_lr": max_lr, "timescale": w, "shift": w, "steps": decay - w + 1,
                "clamp": {"min_lr": min_lr}}
    spec = _spec({"type": "sequence", "phases": [{"type": "constant", "lr": max_lr, "steps": w}, main,
                                                 {"type": "constant", "lr": min_lr}],
                  "warmup": {"steps": w + 1, "divisor": w, "initial_lr": init_lr, "prefix": False,
                             "target_lr": max_lr}})
    steps = np.r_[np.arange(0, decay + 100), FAR]
    want = np.array([megatron_lr(int(t), style, max_lr, min_lr, init_lr, w, decay) for t in steps])
    _close(spec.evaluate(steps), want)
