"""linear_cosine (spec/types/linear_cosine.md): TF1's linear_cosine_decay, (alpha + linear) · cosine + beta,
and noisy_linear_cosine_decay with initial_variance > 0 (Bello et al. 2017)."""

from __future__ import annotations

from typing import ClassVar, Literal

from ..formula import PI, Scope, cos, h, imin, real, sqrt, t
from ..noise import standard_normal
from ..model._base import Rate, Real, Seed, Steps
from ..model.nodes import NodeBase
from .base import NodeType, Shape, g, steps


class LinearCosine(NodeBase):
    """TF1 linear_cosine_decay (Bello et al. 2017): (alpha + linear) * cosine + beta, optionally noisy."""

    type: Literal["linear_cosine"]
    horizon_field: ClassVar[str | None] = "decay_steps"
    initial_lr: Rate
    """The rate the factor multiplies."""
    decay_steps: Steps | None = None
    """Length of the decay (the horizon)."""
    num_periods: Real = 0.5
    """Periods of the cosine over decay_steps."""
    alpha: Real = 0.0
    """Added to the linear part."""
    beta: Real = 0.001
    """Added to the product."""
    initial_variance: Rate = 0.0
    """Variance of the noise added to the linear part at step 0 (0: no noise; TF noisy_linear_cosine_decay)."""
    variance_decay: Rate = 0.55
    """The noise variance is initial_variance / (1 + min(t, decay_steps)) ** variance_decay."""
    seed: Seed = 42
    """Key of the counter-based normal draws (spec/noise.md)."""


def formula(n: LinearCosine, s: Scope):
    g_ = s.let("g", imin(t, h))
    lin = s.let("lin", real(h - g_) / real(h))
    if n.initial_variance > 0.0:  # a structural choice: no draw at all without variance
        variance = s.num("initial_variance", n.initial_variance) / (1.0 + real(g_)) ** s.num(
            "variance_decay", n.variance_decay)
        lin = s.let("lin", lin + sqrt(variance) * standard_normal(s.int("seed", n.seed), g_, s))
    frac = s.let("frac", 2.0 * s.num("num_periods", n.num_periods) * (real(g_) / real(h)))
    cosd = s.let("cosd", 0.5 * (1.0 + cos(PI * frac)))
    return s.num("initial_lr", n.initial_lr) * ((s.num("alpha", n.alpha) + lin) * cosd + s.num("beta", n.beta))


def describe(p, unit: str) -> str:
    n = p.node
    return (f"linear-cosine decay of {g(n.initial_lr)} over {steps(p.horizon or 0, unit)} "
            f"({g(n.num_periods)} periods)")


TYPE = NodeType(model=LinearCosine, formula=formula, describe=describe,
                shape=lambda p, shape_of: Shape() if p.node.initial_variance else Shape(end=p.horizon))
