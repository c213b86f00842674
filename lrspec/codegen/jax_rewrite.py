"""The plan as the JAX module computes it: the plan's functions rewritten where jnp on 32- or 64-bit counters
needs another spelling of the same value.

* Comparisons that hold, or fail, for every count of the 64-bit domain are dropped (``t < 0``).
* A power below 1 of ``1 - real(a) / real(b)`` or of ``0.5 * (1 + cos(pi * real(a) / real(b)))`` keeps the spec's
  order with x64 (the quotient rounded once, which XLA's reciprocal of a constant divisor would not) and computes
  the same number from the integer ``b - a`` in float32, where the subtraction would cancel the digits the power
  magnifies.
* Where 32 bits would overflow or saturate: ``ceil(a / x)`` without the sum ``a + x - 1``, and the gaps of a step
  table as a table of their own (:mod:`.jax_ranges` says where).
* Bindings nothing reads, and functions nothing calls, are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Any

from ..expr.tree import (Apply, Binary, Call, Compare, Const, Count, Expr, Gather, Int, IntOp, IntParam, Local, Num,
                         Param, Table, ToReal, Unary, Var, Where)
from ..formula import Guard, Let
from ..lower import Function, Plan
from .jax_ranges import Ranges, analyze, binding, ceil_of, children

__all__ = ["Accurate", "RoundedQuotient", "Derived", "DerivedTables", "prepare", "python_constant", "python_value",
           "python_pow", "integer_constant", "integer_value", "depends_on_count", "locals_of", "all_nodes", "guards"]


@dataclass(frozen=True)
class Accurate:
    """``value`` in the spec's order of operations with x64; without, ``float32``: the same number by a route on
    which float32 loses no digits to cancellation."""

    value: Expr
    float32: Expr

    @property
    def operands(self) -> tuple[Expr, Expr]:
        return (self.value, self.float32)


@dataclass(frozen=True)
class RoundedQuotient:
    """``left / right`` rounded once, by a constant too: XLA divides by a constant through its reciprocal."""

    left: Expr
    right: Expr

    @property
    def operands(self) -> tuple[Expr, Expr]:
        return (self.left, self.right)


@dataclass(frozen=True)
class Derived:
    """A table the module computes from another at import (``source``): the gaps of a step table, or its
    positive or negative part."""

    table: Table
    base: str
    source: str


class DerivedTables(dict[tuple[str, str], Derived]):
    """Derived tables by (kind, base table), each named once among the plan's constants."""

    def __init__(self, names: set[str]) -> None:
        super().__init__()
        self.names = names

    def fresh(self, base: str) -> str:
        """``base``, or ``base_2``, ... : a constant name not taken yet, now taken."""
        name, k = base, 2
        while name in self.names:
            name, k = f"{base}_{k}", k + 1
        self.names.add(name)
        return name

    def get_or_add(self, kind: str, base: Table, values: tuple[int, ...], source: str) -> Table:
        if (kind, base.name) not in self:
            self[kind, base.name] = Derived(Table(self.fresh(f"{base.name}_{kind}"), values), base.name, source)
        return self[kind, base.name].table


def python_constant(node: Expr) -> bool:
    """Whether Python computes ``node`` itself, as a float, without raising (a number of the document)."""
    if isinstance(node, (Num, Param, Const)):
        return True
    if isinstance(node, Unary):
        return python_constant(node.operand)
    if isinstance(node, Binary) and node.op in ("+", "-", "*", "/"):
        operands = python_constant(node.left) and python_constant(node.right)
        return operands and (node.op != "/" or python_value(node.right) != 0.0)
    return False


def python_value(node: Expr) -> float:
    """The binary64 value Python computes for a node of :func:`python_constant`."""
    if isinstance(node, (Num, Param, Const)):
        return node.value
    if isinstance(node, Unary):
        return -python_value(node.operand)
    assert isinstance(node, Binary)
    a, b = python_value(node.left), python_value(node.right)
    if node.op == "/":
        return a / b
    return a + b if node.op == "+" else a - b if node.op == "-" else a * b


def python_pow(a: Expr, b: Expr) -> bool:
    """Whether Python's ** gives the binary64 power for these constants (it raises or turns complex otherwise)."""
    try:
        value = python_value(a) ** python_value(b)
    except (OverflowError, ZeroDivisionError):
        return False
    return isinstance(value, float)


def integer_constant(node: Expr) -> bool:
    """Whether ``node`` is integer arithmetic on numbers of the document only."""
    if isinstance(node, (Int, IntParam)):
        return True
    return isinstance(node, IntOp) and integer_constant(node.left) and integer_constant(node.right)


def integer_value(node: Expr) -> int:
    if isinstance(node, (Int, IntParam)):
        return node.value
    assert isinstance(node, IntOp)
    a, b = integer_value(node.left), integer_value(node.right)
    return {"+": a + b, "-": a - b, "*": a * b, "//": a // b, "%": a % b, "min": min(a, b), "max": max(a, b)}[node.op]


def depends_on_count(node: Expr) -> bool:
    """Whether ``node`` depends on the counter (an array), rather than on numbers of the document alone."""
    if isinstance(node, (Local, Var, Count, Gather, Apply)):
        return True
    return any(depends_on_count(c) for c in children(node))


def _rebuild(node: Any, f: Callable[[Any], Any]) -> Any:
    """``node`` with ``f`` applied bottom-up to it and every tree node below it."""
    if isinstance(node, tuple):
        return tuple(_rebuild(x, f) for x in node)
    if is_dataclass(node) and not isinstance(node, type) and not isinstance(node, Table):
        changes = {}
        for fl in fields(node):
            value = getattr(node, fl.name)
            if isinstance(value, tuple) or (is_dataclass(value) and not isinstance(value, Table)):
                new = _rebuild(value, f)
                if new is not value:
                    changes[fl.name] = new
        node = replace(node, **changes) if changes else node
        return f(node)
    return node


def _map(fn: Function, f: Callable[[Any], Any]) -> Function:
    body = tuple(Let(s.name, _rebuild(s.value, f)) if isinstance(s, Let)
                 else Guard(_rebuild(s.cond, f), _rebuild(s.value, f)) for s in fn.body)
    return replace(fn, body=body, result=_rebuild(fn.result, f))


def locals_of(node: Any) -> set[str]:
    if isinstance(node, Local):
        return {node.name}
    out: set[str] = set()
    for child in children(node):
        out |= locals_of(child)
    return out


def _fold(functions: tuple[Function, ...], ranges: Ranges) -> tuple[Function, ...]:
    """Drop the comparisons that hold, or fail, for every count of the 64-bit domain."""
    out = []
    for fn in functions:
        def decided(cond: Compare, name: str = fn.name) -> bool | None:
            return ranges.decided.get((name, cond))

        def branch(node: Any) -> Any:
            if isinstance(node, Where) and decided(node.cond) is not None:
                return node.then if decided(node.cond) else node.other
            return node

        body: list[Let | Guard] = []
        result = fn.result
        for step in fn.body:
            if isinstance(step, Guard) and decided(step.cond) is not None:
                if decided(step.cond):
                    result = step.value
                    break
                continue
            body.append(step)
        out.append(_map(replace(fn, body=tuple(body), result=result), branch))
    return tuple(out)


def _accurate_ratios(fn: Function) -> Function:
    """Powers of 1 - real(a) / real(b) and of 0.5 * (1 + cos(pi * real(a) / real(b))): the subtraction cancels the
    digits that a power below 1 magnifies. In float32 they are computed from the integer b - a; with x64 in the
    spec's order, the quotient a / b rounded once (through XLA's reciprocal, b / b can come out below 1)."""
    names = {s.name: s.value for s in fn.body if isinstance(s, Let)}
    taken = {s.name for s in fn.body if isinstance(s, Let)} | set(fn.args)
    inserted: list[tuple[str, Expr]] = []
    replaced: dict[str, Expr] = {}

    def rounded(node: Expr) -> Expr:
        """``node`` (a Local bound to a quotient, or the quotient) with its division rounded once."""
        at = binding(node, names)
        if isinstance(at, Binary) and at.op == "/" and not depends_on_count(at.right):
            quotient = RoundedQuotient(at.left, at.right)
            if isinstance(node, Local):
                replaced[node.name] = quotient
                return node
            return quotient
        return node

    def ratio(node: Expr, turn: bool) -> tuple[Expr, Expr] | None:
        """(a, b) when ``node`` is real(a) / real(b), or with ``turn`` pi * real(a) / real(b)."""
        node = binding(node, names)
        if not (isinstance(node, Binary) and node.op == "/" and isinstance(node.right, ToReal)):
            return None
        top = node.left
        if turn and isinstance(top, Binary) and top.op == "*" and top.left == Const("pi"):
            top = top.right
        elif turn:
            return None
        return (top.value, node.right.value) if isinstance(top, ToReal) else None

    def rest(a: Expr, b: Expr) -> Expr:
        return Binary("/", ToReal(IntOp("-", b, a)), ToReal(b), ieee=False)

    def rewrite(node: Any) -> Any:
        if not (isinstance(node, Binary) and node.op == "**" and python_constant(node.right)):
            return node
        base = binding(node.left, names)
        if isinstance(base, Binary) and base.op == "-" and base.left == Num(1.0):
            parts = ratio(base.right, turn=False)
            if parts is not None:
                name = "q"
                k = 2
                while name in taken:
                    name, k = f"q{k}", k + 1
                taken.add(name)
                inserted.append((name, Accurate(replace(base, right=rounded(base.right)), rest(*parts))))
                return replace(node, left=Local(name))
        if (isinstance(base, Binary) and base.op == "*" and base.left == Num(0.5) and isinstance(base.right, Binary)
                and base.right.op == "+" and base.right.left == Num(1.0) and isinstance(base.right.right, Call)
                and base.right.right.func == "cos"):
            parts = ratio(base.right.right.args[0], turn=True)
            if parts is not None:
                sine = Call("sin", (Binary("*", Binary("*", Num(0.5), Const("pi")), rest(*parts)),), ieee=False)
                value = Accurate(base, Binary("**", sine, Num(2.0), ieee=False))
                if isinstance(node.left, Local):
                    replaced[node.left.name] = value
                    return node
                return replace(node, left=value)
        return node

    body: list[Let | Guard] = []
    for step in fn.body:
        inserted.clear()
        if isinstance(step, Let):
            value = _rebuild(step.value, rewrite)
            body.extend(Let(n, v) for n, v in inserted)
            body.append(Let(step.name, value))
        else:
            cond, value = _rebuild(step.cond, rewrite), _rebuild(step.value, rewrite)
            body.extend(Let(n, v) for n, v in inserted)
            body.append(Guard(cond, value))
    inserted.clear()
    result = _rebuild(fn.result, rewrite)
    body.extend(Let(n, v) for n, v in inserted)
    body = [Let(s.name, replaced[s.name]) if isinstance(s, Let) and s.name in replaced else s for s in body]
    return replace(fn, body=tuple(body), result=result)


def _exact_in_32_bits(functions: tuple[Function, ...], ranges: Ranges,
                      derived: DerivedTables) -> tuple[Function, ...]:
    """Spell ceil(a / x) without the sum a + x - 1 and the gaps of a table as a table of their own, where 32 bits
    would overflow or saturate them."""
    return tuple(_map(fn, _Spell32(fn, ranges, derived)) for fn in functions)


class _Spell32:
    """The rewrite of :func:`_exact_in_32_bits` for one function."""

    def __init__(self, fn: Function, ranges: Ranges, derived: DerivedTables) -> None:
        self.fn = fn
        self.ranges = ranges
        self.derived = derived
        self.bindings = {s.name: s.value for s in fn.body if isinstance(s, Let)}

    def exact(self, node: Expr) -> bool:
        span = self.ranges.spans.get((self.fn.name, node))
        return span is None or span.exact

    def __call__(self, node: Any) -> Any:
        if isinstance(node, IntOp) and node.op == "//" and not self.exact(node.left):
            parts = ceil_of(node, self.bindings)
            if parts is not None:
                a, x = parts
                return IntOp("+", IntOp("//", a, x), IntOp("min", IntOp("%", a, x), Int(1)))
        if (isinstance(node, IntOp) and node.op == "-" and isinstance(node.left, Gather)
                and isinstance(node.right, Gather) and node.left.table == node.right.table
                and node.left.index == IntOp("+", node.right.index, Int(1)) and not self.exact(node)):
            table = node.left.table
            values = tuple(b - a for a, b in zip(table.values, table.values[1:], strict=False))
            source = f"tuple({table.name}[k + 1] - {table.name}[k] for k in range(len({table.name}) - 1))"
            return Gather(self.derived.get_or_add("GAPS", table, values, source), node.right.index)
        return node


def _prune(functions: tuple[Function, ...], entries: list[str]) -> tuple[Function, ...]:
    """Drop bindings nothing reads and functions nothing calls."""
    kept = []
    for fn in functions:
        used = locals_of(fn.result)
        body: list[Let | Guard] = []
        for step in reversed(fn.body):
            if isinstance(step, Let):
                if step.name not in used:
                    continue
                used |= locals_of(step.value)
            else:
                used |= locals_of(step.cond) | locals_of(step.value)
            body.append(step)
        kept.append(replace(fn, body=tuple(reversed(body))))
    called = set(entries)
    for fn in reversed(kept):
        if fn.name in called:
            called |= {n.func for n in all_nodes(fn) if isinstance(n, Apply)}
    return tuple(fn for fn in kept if fn.name in called)


def guards(fn: Function) -> list[Expr]:
    return [part for s in fn.body if isinstance(s, Guard) for part in (s.cond, s.value)]


def all_nodes(fn: Function) -> list[Any]:
    out: list[Any] = []

    def go(node: Any) -> None:
        out.append(node)
        if isinstance(node, (Count, Gather)):
            out.append(node.table)
        for child in children(node):
            go(child)

    for step in fn.body:
        if isinstance(step, Let):
            go(step.value)
        else:
            go(step.cond)
            go(step.value)
    go(fn.result)
    return out


def prepare(plan: Plan, entries: list[str]) -> tuple[tuple[Function, ...], DerivedTables]:
    """The plan's functions as the JAX module computes them, and the tables derived for 32-bit counters."""
    functions = _fold(plan.functions, analyze(plan.functions, entries, x64=True))
    functions = tuple(_accurate_ratios(fn) for fn in functions)
    derived = DerivedTables({c.name for c in plan.constants})
    functions = _exact_in_32_bits(functions, analyze(functions, entries, x64=False), derived)
    return _prune(functions, entries), derived
