"""The JAX target: a plan's functions as jnp array code, its numbers as module constants.

Counters are uint32 without ``jax_enable_x64`` (a count is at most 2**31 - 1) and int64 with it; reals are float32
or float64. The same source serves both modes, so the module reads the mode when it is traced, and everything else
is decided here, from the ranges of :mod:`.jax_ranges`: which step constants need saturating, which conversions to
a real are exact as written and which need another exact spelling, and which comparisons hold for every count.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..expr.render import Dialect, number, render
from ..expr.tree import (Apply, Binary, Call, Compare, Count, Expr, Gather, Int, IntOp, IntParam, Local, Num, Param,
                         Table, ToReal, Unary, Where)
from ..formula import Guard, Let
from ..lower import Function, Plan
from .emit import emit_function
from .jax_ranges import UINT32_MAX, X32_LAST, Ranges, Span, analyze, binding, children
from .jax_rewrite import (Accurate, DerivedTables, RoundedQuotient, all_nodes, depends_on_count, guards,
                          integer_constant, integer_value, locals_of, prepare, python_constant, python_pow,
                          python_value)
from .lines import atom, lay_out

__all__ = ["JaxDialect", "context"]

#: Helpers that call other helpers.
_NEEDS = {"_fmod": ("_div",), "_uniform": ("_mix32",), "_accurate": ("_x64",), "_const_at": ("_x64",),
          "_cpow": ("_x64",), "_step": ("_x64",), "_steps": ("_x64",)}
#: Functions of spec/expression.md that jnp computes with their IEEE special cases.
_JNP = {"exp", "log", "log2", "log10", "sqrt", "sin", "cos", "tan", "tanh", "abs", "floor", "ceil"}


class JaxDialect(Dialect):
    """jnp on uint32 or int64 counters and float32 or float64 reals; each integer value spelled from its range."""

    name = "jax"

    def __init__(self, ranges: Ranges, bindings: dict[str, dict[str, Expr]], shadows: dict[str, tuple[str, ...]],
                 functions: dict[str, Function], derived: DerivedTables) -> None:
        super().__init__()
        self.ranges = ranges
        self.bindings = bindings
        self.shadows = shadows
        self.functions = functions
        self.derived = derived
        self.fn = ""
        self.real_bound: dict[str, set[str]] = {}
        """Per function, the integer bindings beyond 32 bits that have a binding ``<name>_real`` of their own."""
        self.bound_tables: dict[tuple[str, str, bool], str] = {}
        """(function, table, integer) -> the local that holds the table's array in that function."""
        self.exact_divisions: set[int] = set()
        """Divisions by a constant whose result reaches floor, ceil or a comparison: exactly rounded there."""
        self.polynomials: dict[str, tuple[float, ...]] = {}
        """Coefficients of the polynomials evaluated by Horner's rule, highest degree first, by constant name."""
        self.python_ints = False

    # -- plain spellings
    def const(self, name: str) -> str:
        return f"jnp.{name}"

    def int_min_max(self, name: str, a: str, b: str) -> str:
        return f"{name}({a}, {b})" if self.python_ints else f"jnp.{'minimum' if name == 'min' else 'maximum'}({a}, {b})"

    def plain_min_max(self, name: str, a: str, b: str) -> str:
        return f"jnp.{'minimum' if name == 'min' else 'maximum'}({a}, {b})"

    def real_min_max(self, name: str, a: str, b: str) -> str:
        return f"{self.helper('_f' + name)}({a}, {b})"

    def function(self, name: str, args: list[str], ieee: bool) -> str:
        if name == "uniform":
            return f"{self.helper('_uniform')}({', '.join(args)})"
        assert name in _JNP, name
        return f"jnp.{name}({', '.join(args)})"

    def select(self, cond: str, value: str, rest: str) -> str:
        return f"jnp.where({cond}, {value}, {rest})"

    # -- nodes spelled from their context
    def special(self, node: Expr) -> str | None:
        if isinstance(node, IntParam):
            plain = self.python_ints or 0 <= node.value <= X32_LAST
            return node.name if plain else f"{self.helper('_step')}({node.name})"
        if isinstance(node, ToReal):
            return self.real(node.value)
        if isinstance(node, Count):
            return f"jnp.searchsorted({self.steps(node.table)}, {self.text(node.x)}, side=\"right\")"
        if isinstance(node, Gather):
            table = self.steps(node.table) if node.table.integer else self.reals(node.table)
            return f"jnp.take({table}, {self.text(node.index)}, mode=\"clip\")"
        if isinstance(node, Where):
            return f"jnp.where({self.text(node.cond)}, {self.text(node.then)}, {self.text(node.other)})"
        if isinstance(node, Apply):
            return self.call(node)
        if isinstance(node, Call) and node.func == "uniform":
            seed, counter, k = node.args
            return f"{self.helper('_uniform')}({self.python(seed)}, {self.text(counter)}, {self.python(k)})"
        if isinstance(node, Binary):
            return self.horner(node) or self.binary(node)
        if isinstance(node, Accurate):
            return f"{self.helper('_accurate')}({self.text(node.value)}, {self.text(node.float32)})"
        if isinstance(node, RoundedQuotient):
            return f"{self.helper('_div')}({self.text(node.left)}, {self.text(node.right)})"
        return None

    def mark_divisions(self, node: Expr, exact: bool = False) -> None:
        """Find the divisions by a constant whose rounding a floor, a ceil or a comparison can see (XLA divides by
        a constant through its reciprocal, which may move t / 49 at t = 49 below 1)."""
        by_constant = isinstance(node, Binary) and node.ieee and not depends_on_count(node.right)
        if by_constant and (node.op == "//" or node.op == "/" and exact):
            self.exact_divisions.add(id(node))
        if isinstance(node, Compare) or isinstance(node, Call) and node.func in ("floor", "ceil"):
            exact = True
        elif isinstance(node, Binary) and node.op in ("//", "%"):
            exact = True  # the quotient of a // or % inside is floored
        elif not (isinstance(node, (Binary, Unary, Where)) or isinstance(node, Call) and node.func in ("min", "max")):
            exact = False
        for child in children(node):
            self.mark_divisions(child, exact)

    def name_polynomials(self, node: Expr) -> None:
        if not (isinstance(node, Binary) and self.horner(node)):
            for child in children(node):
                self.name_polynomials(child)

    def horner(self, node: Binary) -> str | None:
        """((c0 * x + c1) * x + ...) * x + cn, three coefficients or more, as _horner(x, NAME)."""
        coefficients: list[float] = []
        x = None
        at: Expr = node
        while isinstance(at, Binary) and at.op == "+" and not at.ieee and isinstance(at.right, Num):
            product = at.left
            if not (isinstance(product, Binary) and product.op == "*" and not product.ieee):
                return None
            if x is None:
                x = product.right
            elif product.right != x:
                return None
            coefficients.append(at.right.value)
            at = product.left
        if not isinstance(at, Num) or len(coefficients) < 2 or x is None:
            return None
        values = (at.value, *reversed(coefficients))
        name = next((n for n, v in self.polynomials.items() if v == values), None)
        if name is None:
            stem = self.fn.strip("_").upper()
            name = self.derived.fresh(f"{stem}_{chr(ord('A') + sum(n.startswith(stem) for n in self.polynomials))}")
            self.polynomials[name] = values
        return f"{self.helper('_horner')}({self.text(x)}, {name})"

    def text(self, node: Expr) -> str:
        return render(node, self)

    def python(self, node: Expr) -> str:
        """An integer of the document as a Python int expression (exact at any size)."""
        saved, self.python_ints = self.python_ints, True
        try:
            return render(node, self)
        finally:
            self.python_ints = saved

    def binary(self, node: Binary) -> str | None:
        a, b = node.left, node.right
        if node.op == "**" and python_constant(a) and depends_on_count(b):
            # a power of a number of the document: in float32 its rounding would be raised to the power
            base = python_value(a)
            with np.errstate(over="ignore"):
                rounded = float(np.float32(base))
            if rounded != base:
                return f"{self.helper('_cpow')}({self.text(a)}, {self.text(b)})"
            return None
        if not node.ieee or node.op not in ("/", "//", "%", "**"):
            return None
        left, right = self.text(a), self.text(b)
        if node.op == "%":
            return f"{self.helper('_fmod')}({left}, {right})"
        if node.op == "**":
            arrays = depends_on_count(a) or depends_on_count(b)
            if arrays or python_constant(a) and python_constant(b) and python_pow(a, b):
                return None
            return f"jnp.power({left}, {right})"
        raises = python_constant(a) and python_constant(b) and python_value(b) == 0.0  # Python's 1.0 / 0.0
        exact = id(node) in self.exact_divisions or raises
        divided = f"{self.helper('_div')}({left}, {right})" if exact else None
        if node.op == "/":
            return divided
        return f"jnp.floor({divided or atom(left) + ' / ' + atom(right)})"

    def call(self, node: Apply) -> str:
        callee = self.functions[node.func]
        if all(integer_constant(arg) for arg in node.args) and any(
                not 0 <= integer_value(arg) <= UINT32_MAX for arg in node.args):
            if self.shadows.get(node.func):
                self.problem(f"{node.func} at constant counts beyond 32 bits")
            counts = ", ".join(self.python(arg) for arg in node.args)
            return f"{self.helper('_const_at')}({node.func}, {counts})"
        args = []
        for arg in node.args:
            if integer_constant(arg):
                value = integer_value(arg)
                text = self.python(arg)
                args.append(f"jnp.asarray({text}, t.dtype)" if 0 <= value <= UINT32_MAX
                            else f"{self.helper('_step')}({text})")
            else:
                args.append(self.text(arg))
        for shadow in self.shadows.get(node.func, ()):
            param = shadow.removesuffix("_real")
            args.append(self.real(node.args[callee.args.index(param)]))
        return f"{node.func}({', '.join(args)})"

    # -- integer tables and constants
    def steps(self, table: Table) -> str:
        """A step table in the counter dtype (saturated to uint32 without x64 where it reaches beyond)."""
        bound = self.bound_tables.get((self.fn, table.name, True))
        if bound is not None:
            return bound
        if all(0 <= v <= UINT32_MAX for v in table.values):
            return f"jnp.asarray({table.name}, t.dtype)"
        return f"{self.helper('_steps')}({table.name})"

    def reals(self, table: Table) -> str:
        return self.bound_tables.get((self.fn, table.name, False), f"jnp.asarray({table.name})")

    def operand(self, value_text: str, value: int) -> str:
        """An integer of the document as an argument of counter arithmetic."""
        if 0 <= value <= X32_LAST:
            return value_text
        return f"{self.helper('_step')}({value_text})"

    def part(self, table: Table, sign: int) -> Table:
        """The positive (``sign`` 1) or negative (-1) part of a step table, max(+-s, 0), defined at import."""
        kind = "POSITIVE_PART" if sign > 0 else "NEGATIVE_PART"
        source = f"tuple(max({'' if sign > 0 else '-'}s, 0) for s in {table.name})"
        return self.derived.get_or_add(kind, table, tuple(max(sign * v, 0) for v in table.values), source)

    # -- real(n)
    def span(self, node: Expr) -> Span | None:
        return self.ranges.spans.get((self.fn, node))

    def real(self, node: Expr) -> str:
        """real(n) as an atom: exact where the counter type holds n, else an exact (or, for a value beyond 32 bits
        that dominates what it is added to, a correctly rounding) spelling from its parts."""
        if not depends_on_count(node):
            return f"float({self.python(node)})"
        if isinstance(node, Local) and (f"{node.name}_real" in self.shadows.get(self.fn, ())
                                        or node.name in self.real_bound.get(self.fn, ())):
            return f"{node.name}_real"
        span = self.span(node)
        if span is None or span.exact:
            return f"{atom(self.text(node))}.astype(float)"
        if isinstance(node, Local):
            if node.name in self.bindings[self.fn]:
                return self.real(self.bindings[self.fn][node.name])
        if isinstance(node, Gather):
            return self.real_entry(node.table, node.index)
        if isinstance(node, IntOp):
            spelled = self.real_op(node, span)
            if spelled is not None:
                return spelled
        self.problem(f"real() of {node} ({span})")
        return f"{atom(self.text(node))}.astype(float)"

    def real_entry(self, table: Table, index: Expr) -> str:
        """real(table[index]) of a step table, from the binary64 of each entry (exact where uint32 saturates)."""
        return f"jnp.take(jnp.asarray({table.name}, float), {self.text(index)}, mode=\"clip\")"

    def problem(self, message: str) -> None:
        """Something 32-bit counters cannot compute exactly: the module then asks for x64 when traced without."""
        self.ranges.problems.append(f"{self.fn}: {message}")

    def real_op(self, node: IntOp, span: Span) -> str | None:
        a, b = node.left, node.right
        sa, sb = self.span(a), self.span(b)
        exact_a = sa is None or sa.exact
        exact_b = sb is None or sb.exact or not depends_on_count(b) and 0 <= integer_value(b) <= UINT32_MAX
        if node.op in ("+", "-") and exact_a and integer_constant(b) and abs(integer_value(b)) > UINT32_MAX:
            # a constant beyond 32 bits either way dominates the counter, so the real sum rounds well
            return f"({self.real(a)} {node.op} {self.real(b)})"
        if node.op == "+" and integer_constant(b) and -UINT32_MAX <= integer_value(b) < 0 and exact_a:
            return self.signed(a, self.operand(f"-{self.python(b)}", -integer_value(b)))
        if node.op == "-" and exact_a and exact_b:
            other = self.text(b) if depends_on_count(b) else self.operand(self.python(b), integer_value(b))
            return self.signed(a, other)
        names = self.bindings[self.fn]
        below = binding(b, names)
        if (node.op == "-" and exact_a and isinstance(below, Gather) and below.table.integer
                and min(below.table.values) < 0 and span.lo >= 0):
            # a - s for a table entry s <= a that may be negative: a - max(s, 0) is exact, max(-s, 0) is added
            positive = Gather(self.part(below.table, 1), below.index)
            negative = self.real_entry(self.part(below.table, -1), below.index)
            return f"({atom(self.text(IntOp('-', a, positive)))}.astype(float) + {negative})"
        if node.op == "*" or node.op == "+" and span.lo >= 0 and (sa is None or sa.lo >= 0):
            return f"({self.real(a)} {node.op} {self.real(b)})"
        if node.op == "-" and exact_b and span.lo >= 0:
            whole = self.real(a)
            if not depends_on_count(a):  # a constant beyond 32 bits: it dominates b, so the real difference rounds well
                return f"({whole} - {self.real(b)})"
            return (f"jnp.where({whole} < 4294967296.0, {atom(self.text(node))}.astype(float), "
                    f"{whole} - {self.real(b)})")
        return None

    def signed(self, a: Expr, b: str) -> str:
        """real(a - b) for counters whose difference may be negative."""
        return f"{self.helper('_real_diff')}({self.text(a)}, {b})"


def _tuple(name: str, items: list[str]) -> str:
    return f"{name} = ({', '.join(items)}{',' if len(items) == 1 else ''})"


def _constants(functions: tuple[Function, ...], derived: DerivedTables,
               polynomials: dict[str, tuple[float, ...]]) -> list[str]:
    """``NAME = value`` for every number the functions use, in order of first use; a derived table right after
    the table it is computed from (the literals of expressions stay where they are written)."""
    seen: dict[str, Any] = {}
    for fn in functions:
        for node in all_nodes(fn):
            if isinstance(node, (Param, IntParam, Table)) and not (isinstance(node, Param) and node.literal):
                seen.setdefault(node.name, node)
    own = {d.table.name for d in derived.values()}
    for d in derived.values():
        seen.setdefault(d.base, d.table)  # a base table that only its derived tables read
    lines = []
    for name, c in seen.items():
        if name in own:
            continue
        if isinstance(c, Param):
            lines.append(f"{name} = {number(c.value)}")
        elif isinstance(c, IntParam):
            lines.append(f"{name} = {c.value}")
        else:
            lines.append(_tuple(name, [str(v) if c.integer else number(v) for v in c.values]))
        lines.extend(f"{d.table.name} = {d.source}" for d in derived.values() if d.base == name)
    lines.extend(_tuple(name, [number(v) for v in values]) for name, values in polynomials.items())
    return lines


def _real_bindings(fn: Function, ranges: Ranges, dialect: JaxDialect) -> tuple[Function, tuple[str, ...]]:
    """Bind ``<name>_real``, real(name), once: right after an integer binding beyond 32 bits whose real value the
    function uses, and for an argument or binding converted three times or more (at the top, or after it)."""
    needed = set().union(*(locals_of(n.value) for n in all_nodes(fn) if isinstance(n, ToReal)))
    uses: dict[str, int] = {}
    for node in all_nodes(fn):
        if isinstance(node, ToReal) and isinstance(node.value, Local):
            uses[node.value.name] = uses.get(node.value.name, 0) + 1
    taken = set(fn.args) | {s.name for s in fn.body if isinstance(s, Let)} | set(dialect.shadows.get(fn.name, ()))
    bound = dialect.real_bound.setdefault(fn.name, set())
    preamble = []
    for arg in fn.args:
        if uses.get(arg, 0) >= 3 and f"{arg}_real" not in taken:
            preamble.append(f"{arg}_real = {dialect.real(Local(arg, True))}")
            bound.add(arg)
    body: list[Let | Guard] = []
    for step in fn.body:
        body.append(step)
        if not isinstance(step, Let) or step.name not in needed or f"{step.name}_real" in taken:
            continue
        span = ranges.spans.get((fn.name, step.value))
        if span is not None and not span.exact or uses.get(step.name, 0) >= 3:
            body.append(Let(f"{step.name}_real", ToReal(step.value)))
            bound.add(step.name)
    return replace(fn, body=tuple(body)), tuple(preamble)


def _bind_tables(fn: Function, dialect: JaxDialect) -> tuple[str, ...]:
    """``name = <array>`` at the top of a function for each table it reads more than once."""
    uses: dict[tuple[str, bool], Table] = {}
    counts: dict[tuple[str, bool], int] = {}
    for node in all_nodes(fn):
        if isinstance(node, (Count, Gather)):
            key = (node.table.name, node.table.integer)
            uses[key] = node.table
            counts[key] = counts.get(key, 0) + 1
    taken = set(fn.args) | {s.name for s in fn.body if isinstance(s, Let)}
    lines = []
    for (name, integer), table in uses.items():
        if counts[name, integer] < 2:
            continue
        local = name.lower()
        while local in taken:
            local += "_"
        taken.add(local)
        lines.append(f"{local} = {dialect.steps(table) if integer else dialect.reals(table)}")
        dialect.bound_tables[fn.name, name, integer] = local
    return tuple(lines)


def _shadows(fn: Function, ranges: Ranges) -> tuple[str, ...]:
    """``<arg>_real``, real(arg), as an argument of its own, for each integer argument that may lie beyond 32 bits
    and whose real value the function uses (a restart cycle longer than 2**32 - 1 steps)."""
    wide = [p for p, span in ranges.params[fn.name].items() if not span.exact]
    if "t" in wide:
        ranges.problems.append(f"{fn.name} is called with a counter beyond 32 bits")
    reals = set().union(*(locals_of(n.value) for n in all_nodes(fn) if isinstance(n, ToReal)))
    values = {s.name: s.value for s in fn.body if isinstance(s, Let)}
    todo = list(reals)
    while todo:  # a binding converted to a real converts what it is computed from
        for name in locals_of(values.get(todo.pop(), Int(0))) - reals:
            reals.add(name)
            todo.append(name)
    return tuple(f"{p}_real" for p in fn.args if p in wide and p != "t" and p in reals)


def _emit(fn: Function, dialect: JaxDialect, ranges: Ranges) -> str:
    dialect.fn = fn.name
    for node in [*(s.value for s in fn.body if isinstance(s, Let)), *guards(fn), fn.result]:
        dialect.mark_divisions(node)
    for node in [part for s in fn.body for part in ((s.value,) if isinstance(s, Let) else (s.cond, s.value))]:
        dialect.name_polynomials(node)  # in the order the spec writes them
    dialect.name_polynomials(fn.result)
    preamble = _bind_tables(fn, dialect)
    fn, reals = _real_bindings(fn, ranges, dialect)
    source = emit_function(replace(fn, args=fn.args + dialect.shadows[fn.name]), dialect, vector=True,
                           preamble=preamble + reals)
    return lay_out(source)


def context(plan: Plan) -> dict[str, Any]:
    """What jax.py.jinja renders: the module's constants, its helpers, its functions and entry points, and what
    32-bit counters cannot compute (the module then asks for x64)."""
    entries = [plan.root.entry] + ([plan.momentum.entry] if plan.momentum is not None else [])
    functions, derived = prepare(plan, entries)
    ranges = analyze(functions, entries, x64=False)
    shadows = {fn.name: _shadows(fn, ranges) for fn in functions}
    bindings = {fn.name: {s.name: s.value for s in fn.body if isinstance(s, Let)} for fn in functions}
    dialect = JaxDialect(ranges, bindings, shadows, {fn.name: fn for fn in functions}, derived)
    emitted = [_emit(fn, dialect, ranges) for fn in functions]
    helpers = set(dialect.helpers)
    todo = list(helpers)
    while todo:
        for need in _NEEDS.get(todo.pop(), ()):
            if need not in helpers:
                helpers.add(need)
                todo.append(need)
    return {
        "constants": _constants(functions, derived, dialect.polynomials),
        "functions": emitted,
        "helpers": sorted(helpers - {"_x64"}),
        "entry": plan.root.entry,
        "momentum_entry": plan.momentum.entry if plan.momentum is not None else None,
        "x32_problems": ranges.problems,
    }
