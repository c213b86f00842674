"""Emit a plan's functions as Python source in one dialect: each function a ``def`` whose body is its bindings
and early results in order, commented with the spec section it implements.

Scalar targets (torch, the kernel) return early; vector targets (TensorFlow, JAX) compute every binding for
every element and select the early results elementwise, first guard outermost.
"""

from __future__ import annotations

from ..expr.render import Dialect, render
from ..formula import Guard, Let
from ..lower import Function

__all__ = ["emit_function", "emit_functions", "helpers_needed"]


def emit_function(f: Function, dialect: Dialect, *, extra_args: tuple[str, ...] = (), decorator: str | None = None,
                  vector: bool = False, preamble: tuple[str, ...] = ()) -> str:
    """The source of one function (no leading or trailing blank line)."""
    lines = [f"# {f.section}"]
    if decorator:
        lines.append(decorator)
    lines.append(f"def {f.name}({', '.join((*f.args, *extra_args))}):")
    body = [*preamble]
    guards: list[Guard] = []
    for step in f.body:
        if isinstance(step, Let):
            body.append(f"{step.name} = {render(step.value, dialect)}")
        elif vector:
            guards.append(step)
        else:
            body.append(f"if {render(step.cond, dialect)}:")
            body.append(f"    return {render(step.value, dialect)}")
    result = render(f.result, dialect)
    for guard in reversed(guards):
        result = dialect.select(render(guard.cond, dialect), render(guard.value, dialect), result)  # type: ignore[attr-defined]
    body.append(f"return {result}")
    lines.extend("    " + line for line in body)
    return "\n".join(lines)


def emit_functions(functions: tuple[Function, ...], dialect: Dialect, **options: object) -> list[str]:
    return [emit_function(f, dialect, **options) for f in functions]  # type: ignore[arg-type]


def helpers_needed(names: set[str], needs: dict[str, tuple[str, ...]]) -> list[str]:
    """``names`` and every helper they call, transitively (``needs``: helper -> the helpers it calls), sorted."""
    out: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in out:
            out.add(name)
            todo.extend(needs.get(name, ()))
    return sorted(out)
