"""The typed tree every evaluator and code generator lowers from: parsed expressions, and the formulas of the
node types, which add integer counter operations (spec/numerics.md#integers) to the expression language.

Integer nodes (:class:`Int`, :class:`IntParam`, :class:`IntOp`, :class:`Count`, integer :class:`Local`) are
exact int64 arithmetic; every other node is a binary64 value. A number of the document reaches the tree only as
a :class:`Param`, :class:`IntParam` or :class:`Table`, so a formula's structure does not depend on its numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any, Union

__all__ = ["Num", "Var", "Const", "Param", "Unary", "Binary", "Compare", "Call", "Where", "Expr",
           "Int", "IntParam", "IntOp", "Local", "Table", "Count", "Gather", "ToReal", "Apply",
           "BINARY_OPS", "COMPARE_OPS", "FUNCTIONS", "CONSTANTS", "INT_OPS", "is_integer", "rewrite"]

#: Arithmetic operators, all on binary64 values.
BINARY_OPS = ("+", "-", "*", "/", "//", "%", "**")
#: Comparisons, each giving a boolean usable only as a condition.
COMPARE_OPS = ("<", "<=", ">", ">=", "==", "!=")
#: Allowed functions and their arity as (min, max) argument counts.
FUNCTIONS: dict[str, tuple[int, int]] = {
    "exp": (1, 1), "log": (1, 1), "log2": (1, 1), "log10": (1, 1), "sqrt": (1, 1),
    "sin": (1, 1), "cos": (1, 1), "tan": (1, 1), "tanh": (1, 1), "abs": (1, 1),
    "floor": (1, 1), "ceil": (1, 1), "min": (2, 8), "max": (2, 8), "where": (3, 3),
}
#: Integer operations: exact on int64; ``//`` and ``%`` only on a >= 0 and b > 0.
INT_OPS = ("+", "-", "*", "//", "%", "min", "max")
#: Named constants.
CONSTANTS = {"pi": 3.141592653589793, "e": 2.718281828459045}


class _Arith:
    """Operators that build tree nodes, so a type's formula reads like its spec page: integer operands give
    :class:`IntOp`, real operands :class:`Binary` (without ``ieee``), Python numbers become literals of the
    operand's kind. Mixing an integer and a real is an error: write ``ToReal(n)`` where the spec writes real(n).
    """

    def _op(self, op: str, other: object, swap: bool = False) -> Expr:
        mine: Expr = self  # type: ignore[assignment]
        theirs = _lift(other, is_integer(mine))
        left, right = (theirs, mine) if swap else (mine, theirs)
        if is_integer(left) != is_integer(right):
            raise TypeError(f"{op}: an integer and a real operand; convert with ToReal")
        if is_integer(left):
            return IntOp(op, left, right)
        return Binary(op, left, right, ieee=False)

    def __add__(self, o: object) -> Expr: return self._op("+", o)
    def __radd__(self, o: object) -> Expr: return self._op("+", o, True)
    def __sub__(self, o: object) -> Expr: return self._op("-", o)
    def __rsub__(self, o: object) -> Expr: return self._op("-", o, True)
    def __mul__(self, o: object) -> Expr: return self._op("*", o)
    def __rmul__(self, o: object) -> Expr: return self._op("*", o, True)
    def __truediv__(self, o: object) -> Expr: return self._op("/", o)
    def __rtruediv__(self, o: object) -> Expr: return self._op("/", o, True)
    def __floordiv__(self, o: object) -> Expr: return self._op("//", o)
    def __mod__(self, o: object) -> Expr: return self._op("%", o)
    def __pow__(self, o: object) -> Expr: return self._op("**", o)
    def __rpow__(self, o: object) -> Expr: return self._op("**", o, True)
    def __neg__(self) -> Expr: return Unary("-", self)  # type: ignore[arg-type]


def _lift(value: object, integer: bool) -> Expr:
    if isinstance(value, _Arith):
        return value  # type: ignore[return-value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"not a formula operand: {value!r}")
    if integer and isinstance(value, int):
        return Int(value)
    return Num(float(value))


@dataclass(frozen=True)
class Num(_Arith):
    value: float


@dataclass(frozen=True)
class Var(_Arith):
    """The context's variable: ``x`` in ``scale_fn``, ``t`` in an ``expression`` node."""

    name: str


@dataclass(frozen=True)
class Const(_Arith):
    name: str

    @property
    def value(self) -> float:
        return CONSTANTS[self.name]


@dataclass(frozen=True)
class Param(_Arith):
    """A binary64 number of the document. Lowering names it uniquely within a plan; ``literal`` marks a
    number written in an expression's text, which generated code keeps as a literal, not a named constant."""

    name: str
    value: float
    literal: bool = False


@dataclass(frozen=True)
class Unary(_Arith):
    op: str  # "-" only; unary "+" is dropped by the parser
    operand: Expr


@dataclass(frozen=True)
class Binary(_Arith):
    """``ieee``: the operands may meet IEEE special cases (x / 0, overflow), so targets whose own operator
    raises there (Python floats) use a helper; a type's formula clears it where its operands never do."""

    op: str
    left: Expr
    right: Expr
    ieee: bool = True


@dataclass(frozen=True)
class Compare(_Arith):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Call(_Arith):
    func: str
    args: tuple[Expr, ...]
    ieee: bool = True


@dataclass(frozen=True)
class Where(_Arith):
    """``where(cond, a, b)`` and ``a if cond else b``: ``a`` when ``cond`` holds, else ``b``."""

    cond: Compare
    then: Expr
    other: Expr


@dataclass(frozen=True)
class Int(_Arith):
    """An integer of the formula's structure (0, 1), not a number of the document."""

    value: int


@dataclass(frozen=True)
class IntParam(_Arith):
    """An integer number of the document (a step count, a phase start, a seed)."""

    name: str
    value: int


@dataclass(frozen=True)
class IntOp(_Arith):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Local(_Arith):
    """A function argument or an earlier binding of the same function."""

    name: str
    integer: bool = False


@dataclass(frozen=True)
class Table(_Arith):
    """A table of the document: strictly increasing int64 steps, or binary64 values."""

    name: str
    values: tuple[int, ...] | tuple[float, ...]
    integer: bool = True


@dataclass(frozen=True)
class Count(_Arith):
    """How many entries of an integer table are <= ``x`` (a binary search)."""

    table: Table
    x: Expr


@dataclass(frozen=True)
class Gather(_Arith):
    """Entry ``index`` of a table (``0 <= index < len(table)`` wherever the value is used)."""

    table: Table
    index: Expr


@dataclass(frozen=True)
class ToReal(_Arith):
    """real(n): the binary64 nearest to an integer (exact for |n| <= 2**53)."""

    value: Expr


@dataclass(frozen=True)
class Apply(_Arith):
    """A call of another function of the plan, on integer arguments."""

    func: str
    args: tuple[Expr, ...]


Expr = Union[Num, Var, Const, Param, Unary, Binary, Compare, Call, Where, Int, IntParam, IntOp, Local, Table, Count,
             Gather, ToReal, Apply]


def is_integer(node: Expr) -> bool:
    """Whether ``node`` is an exact integer value (int64 in every target)."""
    if isinstance(node, (Int, IntParam, IntOp, Count)):
        return True
    if isinstance(node, Local):
        return node.integer
    if isinstance(node, Gather):
        return node.table.integer
    return False


def rewrite(node: Any, fn: Callable[[Any], Any]) -> Any:
    """``node`` with every subtree for which ``fn`` returns something other than None replaced by that; tuples
    and any dataclass holding trees (a formula step) are rebuilt around the replaced parts."""
    new = fn(node)
    if new is not None:
        return new
    if isinstance(node, tuple):
        items = tuple(rewrite(x, fn) for x in node)
        return node if all(a is b for a, b in zip(items, node, strict=True)) else items
    if hasattr(node, "__dataclass_fields__"):
        changes = {f.name: rewrite(getattr(node, f.name), fn) for f in fields(node)}
        if any(changes[k] is not getattr(node, k) for k in changes):
            return replace(node, **changes)
    return node
