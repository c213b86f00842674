"""MMEngine's param_scheduler (mmengine 0.10, ``mmengine/optim/scheduler/param_scheduler.py``) as core nodes.

MMEngine builds every scheduler of a config's ``param_scheduler`` list on the one optimizer, in list order; each
one's constructor steps it once, and then the runner steps the iteration-based ones (``by_epoch=False``) after
every iteration and the epoch-based ones (``by_epoch=True``, the default) after every epoch. A scheduler changes
the rate only while its own step count is in ``[begin, end)``; its local step k counts from ``begin``. Most
schedulers are recursive ("chainable"): each step multiplies the optimizer's current rate, so schedulers active
at the same time multiply their effects, and one that starts later starts from the rate the earlier ones left.

The aliases give the closed forms of those recursions:

* LinearLR, ConstantLR, StepLR, MultiStepLR, ExponentialLR, PolyLR with eta_min 0 and CosineAnnealingLR with
  eta_min 0 (not run past T_max) multiply the rate: each is a factor track (1 before ``begin``, its factor
  inside the window, its last factor held after ``end``) of a core ``product``;
* PolyLR and CosineAnnealingLR towards a nonzero eta_min, CosineAnnealingLR past T_max, OneCycleLR and
  CosineRestartLR are not multiplications: each is a phase of the product's base, a ``sequence``, started from
  the rate in effect at its ``begin``, and must not overlap another scheduler in time (refused otherwise).

``lr(t)`` is the rate the optimizer uses for iteration t (t iterations done). An epoch-based scheduler in a
document counted in steps is a node with ``unit: epoch`` (the document's steps_per_epoch is MMEngine's epoch
length, ``len(train_dataloader)``); in a document counted in epochs, t is the epoch. ``end`` defaults to
MMEngine's INF (10**9), as the classes do: MMEngine's runner fills in max_epochs / max_iters instead, which
``lrspec import`` writes out.

Not represented: ReduceOnPlateauLR (it follows a validation metric), ``last_step`` (resume state), and
momentum schedulers.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import Field, PrivateAttr, ValidationError, ValidationInfo, field_validator, model_validator

from ...types.one_cycle import OneCycle
from .._base import T_MAX, Fraction, Positive, Rate, Strict, fail
from ..nodes import MAX_PHASES, MAX_POINTS
from ._base import Alias

__all__ = ["LinearLR", "ConstantLR", "CosineAnnealingLR", "MultiStepLR", "StepLR", "ExponentialLR", "PolyLR",
           "OneCycleLR", "CosineRestartLR", "ParamScheduler"]

#: MMEngine's INF: the default ``end`` of every scheduler.
INF = 10**9

_Index = Annotated[int, Field(ge=0, le=T_MAX, strict=True)]
_Count = Annotated[int, Field(ge=1, le=T_MAX, strict=True)]


def _const(value: float) -> dict[str, Any]:
    return {"type": "constant", "lr": value}


def _sequence(phases: list[tuple[dict[str, Any], int | None]]) -> dict[str, Any]:
    """A sequence of (node, length) phases; the last length is dropped, and phases past T_MAX are cut."""
    kept: list[dict[str, Any]] = []
    total = 0
    for k, (node, length) in enumerate(phases):
        last = k == len(phases) - 1 or length is None or total + length > T_MAX
        kept.append(node if last else {**node, "steps": length})
        if last:
            break
        total += length  # type: ignore[operator]
    return kept[0] if len(kept) == 1 else {"type": "sequence", "phases": kept}


def _cos_closed(start: float, stop: float, k: int, period: int) -> float:
    """The core cosine node's value: stop + (start - stop) * 0.5 * (1 + cos(pi * min(k, T) / T))."""
    theta = (math.pi * float(min(k, period))) / float(period)
    return stop + (start - stop) * (0.5 * (1.0 + math.cos(theta)))


class _Scheduler(Strict):
    """What every MMEngine scheduler shares: its window, its stepping, and the conversion to iterations."""

    begin: _Index = 0
    """The scheduler's step at which it starts changing the rate (in epochs when by_epoch)."""
    end: _Count = INF
    """The step at which it stops (exclusive); MMEngine's default INF = 10**9 (its runner fills in max_epochs or
    max_iters instead)."""
    by_epoch: bool = True
    """Step once per epoch (MMEngine's default) rather than once per iteration."""
    convert_to_iter_based: bool = False
    """Step per iteration, with begin, end and the lengths of an epoch-based config multiplied by the epoch
    length (MMEngine's build_iter_from_epoch); needs by_epoch."""

    name: ClassVar[str]

    @model_validator(mode="after")
    def _window(self) -> _Scheduler:
        if self.end <= self.begin:
            raise fail(f"end should be larger than begin (MMEngine raises), got begin={self.begin}, end={self.end}",
                       ("end",))
        if self.convert_to_iter_based and not self.by_epoch:
            raise fail("convert_to_iter_based converts an epoch-based scheduler: it needs by_epoch: true (MMEngine "
                       "asserts it)", ("convert_to_iter_based",))
        return self

    def window(self, spe: int) -> tuple[int, int]:
        """[begin, end) in the scheduler's own steps (iterations when converted, as MMEngine converts them)."""
        if not self.convert_to_iter_based:
            return self.begin, self.end
        return self.begin * spe, (self.end * spe if self.end != INF else INF)

    def multiplies(self, n: int, scale: int) -> bool:
        """Whether every step of the scheduler multiplies the current rate by a factor of its own."""
        return True

    def exclusive_reason(self, n: int, scale: int) -> str:
        return ""

    def ratio(self, n: int, scale: int) -> tuple[dict[str, Any], float]:
        """The factor node on the window's local step k (0 <= k < n), and its value at k = n - 1: the scheduler's
        rate curve from 1 (schedulers that only multiply override it; the others define ``curve(start, base, n,
        scale)``, the rate node from ``start``, the rate at begin)."""
        return self.curve(1.0, 1.0, n, scale)  # type: ignore[attr-defined]

    def sets_initial(self) -> float | None:
        """The optimizer's initial rate this scheduler's constructor writes (OneCycleLR), else None."""
        return None


# --- multiplicative schedulers --------------------------------------------------------------------------------


class _LinearLR(_Scheduler):
    name = "LinearLR"
    type: Literal["mmengine.LinearLR"]
    start_factor: Fraction = 1.0 / 3
    """Factor on the rate at begin; must be in (0, 1] (MMEngine divides by it at the second step)."""
    end_factor: Fraction = 1.0
    """Factor reached at step end - 1 (MMEngine's end is inclusive here), then held."""

    @field_validator("start_factor")
    @classmethod
    def _nonzero(cls, value: float) -> float:
        if value == 0.0:
            raise fail("start_factor 0 makes MMEngine divide by zero at the scheduler's second step "
                       "(ZeroDivisionError); use a small positive factor such as 1e-6")
        return value

    def ratio(self, n: int, scale: int) -> tuple[dict[str, Any], float]:
        span = n - 1
        if span == 0:
            return _const(self.start_factor), self.start_factor
        node = {"type": "piecewise_linear", "points": [[0, self.start_factor], [span, self.end_factor]]}
        return node, self.start_factor + (self.end_factor - self.start_factor) * 1.0


class _ConstantLR(_Scheduler):
    name = "ConstantLR"
    type: Literal["mmengine.ConstantLR"]
    factor: Fraction = 1.0 / 3
    """Factor on the rate from begin to step end - 2; at step end - 1 MMEngine multiplies by 1 / factor."""

    @field_validator("factor")
    @classmethod
    def _nonzero(cls, value: float) -> float:
        if value == 0.0:
            raise fail("factor 0 makes MMEngine divide by zero at step end - 1 (it multiplies by 1 / factor); "
                       "use a small positive factor")
        return value

    def ratio(self, n: int, scale: int) -> tuple[dict[str, Any], float]:
        f = self.factor
        if n - 1 == 0:
            return _const(f), f
        back = f * (1.0 / f)
        return {"type": "piecewise_constant", "boundaries": [n - 1], "values": [f, back]}, back


def _power_steps(gamma: float, period: int, n: int) -> tuple[dict[str, Any], float]:
    if gamma == 0.0:
        return {"type": "piecewise_constant", "boundaries": [period], "values": [1.0, 0.0]}, (
            0.0 if n - 1 >= period else 1.0)
    node = {"type": "exponential", "initial_lr": 1.0, "decay_rate": gamma, "decay_steps": period, "staircase": True}
    return node, 1.0 * gamma ** float((n - 1) // period)


class _StepLR(_Scheduler):
    name = "StepLR"
    type: Literal["mmengine.StepLR"]
    step_size: _Count
    """Local steps between two decays (epochs when by_epoch; multiplied by the epoch length when converted)."""
    gamma: Rate = 0.1
    """Factor applied every step_size steps."""

    def ratio(self, n: int, scale: int) -> tuple[dict[str, Any], float]:
        return _power_steps(self.gamma, self.step_size * scale, n)


class _MultiStepLR(_Scheduler):
    name = "MultiStepLR"
    type: Literal["mmengine.MultiStepLR"]
    milestones: list[_Index] = Field(max_length=MAX_POINTS)
    """Local steps (counted from begin) at which the rate is multiplied by gamma; a repeated milestone multiplies
    by gamma once per listing."""
    gamma: Rate = 0.1
    """Factor applied at each milestone."""

    def ratio(self, n: int, scale: int) -> tuple[dict[str, Any], float]:
        counts = Counter(m * scale for m in self.milestones)
        value = 1.0
        if 0 in counts:
            value = value * self.gamma ** counts.pop(0)
        boundaries, values = [], [value]
        last = value
        for m in sorted(counts):
            value = value * self.gamma ** counts[m]
            boundaries.append(m)
            values.append(value)
            if m <= n - 1:
                last = value
        if not boundaries:
            return _const(values[0]), last
        return {"type": "piecewise_constant", "boundaries": boundaries, "values": values}, last


class _ExponentialLR(_Scheduler):
    name = "ExponentialLR"
    type: Literal["mmengine.ExponentialLR"]
    gamma: Rate
    """Factor applied at every step of the scheduler (every iteration when converted: MMEngine does not rescale
    gamma)."""

    def ratio(self, n: int, scale: int) -> tuple[dict[str, Any], float]:
        return _power_steps(self.gamma, 1, n)


# --- schedulers that may move the rate towards eta_min --------------------------------------------------------

_AFFINE = ("its step moves the rate towards eta_min (eta_min + r * (lr - eta_min)) instead of multiplying it, so "
           "it does not combine with another scheduler as a product")


class _PolyLR(_Scheduler):
    name = "PolyLR"
    type: Literal["mmengine.PolyLR"]
    eta_min: Rate = 0.0
    """The rate reached at step end - 1."""
    power: Positive = 1.0
    """The power of the polynomial."""

    def multiplies(self, n: int, scale: int) -> bool:
        return self.eta_min == 0.0

    def exclusive_reason(self, n: int, scale: int) -> str:
        return "PolyLR with eta_min > 0: " + _AFFINE

    def curve(self, start: float, base: float, n: int, scale: int) -> tuple[dict[str, Any], float]:
        span = n - 1
        if span == 0:
            return _const(start), start
        node = {"type": "polynomial", "initial_lr": start, "end_lr": self.eta_min, "decay_steps": span,
                "power": self.power}
        return node, (start - self.eta_min) * 0.0 + self.eta_min


class _CosineAnnealingLR(_Scheduler):
    name = "CosineAnnealingLR"
    type: Literal["mmengine.CosineAnnealingLR"]
    T_max: _Count | None = None
    """Steps from the rate at begin down to eta_min; default end - begin."""
    eta_min: Rate | None = None
    """The minimum rate; default 0 (when eta_min_ratio is not given)."""
    eta_min_ratio: Rate | None = None
    """The minimum as a fraction of the optimizer's initial rate; not with eta_min."""

    @model_validator(mode="after")
    def _one_minimum(self) -> _CosineAnnealingLR:
        if self.eta_min is not None and self.eta_min_ratio is not None:
            raise fail("give eta_min or eta_min_ratio, not both (MMEngine asserts it)", ("eta_min_ratio",))
        return self

    def period(self, n: int, scale: int) -> int:
        return self.T_max * scale if self.T_max is not None else n

    def minimum(self, base: float) -> float:
        if self.eta_min_ratio is not None:
            return base * self.eta_min_ratio
        return self.eta_min if self.eta_min is not None else 0.0

    def multiplies(self, n: int, scale: int) -> bool:
        zero = (self.eta_min or 0.0) == 0.0 and (self.eta_min_ratio or 0.0) == 0.0
        return zero and n - 1 <= self.period(n, scale)

    def exclusive_reason(self, n: int, scale: int) -> str:
        if n - 1 > self.period(n, scale):
            return ("CosineAnnealingLR run past T_max: past T_max its step adds a multiple of the optimizer's initial "
                    "rate, so it does not combine with another scheduler as a product")
        return "CosineAnnealingLR with a nonzero minimum: " + _AFFINE

    def curve(self, start: float, base: float, n: int, scale: int) -> tuple[dict[str, Any], float]:
        period, low = self.period(n, scale), self.minimum(base)
        first = {"type": "cosine", "initial_lr": start, "final_lr": low, "decay_steps": period}
        if n - 1 <= period:
            return first, _cos_closed(start, low, n - 1, period)
        # from step T_max + 1 on, MMEngine's special step restarts the rise from eta_min with the amplitude of the
        # optimizer's initial rate, and the recursion continues the cosine with period 2 * T_max
        amp = base - low
        rise = {"type": "expression", "expr": "low + amp * (1 + cos(pi * ((t + s) % (2 * T)) / T)) / 2",
                "params": {"low": low, "amp": amp, "s": float(period + 1), "T": float(period)}}
        k = n - 1
        last = low + amp * (1 + math.cos(math.pi * float(k % (2 * period)) / float(period))) / 2
        return _sequence([(first, period + 1), (rise, None)]), last


# --- schedulers that set the rate ----------------------------------------------------------------------------

class _OneCycleLR(_Scheduler):
    name = "OneCycleLR"
    type: Literal["mmengine.OneCycleLR"]
    eta_max: Rate = 0.0
    """The peak rate (MMEngine's default 0)."""
    total_steps: _Count | None = None
    """Length of the cycle; default end - begin."""
    pct_start: Fraction = 0.3
    """Fraction of the cycle spent increasing."""
    anneal_strategy: Literal["cos", "linear"] = "cos"
    """Shape of every phase."""
    div_factor: Positive = 25.0
    """The start rate is eta_max / div_factor."""
    final_div_factor: Positive = 1e4
    """The final rate is the start rate / final_div_factor."""
    three_phase: bool = False
    """Come back down to the start rate before annealing to the final rate."""

    def multiplies(self, n: int, scale: int) -> bool:
        return False

    def exclusive_reason(self, n: int, scale: int) -> str:
        return ("OneCycleLR sets the rate from eta_max at every step, discarding the factors of the other "
                "schedulers")

    def sets_initial(self) -> float | None:
        return self.eta_max / self.div_factor

    def total(self, n: int, scale: int) -> int:
        return self.total_steps * scale if self.total_steps is not None else n

    def node(self, total: int) -> dict[str, Any]:
        return {"type": "one_cycle", "max_lr": self.eta_max, "total_steps": total, "pct_start": self.pct_start,
                "anneal_strategy": self.anneal_strategy, "div_factor": self.div_factor,
                "final_div_factor": self.final_div_factor, "three_phase": self.three_phase}

    def curve(self, start: float, base: float, n: int, scale: int) -> tuple[dict[str, Any], float]:
        total = self.total(n, scale)
        return self.node(total), self.value(min(n - 1, total - 1), total)

    def value(self, k: int, total: int) -> float:
        lo = self.eta_max / self.div_factor
        fin = lo / self.final_div_factor
        ends = [(float(self.pct_start * total) - 1, lo, self.eta_max)]
        if self.three_phase:
            ends += [(float(2 * self.pct_start * total) - 2, self.eta_max, lo), (total - 1, lo, fin)]
        else:
            ends += [(total - 1, self.eta_max, fin)]
        begin = 0.0
        for i, (stop, a, b) in enumerate(ends):
            if k <= stop or i == len(ends) - 1:
                pct = (k - begin) / (stop - begin)
                if self.anneal_strategy == "cos":
                    return b + (a - b) / 2.0 * (math.cos(math.pi * pct) + 1)
                return (b - a) * pct + a
            begin = stop
        raise AssertionError


class _CosineRestartLR(_Scheduler):
    name = "CosineRestartLR"
    type: Literal["mmengine.CosineRestartLR"]
    periods: list[_Count] = Field(min_length=1, max_length=MAX_PHASES - 2)
    """Length of each cosine cycle."""
    restart_weights: list[Rate] = Field(default_factory=lambda: [1.0], min_length=1, max_length=MAX_PHASES - 2)
    """Each cycle starts at the optimizer's initial rate times its weight; one weight per period."""
    eta_min: Rate | None = None
    """The minimum rate; give exactly one of eta_min and eta_min_ratio (MMEngine asserts it)."""
    eta_min_ratio: Rate | None = None
    """The minimum as a fraction of the optimizer's initial rate."""

    @model_validator(mode="after")
    def _checks(self) -> _CosineRestartLR:
        if (self.eta_min is None) == (self.eta_min_ratio is None):
            raise fail("give exactly one of eta_min and eta_min_ratio (MMEngine asserts it)", ("eta_min",), key=True)
        if len(self.restart_weights) != len(self.periods):
            raise fail(f"needs one restart weight per period: {len(self.periods)} period(s), "
                       f"{len(self.restart_weights)} weight(s) (MMEngine asserts it)", ("restart_weights",))
        return self

    def multiplies(self, n: int, scale: int) -> bool:
        return False

    def exclusive_reason(self, n: int, scale: int) -> str:
        return ("CosineRestartLR starts every period at the optimizer's initial rate times its restart weight, "
                "discarding the factors of the other schedulers")

    def curve(self, start: float, base: float, n: int, scale: int) -> tuple[dict[str, Any], float]:
        low = base * self.eta_min_ratio if self.eta_min_ratio is not None else self.eta_min
        assert low is not None
        phases: list[tuple[dict[str, Any], int | None]] = []
        last, at = start, 0
        for period, weight in zip(self.periods, self.restart_weights, strict=True):
            period *= scale
            top = base * weight
            phases.append(({"type": "cosine", "initial_lr": top, "final_lr": low, "decay_steps": period}, period))
            if at <= n - 1:
                last = _cos_closed(top, low, min(n - 1 - at, period - 1), period)
            at += period
        phases.append((_const(last), None))
        return _sequence(phases), last


# --- combining a list of schedulers -----------------------------------------------------------------------------

def _plan(schedulers: list[_Scheduler], base_lr: float, epoch_length: int | None, clock: Any,
          loc: tuple[Any, ...] | None) -> dict[str, Any]:
    """The core node of MMEngine's schedulers stepped together on one optimizer whose lr is ``base_lr``."""
    doc_unit = getattr(clock, "unit", "step") if clock is not None else "step"
    doc_spe = getattr(clock, "steps_per_epoch", None) if clock is not None else None
    if epoch_length is not None and doc_spe is not None and epoch_length != doc_spe:
        raise fail(f"epoch_length {epoch_length} differs from the document's steps_per_epoch {doc_spe}: MMEngine "
                   "has one epoch length (len(train_dataloader)); give one number", ("epoch_length",))
    spe = epoch_length if epoch_length is not None else doc_spe

    windows = []  # (start, stop, scheduler, index, epochwise, n, scale, base)
    initial = base_lr
    for i, s in enumerate(schedulers):
        at = (*loc, i) if loc is not None else ()
        if s.convert_to_iter_based and spe is None:
            raise fail("convert_to_iter_based multiplies begin, end and the lengths by the epoch length: give "
                       "epoch_length, or steps_per_epoch at the top of the document", (*at, "convert_to_iter_based"))
        iterwise = not s.by_epoch or s.convert_to_iter_based
        if doc_unit == "epoch":
            if iterwise:
                raise fail(f"{s.name} steps per iteration, and the document counts epochs: give the document "
                           "unit: step and steps_per_epoch", (*at, "by_epoch"))
            mult, epochwise = 1, False
        elif iterwise:
            mult, epochwise = 1, False
        else:
            if doc_spe is None:
                raise fail(f"{s.name} steps once per epoch (by_epoch: true, MMEngine's default) and the document counts "
                           "steps: give steps_per_epoch at the top of the document, or count the document in epochs "
                           "(unit: epoch), or write by_epoch: false", (*at, "by_epoch"))
            mult, epochwise = doc_spe, True
        b, e = s.window(spe or 1)
        n = e - b
        scale = spe if s.convert_to_iter_based else 1
        if isinstance(s, _OneCycleLR):
            total = s.total(n, scale)
            if n > total:
                raise fail(f"the window [begin, end) is {n} steps and total_steps {total}: MMEngine continues the last "
                           "phase past the cycle at step total_steps and raises ValueError after it; give "
                           "end <= begin + total_steps", (*at, "end"))
            try:
                OneCycle.model_validate(s.node(total))
            except ValidationError as exc:
                raise fail(exc.errors(include_url=False)[0]["msg"], (*at, "pct_start")) from None
        windows.append((b * mult, e * mult, s, i, epochwise, n, scale, initial, b))
        if (written := s.sets_initial()) is not None:
            initial = written

    exclusive = [w for w in windows if not w[2].multiplies(w[5], w[6])]
    for x in exclusive:
        for w in windows:
            if w is not x and w[0] < x[1] and x[0] < w[1]:
                lo, hi = max(w[0], x[0]), min(w[1], x[1])
                raise fail(f"schedulers {min(w[3], x[3])} and {max(w[3], x[3])} ({w[2].name}, {x[2].name}) are both "
                           f"active on steps [{lo}, {hi}), and {x[2].exclusive_reason(x[5], x[6])}; give them disjoint "
                           "[begin, end) windows, or write the combination as core 'sequence' and 'product' nodes",
                           (*loc, x[3], "begin") if loc is not None else ("begin",))
    exclusive.sort(key=lambda w: w[0])

    def unit(node: dict[str, Any], epochwise: bool) -> dict[str, Any]:
        return {**node, "unit": "epoch"} if epochwise else node

    base_phases: list[tuple[dict[str, Any], int | None]] = []
    factors: list[dict[str, Any]] = []
    rate, pos = base_lr, 0
    bounds = [x[0] for x in exclusive] + [None]
    for r, stop in enumerate(bounds):
        members = [w for w in windows if w[2].multiplies(w[5], w[6]) and w[0] >= pos
                   and (stop is None or w[1] <= stop)]
        start_rate = rate
        for w in sorted(members, key=lambda w: w[3]):
            s, epochwise, n, scale = w[2], w[4], w[5], w[6]
            b = w[8]
            node, last = s.ratio(n, scale)
            track = _sequence([(_const(1.0), b), (node, n), (_const(last), None)] if b else
                              [(node, n), (_const(last), None)])
            track = unit(track, epochwise)
            if stop is not None and stop < T_MAX:
                track = _sequence([(track, stop), (_const(1.0), None)])
            factors.append(track)
            rate = rate * last
        if stop is None:
            base_phases.append((_const(start_rate), None))
            break
        x = exclusive[r]
        if stop > pos:
            base_phases.append((_const(start_rate), stop - pos))
        node, last = x[2].curve(rate, x[7], x[5], x[6])
        base_phases.append((unit(node, x[4]), x[1] - x[0]))
        rate, pos = last, x[1]
    if len(factors) + 1 > MAX_PHASES or len(base_phases) > MAX_PHASES:
        raise fail(f"too many schedulers to write as one product of at most {MAX_PHASES} nodes", loc or ())
    base = _sequence(base_phases)
    if not factors:
        return base
    return {"type": "product", "base": base, "factors": factors}


class _MMEngine(Alias):
    library = "mmengine"

    _core: dict[str, Any] = PrivateAttr(default_factory=dict)

    def core(self) -> dict[str, Any]:
        return self._core


class _Standalone(_MMEngine):
    """One scheduler on its own: the optimizer's rate base_lr is a field of the alias."""

    base_lr: Rate
    """The optimizer's lr (MMEngine's optim_wrapper.optimizer.lr): the rate the scheduler starts from."""
    epoch_length: _Count | None = None
    """Iterations per epoch (len(train_dataloader)), for convert_to_iter_based; default the document's
    steps_per_epoch."""

    @model_validator(mode="after")
    def _build(self, info: ValidationInfo) -> _Standalone:
        clock = (info.context or {}).get("clock")
        self._core = _plan([self], self.base_lr, self.epoch_length, clock, None)  # type: ignore[list-item]
        return self


def _standalone(inner: type[_Scheduler], doc: str) -> type[_Standalone]:
    cls = type(inner.name, (_Standalone, inner), {"__doc__": doc, "__module__": __name__})
    return cls  # type: ignore[return-value]


LinearLR = _standalone(_LinearLR, "mmengine.optim.LinearLR: the factor from start_factor to end_factor, reached "
                       "at step end - 1, on the rate at begin (a factor track of a core product).")
ConstantLR = _standalone(_ConstantLR, "mmengine.optim.ConstantLR: the factor ``factor`` until step end - 2, then "
                         "factor * (1 / factor) (a factor track of a core product).")
CosineAnnealingLR = _standalone(_CosineAnnealingLR, "mmengine.optim.CosineAnnealingLR: a core cosine from the rate "
                                "at begin to eta_min over T_max; past T_max MMEngine's recursion rises again with the "
                                "amplitude of the optimizer's initial rate (an expression phase).")
MultiStepLR = _standalone(_MultiStepLR, "mmengine.optim.MultiStepLR: gamma at each milestone counted from begin (a "
                          "piecewise_constant factor).")
StepLR = _standalone(_StepLR, "mmengine.optim.StepLR: gamma ** (k // step_size) on the local step k (a staircase "
                     "exponential factor).")
ExponentialLR = _standalone(_ExponentialLR, "mmengine.optim.ExponentialLR: gamma ** k on the local step k (an "
                            "exponential factor).")
PolyLR = _standalone(_PolyLR, "mmengine.optim.PolyLR: a core polynomial from the rate at begin to eta_min, reached "
                     "at step end - 1.")
OneCycleLR = _standalone(_OneCycleLR, "mmengine.optim.OneCycleLR: the core one_cycle node (torch's formula and "
                         "operations), total_steps default end - begin.")
CosineRestartLR = _standalone(_CosineRestartLR, "mmengine.optim.CosineRestartLR: one core cosine phase per period, "
                              "each from the optimizer's initial rate times its weight down to the minimum, then held.")

_ITEMS: tuple[type[_Scheduler], ...] = (_LinearLR, _ConstantLR, _CosineAnnealingLR, _MultiStepLR, _StepLR,
                                        _ExponentialLR, _PolyLR, _OneCycleLR, _CosineRestartLR)
_ITEM_TYPES = [c.model_fields["type"].annotation.__args__[0] for c in _ITEMS]  # type: ignore[union-attr]
Item = Annotated[Union[_ITEMS], Field(discriminator="type")]  # type: ignore[valid-type]  # noqa: UP007


class ParamScheduler(_MMEngine):
    """A config's ``param_scheduler`` list as MMEngine's runner steps it: iteration-based schedulers after every
    iteration, epoch-based ones after every epoch, each only inside its [begin, end) window. Schedulers that
    multiply the rate are factors of a core ``product``; the others are phases of its base, started from the rate
    in effect at their begin, and may not overlap another scheduler."""

    type: Literal["mmengine.param_scheduler"]
    base_lr: Rate
    """The optimizer's lr (optim_wrapper.optimizer.lr)."""
    epoch_length: _Count | None = None
    """Iterations per epoch (len(train_dataloader)), for convert_to_iter_based; default the document's
    steps_per_epoch (which epoch-based schedulers need in a document counted in steps)."""
    schedulers: list[Item] = Field(min_length=1, max_length=MAX_PHASES - 1)
    """The schedulers, in the config's order: mmengine aliases written without base_lr and epoch_length."""

    @field_validator("schedulers", mode="before")
    @classmethod
    def _known(cls, value: Any) -> Any:
        if isinstance(value, list):
            for i, item in enumerate(value):
                kind = item.get("type") if isinstance(item, dict) else None
                if not isinstance(kind, str) or kind in _ITEM_TYPES:
                    continue
                if kind.endswith("ReduceOnPlateauLR"):
                    why = ("ReduceOnPlateauLR follows a validation metric, not the step count; write the schedule "
                           "you expect as core nodes")
                else:
                    why = f"allowed types: {', '.join(_ITEM_TYPES)}"
                raise fail(f"unknown MMEngine scheduler type {kind!r}; {why}", (i, "type"))
                # momentum schedulers and custom ones are not learning-rate schedules of lrspec
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    for key in ("base_lr", "epoch_length"):
                        if key in item:
                            raise fail(f"a scheduler of mmengine.param_scheduler takes the list's {key}; remove it "
                                       "here", (i, key), key=True)
        return value

    @model_validator(mode="after")
    def _build(self, info: ValidationInfo) -> ParamScheduler:
        clock = (info.context or {}).get("clock")
        self._core = _plan(list(self.schedulers), self.base_lr, self.epoch_length, clock, ("schedulers",))
        return self
