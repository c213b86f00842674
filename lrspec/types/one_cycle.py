"""one_cycle (spec/types/one_cycle.md): the one-cycle policy of Smith and Topin (2018) as torch's OneCycleLR
computes it: phase ends are reals, pct_start · total_steps − 1 and so on; from total_steps − 1 on the final
rate holds."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from ..formula import PI, Scope, cos, imin, le, real, t
from ..model._base import Fraction, Positive, Rate, Steps, fail
from ..model.nodes import NodeBase
from .base import NodeType, Shape, g, steps


class OneCycle(NodeBase):
    """torch OneCycleLR (Smith and Topin 2018): up from max_lr / div_factor, then down to a floor."""

    type: Literal["one_cycle"]
    max_lr: Rate
    """The peak rate."""
    total_steps: Steps
    """Length of the cycle: steps 0 .. total_steps follow it, later steps hold the value at total_steps."""
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
    def _phases_have_length(self) -> OneCycle:
        first = float(self.pct_start * self.total_steps) - 1
        if first <= 0.0:
            raise fail(f"the first phase ends at pct_start * total_steps - 1 = {first!r}, which must be > 0; "
                       "raise pct_start or total_steps", ("pct_start",))
        if self.three_phase:
            second = float(2 * self.pct_start * self.total_steps) - 2
            if not second < self.total_steps - 1:
                raise fail(f"the second phase ends at 2 * pct_start * total_steps - 2 = {second!r}, which must be "
                           f"< total_steps - 1 = {self.total_steps - 1}; lower pct_start", ("pct_start",))
        elif not first < self.total_steps - 1:
            raise fail(f"the first phase ends at pct_start * total_steps - 1 = {first!r}, which must be "
                       f"< total_steps - 1 = {self.total_steps - 1}; lower pct_start", ("pct_start",))
        return self

    def phase_ends(self) -> list[tuple[float, str, str]]:
        """(end, from, to) of each phase, the rates named by role; ends are reals as torch computes them."""
        first = self.pct_start * self.total_steps - 1
        last = float(self.total_steps - 1)
        if self.three_phase:
            return [(first, "initial_lr", "max_lr"), (2 * self.pct_start * self.total_steps - 2, "max_lr", "initial_lr"),
                    (last, "initial_lr", "final_lr")]
        return [(first, "initial_lr", "max_lr"), (last, "max_lr", "final_lr")]

    def rates(self) -> dict[str, float]:
        low = self.max_lr / self.div_factor
        return {"initial_lr": low, "max_lr": self.max_lr, "final_lr": low / self.final_div_factor}


def formula(n: OneCycle, s: Scope):
    pos = s.let("s", real(imin(t, s.int("last_step", n.total_steps - 1))))
    rates = {role: s.num(role, value) for role, value in n.rates().items()}
    phases = n.phase_ends()
    begin = None
    for k, (end, a, b) in enumerate(phases, 1):
        end_at = s.num(f"phase{k}_end", end)
        pct = (pos - begin) / (end_at - begin) if begin is not None else pos / end_at
        lo, hi = rates[a], rates[b]
        if n.anneal_strategy == "cos":
            value = hi + (lo - hi) / 2.0 * (cos(PI * pct) + 1.0)
        else:
            value = (hi - lo) * pct + lo
        if k < len(phases):
            s.guard(le(pos, end_at), value)
        begin = end_at
    return value


def describe(p, unit: str) -> str:
    n = p.node
    start = n.max_lr / n.div_factor
    return (f"one cycle ({'three phases' if n.three_phase else 'two phases'}, {n.anneal_strategy}) from {g(start)} "
            f"up to {g(n.max_lr)} at {g(n.pct_start * 100)}% of {steps(n.total_steps, unit)}, "
            f"then down to {g(start / n.final_div_factor)}")


TYPE = NodeType(model=OneCycle, formula=formula, describe=describe,
                shape=lambda p, shape_of: Shape(end=p.node.total_steps))
