"""Render a tree as Python source for one target, with only the parentheses Python's precedence needs.

A :class:`Dialect` says how a target spells what plain Python operators do not (a table lookup, real(n), an
IEEE-safe division, its math functions); the tree decides everything else, so user text never reaches generated
code (numbers are written with ``repr`` or passed as data). Every target is Python (numba, torch, TensorFlow,
JAX), so one precedence table serves all.
"""

from __future__ import annotations

from .tree import (CONSTANTS, Apply, Binary, Call, Compare, Const, Count, Expr, Gather, Int, IntOp, IntParam, Local,
                   Num, Param, Table, ToReal, Unary, Var, Where)

__all__ = ["Dialect", "render", "number"]

#: Python's binding strength: a higher number binds tighter.
_COND, _CMP, _ADD, _MUL, _NEG, _POW, _ATOM = 1, 5, 10, 11, 12, 13, 20
_PREC = {"+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL, "//": _MUL, "%": _MUL, "**": _POW}


def number(value: float) -> str:
    """A binary64 literal that reads back to exactly ``value``."""
    text = repr(float(value))
    if text in ("inf", "-inf", "nan"):
        raise ValueError(f"non-finite literal {text} cannot be generated")
    return text


class Dialect:
    """Plain Python spellings; a target overrides what it spells differently. A method returns source text
    that is an atom (a name, a call, a subscript) unless it says otherwise."""

    name = "python"

    def __init__(self) -> None:
        self.helpers: set[str] = set()
        """Names of module helpers the rendered code uses (so that a module defines exactly these)."""

    def helper(self, name: str) -> str:
        self.helpers.add(name)
        return name

    def variable(self, name: str) -> str:
        return name

    def const(self, name: str) -> str:
        return number(CONSTANTS[name])

    def param(self, p: Param) -> str:
        return number(p.value) if p.literal else p.name

    def int_param(self, p: IntParam) -> str:
        return p.name

    def table(self, table: Table) -> str:
        return table.name

    def to_real(self, value: str) -> str:
        return f"float({value})"

    def count(self, table: str, x: str) -> str:
        return f"bisect.bisect_right({table}, {x})"

    def gather(self, table: str, index: str, node: Gather) -> str:
        return f"{table}[{index}]"

    def function(self, name: str, args: list[str], ieee: bool) -> str:
        return f"math.{name}({', '.join(args)})"

    def real_min_max(self, name: str, a: str, b: str) -> str:
        return f"{name}({a}, {b})"

    def plain_min_max(self, name: str, a: str, b: str) -> str:
        """min or max of reals that are never NaN."""
        return f"{name}({a}, {b})"

    def int_min_max(self, name: str, a: str, b: str) -> str:
        return f"{name}({a}, {b})"

    def ieee_binary(self, op: str, a: str, b: str) -> str | None:
        """A binary operation where IEEE special cases may occur; None: the plain operator is IEEE already."""
        return None

    def where(self, cond: str, then: str, other: str) -> tuple[str, int]:
        return f"{then} if {cond} else {other}", _COND

    def apply(self, func: str, args: list[str]) -> str:
        return f"{func}({', '.join(args)})"

    def special(self, node: Expr) -> str | None:
        """The target's own spelling of a whole node, as an atom; None: the common rules apply."""
        return None


def render(expr: Expr, dialect: Dialect) -> str:
    """Source text for ``expr`` in ``dialect``."""
    return _go(expr, dialect)[0]


def _wrap(part: tuple[str, int], need: int) -> str:
    text, prec = part
    return f"({text})" if prec < need else text


def _infix(op: str, left: tuple[str, int], right: tuple[str, int], prec: int) -> tuple[str, int]:
    if op == "**":  # right-associative; its left operand binds tighter than unary minus
        return f"{_wrap(left, _ATOM if left[1] == _NEG else prec + 1)} ** {_wrap(right, prec)}", prec
    return f"{_wrap(left, prec)} {op} {_wrap(right, prec + 1)}", prec


def _go(node: Expr, d: Dialect) -> tuple[str, int]:
    own = d.special(node)
    if own is not None:
        return own, _ATOM
    if isinstance(node, Num):
        text = number(node.value)
        return text, _NEG if text.startswith("-") else _ATOM
    if isinstance(node, Int):
        return str(node.value), _NEG if node.value < 0 else _ATOM
    if isinstance(node, Const):
        return d.const(node.name), _ATOM
    if isinstance(node, Param):
        text = d.param(node)
        return text, _NEG if text.startswith("-") else _ATOM
    if isinstance(node, IntParam):
        return d.int_param(node), _ATOM
    if isinstance(node, Local):
        return node.name, _ATOM
    if isinstance(node, Var):
        return d.variable(node.name), _ATOM
    if isinstance(node, Unary):
        return f"-{_wrap(_go(node.operand, d), _NEG)}", _NEG
    if isinstance(node, Binary):
        left, right = _go(node.left, d), _go(node.right, d)
        special = d.ieee_binary(node.op, left[0], right[0]) if node.ieee else None
        if special is not None:
            return special, _ATOM
        return _infix(node.op, left, right, _PREC[node.op])
    if isinstance(node, IntOp):
        left, right = _go(node.left, d), _go(node.right, d)
        if node.op in ("min", "max"):
            return d.int_min_max(node.op, left[0], right[0]), _ATOM
        return _infix(node.op, left, right, _PREC[node.op])
    if isinstance(node, Compare):
        return f"{_wrap(_go(node.left, d), _CMP + 1)} {node.op} {_wrap(_go(node.right, d), _CMP + 1)}", _CMP
    if isinstance(node, Where):
        cond, then, other = _go(node.cond, d), _go(node.then, d), _go(node.other, d)
        return d.where(_wrap(cond, _COND + 1), _wrap(then, _COND + 1), _wrap(other, _COND))
    if isinstance(node, Call):
        args = [_go(a, d)[0] for a in node.args]
        if node.func in ("min", "max"):
            spell = d.real_min_max if node.ieee else d.plain_min_max
            out = args[0]
            for arg in args[1:]:
                out = spell(node.func, out, arg)
            return out, _ATOM
        return d.function(node.func, args, node.ieee), _ATOM
    if isinstance(node, ToReal):
        return d.to_real(_go(node.value, d)[0]), _ATOM
    if isinstance(node, Count):
        return d.count(d.table(node.table), _go(node.x, d)[0]), _ATOM
    if isinstance(node, Gather):
        return d.gather(d.table(node.table), _go(node.index, d)[0], node), _ATOM
    if isinstance(node, Table):
        return d.table(node), _ATOM
    if isinstance(node, Apply):
        return d.apply(node.func, [_go(a, d)[0] for a in node.args]), _ATOM
    raise TypeError(f"not a tree node: {node!r}")
