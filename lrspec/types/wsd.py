"""wsd (spec/types/wsd.md): warm-up, stable, decay; the stable rate (or a slow stable decay), then a short decay to
final_lr over the last decay steps of total_steps (MiniCPM; timm WSDLRScheduler; transformers get_wsd_schedule)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from ..expr.tree import Call, Int
from ..formula import PI, Scope, cos, h, imin, le, real, sqrt, t
from ..model._base import Fraction, Positive, Rate, Steps, fail
from ..model.nodes import NodeBase
from .base import NodeType, Shape, g, steps


class Wsd(NodeBase):
    """The stable rate for total_steps - D steps, then a decay to final_lr over the last D steps."""

    type: Literal["wsd"]
    horizon_field: ClassVar[str | None] = "total_steps"
    lr: Rate
    """Rate of the stable phase (at its step 0 when it decays)."""
    final_lr: Rate = 0.0
    """Rate at and after the end of the decay (timm lr_min)."""
    total_steps: Steps
    """Length H of the stable and decay phases together (timm t_initial)."""
    decay_steps: Steps | None = None
    """Length D of the decay: the last D steps of total_steps."""
    decay_fraction: Fraction | None = None
    """D as a fraction of total_steps, 0 < decay_fraction <= 1, rounded half to even (timm decay_epochs < 1)."""
    stable_shape: Literal["constant", "rsqrt", "power"] = "constant"
    """constant: 1; rsqrt: (1 + t / timescale) ** -0.5; power: (1 + t / timescale) ** -stable_power."""
    timescale: Steps | None = None
    """Timescale of the rsqrt and power stable shapes (timm stable_timescale, Big Vision: the warm-up length)."""
    stable_power: Positive | None = None
    """Exponent of the power stable shape (default 0.5)."""
    decay_shape: Literal["linear", "cosine", "1-sqrt", "power", "exponential"] = "1-sqrt"
    """Factor of the decay over its fraction f, from 1 to 0: 1 - f, cosine, 1 - sqrt(f), 1 - f ** decay_power,
    or (decay_ratio ** f - decay_ratio) / (1 - decay_ratio)."""
    decay_power: Positive | None = None
    """Exponent of the power decay shape (default 0.5)."""
    decay_ratio: Fraction | None = None
    """Final fraction of the exponential decay before it is normalized to reach final_lr, 0 < r < 1 (default 0.1)."""

    @model_validator(mode="after")
    def _consistent(self) -> Wsd:
        if self.decay_steps is not None and self.decay_fraction is not None:
            raise fail("give decay_steps or decay_fraction, not both", ("decay_fraction",))
        if self.decay_steps is None and self.decay_fraction is None:
            raise fail("the decay needs a length: give decay_steps (steps) or decay_fraction (of total_steps)",
                       ("type",))
        if self.decay_fraction is not None:
            if not 0 < self.decay_fraction <= 1:
                raise fail(f"must be > 0 and <= 1, got {self.decay_fraction!r}", ("decay_fraction",))
            if round(self.decay_fraction * self.total_steps) < 1:
                raise fail(f"decay_fraction {self.decay_fraction!r} of total_steps {self.total_steps} rounds to 0 "
                           "steps; the decay needs at least one", ("decay_fraction",))
        elif self.decay_steps > self.total_steps:  # type: ignore[operator]
            raise fail(f"must be <= total_steps ({self.total_steps}), got {self.decay_steps}", ("decay_steps",))
        if self.stable_shape == "constant":
            for name in ("timescale", "stable_power"):
                if getattr(self, name) is not None:
                    raise fail(f"{name} applies to stable_shape rsqrt or power only", (name,))
        elif self.timescale is None:
            raise fail(f"stable_shape {self.stable_shape} needs timescale", ("stable_shape",))
        if self.stable_power is not None and self.stable_shape != "power":
            raise fail("stable_power applies to stable_shape: power only", ("stable_power",))
        if self.decay_power is not None and self.decay_shape != "power":
            raise fail("decay_power applies to decay_shape: power only", ("decay_power",))
        if self.decay_ratio is not None:
            if self.decay_shape != "exponential":
                raise fail("decay_ratio applies to decay_shape: exponential only", ("decay_ratio",))
            if not 0 < self.decay_ratio < 1:
                raise fail(f"must be > 0 and < 1, got {self.decay_ratio!r}", ("decay_ratio",))
        return self

    @property
    def decay_length(self) -> int:
        """D in steps."""
        if self.decay_steps is not None:
            return self.decay_steps
        return round(self.decay_fraction * self.total_steps)  # type: ignore[operator]


def formula(n: Wsd, s: Scope):
    lr, final = s.num("lr", n.lr), s.num("final_lr", n.final_lr)
    if n.stable_shape == "constant":
        v = s.let("v", Call("max", (lr, final), ieee=False))
    else:
        power = 0.5 if n.stable_shape == "rsqrt" else n.stable_power or 0.5
        factor = s.let("s", (1.0 + real(t) / real(s.int("timescale", n.timescale))) ** s.num("stable_exponent", -power))
        v = s.let("v", Call("max", (lr * factor, final), ieee=False))
    d = s.int("decay_steps", n.decay_length)
    start = s.let("decay_start", h - d)
    e = s.let("e", t - imin(t, start))  # max(t - start, 0), never negative: unsigned counters hold it
    s.guard(le(e, Int(0)), v)
    f = s.let("f", real(imin(e, d)) / real(d))
    if n.decay_shape == "exponential":
        r = s.num("decay_ratio", 0.1 if n.decay_ratio is None else n.decay_ratio)
        decay = (r ** f - r) / (1.0 - r)
    else:
        decay = {"linear": lambda: 1.0 - f,
                 "cosine": lambda: 0.5 * (1.0 + cos(PI * f)),
                 "1-sqrt": lambda: 1.0 - sqrt(f),
                 "power": lambda: 1.0 - f ** s.num("decay_power", n.decay_power or 0.5)}[n.decay_shape]()
    return final + (v - final) * decay


def describe(p, unit: str) -> str:
    n = p.node
    stable = "" if n.stable_shape == "constant" else f" ({n.stable_shape} over a timescale of {n.timescale})"
    return (f"warm-up-stable-decay: {g(n.lr)}{stable} for {steps(n.total_steps - n.decay_length, unit)}, then "
            f"a {n.decay_shape} decay to {g(n.final_lr)} over {steps(n.decay_length, unit)}")


def shape(p, shape_of) -> Shape:
    n = p.node
    return Shape([(n.total_steps - n.decay_length, "decay start")], end=n.total_steps)


TYPE = NodeType(model=Wsd, formula=formula, describe=describe, shape=shape, floor=lambda n: n.final_lr)
