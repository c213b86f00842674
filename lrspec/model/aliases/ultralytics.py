"""ultralytics' training schedule (``ultralytics/engine/trainer.py``: ``BaseTrainer._setup_scheduler`` and the
warm-up in ``BaseTrainer._do_train``) as core nodes.

The trainer steps a ``LambdaLR`` once per epoch with ``lf(epoch)``, linear
``max(1 - x / epochs, 0) * (1.0 - lrf) + lrf`` or, with ``cos_lr``, ``one_cycle(1, lrf, epochs)``
(``((1 - cos(x * pi / epochs)) / 2) * (lrf - 1) + 1``), and for the first ``nw = max(round(warmup_epochs * nb), 100)``
iterations overwrites each group's rate with ``np.interp(ni, [0, nw], [start, lr0 * lf(epoch)])``, ``ni`` the
iteration counted over the whole run, start 0.0 for the weights and warmup_bias_lr for the biases (group 0).

The document counts iterations (``unit: step``) with ``steps_per_epoch: nb``; the decay is an expression of the
epoch (``unit: epoch``) in ultralytics' operation order, and the warm-up ramps towards it (``target_lr: current``).
The momentum warm-up (warmup_momentum to momentum) is not represented.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ValidationInfo, model_validator

from .._base import Rate, Real, Steps, fail
from ._base import Alias

__all__ = ["YoloTrainer"]


class YoloTrainer(Alias):
    """ultralytics ``BaseTrainer``'s learning rate for one parameter group: per-iteration warm-up, per-epoch
    linear or cosine decay from lr0 to lr0 * lrf."""

    library = "ultralytics"

    type: Literal["ultralytics.YOLO"]
    nb: Steps
    """Batches (iterations) per epoch, len(train_loader); the document's steps_per_epoch must equal it."""
    lr0: Rate = 0.01
    """Initial rate (the optimizer's lr)."""
    lrf: Real = 0.01
    """Final rate as a fraction of lr0, reached at epoch `epochs`."""
    cos_lr: bool = False
    """Cosine decay (one_cycle) instead of linear."""
    epochs: Steps = 100
    """Training epochs: the decay's length."""
    warmup_epochs: Real = 3.0
    """Warm-up length in epochs; nw = max(round(warmup_epochs * nb), 100) iterations (<= 0: no warm-up)."""
    warmup_bias_lr: Rate = 0.1
    """The biases' warm-up start; used only with group: bias."""
    group: Literal["weights", "bias"] = "weights"
    """Which parameter group: weights (warm-up from 0.0) or bias (group 0, warm-up from warmup_bias_lr)."""

    @model_validator(mode="after")
    def _clock(self, info: ValidationInfo) -> YoloTrainer:
        clock = (info.context or {}).get("clock")
        if clock is not None and (clock.unit != "step" or clock.steps_per_epoch != self.nb):
            raise fail(f"ultralytics counts iterations and steps its decay per epoch: give the document unit: step "
                       f"and steps_per_epoch: {self.nb} (nb), got unit {clock.unit} and steps_per_epoch "
                       f"{clock.steps_per_epoch}", ("nb",))
        return self

    def nw(self) -> int:
        """Warm-up iterations, as the trainer computes them (-1: none)."""
        return max(round(self.warmup_epochs * self.nb), 100) if self.warmup_epochs > 0 else -1

    def core(self) -> dict[str, Any]:
        if self.cos_lr:
            lf = "((1 - cos(t * pi / epochs)) / 2) * (lrf - 1) + 1"
        else:
            lf = "max(1 - t / epochs, 0) * (1.0 - lrf) + lrf"
        decay = {"type": "expression", "expr": f"lr0 * ({lf})", "unit": "epoch",
                 "params": {"lr0": self.lr0, "lrf": self.lrf, "epochs": float(self.epochs)}}
        node: dict[str, Any] = {"type": "sequence", "phases": [decay]}
        nw = self.nw()
        if nw >= 1:  # np.interp reaches lr0 * lf(epoch) at ni = nw itself, where the decay takes over
            start = self.warmup_bias_lr if self.group == "bias" else 0.0
            node["warmup"] = {"steps": nw, "initial_lr": start, "prefix": False, "target_lr": "current"}
        return node
