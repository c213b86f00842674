"""The integer values of a plan as the JAX target holds them: their ranges, and how exactly 32 bits compute them.

Without ``jax_enable_x64`` a count is at most 2**31 - 1, counters are uint32, and a step constant outside
0 .. 2**32 - 1 is saturated to that range: it still compares with every count as the constant itself does. For each
integer value of a plan this analysis finds the range of its true value where it is used (a guard's value where
the guard holds, what follows where it does not) and whether uint32 computes it exactly, saturated, or only modulo
2**32. The JAX emitter spells each value from that and lists what 32 bits cannot compute. Run over the 64-bit
domain (int64, counts up to 2**53), it finds the comparisons that hold or fail for every count.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..expr.tree import (Apply, Binary, Call, Compare, Count, Expr, Gather, Int, IntOp, IntParam, Local, Table, ToReal,
                         Unary, Where, is_integer)
from ..formula import Let
from ..lower import Function

__all__ = ["Span", "Ranges", "analyze", "UINT32_MAX", "X32_LAST", "X64_LAST", "children", "binding", "ceil_of"]

#: The largest uint32, the value a step constant beyond it is saturated to.
UINT32_MAX = 2**32 - 1
#: The last count without and with jax_enable_x64 (spec/targets.md).
X32_LAST = 2**31 - 1
X64_LAST = 2**53

_NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_MIRRORED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


@dataclass(frozen=True)
class Span:
    """An integer value where it is used: its range, and what the counter type computes of it."""

    lo: int
    hi: int
    exact: bool = True
    """The counter type computes the value itself."""
    saturated: bool = True
    """It computes the value clipped to 0 .. 2**32 - 1 (true of exact values, and of step constants beyond)."""
    ring: bool = True
    """It computes the value modulo 2**32 (true of sums, differences and products of exact values)."""

    def __or__(self, other: Span) -> Span:
        return Span(min(self.lo, other.lo), max(self.hi, other.hi), self.exact and other.exact,
                    self.saturated and other.saturated, self.ring and other.ring)


def children(node: object) -> Iterable[Expr]:
    """The operands of a tree node (and of the emitter's own nodes, which list theirs in ``operands``)."""
    if isinstance(node, (Binary, Compare, IntOp)):
        return (node.left, node.right)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Where):
        return (node.cond, node.then, node.other)
    if isinstance(node, (Call, Apply)):
        return node.args
    if isinstance(node, Count):
        return (node.x,)
    if isinstance(node, Gather):
        return (node.index,)
    if isinstance(node, ToReal):
        return (node.value,)
    return getattr(node, "operands", ())


def binding(node: Expr, bindings: dict[str, Expr]) -> Expr:
    """``node``, or the value it names when it is a local binding (followed through further names)."""
    while isinstance(node, Local) and node.name in bindings:
        node = bindings[node.name]
    return node


def ceil_of(node: Expr, bindings: dict[str, Expr]) -> tuple[Expr, Expr] | None:
    """(a, x) when ``node`` is ceil(a / x) for counters: ``(a + x - 1) // x`` or ``a // x + min(a % x, 1)``."""
    node = binding(node, bindings)
    if isinstance(node, IntOp) and node.op == "//":
        top = node.left
        if (isinstance(top, IntOp) and top.op == "-" and top.right == Int(1) and isinstance(top.left, IntOp)
                and top.left.op == "+" and top.left.right == node.right):
            return top.left.left, node.right
    if isinstance(node, IntOp) and node.op == "+" and isinstance(node.left, IntOp) and node.left.op == "//":
        a, x = node.left.left, node.left.right
        if node.right == IntOp("min", IntOp("%", a, x), Int(1)):
            return a, x
    return None


@dataclass
class Ranges:
    """The outcome: spans of integer values by (function, node), of each function's integer arguments, the
    comparisons decided for every count (``True``/``False``), and what the counter type cannot compute."""

    spans: dict[tuple[str, Expr], Span] = field(default_factory=dict)
    params: dict[str, dict[str, Span]] = field(default_factory=dict)
    decided: dict[tuple[str, Compare], bool | None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    reached: set[str] = field(default_factory=set)


#: An integer nothing is known about (the counter type may compute anything of it).
_UNKNOWN = Span(-(2**63), 2**63, False, False, False)


class _Dead(Exception):
    """A guard leaves no count for what follows it."""


class _Analysis:
    def __init__(self, functions: tuple[Function, ...], entries: Iterable[str], last: int, wide: bool) -> None:
        self.functions = {f.name: f for f in functions}
        self.order = [f.name for f in reversed(functions)]  # callers before callees
        self.bindings = {f.name: {s.name: s.value for s in f.body if isinstance(s, Let)} for f in functions}
        self.wide = wide
        self.limit = 2**63 - 1 if wide else UINT32_MAX
        self.out = Ranges(params={f.name: {} for f in functions})
        for entry in entries:
            self.out.params[entry]["t"] = Span(0, last)
            self.out.reached.add(entry)
        self.fn = ""

    def run(self) -> Ranges:
        for name in self.order:
            if name in self.out.reached:
                self.fn = name
                self.function(self.functions[name])
        return self.out

    def function(self, f: Function) -> None:
        env = dict(self.out.params[f.name])
        try:
            for step in f.body:
                if isinstance(step, Let):
                    span = self.visit(step.value, env)
                    if span is not None:
                        env[step.name] = span
                    continue
                self.visit(step.cond, env)
                try:
                    self.visit(step.value, self.refine(env, step.cond, True))
                except _Dead:
                    pass
                env = self.refine(env, step.cond, False)
            self.visit(f.result, env)
        except _Dead:
            pass

    # -- what a node is
    def problem(self, message: str) -> None:
        if not self.wide:
            self.out.problems.append(f"{self.fn}: {message}")

    def const(self, value: int) -> Span:
        if self.wide or 0 <= value <= self.limit:
            return Span(value, value)
        return Span(value, value, False, True, False)

    def visit(self, node: Expr, env: dict[str, Span]) -> Span | None:
        span = self.span(node, env)
        if span is not None:
            key = (self.fn, node)
            old = self.out.spans.get(key)
            self.out.spans[key] = span if old is None else old | span
        return span

    def span(self, node: Expr, env: dict[str, Span]) -> Span | None:
        if isinstance(node, (Int, IntParam)):
            return self.const(node.value)
        if isinstance(node, Local):
            return env.get(node.name, _UNKNOWN) if node.integer else None
        if isinstance(node, IntOp):
            return self.int_op(node, env)
        if isinstance(node, Count):
            x = self.visit(node.x, env)
            assert x is not None
            if not x.exact or x.hi >= self.limit:
                self.problem(f"the count of {node.table.name} needs an exact counter, got {x}")
            values = node.table.values
            return Span(bisect.bisect_right(values, x.lo), bisect.bisect_right(values, x.hi))  # type: ignore[arg-type]
        if isinstance(node, Gather):
            index = self.visit(node.index, env)
            assert index is not None
            if not index.exact:
                self.problem(f"an index of {node.table.name} is not exact: {index}")
            if not node.table.integer:
                return None
            return self.entries(node.table, index.lo, index.hi)
        if isinstance(node, Compare):
            self.compare(node, env)
            return None
        if isinstance(node, Apply):
            self.apply(node, env)
            return None
        if isinstance(node, Call) and node.func == "uniform":
            counter = self.visit(node.args[1], env)
            if counter is not None and not counter.exact:
                self.problem(f"the noise counter is not exact: {counter}")
            return None
        for child in children(node):
            self.visit(child, env)
        return None

    def entries(self, table: Table, lo: int, hi: int) -> Span:
        last = len(table.values) - 1
        chosen = table.values[min(max(lo, 0), last):min(max(hi, 0), last) + 1] or table.values[-1:]
        inside = self.wide or all(0 <= v <= self.limit for v in chosen)
        return Span(int(min(chosen)), int(max(chosen)), inside, True, inside)

    # -- integer operations
    def int_op(self, node: IntOp, env: dict[str, Span]) -> Span:
        a = self.visit(node.left, env)
        b = self.visit(node.right, env)
        assert a is not None and b is not None
        known = self.idiom(node, a, b, env)
        if known is not None:
            return known
        op = node.op
        if op in ("+", "-", "*"):
            if op == "+":
                lo, hi = a.lo + b.lo, a.hi + b.hi
            elif op == "-":
                lo, hi = a.lo - b.hi, a.hi - b.lo
            else:
                corners = (a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi)
                lo, hi = min(corners), max(corners)
            ring = a.ring and b.ring
            exact = ring and (self.wide or 0 <= lo and hi <= self.limit)
            return Span(lo, hi, exact, exact, ring)
        if op in ("//", "%"):
            if not (a.exact and a.lo >= 0 and a.hi < self.limit) or not (b.exact or b.saturated) or b.lo < 1:
                self.problem(f"{op} of {a} by {b} is not exact")
            if op == "//":
                return Span(a.lo // max(b.hi, 1), a.hi // max(b.lo, 1))
            return Span(0, max(0, min(a.hi, b.hi - 1)))
        lo, hi = (min(a.lo, b.lo), min(a.hi, b.hi)) if op == "min" else (max(a.lo, b.lo), max(a.hi, b.hi))
        if a.exact and b.exact:
            return Span(lo, hi)
        fixed, other = (a, b) if a.exact else (b, a)
        if fixed.exact and other.saturated and fixed.lo >= 0 and fixed.hi < self.limit:
            # where the other is saturated it lies beyond every value of the exact one (or below 0)
            exact = other.lo >= 0 if op == "min" else other.hi <= self.limit
            return Span(lo, hi, exact, True, exact)
        self.problem(f"{op} of {a} and {b} is not exact")
        return Span(lo, hi, False, False, False)

    def idiom(self, node: IntOp, a: Span, b: Span, env: dict[str, Span]) -> Span | None:
        """Differences whose range interval arithmetic cannot see: a counter's position in a table, in a period,
        below a minimum, below a multiple of a period, and the gaps of a table."""
        if node.op != "-":
            return None
        names = self.bindings[self.fn]
        left, right = binding(node.left, names), binding(node.right, names)
        if isinstance(right, Gather) and right.table.integer:  # x - T[i], i = count(T, x) - 1: T[i] <= x
            i = binding(right.index, names)
            if (isinstance(i, IntOp) and i.op == "-" and i.right == Int(1) and isinstance(i.left, Count)
                    and i.left.table == right.table and i.left.x == node.left):
                return Span(0, max(0, a.hi - b.lo), a.exact and b.exact, a.exact and b.exact, a.exact and b.exact)
            j = binding(left.index, names) if isinstance(left, Gather) else None
            if j == IntOp("+", right.index, Int(1)) and left.table == right.table:  # T[i + 1] - T[i]: the gaps
                index = self.visit(right.index, env)
                assert index is not None
                values = left.table.values
                last = len(values) - 2
                ks = range(min(max(index.lo, 0), last), min(max(index.hi, 0), last) + 1)
                gaps = [values[k + 1] - values[k] for k in ks] or [values[-1] - values[-2]]
                inside = self.wide or all(0 <= values[k] and values[k + 1] <= self.limit for k in ks)
                return Span(min(gaps), max(gaps), inside, inside, inside)
        if isinstance(right, IntOp) and right.op == "*":  # x - i * p, i = x // p
            i = binding(right.left, names)
            if i == IntOp("//", node.left, right.right):
                p = self.visit(right.right, env)
                assert p is not None
                return Span(0, max(0, min(a.hi, p.hi - 1)), a.exact, a.exact, a.exact)
        if isinstance(right, IntOp) and right.op == "min" and node.left in (right.left, right.right):
            other = right.right if right.left == node.left else right.left  # b - min(x, b) = max(b - x, 0)
            x = self.visit(other, env)
            assert x is not None
            both = a.exact and x.exact
            return Span(max(0, a.lo - x.hi), max(0, a.hi - x.lo), both, both, both)
        if isinstance(left, IntOp) and left.op == "*":  # x * max(1, ceil(a / x)) - a, a multiple of x at or above a
            k = binding(left.right, names)
            if isinstance(k, IntOp) and k.op == "max" and k.left == Int(1):
                ceil = ceil_of(k.right, names)
                if ceil is not None and ceil == (node.right, left.left):
                    x = self.visit(left.left, env)
                    assert x is not None
                    both = b.exact and x.exact
                    return Span(0, x.hi, both, both, both)
        return None

    # -- comparisons, guards and calls
    def compare(self, node: Compare, env: dict[str, Span]) -> None:
        a = self.visit(node.left, env)
        b = self.visit(node.right, env)
        if a is None or b is None:
            return
        key = (self.fn, node)
        verdict = _decide(node.op, a, b)
        self.out.decided[key] = verdict if self.out.decided.get(key, verdict) == verdict else None
        if a.exact and b.exact:
            return
        fixed, other = (a, b) if a.exact else (b, a)
        op = node.op if a.exact else _MIRRORED[node.op]
        if fixed.exact and other.saturated and fixed.lo >= 0 and fixed.hi < self.limit:
            # a saturated constant beyond every count compares as itself; below 0 it reads as 0
            if other.lo >= 0 or op in ("<", ">=") or fixed.lo > 0:
                return
        self.problem(f"{node.op} of {a} and {b} may differ in 32 bits")

    def refine(self, env: dict[str, Span], cond: Compare, holds: bool) -> dict[str, Span]:
        op = cond.op if holds else _NEGATED[cond.op]
        a = self.span(cond.left, env)
        b = self.span(cond.right, env)
        if a is None or b is None:
            return env
        out = dict(env)
        for node, mine, theirs, how in ((cond.left, a, b, op), (cond.right, b, a, _MIRRORED[op])):
            if isinstance(node, Local) and node.name in out:
                lo, hi = mine.lo, mine.hi
                if how == "<":
                    hi = min(hi, theirs.hi - 1)
                elif how == "<=":
                    hi = min(hi, theirs.hi)
                elif how == ">":
                    lo = max(lo, theirs.lo + 1)
                elif how == ">=":
                    lo = max(lo, theirs.lo)
                elif how == "==":
                    lo, hi = max(lo, theirs.lo), min(hi, theirs.hi)
                if lo > hi:
                    raise _Dead
                out[node.name] = Span(lo, hi, mine.exact, mine.saturated, mine.ring)
        return out

    def apply(self, node: Apply, env: dict[str, Span]) -> None:
        callee = self.functions[node.func]
        spans = [self.visit(arg, env) for arg in node.args]
        if not self.wide and all(_constant(arg) for arg in node.args) and any(
                s is not None and not s.exact for s in spans):
            return  # the module computes a call at constant counts beyond 32 bits once, in 64 bits
        self.out.reached.add(node.func)
        for name, arg in zip(callee.args, node.args, strict=False):
            span = self.visit(arg, env)
            if span is None or not is_integer(arg):
                continue
            params = self.out.params[node.func]
            params[name] = span if name not in params else params[name] | span


def _constant(node: Expr) -> bool:
    """Whether ``node`` is a number of the document, or integer arithmetic on such numbers."""
    return isinstance(node, (Int, IntParam)) or isinstance(node, IntOp) and _constant(node.left) and _constant(
        node.right)


def _decide(op: str, a: Span, b: Span) -> bool | None:
    """Whether ``a op b`` holds for every value (True), for none (False), or depends on them (None)."""
    if op == "<":
        return True if a.hi < b.lo else False if a.lo >= b.hi else None
    if op == "<=":
        return True if a.hi <= b.lo else False if a.lo > b.hi else None
    if op == ">":
        return _decide("<", b, a)
    if op == ">=":
        return _decide("<=", b, a)
    if op == "==":
        return True if a.lo == a.hi == b.lo == b.hi else False if a.hi < b.lo or b.hi < a.lo else None
    verdict = _decide("==", a, b)
    return None if verdict is None else not verdict


def analyze(functions: tuple[Function, ...], entries: Iterable[str], *, x64: bool) -> Ranges:
    """Ranges of every integer value of ``functions`` for counts 0 .. 2**31 - 1 in uint32 (``x64=False``) or
    0 .. 2**53 in int64 (``x64=True``), starting from the functions ``entries``."""
    return _Analysis(functions, entries, X64_LAST if x64 else X32_LAST, x64).run()
