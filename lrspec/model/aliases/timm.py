"""timm's learning-rate schedulers (timm 1.0.x, ``timm/scheduler/*.py``) as core nodes.

Each alias takes exactly the parameters of the scheduler's constructor that affect the rate, plus
``base_lr``, the optimizer's rate (timm reads it from the param group). ``t_in_epochs`` is accepted
and ignored: it only selects whether ``step(epoch)`` or ``step_update(num_updates)`` drives the
scheduler, and lrspec's ``t`` is whichever of the two counts (the document's ``unit`` says which).
``initialize`` only concerns the optimizer wiring and is not a field.

timm's ``_get_lr(t)`` is lr(t): the rate that ``step(t)`` (or ``step_update(t)``) puts into the
optimizer. The aliases give timm's intended formula in binary64 with integer counters; where timm
differs from it (the cycle index found with a floating-point logarithm), see docs/compat.md.

Restart cycles. timm applies ``cycle_decay`` to the maximum only,
``lr_min + (cycle_decay**i * base_lr - lr_min) * shape``, while the core ``restarts`` modifier
scales the whole amplitude above the floor, ``lr_min + cycle_decay**i * (base_lr - lr_min) * shape``.
The two agree when ``lr_min == 0`` or ``cycle_decay == 1``, and the alias then uses ``restarts``.
Otherwise it writes every cycle out as a phase of a ``sequence`` with timm's own peak
``base_lr * cycle_decay**i`` (at most 64 phases; with ``cycle_mul >= 2`` fewer than 55 cycles start
before step 2**53, so only ``cycle_mul == 1`` with many cycles is refused).
"""

from __future__ import annotations

from abc import abstractmethod

import math
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from .._base import T_MAX, Fraction, Length, Multiplier, Positive, Rate, Real, Seed, Step, Steps, fail
from ..nodes import MAX_PHASES
from ._base import Alias

__all__ = ["CosineLRScheduler", "TanhLRScheduler", "StepLRScheduler", "MultiStepLRScheduler", "PolyLRScheduler",
           "WSDLRScheduler"]


def _whole(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(f"{what}, got {value!r:.40}")
    if isinstance(value, float) and (not math.isfinite(value) or value != math.floor(value)):
        raise fail(f"{what}, got {value!r}")
    return int(value)


def _noise_range(value: Any) -> Any:
    what = "must be a step t0 >= 0 (noise for t >= t0) or a pair [a, b] of steps (noise for a <= t < b)"
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise fail(f"{what}, got a list of {len(value)}")
        a, b = (_whole(v, what) for v in value)
        if not 0 <= a <= T_MAX or not 0 <= b <= T_MAX:
            raise fail(f"{what}, each <= 2**53, got [{a}, {b}]")
        if b <= a:
            raise fail(f"the range [{a}, {b}) is empty, so timm adds no noise; leave noise_range_t out instead")
        return (a, b)
    t0 = _whole(value, what)
    if not 0 <= t0 <= T_MAX:
        raise fail(f"{what}, <= 2**53, got {t0}")
    return t0


#: timm's noise window: one start step, or a [start, end) pair.
NoiseRange = Annotated[Step | tuple[Step, Step], BeforeValidator(_noise_range)]

class _TimmScheduler(Alias):
    library = "timm"

    base_lr: Rate
    """The optimizer's rate (timm's base_values, read from the param group): the peak of the schedule."""
    warmup_t: Step = 0
    """Warmup steps: the rate goes linearly from warmup_lr_init towards the target (0: no warmup)."""
    warmup_lr_init: Rate = 0.0
    """Rate at step 0 of the warmup."""
    warmup_prefix: bool = False
    """true: the schedule starts after the warmup; false: the warmup replaces its first warmup_t steps."""
    t_in_epochs: bool = True
    """Accepted and ignored: whether timm is stepped per epoch or per update; lrspec's t is that count."""
    noise_range_t: NoiseRange | None = None
    """Steps with noise: t0 (t >= t0) or [a, b] (a <= t < b). No noise when omitted."""
    noise_pct: Positive = 0.67
    """The normal noise is truncated to |noise| < noise_pct (timm redraws until a draw fits)."""
    noise_std: Positive = 1.0
    """Standard deviation of the normal noise before truncation."""
    noise_seed: Seed = 42
    """Seed of the noise (lrspec's counter-based generator, not torch's: same distribution, other draws)."""

    def _target(self) -> float | str:
        """What timm's warmup ramps to (its ``warmup_steps`` divide by warmup_t the distance to it)."""
        return self.base_lr

    def _modifiers(self, main: dict[str, Any]) -> dict[str, Any]:
        out = dict(main)
        if self.warmup_t:
            out["warmup"] = {"steps": self.warmup_t, "initial_lr": self.warmup_lr_init,
                             "prefix": self.warmup_prefix, "target_lr": self._target()}
        if self.noise_range_t is not None:
            start, end = self.noise_range_t if isinstance(self.noise_range_t, tuple) else (self.noise_range_t, None)
            noise: dict[str, Any] = {"distribution": "normal", "std": self.noise_std, "pct": self.noise_pct,
                                     "seed": self.noise_seed, "start": start}
            if end is not None:
                noise["end"] = end
            out["noise"] = noise
        return out


class _Cycling(_TimmScheduler):
    """The cycle machinery shared by the cosine, tanh and poly schedulers."""

    t_initial: Steps
    """Length of the first cycle in steps."""
    lr_min: Rate = 0.0
    """Rate at the end of every cycle and after the last one."""
    cycle_mul: Multiplier = 1.0
    """Each cycle is cycle_mul times as long as the one before, exactly (1.5: cycles of t_initial * 1.5**i)."""
    cycle_decay: Positive = 1.0
    """Cycle i peaks at base_lr * cycle_decay ** i."""
    cycle_limit: Step = 1
    """Number of cycles; afterwards the rate is lr_min (0: lr_min from the start)."""

    # the shape of one cycle, by subclass

    def _k(self) -> float:
        return 1.0

    @abstractmethod
    def _shape(self, lr_max: float, horizon: int | None) -> dict[str, Any]:
        """The core node of one cycle peaking at lr_max, for k_decay == 1 (horizon None: from restarts)."""

    @abstractmethod
    def _k_expr(self) -> str:
        """timm's formula of one cycle as an expression in t (position in the cycle), for k_decay != 1."""

    def _params(self) -> dict[str, float]:
        return {"k": self._k()}

    def _cycle(self, lr_max: float, horizon: int) -> dict[str, Any]:
        """One cycle of ``horizon`` steps; an expression for k_decay != 1 and for a horizon beyond 2**53 (the last
        cycle, cut off at 2**53), which no core horizon can hold."""
        if self._k() == 1.0 and horizon <= T_MAX:
            return self._shape(lr_max, horizon)
        return {"type": "expression", "expr": self._k_expr(),
                "params": {"lr_max": lr_max, "lr_min": self.lr_min, **self._params(), "t_i": float(horizon)}}

    def _main(self) -> dict[str, Any]:
        n, period, mul = self.cycle_limit, self.t_initial, self.cycle_mul
        lr_min = {"type": "constant", "lr": self.lr_min}
        if n == 0:
            return lr_min
        same_decay = self.cycle_decay == 1.0 or self.lr_min == 0.0
        if n == 1 and self._k() == 1.0:
            return self._shape(self.base_lr, period)
        if same_decay and self._k() == 1.0:
            restarts: dict[str, Any] = {"period": period, "limit": n}
            if mul != 1:
                restarts["period_mul"] = mul
            if self.cycle_decay != 1.0:
                restarts["decay"] = self.cycle_decay
            return {**self._shape(self.base_lr, None), "restarts": restarts}
        if same_decay and mul == 1:
            # an expression has no horizon: t_i is a parameter, constant when cycle_mul == 1
            node = self._cycle(self.base_lr, period)
            if n > 1:
                node["restarts"] = {"period": period, **({"decay": self.cycle_decay} if self.cycle_decay != 1.0
                                                         else {})}
            if n * period > T_MAX:
                return node
            return {"type": "sequence", "phases": [{**node, "steps": n * period}, lr_min]}
        if mul != math.floor(mul):
            why = "k_decay != 1" if same_decay else "lr_min > 0 and cycle_decay != 1"
            raise fail(f"a fractional cycle_mul with {why} is not supported: lrspec writes such cycles out one by one "
                       "as phases of a sequence, and phases last whole steps while these cycles last "
                       f"t_initial * {mul!r}**i; use a whole cycle_mul, or {'k_decay 1' if same_decay else 'lr_min 0 or cycle_decay 1'}",
                       ("cycle_mul",))
        return self._phases(n, period, int(mul))

    def _phases(self, n: int, period: int, mul: int) -> dict[str, Any]:
        """Every cycle written out: peak base_lr * cycle_decay ** i (timm's), length t_initial * cycle_mul ** i."""
        phases: list[dict[str, Any]] = []
        start, length, i = 0, period, 0
        while i < n and start <= T_MAX:
            if len(phases) == MAX_PHASES:
                raise fail(self._too_many(), ("cycle_limit",))
            phases.append({**self._cycle(self.base_lr * self.cycle_decay ** i, length), "steps": min(length, T_MAX)})
            start, length, i = start + length, length * mul, i + 1
        if i == n and start <= T_MAX and len(phases) < MAX_PHASES:
            phases.append({"type": "constant", "lr": self.lr_min})
        elif i == n and start <= T_MAX:
            raise fail(self._too_many(), ("cycle_limit",))
        else:
            del phases[-1]["steps"]  # the last cycle runs past 2**53
        if len(phases) == 1:
            return phases[0]
        return {"type": "sequence", "phases": phases}

    def _too_many(self) -> str:
        why = "k_decay != 1 and cycle_mul != 1" if self.cycle_decay == 1.0 or self.lr_min == 0.0 else (
            "lr_min > 0 and cycle_decay != 1 (timm scales only the peak by cycle_decay ** i, the restarts "
            "modifier the whole amplitude above lr_min)")
        return (f"with {why}, every cycle is written out as a phase of a sequence, and these cycles (with the "
                f"final lr_min) need more than {MAX_PHASES} phases; use cycle_limit <= {MAX_PHASES - 1}, "
                "lr_min 0 or cycle_decay 1")

    @model_validator(mode="after")
    def _representable(self) -> _Cycling:
        self._main()  # raises when the cycles cannot be written out
        return self

    def core(self) -> dict[str, Any]:
        return self._modifiers(self._main())


class CosineLRScheduler(_Cycling):
    """timm.scheduler.CosineLRScheduler (timm/scheduler/cosine_lr.py): SGDR cosine cycles with warmup,
    noise and k-decay."""

    type: Literal["timm.CosineLRScheduler"]
    k_decay: Positive = 1.0
    """k-decay (Zhang et al. 2020): the cycle progress is t_curr ** k_decay / t_i ** k_decay."""

    def _k(self) -> float:
        return self.k_decay

    def _shape(self, lr_max: float, horizon: int | None) -> dict[str, Any]:
        node: dict[str, Any] = {"type": "cosine", "initial_lr": lr_max, "final_lr": self.lr_min}
        if horizon is not None:
            node["decay_steps"] = horizon
        return node

    def _k_expr(self) -> str:
        return "lr_min + 0.5 * (lr_max - lr_min) * (1 + cos(pi * t ** k / t_i ** k))"


class TanhLRScheduler(_Cycling):
    """timm.scheduler.TanhLRScheduler (timm/scheduler/tanh_lr.py): hyperbolic-tangent decay cycles (Hsueh et
    al. 2019) with warmup and noise."""

    type: Literal["timm.TanhLRScheduler"]
    lb: Real = -7.0
    """tanh argument at the start of a cycle."""
    ub: Real = 3.0
    """tanh argument at the end of a cycle."""

    @model_validator(mode="after")
    def _ordered(self) -> TanhLRScheduler:
        if self.lb >= self.ub:
            raise fail(f"must be greater than lb ({self.lb:g}), got {self.ub:g}", ("ub",))
        return self

    def _target(self) -> float | str:
        # with the prefix timm ramps to base_lr; without it to its own value at warmup_t, the rate that takes over
        return self.base_lr if self.warmup_prefix else "end"

    def _params(self) -> dict[str, float]:
        return {"lb": self.lb, "ub": self.ub}

    def _k_expr(self) -> str:
        return "lr_min + 0.5 * (lr_max - lr_min) * (1 - tanh(lb * (1 - t / t_i) + ub * (t / t_i)))"

    def _shape(self, lr_max: float, horizon: int | None) -> dict[str, Any]:
        node: dict[str, Any] = {"type": "tanh", "initial_lr": lr_max, "lr_min": self.lr_min, "lb": self.lb,
                                "ub": self.ub}
        if horizon is not None:
            node["decay_steps"] = horizon
        return node


class PolyLRScheduler(_Cycling):
    """timm.scheduler.PolyLRScheduler (timm/scheduler/poly_lr.py): polynomial decay cycles with warmup, noise
    and k-decay."""

    type: Literal["timm.PolyLRScheduler"]
    power: Positive = 0.5
    """Exponent of the decay: (1 - progress) ** power."""
    k_decay: Positive = 1.0
    """k-decay (Zhang et al. 2020): the cycle progress is t_curr ** k_decay / t_i ** k_decay."""

    def _k(self) -> float:
        return self.k_decay

    def _shape(self, lr_max: float, horizon: int | None) -> dict[str, Any]:
        node: dict[str, Any] = {"type": "polynomial", "initial_lr": lr_max, "end_lr": self.lr_min,
                                "power": self.power}
        if horizon is not None:
            node["decay_steps"] = horizon
        return node

    def _params(self) -> dict[str, float]:
        return {"k": self.k_decay, "power": self.power}

    def _k_expr(self) -> str:
        return "lr_min + (lr_max - lr_min) * (1 - t ** k / t_i ** k) ** power"


class StepLRScheduler(_TimmScheduler):
    """timm.scheduler.StepLRScheduler (timm/scheduler/step_lr.py): base_lr * decay_rate ** (t // decay_t)."""

    type: Literal["timm.StepLRScheduler"]
    decay_t: Length
    """Steps between two decays; may be fractional (2.4: the EfficientNet recipes' decay_epochs)."""
    decay_rate: Positive = 1.0
    """Factor applied every decay_t steps."""
    warmup_prefix: bool = True
    """true (timm's default here): the schedule starts after the warmup; false: the warmup replaces its first steps."""

    def core(self) -> dict[str, Any]:
        return self._modifiers({"type": "exponential", "initial_lr": self.base_lr, "decay_rate": self.decay_rate,
                                "decay_steps": self.decay_t, "staircase": True})


class MultiStepLRScheduler(_TimmScheduler):
    """timm.scheduler.MultiStepLRScheduler (timm/scheduler/multistep_lr.py): base_lr * decay_rate ** k, k the
    number of milestones m with m <= t + 1, so that milestone m takes effect at t = m - 1 (timm's convention,
    one step before torch's MultiStepLR)."""

    type: Literal["timm.MultiStepLRScheduler"]
    decay_t: list[Step] = Field(max_length=1024)
    """Milestones, non-decreasing; milestone m takes effect at step m - 1 (a repeated milestone decays twice)."""
    decay_rate: Rate = 1.0
    """Factor applied at every milestone."""
    warmup_prefix: bool = True
    """true (timm's default here): the schedule starts after the warmup; false: the warmup replaces its first steps."""

    @field_validator("decay_t")
    @classmethod
    def _sorted(cls, value: list[int]) -> list[int]:
        for i in range(1, len(value)):
            if value[i] < value[i - 1]:
                raise fail(f"milestones must be in non-decreasing order (timm bisects them), got {value[i]} after "
                           f"{value[i - 1]}", (i,))
        return value

    def core(self) -> dict[str, Any]:
        # timm: k = bisect_right(decay_t, t + 1); the value changes where k does, at t = m - 1 for m >= 2
        first = sum(1 for m in self.decay_t if m <= 1)  # in effect from t = 0
        boundaries: list[int] = []
        values = [self.base_lr * self.decay_rate ** first]
        count = first
        for m in self.decay_t[first:]:
            count += 1
            if boundaries and boundaries[-1] == m - 1:
                values[-1] = self.base_lr * self.decay_rate ** count
            else:
                boundaries.append(m - 1)
                values.append(self.base_lr * self.decay_rate ** count)
        if not boundaries:
            return self._modifiers({"type": "constant", "lr": values[0]})
        return self._modifiers({"type": "piecewise_constant", "boundaries": boundaries, "values": values})


class WSDLRScheduler(_TimmScheduler):
    """timm.scheduler.WSDLRScheduler (timm/scheduler/wsd_lr.py): a linear warm-up prefix, a stable phase (constant,
    rsqrt or power) and a decay to lr_min over the last decay_t steps of t_initial, as the core ``wsd`` node."""

    type: Literal["timm.WSDLRScheduler"]
    t_initial: Steps
    """Length of the stable and decay phases together (the warm-up comes before them)."""
    decay_t: Steps
    """Length of the decay: the last decay_t steps of t_initial."""
    lr_min: Rate = 0.0
    """Rate at the end of the decay, and after it."""
    stable_fn: Literal["constant", "rsqrt", "power"] = "constant"
    """The stable phase's factor: 1, (1 + t_s / timescale) ** -0.5 or ** -stable_power."""
    stable_timescale: Steps | None = None
    """Timescale of rsqrt and power; timm's default is warmup_t."""
    stable_power: Positive = 0.5
    """Exponent of the power stable phase."""
    decay_fn: Literal["linear", "1-sqrt", "cosine", "power", "exp"] = "1-sqrt"
    """The decay's factor over its progress (a callable in timm: write the core wsd node, or an expression)."""
    decay_power: Positive = 0.5
    """Exponent of the power decay."""
    decay_ratio: Fraction = 0.1
    """Final fraction of the exp decay before it is normalized to reach lr_min, 0 < decay_ratio < 1."""
    warmup_prefix: Literal[True] = True
    """timm's WSD warm-up is always a prefix to t_initial (the field is accepted for symmetry, and only true)."""

    @model_validator(mode="after")
    def _consistent(self) -> WSDLRScheduler:
        if self.decay_t > self.t_initial:
            raise fail(f"must be <= t_initial ({self.t_initial}), got {self.decay_t} (timm raises)", ("decay_t",))
        if not 0 < self.decay_ratio < 1:
            raise fail(f"must be > 0 and < 1, got {self.decay_ratio!r} (timm raises)", ("decay_ratio",))
        if self.stable_fn != "constant" and self.stable_timescale is None and not self.warmup_t:
            raise fail(f"stable_fn {self.stable_fn} needs stable_timescale, which defaults to warmup_t (0 here); "
                       "give it", ("stable_timescale",))
        return self

    def core(self) -> dict[str, Any]:
        node: dict[str, Any] = {"type": "wsd", "lr": self.base_lr, "final_lr": self.lr_min,
                                "total_steps": self.t_initial, "decay_steps": self.decay_t,
                                "decay_shape": "exponential" if self.decay_fn == "exp" else self.decay_fn}
        if self.stable_fn != "constant":
            node.update(stable_shape=self.stable_fn, timescale=self.stable_timescale or self.warmup_t)
            if self.stable_fn == "power":
                node["stable_power"] = self.stable_power
        if self.decay_fn == "power":
            node["decay_power"] = self.decay_power
        if self.decay_fn == "exp":
            node["decay_ratio"] = self.decay_ratio
        return self._modifiers(node)
