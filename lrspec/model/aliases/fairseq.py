"""fairseq's learning-rate schedulers (``fairseq/optim/lr_scheduler/*.py``) as core nodes.

Each alias takes the scheduler's configuration fields under fairseq's names and defaults (``lr`` is fairseq's
``--lr``, a list in fairseq: a one-element list or a number here). ``lr(t)`` is the rate that
``step_update(num_updates=t)`` puts into the optimizer: the rate of the update after ``t`` updates.

Refused, with the reason: ``lr`` lists of more than one rate (fairseq raises, except in ``fixed``), and
``force_anneal`` in ``polynomial_decay``, where fairseq takes the peak from the optimizer's rate at the start of an
epoch, which depends on where epochs end in updates. ``fixed`` counts epochs from 1 as fairseq's trainer does and
needs the document's ``steps_per_epoch`` (fairseq's updates per epoch). Differences, with numbers, are in
docs/compat.md.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, model_validator

from .._base import Length, Positive, Rate, Real, Step, Steps, fail
from ._base import Alias

__all__ = ["FairseqInverseSqrt", "FairseqPolynomialDecay", "FairseqCosine", "FairseqTriStage", "FairseqStep",
           "FairseqFixed"]


def _one_rate(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise fail(f"this scheduler takes one rate (fairseq raises 'Cannot use a fixed learning rate schedule' "
                       f"for a list of {len(value)}); use fairseq.fixed for one rate per epoch")
        return value[0]
    return value


#: fairseq's --lr: one rate, written as a number or as a one-element list.
OneRate = Annotated[Rate, BeforeValidator(_one_rate)]


def _peaked(lr: float, init: float, warmup: int, node: dict[str, Any], *, prefix: bool) -> dict[str, Any]:
    """``node`` under fairseq's linear warm-up ``init + num_updates * ((lr - init) / warmup)`` for updates
    ``0 .. warmup - 1`` (lrspec rounds it as ``init + (lr - init) * (t / warmup)``)."""
    if warmup >= 1:
        node = {**node, "warmup": {"steps": warmup, "initial_lr": init, "target_lr": lr, "prefix": prefix}}
    return node


class _Fairseq(Alias):
    library = "fairseq"


class FairseqInverseSqrt(_Fairseq):
    """fairseq ``--lr-scheduler inverse_sqrt`` (inverse_square_root_schedule.py, ``InverseSquareRootSchedule``):
    a linear warm-up from warmup_init_lr over updates 0 .. warmup_updates - 1, then
    ``lr * sqrt(warmup_updates) * num_updates ** -0.5`` (core ``inverse_sqrt`` with timescale warmup_updates)."""

    type: Literal["fairseq.inverse_sqrt"]
    lr: OneRate
    """The peak rate, reached at update warmup_updates."""
    warmup_updates: Steps = 4000
    """Updates of linear warm-up (fairseq divides by it, so it must be >= 1)."""
    warmup_init_lr: Real = -1
    """Rate at update 0; negative (the default): 0."""

    def core(self) -> dict[str, Any]:
        init = self.warmup_init_lr if self.warmup_init_lr >= 0 else 0.0
        node = {"type": "inverse_sqrt", "initial_lr": self.lr, "timescale": self.warmup_updates, "shift": 0}
        return _peaked(self.lr, init, self.warmup_updates, node, prefix=False)


class FairseqPolynomialDecay(_Fairseq):
    """fairseq ``--lr-scheduler polynomial_decay`` (polynomial_decay_schedule.py, ``PolynomialDecayLRSchedule``):
    rate 0 for updates 0 .. zero_lr_warmup_steps, a warm-up ``(n - Z) / warmup_updates * lr`` up to update
    Z + warmup_updates inclusive, then ``(lr - end) * (1 - (n - W') / (total - W')) ** power + end`` with
    W' = warmup_updates + Z, and end_learning_rate from total_num_update on."""

    type: Literal["fairseq.polynomial_decay"]
    lr: OneRate
    """The peak rate."""
    total_num_update: Steps
    """Update at which the decay reaches end_learning_rate (fairseq's default: --max-update)."""
    warmup_updates: Step = 0
    """Updates of linear warm-up from 0; the peak is reached at update warmup_updates itself."""
    end_learning_rate: Rate = 0.0
    """The rate at and after total_num_update."""
    power: Positive = 1.0
    """Exponent of the decay (1: linear)."""
    zero_lr_warmup_steps: Step = 0
    """Updates 0 .. zero_lr_warmup_steps run at rate 0 before the warm-up (0: none)."""
    force_anneal: int | None = None
    """Not supported: with it fairseq takes the peak from the optimizer's rate at the start of each epoch from
    force_anneal on, which depends on where epochs end."""

    @model_validator(mode="after")
    def _refused(self) -> FairseqPolynomialDecay:
        if self.force_anneal is not None:
            raise fail("force_anneal is not supported: from that epoch on fairseq sets the peak to the optimizer's "
                       "rate at the start of each epoch, which depends on the number of updates per epoch, not on "
                       "the update count alone; leave it out", ("force_anneal",))
        return self

    def _main(self) -> dict[str, Any]:
        """The schedule on u = num_updates - zero_lr_warmup_steps (u = 0 gives 0 when warmup_updates >= 1)."""
        w, z = self.warmup_updates, self.zero_lr_warmup_steps
        length = self.total_num_update - z - w
        decay: dict[str, Any] = ({"type": "polynomial", "initial_lr": self.lr, "end_lr": self.end_learning_rate,
                                  "decay_steps": length, "power": self.power} if length >= 1 else
                                 {"type": "constant", "lr": self.end_learning_rate})
        if w == 0:
            return decay
        # fairseq's warm-up covers u = 0 .. W inclusive (u / W * lr): an overlay of W + 1 steps dividing by W
        return {"type": "sequence", "phases": [{"type": "constant", "lr": self.lr, "steps": w}, decay],
                "warmup": {"steps": w + 1, "divisor": w, "prefix": False, "target_lr": self.lr}}

    def core(self) -> dict[str, Any]:
        main = self._main()
        z = self.zero_lr_warmup_steps
        if z == 0:
            return main
        if self.warmup_updates == 0:  # fairseq's rate is 0 at u = 0 too, where the decay alone would give lr
            main = {**main, "warmup": {"steps": 1, "shape": "constant", "initial_lr": 0.0, "prefix": False}}
        return {"type": "sequence", "phases": [{"type": "constant", "lr": 0.0, "steps": z}, main]}


class FairseqCosine(_Fairseq):
    """fairseq ``--lr-scheduler cosine`` (cosine_lr_scheduler.py, ``CosineLRSchedule``): a linear warm-up from
    warmup_init_lr, then SGDR cosine cycles from ``lr * lr_shrink**i`` to ``min_lr * lr_shrink**i`` on
    ``num_updates - warmup_updates``, cycle i lasting ``lr_period_updates * t_mult**i`` updates."""

    type: Literal["fairseq.cosine"]
    lr: OneRate
    """The peak rate (fairseq's max_lr); must be greater than min_lr."""
    warmup_updates: Step = 0
    """Updates of linear warm-up (0: none)."""
    warmup_init_lr: Real = -1
    """Rate at update 0; negative (the default): min_lr."""
    min_lr: Rate = 0.0
    """The rate at the end of the first cycle (scaled by lr_shrink**i in cycle i)."""
    t_mult: Positive = 1.0
    """Each cycle is t_mult times as long as the one before (>= 1 here)."""
    lr_period_updates: Real = -1
    """Length of the first cycle in updates; <= 0 (the default): max_update - warmup_updates."""
    lr_shrink: Positive = 0.1
    """Cycle i runs from lr * lr_shrink**i to min_lr * lr_shrink**i."""
    max_update: Step | None = None
    """fairseq's --max-update: only sets the cycle when lr_period_updates <= 0."""

    @model_validator(mode="after")
    def _valid(self) -> FairseqCosine:
        if not self.lr > self.min_lr:
            raise fail(f"lr ({self.lr!r}) must be greater than min_lr ({self.min_lr!r}), as fairseq asserts", ("lr",))
        if self.t_mult < 1:
            raise fail(f"t_mult below 1 is not supported (cycles would shrink, and fairseq's cycle index comes "
                       f"from a logarithm that ends after finitely many updates), got {self.t_mult!r}", ("t_mult",))
        if self.lr_period_updates <= 0:
            if self.max_update is None or self.max_update <= self.warmup_updates:
                raise fail("give lr_period_updates > 0, or max_update > warmup_updates (fairseq then cycles over "
                           "max_update - warmup_updates)", ("lr_period_updates",))
        return self

    def _period(self) -> int | float:
        if self.lr_period_updates > 0:
            return self.lr_period_updates
        return self.max_update - self.warmup_updates  # type: ignore[operator]

    def core(self) -> dict[str, Any]:
        restarts: dict[str, Any] = {"period": self._period()}
        if self.t_mult != 1:
            restarts["period_mul"] = self.t_mult
        cosine: dict[str, Any] = {"type": "cosine", "initial_lr": self.lr, "final_lr": self.min_lr}
        if self.lr_shrink == 1.0:
            node: dict[str, Any] = {**cosine, "restarts": restarts}
        elif self.min_lr == 0.0:
            node = {**cosine, "restarts": {**restarts, "decay": self.lr_shrink}}
        else:
            # fairseq shrinks the floor as well: min_lr * s**i + ..., i.e. the whole cosine times s**i
            node = {"type": "product", "base": {**cosine, "restarts": restarts},
                    "factors": [{"type": "constant", "lr": 1.0, "restarts": {**restarts, "decay": self.lr_shrink}}]}
        init = self.warmup_init_lr if self.warmup_init_lr >= 0 else self.min_lr
        return _peaked(self.lr, init, self.warmup_updates, node, prefix=True)


class FairseqTriStage(_Fairseq):
    """fairseq ``--lr-scheduler tri_stage`` (tri_stage_lr_scheduler.py, ``TriStageLRSchedule``): a linear
    warm-up from ``init_lr_scale * lr`` over warmup_steps updates, lr for hold_steps, an exponential decay
    ``lr * exp(-(-log(final_lr_scale) / decay_steps) * k)`` for k = 0 .. decay_steps, then
    ``final_lr_scale * lr``."""

    type: Literal["fairseq.tri_stage"]
    lr: OneRate
    """The peak rate."""
    warmup_steps: Step = 0
    """Updates of the warm-up."""
    hold_steps: Step = 0
    """Updates at lr."""
    decay_steps: Step = 0
    """Updates of the exponential decay (fairseq divides by it: must be >= 1)."""
    phase_ratio: Annotated[list[Annotated[float, Field(ge=0, le=1)]], Field(min_length=3, max_length=3)] | None = None
    """Shares of max_update for warm-up, hold and decay, summing to 1; they replace the three lengths
    (each int(max_update * share))."""
    init_lr_scale: Rate = 0.01
    """The warm-up starts at init_lr_scale * lr."""
    final_lr_scale: Positive = 0.01
    """The decay ends at final_lr_scale * lr."""
    max_update: Step | None = None
    """fairseq's --max-update: only with phase_ratio."""

    def _lengths(self) -> tuple[int, int, int]:
        if self.phase_ratio is None:
            return self.warmup_steps, self.hold_steps, self.decay_steps
        total = self.max_update or 0
        return tuple(int(total * r) for r in self.phase_ratio)  # type: ignore[return-value]

    @model_validator(mode="after")
    def _valid(self) -> FairseqTriStage:
        if self.phase_ratio is not None:
            if self.max_update is None or self.max_update <= 0:
                raise fail("phase_ratio needs max_update > 0 (fairseq asserts it)", ("max_update",))
            if sum(self.phase_ratio) != 1:
                raise fail(f"the phase ratios must add up to 1 (fairseq asserts it), got {sum(self.phase_ratio)!r}",
                           ("phase_ratio",))
        if self._lengths()[2] == 0:
            raise fail("decay_steps must be >= 1: fairseq divides -log(final_lr_scale) by it",
                       ("phase_ratio" if self.phase_ratio is not None else "decay_steps",))
        return self

    def core(self) -> dict[str, Any]:
        w, h, d = self._lengths()
        phases: list[dict[str, Any]] = []
        if h:
            phases.append({"type": "constant", "lr": self.lr, "steps": h})
        # update w + h + k for k = 0 .. d (fairseq's stage 2 includes its last update d)
        phases.append({"type": "exponential", "initial_lr": self.lr, "decay_rate": self.final_lr_scale,
                       "decay_steps": d, "steps": d + 1})
        phases.append({"type": "constant", "lr": self.final_lr_scale * self.lr})
        return _peaked(self.lr, self.init_lr_scale * self.lr, w, {"type": "sequence", "phases": phases}, prefix=True)


class FairseqStep(_Fairseq):
    """fairseq ``--lr-scheduler step`` (step_lr_scheduler.py, ``StepLRSchedule``): a linear warm-up from
    warmup_init_lr, then ``max(lr * lr_decay ** ((n - warmup_updates) // lr_decay_period), min_lr)``."""

    type: Literal["fairseq.step"]
    lr: OneRate
    """The peak rate; must be greater than min_lr."""
    warmup_updates: Step = 0
    """Updates of linear warm-up (0: none)."""
    warmup_init_lr: Real = -1
    """Rate at update 0; negative (the default): min_lr."""
    min_lr: Rate = 0.0
    """Floor of the decay (not of the warm-up)."""
    lr_decay_period: Steps = 25000
    """Updates between two decays."""
    lr_decay: Annotated[float, Field(gt=0, le=1)] = 0.5
    """Factor applied every lr_decay_period updates (fairseq asserts <= 1; 0 is not supported here)."""

    @model_validator(mode="after")
    def _valid(self) -> FairseqStep:
        if not self.lr > self.min_lr:
            raise fail(f"lr ({self.lr!r}) must be greater than min_lr ({self.min_lr!r}), as fairseq asserts", ("lr",))
        return self

    def core(self) -> dict[str, Any]:
        node = {"type": "exponential", "initial_lr": self.lr, "decay_rate": self.lr_decay,
                "decay_steps": self.lr_decay_period, "staircase": True,
                "clamp": {"min_lr": self.min_lr, "applies_to": "main"}}
        init = self.warmup_init_lr if self.warmup_init_lr >= 0 else self.min_lr
        return _peaked(self.lr, init, self.warmup_updates, node, prefix=True)


class FairseqFixed(_Fairseq):
    """fairseq ``--lr-scheduler fixed`` (fixed_schedule.py, ``FixedLRSchedule``): one rate per epoch,
    ``lr[min(epoch - 1, len(lr) - 1)]`` for fairseq's epoch (counted from 1), and from epoch force_anneal on
    ``lr[-1] * lr_shrink ** (epoch + 1 - force_anneal)``; for the first warmup_updates updates the epoch's rate
    times ``(num_updates + 1) / warmup_updates``. Needs the document's steps_per_epoch (updates per epoch)."""

    type: Literal["fairseq.fixed"]
    lr: Annotated[list[Rate], Field(min_length=1, max_length=1000)]
    """The rate of each epoch (the last one for every later epoch); a single number is one rate."""
    force_anneal: Annotated[int, Field(ge=1, le=1000)] | None = None
    """First epoch (from 1) of the annealing by lr_shrink; none: no annealing."""
    lr_shrink: Positive = 0.1
    """Annealing factor per epoch."""
    warmup_updates: Step = 0
    """Updates of warm-up (0: none)."""

    @model_validator(mode="before")
    @classmethod
    def _listed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "lr" in data and not isinstance(data["lr"], (list, tuple)):
            data = {**data, "lr": [data["lr"]]}
        return data

    @model_validator(mode="after")
    def _clock(self, info: ValidationInfo) -> FairseqFixed:
        clock = (info.context or {}).get("clock")
        if clock is not None and (clock.steps_per_epoch is None or clock.unit != "step"):
            raise fail("fairseq.fixed changes the rate per epoch: give the document unit: step (updates) and "
                       "steps_per_epoch (updates per epoch)", ("lr",))
        return self

    def _rate(self, epoch: int) -> float:
        """fairseq's get_next_lr(epoch), epoch counted from 1."""
        lrs = self.lr
        if self.force_anneal is None or epoch < self.force_anneal:
            return lrs[min(epoch - 1, len(lrs) - 1)]
        return lrs[-1] * self.lr_shrink ** (epoch + 1 - self.force_anneal)

    def core(self) -> dict[str, Any]:
        # epoch index e (from 0 on lrspec's counter) is fairseq's epoch e + 1
        fixed = len(self.lr) if self.force_anneal is None else min(len(self.lr), self.force_anneal - 1)
        values = [self._rate(e + 1) for e in range(fixed)]
        if self.force_anneal is None:
            epochs: dict[str, Any] = ({"type": "piecewise_constant", "boundaries": list(range(1, len(values))),
                                       "values": values} if len(values) > 1 else {"type": "constant", "lr": values[0]})
        else:
            # from epoch index force_anneal - 1 on: lr[-1] * lr_shrink ** (e + 2 - force_anneal)
            start = self.force_anneal - 1
            values += [self.lr[-1]] * (start - len(values))
            anneal = {"type": "exponential", "initial_lr": self._rate(start + 1), "decay_rate": self.lr_shrink,
                      "decay_steps": 1}
            if start == 0:
                epochs = anneal
            else:
                held = ({"type": "piecewise_constant", "boundaries": list(range(1, start)), "values": values}
                        if start > 1 else {"type": "constant", "lr": values[0]})
                epochs = {"type": "sequence", "phases": [{**held, "steps": start}, anneal]}
        node: dict[str, Any] = {"type": "sequence", "phases": [{**epochs, "unit": "epoch"}]}
        if self.warmup_updates:
            node["warmup"] = {"steps": self.warmup_updates, "initial_lr": 0.0, "offset": 1, "prefix": False,
                              "target_lr": "current"}
        return node
