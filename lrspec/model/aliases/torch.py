"""torch learning-rate schedulers (torch 2.13, ``torch/optim/lr_scheduler.py``) as core nodes.

A torch scheduler scales the optimizer's initial rate (``param_groups[i]["initial_lr"]``, the ``lr`` the
optimizer was built with); the aliases take it as ``base_lr``, required (``CyclicLR``'s own ``base_lr``
parameter plays that part there, and ``OneCycleLR`` sets the rate itself). ``lr(t)`` is the rate in the
optimizer after ``t`` calls of ``scheduler.step()``.

torch steps most schedulers with recursive ("chainable") formulas, each new rate computed from the
optimizer's current one; the aliases give the closed forms torch documents (and uses for
``step(epoch)``), in the same operation order, which agree with the recursion to about 1e-13 relative over
thousands of steps, or reproduce the recursion itself where it is a finite table (``MultiStepLR``,
``ConstantLR``). Differences, with numbers, are in docs/compat.md.

``CyclicLR`` and ``OneCycleLR`` with ``cycle_momentum`` (torch's default) fill the document's momentum
schedule, which generated code writes to each group's ``momentum`` or ``betas[0]`` as torch does.

``ChainedScheduler`` multiplies: each chained scheduler multiplies the optimizer's current rate by its own change,
so the rate is base_lr times the product of the schedulers' factors, the core ``product`` node.

Not represented: ``last_epoch`` (resume state, not a parameter of the schedule), and ``MultiplicativeLR``,
``ReduceLROnPlateau``.
"""

from __future__ import annotations

from abc import abstractmethod

import math
from collections import Counter
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from ...expr import ExpressionError, parse
from .._base import T_MAX, Factor, Fraction, Length, Positive, Rate, Real, Step, Steps, Strict, fail
from ...types.one_cycle import OneCycle
from ..nodes import MAX_PHASES, MAX_POINTS, Params, ScaleExpression, check_expression, check_params
from ._base import Alias

__all__ = ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
           "CyclicLR", "OneCycleLR", "PolynomialLR", "LinearLR", "ConstantLR", "SequentialLR", "LambdaLR",
           "ChainedScheduler"]



class _Torch(Alias):
    library = "torch"


class _Scheduler(Strict):
    """A torch scheduler's own parameters: what it does to the optimizer's initial rate ``base_lr``."""

    @abstractmethod
    def scaled(self, base_lr: float) -> dict[str, Any]:
        """The core node of this scheduler applied to the optimizer's initial rate ``base_lr``."""


class _Standalone(_Torch):
    """A scheduler on its own: base_lr, the optimizer's initial rate, is a field of the alias."""

    base_lr: Rate
    """The optimizer's initial rate (its lr when the scheduler is built): the rate the scheduler scales."""

    def core(self) -> dict[str, Any]:
        return self.scaled(self.base_lr)  # type: ignore[attr-defined]


class _InSequentialLR(Strict):
    """A scheduler inside torch.SequentialLR: base_lr is the SequentialLR's, not its own."""

    @model_validator(mode="before")
    @classmethod
    def _no_own_rate(cls, data: Any) -> Any:
        return _inner_scheduler(data, "SequentialLR", "the milestones of torch.SequentialLR set the length of each "
                                "scheduler")


def _inner_scheduler(data: Any, container: str, why_no_steps: str) -> Any:
    """A scheduler's fields inside torch.<container>: neither a base_lr of its own nor steps."""
    if isinstance(data, dict):
        if "base_lr" in data:
            raise fail(f"a scheduler of torch.{container} takes the {container}'s base_lr (torch's schedulers all "
                       "scale the one optimizer's initial rate); remove base_lr here", ("base_lr",), key=True)
        if "steps" in data:
            raise fail(f"{why_no_steps}; remove steps", ("steps",), key=True)
    return data


def _gamma_decay(base_lr: float, gamma: float, period: int) -> dict[str, Any]:
    """base_lr * gamma ** (t // period): torch's closed form of StepLR and ExponentialLR."""
    if gamma == 0.0:  # base_lr * 0 ** k: 0 from the first decay on (pow would need gamma > 0)
        return {"type": "piecewise_constant", "boundaries": [period], "values": [base_lr, 0.0]}
    return {"type": "exponential", "initial_lr": base_lr, "decay_rate": gamma, "decay_steps": period,
            "staircase": True}


# --- StepLR -------------------------------------------------------------------------------------------------------

class _StepLR(_Scheduler):
    type: Literal["torch.StepLR"]
    step_size: Steps
    """Steps between two decays: the rate is multiplied by gamma at every multiple of step_size."""
    gamma: Rate = 0.1
    """Factor applied every step_size steps."""

    def scaled(self, base_lr: float) -> dict[str, Any]:
        return _gamma_decay(base_lr, self.gamma, self.step_size)


class StepLR(_Standalone, _StepLR):
    """torch.optim.lr_scheduler.StepLR: base_lr * gamma ** (t // step_size), as the core ``exponential`` node
    with ``staircase`` (torch's closed form, same operations; torch's loop multiplies by gamma at each decay)."""


class StepLRInSequentialLR(_InSequentialLR, _StepLR):
    """torch.StepLR as a scheduler of torch.SequentialLR (base_lr is the SequentialLR's)."""


# --- MultiStepLR --------------------------------------------------------------------------------------------------

class _MultiStepLR(_Scheduler):
    type: Literal["torch.MultiStepLR"]
    milestones: list[Step] = Field(default_factory=list, max_length=MAX_POINTS)
    """Steps at which the rate is multiplied by gamma, in any order; a milestone listed k times multiplies by
    gamma ** k (torch counts them); a milestone 0 applies from the start."""
    gamma: Rate = 0.1
    """Factor applied at each milestone."""

    @model_validator(mode="after")
    def _values_finite(self) -> _MultiStepLR:
        try:
            finite = all(math.isfinite(v) for v in self._values(1.0)[1])
        except OverflowError:
            finite = False
        if not finite:
            raise fail(f"gamma {self.gamma!r} to the power of the milestone counts overflows binary64", ("gamma",))
        return self

    def _values(self, base_lr: float) -> tuple[list[int], list[float]]:
        """torch's recursion: at each distinct milestone m, lr = lr * gamma ** count(m), in increasing order."""
        counts = Counter(self.milestones)
        lr = base_lr
        if 0 in counts:  # applied by the scheduler's initial step, at construction
            lr = lr * self.gamma ** counts.pop(0)
        boundaries, values = [], [lr]
        for m in sorted(counts):
            lr = lr * self.gamma ** counts[m]
            boundaries.append(m)
            values.append(lr)
        return boundaries, values

    def scaled(self, base_lr: float) -> dict[str, Any]:
        boundaries, values = self._values(base_lr)
        if not boundaries:
            return {"type": "constant", "lr": values[0]}
        return {"type": "piecewise_constant", "boundaries": boundaries, "values": values}


class MultiStepLR(_Standalone, _MultiStepLR):
    """torch.optim.lr_scheduler.MultiStepLR as the core ``piecewise_constant`` node, its values computed as torch's
    loop computes them (lr * gamma ** count at each milestone, in order), bit for bit."""


class MultiStepLRInSequentialLR(_InSequentialLR, _MultiStepLR):
    """torch.MultiStepLR as a scheduler of torch.SequentialLR (base_lr is the SequentialLR's)."""


# --- ExponentialLR ------------------------------------------------------------------------------------------------

class _ExponentialLR(_Scheduler):
    type: Literal["torch.ExponentialLR"]
    gamma: Rate
    """Factor applied at every step."""

    def scaled(self, base_lr: float) -> dict[str, Any]:
        return _gamma_decay(base_lr, self.gamma, 1)


class ExponentialLR(_Standalone, _ExponentialLR):
    """torch.optim.lr_scheduler.ExponentialLR: base_lr * gamma ** t, as the core ``exponential`` node with
    decay_steps 1 (torch's closed form; torch's loop multiplies by gamma at every step)."""


class ExponentialLRInSequentialLR(_InSequentialLR, _ExponentialLR):
    """torch.ExponentialLR as a scheduler of torch.SequentialLR (base_lr is the SequentialLR's)."""


# --- CosineAnnealingLR --------------------------------------------------------------------------------------------

#: torch's closed form, with t reduced modulo the period 2 * T_max of torch's recursive form (exact for t < 2**53;
#: t itself for t < 2 * T_max, so the value there is torch's closed form bit for bit).
_COSINE_ANNEALING = "eta_min + (base_lr - eta_min) * (1 + cos(pi * (t % (2 * T_max)) / T_max)) / 2"


class _CosineAnnealingLR(_Scheduler):
    type: Literal["torch.CosineAnnealingLR"]
    T_max: Steps
    """Steps from base_lr down to eta_min; the rate then rises again, with period 2 * T_max, as in torch."""
    eta_min: Rate = 0.0
    """The rate at T_max (the minimum)."""

    def scaled(self, base_lr: float) -> dict[str, Any]:
        return {"type": "expression", "expr": _COSINE_ANNEALING,
                "params": {"base_lr": base_lr, "eta_min": self.eta_min, "T_max": float(self.T_max)}}


class CosineAnnealingLR(_Standalone, _CosineAnnealingLR):
    """torch.optim.lr_scheduler.CosineAnnealingLR: eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2
    for every t, periodic with period 2 * T_max as torch's recursive form continues past T_max, as an
    ``expression`` node in torch's operation order."""


class CosineAnnealingLRInSequentialLR(_InSequentialLR, _CosineAnnealingLR):
    """torch.CosineAnnealingLR as a scheduler of torch.SequentialLR (base_lr is the SequentialLR's)."""


# --- CosineAnnealingWarmRestarts ----------------------------------------------------------------------------------

class _CosineAnnealingWarmRestarts(_Scheduler):
    type: Literal["torch.CosineAnnealingWarmRestarts"]
    T_0: Steps
    """Length of the first cycle."""
    T_mult: Factor = 1
    """Each cycle is T_mult times as long as the one before: a whole number (1, 2, 3, ...), as torch requires."""
    eta_min: Rate = 0.0
    """The rate approached at the end of every cycle."""

    @field_validator("T_mult")
    @classmethod
    def _whole(cls, value: float) -> float:
        if value != math.floor(value):
            raise fail(f"must be a whole number (1, 2, 3, ...), got {value!r}: torch requires an integer T_mult "
                       "(cycles of T_0 * T_mult**i steps); for other growth factors use the core 'cosine' node with "
                       "'restarts' and period_mul")
        return value

    def scaled(self, base_lr: float) -> dict[str, Any]:
        return {"type": "cosine", "initial_lr": base_lr, "final_lr": self.eta_min,
                "restarts": {"period": self.T_0, "period_mul": self.T_mult}}


class CosineAnnealingWarmRestarts(_Standalone, _CosineAnnealingWarmRestarts):
    """torch.optim.lr_scheduler.CosineAnnealingWarmRestarts (SGDR): cosine cycles of T_0 * T_mult**i steps from
    base_lr towards eta_min, as the core ``cosine`` node with ``restarts`` (cycles found with exact integers, where
    torch's step(epoch) uses a floating-point logarithm)."""


class CosineAnnealingWarmRestartsInSequentialLR(_InSequentialLR, _CosineAnnealingWarmRestarts):
    """torch.CosineAnnealingWarmRestarts as a scheduler of torch.SequentialLR (base_lr is the SequentialLR's)."""


# --- PolynomialLR -------------------------------------------------------------------------------------------------

class _PolynomialLR(_Scheduler):
    type: Literal["torch.PolynomialLR"]
    total_iters: Steps = 5
    """Steps until the rate reaches 0; it stays 0 afterwards."""
    power: Positive = 1.0
    """Exponent of the decay factor (1 - t / total_iters)."""

    def scaled(self, base_lr: float) -> dict[str, Any]:
        return {"type": "polynomial", "initial_lr": base_lr, "end_lr": 0.0, "decay_steps": self.total_iters,
                "power": self.power}


class PolynomialLR(_Standalone, _PolynomialLR):
    """torch.optim.lr_scheduler.PolynomialLR: base_lr * (1 - min(t, total_iters) / total_iters) ** power, as the
    core ``polynomial`` node with end_lr 0 (torch's closed form, same operations)."""


class PolynomialLRInSequentialLR(_InSequentialLR, _PolynomialLR):
    """torch.PolynomialLR as a scheduler of torch.SequentialLR (base_lr is the SequentialLR's)."""


# --- LinearLR -----------------------------------------------------------------------------------------------------

#: torch's closed form (LinearLR._get_closed_form_lr), same operations.
_LINEAR = "base_lr * (start_factor + (end_factor - start_factor) * min(total_iters, t) / total_iters)"


class _LinearLR(_Scheduler):
    type: Literal["torch.LinearLR"]
    start_factor: Positive = 1.0 / 3
    """Factor on base_lr at step 0: > 0 and <= 1."""
    end_factor: Fraction = 1.0
    """Factor on base_lr at and after total_iters: >= 0 and <= 1."""
    total_iters: Steps = 5
    """Steps over which the factor moves linearly from start_factor to end_factor."""

    @field_validator("start_factor")
    @classmethod
    def _at_most_one(cls, value: float) -> float:
        if value > 1.0:
            raise fail(f"must be > 0 and <= 1 (torch's range for start_factor), got {value!r}")
        return value

    def scaled(self, base_lr: float) -> dict[str, Any]:
        return {"type": "expression", "expr": _LINEAR,
                "params": {"base_lr": base_lr, "start_factor": self.start_factor, "end_factor": self.end_factor,
                           "total_iters": float(self.total_iters)}}


class LinearLR(_Standalone, _LinearLR):
    """torch.optim.lr_scheduler.LinearLR: base_lr * (start_factor + (end_factor - start_factor) * min(total_iters, t)
    / total_iters), as an ``expression`` node in torch's operation order (its closed form)."""


class LinearLRInSequentialLR(_InSequentialLR, _LinearLR):
    """torch.LinearLR as a scheduler of torch.SequentialLR (base_lr is the SequentialLR's)."""


# --- ConstantLR ---------------------------------------------------------------------------------------------------

class _ConstantLR(_Scheduler):
    type: Literal["torch.ConstantLR"]
    factor: Fraction = 1.0 / 3
    """Factor on base_lr before total_iters: >= 0 and <= 1."""
    total_iters: Steps = 5
    """Step at which the factor is removed."""

    def scaled(self, base_lr: float) -> dict[str, Any]:
        low = base_lr * self.factor
        # torch's loop divides the factor out again: lr * (1.0 / factor); with factor 0 torch raises
        # ZeroDivisionError there, and the intended value is base_lr (torch's closed form)
        high = low * (1.0 / self.factor) if self.factor != 0.0 else base_lr
        return {"type": "piecewise_constant", "boundaries": [self.total_iters], "values": [low, high]}


class ConstantLR(_Standalone, _ConstantLR):
    """torch.optim.lr_scheduler.ConstantLR: base_lr * factor before total_iters, then base_lr, as the core
    ``piecewise_constant`` node with the values torch's loop computes (base_lr * factor, then that times
    1 / factor)."""


class ConstantLRInSequentialLR(_InSequentialLR, _ConstantLR):
    """torch.ConstantLR as a scheduler of torch.SequentialLR (base_lr is the SequentialLR's)."""


# --- LambdaLR -----------------------------------------------------------------------------------------------------

_LAMBDA_PREFIX = "base_lr * ("


class _LambdaLR(_Scheduler):
    type: Literal["torch.LambdaLR"]
    params: dict[str, Real] = Field(default_factory=dict)
    """Named numbers that lr_lambda may use (an lrspec addition: torch's lambda is Python code)."""
    lr_lambda: str
    """The factor on base_lr as an expression of the step t (spec/expression.md); the rate is
    base_lr * lr_lambda."""

    @field_validator("params")
    @classmethod
    def _names(cls, value: dict[str, float]) -> dict[str, float]:
        check_params(value)
        if "base_lr" in value:
            raise fail("parameter name 'base_lr' is taken: the rate is base_lr * lr_lambda, with the optimizer's "
                       "base_lr; choose another name", ("base_lr",), key=True)
        return value

    @field_validator("lr_lambda")
    @classmethod
    def _parse(cls, value: str, info: ValidationInfo) -> str:
        check_expression(value, "t", info)
        if "params" in info.data:
            try:  # the expression node holds base_lr * (lr_lambda): it must fit the limits too
                parse(f"{_LAMBDA_PREFIX}{value})", "t", {**info.data["params"], "base_lr": 1.0}, "lr_lambda")
            except ExpressionError as exc:
                raise fail(f"{exc.message} once multiplied by base_lr (the expression node holds "
                           f"'{_LAMBDA_PREFIX}lr_lambda)'); shorten or simplify lr_lambda") from None
        return value

    def scaled(self, base_lr: float) -> dict[str, Any]:
        return {"type": "expression", "expr": f"{_LAMBDA_PREFIX}{self.lr_lambda})",
                "params": {**self.params, "base_lr": base_lr}}


class LambdaLR(_Standalone, _LambdaLR):
    """torch.optim.lr_scheduler.LambdaLR: base_lr * lr_lambda(t), with lr_lambda an expression of t, as the
    ``expression`` node base_lr * (lr_lambda) (torch's order: base_lr times the lambda's value)."""


class LambdaLRInSequentialLR(_InSequentialLR, _LambdaLR):
    """torch.LambdaLR as a scheduler of torch.SequentialLR (base_lr is the SequentialLR's)."""


# --- CyclicLR -----------------------------------------------------------------------------------------------------

class _MomentumCycle(Strict):
    """torch's momentum cycle: momentum moves inversely to the rate, between base_momentum and max_momentum."""

    cycle_momentum: bool = True
    """Cycle the momentum (torch's default): fills the document's momentum schedule (spec/README.md#momentum)."""
    base_momentum: Fraction | None = None
    """Momentum where the rate peaks (default 0.8 for CyclicLR, 0.85 for OneCycleLR); only with cycle_momentum."""
    max_momentum: Fraction | None = None
    """Momentum where the rate is lowest (default 0.9 for CyclicLR, 0.95 for OneCycleLR); only with cycle_momentum."""

    _default_base: ClassVar[float]
    _default_max: ClassVar[float]

    @model_validator(mode="after")
    def _momentum_bounds_need_cycle(self) -> _MomentumCycle:
        if not self.cycle_momentum:
            for key in ("base_momentum", "max_momentum"):
                if getattr(self, key) is not None:
                    raise fail(f"{key} is used only with cycle_momentum: true (torch ignores it otherwise)", (key,))
        return self

    @property
    def momentum_bounds(self) -> tuple[float, float]:
        """(base_momentum, max_momentum) with torch's defaults filled in."""
        base = self.base_momentum if self.base_momentum is not None else self._default_base
        top = self.max_momentum if self.max_momentum is not None else self._default_max
        return base, top


class CyclicLR(_Torch, _MomentumCycle):
    """torch.optim.lr_scheduler.CyclicLR (Smith 2017), as the core ``cyclical`` node; scale_fn, a Python callable in
    torch, is an expression in x. With cycle_momentum, the momentum is the same cycle from max_momentum down to
    base_momentum: max_momentum - (max_momentum - base_momentum) * shape * scale, as torch computes it."""

    _default_base: ClassVar[float] = 0.8
    _default_max: ClassVar[float] = 0.9

    type: Literal["torch.CyclicLR"]
    base_lr: Rate
    """Rate at the start of each cycle (torch sets the optimizer's rate to it)."""
    max_lr: Rate
    """Rate at the peak of a cycle, before scaling."""
    step_size_up: Length = 2000
    """Steps from the start of a cycle to its peak; may be fractional (torch takes float(step_size_up))."""
    step_size_down: Length | None = None
    """Steps from the peak to the end of the cycle; default step_size_up."""
    mode: Literal["triangular", "triangular2", "exp_range"] = "triangular"
    """Scale of the amplitude: 1, 1 / 2 ** (cycle - 1), or gamma ** t. Ignored when scale_fn is given, as in torch."""
    gamma: Positive = 1.0
    """Base of exp_range's gamma ** t; used by mode exp_range only, as in torch."""
    params: Params = Field(default_factory=dict)
    """Named numbers that scale_fn may use (an lrspec addition: torch's scale_fn is Python code)."""
    scale_fn: ScaleExpression | None = None
    """Custom scale as an expression of x, the cycle number (from 1) or the step (scale_mode iterations); replaces
    mode."""
    scale_mode: Literal["cycle", "iterations"] = "cycle"
    """What x is in scale_fn; used with scale_fn only (each mode fixes its own), as in torch."""

    @model_validator(mode="after")
    def _params_need_scale_fn(self) -> CyclicLR:
        if self.params and self.scale_fn is None:
            raise fail("params are used only by scale_fn", ("params",))
        return self

    def core(self) -> dict[str, Any]:
        return self._cycle(self.base_lr, self.max_lr)

    def momentum(self) -> dict[str, Any] | None:
        if not self.cycle_momentum:
            return None
        base, top = self.momentum_bounds
        return self._cycle(top, base)

    def _cycle(self, low: float, high: float) -> dict[str, Any]:
        """The cyclical node from ``low`` (cycle start) towards ``high`` (the unscaled peak)."""
        node: dict[str, Any] = {"type": "cyclical", "initial_lr": low, "maximal_lr": high,
                                "step_size": self.step_size_up}
        if self.step_size_down is not None:
            node["step_size_down"] = self.step_size_down
        if self.scale_fn is not None:
            return {**node, "scale_fn": self.scale_fn, "params": dict(self.params), "scale_mode": self.scale_mode}
        if self.mode == "exp_range":
            return {**node, "mode": "exp_range", "gamma": self.gamma}
        return {**node, "mode": self.mode}


# --- OneCycleLR ---------------------------------------------------------------------------------------------------

class OneCycleLR(_Torch, _MomentumCycle):
    """torch.optim.lr_scheduler.OneCycleLR (Smith and Topin 2018), as the core ``one_cycle`` node (the same formula
    and operations). torch overwrites the optimizer's initial rate with max_lr / div_factor, so there is no base_lr.
    Past total_steps torch raises; lrspec holds the value at total_steps. With cycle_momentum, the momentum runs
    the same phases from max_momentum down to base_momentum and back (a one_cycle node from max_momentum through
    base_momentum, with final_div_factor 1)."""

    _default_base: ClassVar[float] = 0.85
    _default_max: ClassVar[float] = 0.95

    type: Literal["torch.OneCycleLR"]
    max_lr: Rate
    """The peak rate."""
    total_steps: Steps | None = None
    """Length of the cycle; when omitted, epochs * steps_per_epoch (torch ignores those two when it is given)."""
    epochs: Steps | None = None
    """With steps_per_epoch, gives total_steps = epochs * steps_per_epoch."""
    steps_per_epoch: Steps | None = None
    """With epochs, gives total_steps = epochs * steps_per_epoch."""
    pct_start: Fraction = 0.3
    """Fraction of the cycle spent increasing."""
    anneal_strategy: Literal["cos", "linear"] = "cos"
    """Shape of every phase."""
    div_factor: Positive = 25.0
    """The start rate is max_lr / div_factor."""
    final_div_factor: Positive = 1e4
    """The final rate is the start rate / final_div_factor."""
    three_phase: bool = False
    """Come back down to the start rate symmetrically before annealing to the final rate."""

    @model_validator(mode="after")
    def _momentum_positive(self) -> OneCycleLR:
        if self.cycle_momentum:
            for key, value in zip(("base_momentum", "max_momentum"), self.momentum_bounds, strict=True):
                if value <= 0.0:
                    raise fail(f"{key} must be > 0 with cycle_momentum (the momentum cycle is a ratio of the two); "
                               "got 0", (key,))
        return self

    @model_validator(mode="after")
    def _length(self) -> OneCycleLR:
        if self.total_steps is None:
            if self.epochs is None or self.steps_per_epoch is None:
                missing = "epochs" if self.epochs is None else "steps_per_epoch"
                raise fail(f"give total_steps, or both epochs and steps_per_epoch (missing {missing!r})",
                           (missing,), key=True)
            if self.epochs * self.steps_per_epoch > T_MAX:
                raise fail(f"epochs * steps_per_epoch = {self.epochs * self.steps_per_epoch} is more than 2**53",
                           ("steps_per_epoch",))
        try:  # the phase ends must give phases of positive length (torch divides by them)
            OneCycle.model_validate(self.core())
        except ValidationError as exc:
            raise fail(exc.errors(include_url=False)[0]["msg"], ("pct_start",)) from None
        return self

    def core(self) -> dict[str, Any]:
        return self._cycle(self.max_lr, self.div_factor, self.final_div_factor)

    def momentum(self) -> dict[str, Any] | None:
        if not self.cycle_momentum:
            return None
        base, top = self.momentum_bounds
        return self._cycle(base, base / top, 1.0)

    def _cycle(self, peak: float, div_factor: float, final_div_factor: float) -> dict[str, Any]:
        total = self.total_steps if self.total_steps is not None else self.epochs * self.steps_per_epoch  # type: ignore[operator]
        return {"type": "one_cycle", "max_lr": peak, "total_steps": total, "pct_start": self.pct_start,
                "anneal_strategy": self.anneal_strategy, "div_factor": div_factor,
                "final_div_factor": final_div_factor, "three_phase": self.three_phase}


# --- SequentialLR -------------------------------------------------------------------------------------------------

#: The schedulers SequentialLR may hold: those that scale the shared optimizer rate.
_CHILDREN: tuple[type[_Scheduler], ...] = (
    StepLRInSequentialLR, MultiStepLRInSequentialLR, ExponentialLRInSequentialLR, CosineAnnealingLRInSequentialLR,
    CosineAnnealingWarmRestartsInSequentialLR, PolynomialLRInSequentialLR, LinearLRInSequentialLR,
    ConstantLRInSequentialLR, LambdaLRInSequentialLR)
_CHILD_TYPES = [c.model_fields["type"].annotation.__args__[0] for c in _CHILDREN]  # type: ignore[union-attr]
_NOT_CHILDREN = {
    "torch.CyclicLR": "it sets the optimizer's rate to its own base_lr when built, which changes the base of the "
                      "schedulers built after it",
    "torch.OneCycleLR": "it overwrites the optimizer's initial rate with max_lr / div_factor when built, which "
                        "changes the base of the schedulers built after it",
    "torch.SequentialLR": "torch cannot restart a SequentialLR at a milestone (it has no get_lr)",
    "torch.ChainedScheduler": "torch cannot restart a ChainedScheduler at a milestone (it has no get_lr), and as the "
                              "first scheduler, SequentialLR's construction steps the chained schedulers once more "
                              "(an ExponentialLR in it starts at base_lr * gamma; pytorch issue 196243)",
}

Scheduler = Annotated[Union[_CHILDREN], Field(discriminator="type")]  # type: ignore[valid-type]  # noqa: UP007


class SequentialLR(_Torch):
    """torch.optim.lr_scheduler.SequentialLR as the core ``sequence`` node: scheduler k runs from milestone k-1
    (0 for the first) to milestone k, restarted at its own step 0 (torch restarts it at its closed-form value for
    step 0). The schedulers are torch aliases without base_lr: they all scale this base_lr, the one optimizer's
    initial rate."""

    type: Literal["torch.SequentialLR"]
    base_lr: Rate
    """The optimizer's initial rate, which every scheduler in the list scales."""
    schedulers: list[Scheduler] = Field(min_length=1, max_length=MAX_PHASES)
    """The schedulers, in order: torch aliases (StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR,
    CosineAnnealingWarmRestarts, PolynomialLR, LinearLR, ConstantLR, LambdaLR) written without base_lr."""
    milestones: list[Steps] = Field(default_factory=list, max_length=MAX_PHASES - 1)
    """Steps at which the next scheduler takes over: strictly increasing, one fewer than the schedulers."""

    @field_validator("schedulers", mode="before")
    @classmethod
    def _torch_schedulers(cls, value: Any) -> Any:
        if isinstance(value, list):
            for i, item in enumerate(value):
                kind = item.get("type") if isinstance(item, dict) else None
                if not isinstance(kind, str) or kind in _CHILD_TYPES:
                    continue
                if kind in _NOT_CHILDREN:
                    why = f"{kind} cannot be a scheduler of torch.SequentialLR: {_NOT_CHILDREN[kind]}"
                    hint = "; put it in a core 'sequence' node instead, where each phase has its own parameters"
                else:
                    why = (f"the schedulers of torch.SequentialLR are torch schedulers, got type {kind!r}; "
                           f"allowed: {', '.join(_CHILD_TYPES)}")
                    hint = " (for core nodes, use a 'sequence' node)"
                raise fail(why + hint, (i, "type"))
        return value

    @model_validator(mode="after")
    def _milestones(self) -> SequentialLR:
        if len(self.milestones) != len(self.schedulers) - 1:
            raise fail(f"needs one milestone fewer than schedulers: {len(self.schedulers) - 1} for "
                       f"{len(self.schedulers)} scheduler(s), got {len(self.milestones)}", ("milestones",))
        for i in range(1, len(self.milestones)):
            if self.milestones[i] <= self.milestones[i - 1]:
                raise fail(f"milestones must be strictly increasing, got {self.milestones[i]} after "
                           f"{self.milestones[i - 1]} (a scheduler would never run)", ("milestones", i))
        return self

    def core(self) -> dict[str, Any]:
        starts = [0, *self.milestones]
        phases = []
        for k, child in enumerate(self.schedulers):
            phase = {**child.model_dump(mode="json", exclude_none=True), "base_lr": self.base_lr}
            if k + 1 < len(starts):
                phase["steps"] = starts[k + 1] - starts[k]
            phases.append(phase)
        return {"type": "sequence", "phases": phases}


# --- ChainedScheduler ---------------------------------------------------------------------------------------------

class _InChainedScheduler(Strict):
    """A scheduler inside torch.ChainedScheduler: base_lr is the ChainedScheduler's, not its own."""

    @model_validator(mode="before")
    @classmethod
    def _no_own_rate(cls, data: Any) -> Any:
        return _inner_scheduler(data, "ChainedScheduler", "the schedulers of torch.ChainedScheduler all run from "
                                "step 0, each multiplying the rate at every step")


class StepLRInChainedScheduler(_InChainedScheduler, _StepLR):
    """torch.StepLR in torch.ChainedScheduler: the factor gamma ** (t // step_size)."""


class MultiStepLRInChainedScheduler(_InChainedScheduler, _MultiStepLR):
    """torch.MultiStepLR in torch.ChainedScheduler: the factor gamma ** (milestones reached)."""


class ExponentialLRInChainedScheduler(_InChainedScheduler, _ExponentialLR):
    """torch.ExponentialLR in torch.ChainedScheduler: the factor gamma ** t."""


class PolynomialLRInChainedScheduler(_InChainedScheduler, _PolynomialLR):
    """torch.PolynomialLR in torch.ChainedScheduler: the factor (1 - min(t, total_iters) / total_iters) ** power."""


class LinearLRInChainedScheduler(_InChainedScheduler, _LinearLR):
    """torch.LinearLR in torch.ChainedScheduler: the factor from start_factor to end_factor."""


class ConstantLRInChainedScheduler(_InChainedScheduler, _ConstantLR):
    """torch.ConstantLR in torch.ChainedScheduler: the factor ``factor`` before total_iters, then
    factor * (1 / factor) as torch's loop computes it (1 for factor 0, as the standalone alias gives base_lr)."""


#: The schedulers whose step multiplies the optimizer's current rate: chained, their effects multiply.
_CHAINABLE: tuple[type[_Scheduler], ...] = (
    StepLRInChainedScheduler, MultiStepLRInChainedScheduler, ExponentialLRInChainedScheduler,
    PolynomialLRInChainedScheduler, LinearLRInChainedScheduler, ConstantLRInChainedScheduler)
_CHAINABLE_TYPES = [c.model_fields["type"].annotation.__args__[0] for c in _CHAINABLE]  # type: ignore[union-attr]
_OVERWRITES = ("it computes the rate from base_lr at every step instead of multiplying the optimizer's current rate: "
               "chained, it discards the factors of the schedulers before it, and those after it apply one step's "
               "change instead of their whole factor, so torch's rate is not a product")
_NOT_CHAINABLE = {
    "torch.CosineAnnealingLR": "its step is not a multiplication of the current rate: it moves the rate towards "
                               "eta_min (eta_min + r(t) * (lr - eta_min)) and, where the cosine turns up past T_max, "
                               "adds a multiple of base_lr to it; chained, torch's rate leaves the product of the "
                               "closed forms at step 1 when eta_min > 0, and at step T_max + 1 when eta_min is 0",
    "torch.CosineAnnealingWarmRestarts": _OVERWRITES,
    "torch.LambdaLR": _OVERWRITES,
    "torch.CyclicLR": _OVERWRITES + " (and it sets the optimizer's rate to its own base_lr when built)",
    "torch.OneCycleLR": _OVERWRITES + " (and it overwrites the optimizer's initial rate when built)",
    "torch.SequentialLR": "it resets the optimizer's rate to base_lr when built and restarts its schedulers from "
                          "base_lr at its milestones, discarding the factors of the other chained schedulers",
    "torch.ChainedScheduler": "list its schedulers in this one instead: torch steps a nested ChainedScheduler's "
                              "schedulers in turn, exactly as if they were listed here",
    "torch.ReduceLROnPlateau": "torch refuses it in a ChainedScheduler: it follows a validation metric, not the step "
                               "count",
}

Chainable = Annotated[Union[_CHAINABLE], Field(discriminator="type")]  # type: ignore[valid-type]  # noqa: UP007


class ChainedScheduler(_Torch):
    """torch.optim.lr_scheduler.ChainedScheduler as the core ``product`` node. torch steps every scheduler in turn,
    each multiplying the optimizer's current rate by its own change, so the rate is base_lr times each scheduler's
    factor at step t: the base is the first scheduler's closed form on base_lr, the factors are the others' closed
    forms on 1 (spec/types/product.md). Only the schedulers whose step is such a multiplication may be chained."""

    type: Literal["torch.ChainedScheduler"]
    base_lr: Rate
    """The optimizer's initial rate, which every chained scheduler scales."""
    schedulers: list[Chainable] = Field(min_length=1, max_length=MAX_PHASES)
    """The schedulers, stepped in this order: torch aliases (StepLR, MultiStepLR, ExponentialLR, PolynomialLR,
    LinearLR, ConstantLR) written without base_lr."""

    @field_validator("schedulers", mode="before")
    @classmethod
    def _chainable(cls, value: Any) -> Any:
        if isinstance(value, list):
            for i, item in enumerate(value):
                kind = item.get("type") if isinstance(item, dict) else None
                if not isinstance(kind, str) or kind in _CHAINABLE_TYPES:
                    continue
                hint = "; for other factors, write a core 'product' node (spec/types/product.md)"
                if kind in _NOT_CHAINABLE:
                    why = f"{kind} cannot be chained in torch.ChainedScheduler: {_NOT_CHAINABLE[kind]}"
                    hint = "" if kind == "torch.ChainedScheduler" else hint
                else:
                    why = (f"the schedulers of torch.ChainedScheduler are torch schedulers, got type {kind!r}; "
                           f"allowed: {', '.join(_CHAINABLE_TYPES)}")
                raise fail(why + hint, (i, "type"))
        return value

    def core(self) -> dict[str, Any]:
        first, *rest = self.schedulers
        base = first.scaled(self.base_lr)
        if not rest:
            return base
        return {"type": "product", "base": base, "factors": [s.scaled(1.0) for s in rest]}
