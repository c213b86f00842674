"""Megatron-LM's ``OptimizerParamScheduler`` (``megatron/core/optimizer_param_scheduler.py``) as core nodes.

``get_lr`` at the scheduler's ``num_steps``: a linear warm-up from init_lr over steps 0 .. lr_warmup_steps inclusive,
then the decay style up to lr_decay_steps inclusive, min_lr after. Megatron's training loop advances ``num_steps``
by the global batch size at every iteration (``step(increment=global_batch_size)``), so its lengths count samples
(``--lr-warmup-samples``, or ``--lr-warmup-iters`` times the batch size). With ``global_batch_size`` the alias
counts samples the same way: the node has ``unit: sample`` and the document's ``samples_per_step`` must be the
batch size. Without it, num_steps is lrspec's ``t`` (a scheduler stepped with ``step(1)``, or iteration-based
lengths, which give the same rates). Only the learning rate is represented, not the weight decay schedule.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ValidationInfo, model_validator

from .._base import Rate, Step, Steps, fail
from ._base import Alias

__all__ = ["OptimizerParamScheduler"]

_WSD_SHAPES = {"linear": "linear", "cosine": "cosine", "exponential": "exponential", "minus_sqrt": "1-sqrt"}


class OptimizerParamScheduler(Alias):
    """megatron.core.optimizer_param_scheduler.OptimizerParamScheduler (``get_lr``), lr_decay_style constant,
    linear, cosine, inverse-square-root or WSD."""

    library = "Megatron-LM"

    type: Literal["megatron.OptimizerParamScheduler"]
    max_lr: Rate
    """The peak rate, reached at step lr_warmup_steps."""
    min_lr: Rate = 0.0
    """The rate after lr_decay_steps (and the floor of inverse-square-root)."""
    init_lr: Rate = 0.0
    """The rate at step 0 of the warm-up."""
    lr_warmup_steps: Step = 0
    """Warm-up length: steps 0 .. lr_warmup_steps inclusive (0: none)."""
    lr_decay_steps: Steps
    """The decay ends at this step (counted from 0, warm-up included); min_lr after it."""
    lr_decay_style: Literal["constant", "linear", "cosine", "inverse-square-root", "WSD"]
    """Shape after the warm-up."""
    wsd_decay_steps: Steps | None = None
    """WSD: length of the annealing at the end of lr_decay_steps (required with WSD)."""
    lr_wsd_decay_style: Literal["linear", "cosine", "exponential", "minus_sqrt"] | None = None
    """WSD: shape of the annealing (required with WSD; Megatron's command line defaults to exponential)."""
    global_batch_size: Steps | None = None
    """Samples per iteration: the lengths count samples and the scheduler advances by this at every step
    (unit: sample; the document's samples_per_step must equal it). Omitted: the lengths count steps."""

    @model_validator(mode="after")
    def _valid(self, info: ValidationInfo) -> OptimizerParamScheduler:
        if not self.max_lr >= self.min_lr:
            raise fail(f"max_lr ({self.max_lr!r}) must be >= min_lr ({self.min_lr!r}), as Megatron asserts",
                       ("max_lr",))
        if not self.init_lr <= self.max_lr:
            raise fail(f"init_lr ({self.init_lr!r}) must be <= max_lr ({self.max_lr!r}), as Megatron asserts",
                       ("init_lr",))
        if not self.lr_warmup_steps < self.lr_decay_steps:
            raise fail(f"lr_warmup_steps ({self.lr_warmup_steps}) must be smaller than lr_decay_steps "
                       f"({self.lr_decay_steps}), as Megatron asserts", ("lr_warmup_steps",))
        if self.lr_decay_style == "WSD":
            if self.wsd_decay_steps is None:
                raise fail("lr_decay_style WSD needs wsd_decay_steps (Megatron asserts it)", ("wsd_decay_steps",))
            if self.lr_wsd_decay_style is None:
                raise fail("lr_decay_style WSD needs lr_wsd_decay_style: linear, cosine, exponential or minus_sqrt "
                           "(Megatron fails without it)", ("lr_wsd_decay_style",))
            if self.wsd_decay_steps > self.lr_decay_steps - self.lr_warmup_steps:
                raise fail(f"wsd_decay_steps ({self.wsd_decay_steps}) longer than lr_decay_steps - lr_warmup_steps "
                           f"({self.lr_decay_steps - self.lr_warmup_steps}) is not supported: Megatron's annealing "
                           "would start inside the warm-up and run on from there", ("wsd_decay_steps",))
        elif self.wsd_decay_steps is not None or self.lr_wsd_decay_style is not None:
            key = "wsd_decay_steps" if self.wsd_decay_steps is not None else "lr_wsd_decay_style"
            raise fail(f"{key} is used only with lr_decay_style WSD; remove it", (key,), key=True)
        clock = (info.context or {}).get("clock")
        if self.global_batch_size is not None and clock is not None and \
                clock.samples_per_step != self.global_batch_size:
            raise fail(f"the lengths count samples: give the document samples_per_step: {self.global_batch_size} "
                       f"(the global batch size), got {clock.samples_per_step}", ("global_batch_size",))
        return self

    def _decay(self) -> dict[str, Any]:
        """The decay on the counter n - lr_warmup_steps, for n = W .. lr_decay_steps."""
        w, d = self.lr_warmup_steps, self.lr_decay_steps
        style = self.lr_decay_style
        if style == "linear":
            return {"type": "polynomial", "initial_lr": self.max_lr, "end_lr": self.min_lr, "decay_steps": d - w,
                    "power": 1.0}
        if style == "cosine":
            return {"type": "cosine", "initial_lr": self.max_lr, "final_lr": self.min_lr, "decay_steps": d - w}
        if style == "WSD":
            node: dict[str, Any] = {"type": "wsd", "lr": self.max_lr, "final_lr": self.min_lr, "total_steps": d - w,
                                    "decay_steps": self.wsd_decay_steps,
                                    "decay_shape": _WSD_SHAPES[self.lr_wsd_decay_style]}  # type: ignore[index]
            if self.lr_wsd_decay_style == "exponential":  # 2 * 0.5 ** r - 1 = (0.5 ** r - 0.5) / (1 - 0.5)
                node["decay_ratio"] = 0.5
            return node
        # inverse-square-root: max_lr * sqrt(max(W, 1)) / sqrt(max(n, 1)), floored at min_lr
        return {"type": "inverse_sqrt", "initial_lr": self.max_lr, "timescale": max(w, 1), "shift": max(w, 1),
                "clamp": {"min_lr": self.min_lr}}

    def core(self) -> dict[str, Any]:
        w, d = self.lr_warmup_steps, self.lr_decay_steps
        if self.lr_decay_style == "constant":
            node: dict[str, Any] = {"type": "constant", "lr": self.max_lr}
        else:
            phases: list[dict[str, Any]] = []
            if w >= 1:
                phases.append({"type": "constant", "lr": self.max_lr, "steps": w})  # hidden under the warm-up
            elif self.lr_decay_style == "inverse-square-root":
                phases.append({"type": "constant", "lr": self.max_lr, "steps": 1})  # n = 0 counts as 1
            first = phases[-1]["steps"] if phases else 0
            phases.append({**self._decay(), "steps": d - first + 1})  # up to lr_decay_steps inclusive
            phases.append({"type": "constant", "lr": self.min_lr})
            node = {"type": "sequence", "phases": phases}
        if w >= 1:
            node["warmup"] = {"steps": w + 1, "divisor": w, "initial_lr": self.init_lr, "prefix": False,
                              "target_lr": self.max_lr}
        if self.global_batch_size is not None:
            node["unit"] = "sample"
        return node
