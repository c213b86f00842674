"""``lrspec explain``: a schedule in plain words — its phases, peaks, cycles and where it ends — and
the core form of any library alias (what ``lrspec normalize`` prints)."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..model.modifiers import cycles
from ..types.base import g
from ..types.base import steps as _steps
from ._common import EXIT_OK, RAW, load, out

if TYPE_CHECKING:
    from ..lower import PlanNode
    from ..spec import Spec

__all__ = ["register", "explain", "describe"]

#: Explain evaluates at most this many steps (strided beyond): enough for every peak of a plot.
MAX_EVAL = 1 << 21

_EPILOG = """\
Describes what the schedule does: each phase and its length, warm-up, restarts and cycle lengths,
the peaks (value and step), the final rate and the total number of steps to reach it. When the
document uses a library alias (type: keras.CosineDecay, torch.OneCycleLR, ...) it also prints the
core form the alias stands for, as 'lrspec normalize' does.

Example:
  lrspec explain examples/tanh-restarts-overlay.yaml
  lrspec explain keras-cosine.yaml
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("explain", formatter_class=RAW, epilog=_EPILOG, help="describe a schedule in plain words",
                       description="Describe a schedule in plain words, with the core form of library aliases.")
    p.add_argument("file", metavar="FILE", help="the document ('-' for standard input)")
    p.set_defaults(run=_cmd_explain, parser=p)


def describe(node: PlanNode, unit: str = "step") -> str:
    """One node in words, without its modifiers (its type module says how)."""
    from ..types import node_type

    return node_type(node.node).describe(node, unit)


def _modifiers(node: PlanNode, indent: str, unit: str, at: Callable[[int], float] | None = None) -> list[str]:
    """The node's modifiers in words; ``at(t)`` gives lr(t) when the node is the whole schedule."""
    n: Any = node.node
    lines = []
    if n.warmup is not None:
        w = n.warmup
        target = g(w.target_lr) if not isinstance(w.target_lr, str) else {
            "start": "the schedule's start value", "end": "the value where the schedule takes over",
            "current": "the schedule's value at the same step (the ramp scales it)"}[w.target_lr]
        if w.target_lr in ("start", "end") and at is not None:  # the ramp ends where the schedule takes over, at W
            target += f" ({g(at(w.steps))})"
        where = "before the schedule, which starts after it" if w.prefix else "laid over the schedule's start"
        start = g(w.initial_lr) if w.start_factor is None else f"{g(w.start_factor)} × the target"
        shape = w.shape if w.shape != "polynomial" else f"polynomial (power {g(w.power or 2.0)})"
        divisor = w.divisor or (w.steps - 1 if w.endpoint else w.steps)
        fraction = "" if not (w.offset or w.divisor or w.endpoint) else \
            f" (at t: {'t' if not w.offset else f't + {w.offset}'} / {divisor} of the way)"
        lines.append(f"{indent}warm-up: {shape} from {start} to {target} in {_steps(w.steps, unit)}{fraction}, "
                     f"{where}")
    if n.restarts is not None:
        r = n.restarts
        grow = "" if r.period_mul == 1 else f", each {g(r.period_mul)} times as long as the one before"
        if node.cycle_starts is not None and r.fractional:
            lengths = cycles(r.period, r.period_mul, r.limit).lengths
            grow += f" ({', '.join(f'{x:.6g}' for x in lengths[:6])}{', ...' if len(lengths) > 6 else ''}; a cycle " \
                    "may start between two steps)"
        elif node.cycle_starts is not None:
            lengths = [b - a for a, b in zip(node.cycle_starts, node.cycle_starts[1:], strict=False)][:6]
            grow += f" ({', '.join(map(str, lengths))}{', ...' if len(node.cycle_starts) > 7 else ''})"
        decay = "" if r.decay == 1 else f"; cycle i peaks {g(r.decay)}**i as high above the floor"
        limit = f"; {r.limit} cycle(s), then the floor {g(node.floor)}" if r.limit is not None else "; forever"
        lines.append(f"{indent}restarts: cycles of {_steps(r.period, unit)}{grow}{decay}{limit}")
    if n.noise is not None:
        z = n.noise
        span = f"from t={z.start}" + (f" to t={z.end - 1}" if z.end is not None else "")
        lines.append(f"{indent}noise: {z.kind} {z.distribution} (seed {z.seed}) {span}")
    if n.clamp is not None:
        lines.append(f"{indent}{'the main schedule ' if n.clamp.applies_to == 'main' else ''}clamped to "
                     f"[{'-inf' if n.clamp.min_lr is None else g(n.clamp.min_lr)}, "
                     f"{'inf' if n.clamp.max_lr is None else g(n.clamp.max_lr)}]")
    return lines


def _structure(node: PlanNode, unit: str, indent: str = "  ", at: Callable[[int], float] | None = None) -> list[str]:
    own = node.node.unit  # type: ignore[attr-defined]
    if own is not None:  # spec/composition.md#node-counters: the node's numbers count in its own unit
        how = f"t // {node.counter_scale}" if own == "epoch" else f"t * {node.counter_scale}"
        lines = [f"{indent}counted in {own}s ({how}):"]
        unit, indent, at = own, indent + "  ", None
    else:
        lines = []
    lines += [f"{indent}{describe(node, unit)}"] + _modifiers(node, indent + "  ", unit, at)
    if node.phases:
        from ..types import node_type

        label = node_type(node.node).child_label
        for k, child in enumerate(node.phases):
            lines.append(f"{indent}  {label(node, k, unit) if label is not None else f'part {k + 1}'}:")
            lines.extend(_structure(child, unit, indent + "    "))
    return lines


def _peaks(values: Any, steps: range) -> list[tuple[int, float]]:
    """Local maxima: a rise followed by no rise (a plateau counts once, at its first step); the first step
    counts when the rate falls right after it (a decay or a restart cycle starts at its peak)."""
    import numpy as np

    v = np.asarray(values)
    if len(v) < 2:
        return []
    rise = np.r_[v[0] > v[1], v[1:] > v[:-1]]
    no_rise_next = np.r_[v[:-1] >= v[1:], True]
    idx = np.nonzero(rise & no_rise_next)[0]
    return [(steps[i], float(v[i])) for i in idx]


def explain(spec: Spec) -> str:
    """The plain-words description of ``spec``."""
    import numpy as np

    from ..lower import lower
    from ._shape import shape_of_node, window

    plan = lower(spec.document)
    shape = shape_of_node(plan.root)
    doc = spec.document
    unit = doc.unit
    lines = [f"{spec.name}: lr(t) for t = 0, 1, 2, ... counted in {unit}s"]
    if doc.description:
        lines.extend(textwrap.wrap(" ".join(doc.description.split()), 100, initial_indent="  ",
                                   subsequent_indent="  "))
    lines.append("structure:")
    lines.extend(_structure(plan.root, unit, at=spec.evaluate))

    span = window(spec, shape)
    stride = max(1, -(-span // MAX_EVAL))
    steps: Any = range(0, span, stride)
    if stride > 1:  # sampled: add the steps where something happens, so that peaks and ends are exact
        events = {t + d for t, _ in shape.marks for d in (-1, 0, 1)} | ({shape.end} if shape.end is not None else set())
        steps = np.array(sorted(set(steps) | {t for t in events if 0 <= t < span}), dtype=np.int64)
    values = spec.evaluate(steps)
    finite = values[np.isfinite(values)]
    sampled = f" (every {stride}th step, and around each event)" if stride > 1 else ""
    lines.append(f"values over t = 0 .. {span - 1}{sampled}:")
    lines.append(f"  starts at {g(values[0])}; lowest {g(finite.min())}, highest {g(finite.max())} "
                 f"(first at t={steps[int(np.argmax(values == finite.max()))]})" if finite.size else
                 "  no finite values")
    peaks = _peaks(values, steps)
    if peaks:
        shown = ", ".join(f"{g(v)} at t={t}" for t, v in peaks[:6])
        lines.append(f"  peaks: {shown}{f', ... ({len(peaks)} in this range)' if len(peaks) > 6 else ''}")
    if shape.period is not None:
        lines.append(f"  it never settles: it repeats every {_steps(shape.period, unit)}, forever")
    elif shape.end is None:
        lines.append(f"  it never settles: the rate keeps changing (at t={steps[-1]} it is {g(values[-1])})")
    else:
        final = spec.evaluate(shape.end)
        reached = shape.end
        if stride == 1:  # the first step from which the rate is exactly the final one
            tail = np.nonzero(values[: shape.end + 1] != final)[0]
            reached = int(tail[-1]) + 1 if tail.size else 0
        lines.append(f"  ends at {g(final)}, reached at t={reached} and held from there: "
                     f"{_steps(reached, unit)} to reach the final lr")
    if shape.marks:
        kinds: dict[str, list[int]] = {}
        for t, kind in shape.marks:
            kinds.setdefault(kind, []).append(t)
        for kind, ts in kinds.items():
            more = f", ... ({len(ts)} in all)" if len(ts) > 8 else ""
            lines.append(f"  {kind} at t={', '.join(map(str, ts[:8]))}{more}")
    return "\n".join(lines) + "\n"


def _uses_alias(data: Any) -> bool:
    if isinstance(data, dict):
        if isinstance(data.get("type"), str) and "." in data["type"]:
            return True
        return any(_uses_alias(v) for v in data.values())
    if isinstance(data, list):
        return any(_uses_alias(v) for v in data)
    return False


def _cmd_explain(args: argparse.Namespace) -> int:
    spec = load(args.file)
    out(explain(spec))
    raw = spec.document.model_dump(mode="json", exclude_none=True)
    if _uses_alias(raw):
        import yaml

        from ..expand import core_mapping

        core = core_mapping(spec.document)["schedule"]
        out("core form of the library alias (lrspec normalize):\n")
        out("".join(f"  {line}\n" for line in yaml.safe_dump(core, sort_keys=False).splitlines()))
    return EXIT_OK
