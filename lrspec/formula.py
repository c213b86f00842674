"""What a type or modifier writes its formula with: the counter ``t``, the horizon ``h``, named numbers of the
document and named intermediate values, all as nodes of :mod:`lrspec.expr.tree`.

A formula is an expression of the integer arguments of its function. Numbers of the document enter only
through :meth:`Scope.num`, :meth:`Scope.int` and :meth:`Scope.table`, never as literals, so that every
target can pass them as data (the kernel) or name them (generated code).
"""

from __future__ import annotations

import re

from dataclasses import dataclass

from .expr.tree import (Apply, Binary, Call, Compare, Const, Expr, Int, IntOp, IntParam, Local, Num, Param, Table,
                        ToReal, Unary, Var, Where)

__all__ = ["Names", "Scope", "Let", "Guard", "t", "h", "PI", "real", "imin", "imax", "whole_lengths", "lt", "le", "ge", "gt", "eq", "ne", "where",
           "cos", "sqrt", "tanh", "ieee", "ieee_call"]

#: The function's counter (an integer) and, for a type's formula, its horizon.
t = Local("t", integer=True)
h = Local("h", integer=True)
PI = Const("pi")


def real(n: Expr) -> Expr:
    return ToReal(n)


def imin(a: Expr | int, b: Expr | int) -> Expr:
    return IntOp("min", _int(a), _int(b))


def imax(a: Expr | int, b: Expr | int) -> Expr:
    return IntOp("max", _int(a), _int(b))


def whole_lengths(s: Scope, field: str, length: int | float, counter: Expr = t) -> Expr:
    """floor(counter / length), exactly, for a length that may be fractional (spec/numerics.md#lengths): with
    length = n / d as written, (counter // n) * d + ((counter % n) * d) // n, so that counter * d never overflows."""
    if isinstance(length, int):
        return counter // s.int(field, length)
    from .model._base import rational

    exact = rational(length)
    n, d = s.int(f"{field}_numerator", exact.numerator), s.int(f"{field}_denominator", exact.denominator)
    return (counter // n) * d + ((counter % n) * d) // n


def _int(x: Expr | int) -> Expr:
    return Int(x) if isinstance(x, int) and not isinstance(x, bool) else x  # type: ignore[return-value]


def _lift(x: Expr | float | int, like: Expr) -> Expr:
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        from .expr.tree import is_integer

        return Int(int(x)) if is_integer(like) and isinstance(x, int) else Num(float(x))
    return x  # type: ignore[return-value]


def lt(a: Expr, b: Expr | float) -> Compare:
    return Compare("<", a, _lift(b, a))


def le(a: Expr, b: Expr | float) -> Compare:
    return Compare("<=", a, _lift(b, a))


def gt(a: Expr, b: Expr | float) -> Compare:
    return Compare(">", a, _lift(b, a))


def ge(a: Expr, b: Expr | float) -> Compare:
    return Compare(">=", a, _lift(b, a))


def eq(a: Expr, b: Expr | float) -> Compare:
    return Compare("==", a, _lift(b, a))


def ne(a: Expr, b: Expr | float) -> Compare:
    return Compare("!=", a, _lift(b, a))


def where(cond: Compare, then: Expr, other: Expr) -> Expr:
    return Where(cond, then, other)


def cos(x: Expr) -> Expr:
    return Call("cos", (x,), ieee=False)


def tanh(x: Expr) -> Expr:
    return Call("tanh", (x,), ieee=False)


def sqrt(x: Expr) -> Expr:
    return Call("sqrt", (x,), ieee=False)


def ieee(op: str, a: Expr, b: Expr) -> Expr:
    """``a op b`` where IEEE special cases can occur (a division by zero, an overflowing power)."""
    return Binary(op, a, b, ieee=True)


def ieee_call(func: str, *args: Expr) -> Expr:
    """A function whose argument may be outside its domain (sqrt of a negative number: NaN)."""
    return Call(func, tuple(args), ieee=True)


@dataclass(frozen=True)
class Let:
    """``name = value``: an intermediate value of a function."""

    name: str
    value: Expr


@dataclass(frozen=True)
class Guard:
    """``if cond: return value``: an early result (vector targets select it elementwise)."""

    cond: Compare
    value: Expr


class Names:
    """The constant names of one plan, each claimed once (``INITIAL_LR``, ``PHASE1_INITIAL_LR``, ...)."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim(self, base: str) -> str:
        name = base
        k = 2
        while name in self._taken:
            name = f"{base}_{k}"
            k += 1
        self._taken.add(name)
        return name


class Scope:
    """The numbers and intermediate values of one function's formula.

    ``prefix`` is the node's path in constant names (``""`` for the root, ``PHASE1_`` for a phase);
    ``children`` are the entry functions of a sequence's phases.
    """

    def __init__(self, prefix: str, names: Names, children: tuple[str, ...] = ()) -> None:
        self.prefix = prefix
        self.names = names
        self.children = children
        self.body: list[Let | Guard] = []
        self._locals: set[str] = {"t", "h"}
        self._literals = 0
        self._numbers: dict[str, Expr] = {}

    def fork(self) -> Scope:
        """A scope for another formula of the same node (a kernel fast path): the same named numbers, a body of
        its own."""
        other = Scope(self.prefix, self.names, self.children)
        other._numbers = self._numbers
        return other

    def _name(self, field: str) -> str:
        return self.names.claim(self.prefix + re.sub(r"[^A-Za-z0-9]+", "_", field).upper())

    def num(self, field: str, value: float) -> Param:
        """A real number of the document, named after its field (the same field gives the same number)."""
        if field not in self._numbers:
            self._numbers[field] = Param(self._name(field), float(value))
        return self._numbers[field]  # type: ignore[return-value]

    def int(self, field: str, value: int) -> IntParam:
        """An integer number of the document (a step count)."""
        key = f"int:{field}"
        if key not in self._numbers:
            self._numbers[key] = IntParam(self._name(field), int(value))
        return self._numbers[key]  # type: ignore[return-value]

    def table(self, field: str, values: tuple[int, ...] | tuple[float, ...], integer: bool = True) -> Table:
        """A table of the document: sorted steps, or the values that go with them."""
        converted = tuple(int(v) for v in values) if integer else tuple(float(v) for v in values)
        return Table(self._name(field), converted, integer)

    def let(self, name: str, value: Expr) -> Expr:
        """Bind ``value`` to a local name (shown in generated code) and return the reference."""
        from .expr.tree import is_integer

        local = name
        k = 2
        while local in self._locals:
            local = f"{name}{k}"
            k += 1
        self._locals.add(local)
        self.body.append(Let(local, value))
        return Local(local, is_integer(value))

    def guard(self, cond: Compare, value: Expr) -> None:
        """Return ``value`` where ``cond`` holds; the rest of the formula applies elsewhere."""
        self.body.append(Guard(cond, value))

    def call(self, func: str, *args: Expr) -> Expr:
        return Apply(func, tuple(args))

    def expression(self, tree: Expr, variable: Expr, params: dict[str, float]) -> Expr:
        """A parsed expression of the document, its variable replaced by ``variable``; a declared parameter
        becomes a named number, a literal of the text a number kept as a literal in generated code."""
        named = {name: self.num(name, value) for name, value in params.items()}

        def go(node: Expr) -> Expr:
            if isinstance(node, Num):
                self._literals += 1
                return Param(self.names.claim(f"{self.prefix}LITERAL{self._literals}"), node.value, literal=True)
            if isinstance(node, Var):
                return variable
            if isinstance(node, Param):
                return named[node.name]
            if isinstance(node, Unary):
                return Unary(node.op, go(node.operand))
            if isinstance(node, Binary):
                return Binary(node.op, go(node.left), go(node.right), node.ieee)
            if isinstance(node, Compare):
                return Compare(node.op, go(node.left), go(node.right))
            if isinstance(node, Where):
                return Where(go(node.cond), go(node.then), go(node.other))  # type: ignore[arg-type]
            if isinstance(node, Call):
                return Call(node.func, tuple(go(a) for a in node.args), node.ieee)
            return node  # Const

        return go(tree)


class NotAtRealPosition(ValueError):
    """A formula that needs its counter as an integer (a remainder, a table lookup): it cannot run on the real
    position of a cycle of fractional length."""


def at_real_position(body: list[Let | Guard], result: Expr) -> tuple[list[Let | Guard], Expr]:
    """A formula of the integer counter ``t`` and horizon ``h`` as the same formula of a real ``t`` and ``h``
    (spec/modifiers.md#restarts, fractional cycles): real(t) is t, integer min, max, sums and differences become
    real ones and ``a // b`` becomes floor(a / b). A remainder or a table lookup of the counter raises
    :class:`NotAtRealPosition` with the reason."""
    from dataclasses import fields, replace

    from .expr.tree import Count, Gather, Int, IntOp, Num, is_integer

    reals = {"t", "h"}

    def to_real(x: Expr) -> Expr:
        if not is_integer(x):
            return x
        return Num(float(x.value)) if isinstance(x, Int) else ToReal(x)

    def go(node: Expr) -> Expr:
        if isinstance(node, Local):
            return Local(node.name, integer=False) if node.name in reals else node
        if isinstance(node, (Count, Gather)):
            index = go(node.x if isinstance(node, Count) else node.index)
            if not is_integer(index):
                raise NotAtRealPosition("it looks the step up in a table")
            return node
        if isinstance(node, ToReal):
            return to_real(go(node.value))
        if isinstance(node, Apply):
            args = tuple(go(a) for a in node.args)
            if not all(is_integer(a) for a in args):
                raise NotAtRealPosition("the schedules it is made of count whole steps")
            return Apply(node.func, args)
        if isinstance(node, IntOp):
            left, right = go(node.left), go(node.right)
            if is_integer(left) and is_integer(right):
                return IntOp(node.op, left, right)
            left, right = to_real(left), to_real(right)
            if node.op in ("min", "max"):
                return Call(node.op, (left, right), ieee=False)
            if node.op == "//":
                return Call("floor", (Binary("/", left, right, ieee=False),), ieee=False)
            if node.op == "%":
                raise NotAtRealPosition("it takes a remainder of the step")
            return Binary(node.op, left, right, ieee=False)
        if isinstance(node, Compare):
            left, right = go(node.left), go(node.right)
            if is_integer(left) != is_integer(right):
                left, right = to_real(left), to_real(right)
            return Compare(node.op, left, right)
        if isinstance(node, (Table, Param, IntParam, Int, Num, Const, Var)):
            return node
        changes = {}
        for f in fields(node):  # type: ignore[arg-type]
            value = getattr(node, f.name)
            if isinstance(value, tuple):
                changes[f.name] = tuple(go(v) for v in value)
            elif hasattr(value, "__dataclass_fields__"):
                changes[f.name] = go(value)
        return replace(node, **changes)  # type: ignore[type-var]

    out: list[Let | Guard] = []
    for step in body:
        if isinstance(step, Let):
            value = go(step.value)
            if not is_integer(value):
                reals.add(step.name)
            out.append(Let(step.name, value))
        else:
            out.append(Guard(go(step.cond), go(step.value)))  # type: ignore[arg-type]
    return out, go(result)
