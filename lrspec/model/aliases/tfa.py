"""tensorflow-addons ``tfa.optimizers.CyclicalLearningRate`` and its three presets (tfa 0.23,
``tensorflow_addons/optimizers/cyclical_learning_rate.py``), as the core ``cyclical`` node.

tfa computes in float32 after casting the step to float32; the aliases give the formula's exact
binary64 value (see docs/compat.md). ``scale_fn``, a Python callable in tfa, is an expression in ``x``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .._base import Length, Positive, Rate
from ..nodes import Params, ScaleExpression
from ._base import Alias

__all__ = ["CyclicalLearningRate", "TriangularCyclicalLearningRate", "Triangular2CyclicalLearningRate",
           "ExponentialCyclicalLearningRate"]


class _Cyclical(Alias):
    library = "tensorflow-addons"

    initial_learning_rate: Rate
    """Rate at the start of each cycle."""
    maximal_learning_rate: Rate
    """Rate at the peak of the first cycle (before scaling)."""
    step_size: Length
    """Steps from the start of a cycle to its peak (half a cycle); may be fractional."""

    def _cyclical(self, **scale: Any) -> dict[str, Any]:
        return {"type": "cyclical", "initial_lr": self.initial_learning_rate,
                "maximal_lr": self.maximal_learning_rate, "step_size": self.step_size, **scale}


class CyclicalLearningRate(_Cyclical):
    """tfa.optimizers.CyclicalLearningRate with ``scale_fn`` as an expression in ``x``."""

    type: Literal["tfa.CyclicalLearningRate"]
    params: Params = Field(default_factory=dict)
    """Named numbers that scale_fn may use."""
    scale_fn: ScaleExpression
    """The scale as an expression of x: the cycle number (from 1) or the step (scale_mode iterations)."""
    scale_mode: Literal["cycle", "iterations"] = "cycle"
    """What x is in scale_fn."""

    def core(self) -> dict[str, Any]:
        return self._cyclical(scale_fn=self.scale_fn, params=dict(self.params), scale_mode=self.scale_mode)


class TriangularCyclicalLearningRate(_Cyclical):
    """tfa.optimizers.TriangularCyclicalLearningRate: scale 1."""

    type: Literal["tfa.TriangularCyclicalLearningRate"]
    scale_mode: Literal["cycle", "iterations"] = "cycle"
    """Accepted for fidelity; a constant scale does not depend on it."""

    def core(self) -> dict[str, Any]:
        return self._cyclical(mode="triangular")


class Triangular2CyclicalLearningRate(_Cyclical):
    """tfa.optimizers.Triangular2CyclicalLearningRate: scale 1 / 2 ** (cycle - 1)."""

    type: Literal["tfa.Triangular2CyclicalLearningRate"]
    scale_mode: Literal["cycle", "iterations"] = "cycle"
    """What x is in tfa's scale_fn 1 / 2 ** (x - 1)."""

    def core(self) -> dict[str, Any]:
        if self.scale_mode == "cycle":
            return self._cyclical(mode="triangular2")
        return self._cyclical(scale_fn="1 / 2 ** (x - 1)", scale_mode="iterations")


class ExponentialCyclicalLearningRate(_Cyclical):
    """tfa.optimizers.ExponentialCyclicalLearningRate: scale gamma ** t (iterations by default)."""

    type: Literal["tfa.ExponentialCyclicalLearningRate"]
    gamma: Positive = 1.0
    """Base of the scale gamma ** x."""
    scale_mode: Literal["cycle", "iterations"] = "iterations"
    """What x is in the scale: the step (default) or the cycle number."""

    def core(self) -> dict[str, Any]:
        return self._cyclical(scale_fn="gamma ** x", params={"gamma": self.gamma}, scale_mode=self.scale_mode)
