"""cosine (spec/types/cosine.md): a half cosine from initial_lr to final_lr, or to initial_lr · alpha, over
decay_steps (Loshchilov and Hutter 2017; torch CosineAnnealingLR, Keras CosineDecay, optax cosine_decay)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from ..expr.tree import Call, Num
from ..formula import PI, Scope, cos, ge, h, imin, real, t, where
from ..model._base import Fraction, Positive, Rate, Steps, fail
from ..model.nodes import NodeBase
from .base import NodeType, Shape, g, steps


class Cosine(NodeBase):
    """Half-cosine from initial_lr to final_lr (or initial_lr * alpha) over decay_steps."""

    type: Literal["cosine"]
    horizon_field: ClassVar[str | None] = "decay_steps"
    initial_lr: Rate
    """Rate at step 0."""
    decay_steps: Steps | None = None
    """Length of the decay (the horizon)."""
    final_lr: Rate | None = None
    """Rate at and after decay_steps (torch eta_min, timm lr_min). Default 0."""
    alpha: Fraction | None = None
    """Final rate as a fraction of initial_lr (Keras, optax). Exclusive with final_lr."""
    exponent: Positive = 1.0
    """Power of the cosine factor (optax exponent)."""

    @model_validator(mode="after")
    def _one_end(self) -> Cosine:
        if self.final_lr is not None and self.alpha is not None:
            raise fail("give final_lr or alpha, not both", ("alpha",))
        return self


def formula(n: Cosine, s: Scope):
    th = s.let("th", PI * real(imin(t, h)) / real(h))
    c = s.let("c", 0.5 * (1.0 + cos(th)))
    if n.exponent != 1.0:  # a structural choice: the power is left out where it is the identity
        c = s.let("c", c ** s.num("exponent", n.exponent))
    return _between_the_ends(n, s, c)


def _between_the_ends(n: Cosine, s: Scope, c):
    """The rate for the cosine factor c: from initial_lr down to initial_lr * alpha, or to final_lr."""
    initial = s.num("initial_lr", n.initial_lr)
    if n.alpha is not None:
        alpha = s.num("alpha", n.alpha)
        return initial * ((1.0 - alpha) * c + alpha)
    final = s.num("final_lr", n.final_lr or 0.0)
    return final + (initial - final) * c


def fast(n: Cosine, s: Scope):
    """The kernel's fast path (spec/numerics.md#fast-paths): th by one multiplication with pi / H, and a cosine
    polynomial on [0, pi] that vectorizes; only for the plain half cosine (exponent 1). From H on the factor is 0
    exactly, as the formula's is (the polynomial's cos(pi) may miss -1 by an ulp)."""
    if n.exponent != 1.0:
        return formula(n, s)
    w = s.let("w", PI / real(h))
    th = s.let("th", real(imin(t, h)) * w)
    c = s.let("c", where(ge(t, h), Num(0.0), 0.5 * (1.0 + Call("cos_half_turn", (th,), ieee=False))))
    return _between_the_ends(n, s, c)


def floor(n: Cosine) -> float:
    return n.initial_lr * n.alpha if n.alpha is not None else n.final_lr or 0.0


def describe(p, unit: str) -> str:
    over = f"over {steps(p.horizon, unit)}" if p.horizon else "over each restart cycle"
    return f"cosine decay from {g(p.node.initial_lr)} to {g(p.floor)} {over}"


TYPE = NodeType(model=Cosine, formula=formula, describe=describe, shape=lambda p, shape_of: Shape(end=p.horizon),
                floor=floor, fast=fast)
