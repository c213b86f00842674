"""The TensorFlow/Keras target: a plan's functions as methods of a Keras ``LearningRateSchedule`` whose keyword
arguments are the document's numbers, on int64 counters and float64 reals (the trees prepared by
:mod:`.tf_prepare`), and the ``context`` that ``codegen_templates/tf.py.jinja`` renders.
"""

from __future__ import annotations

import builtins
import hashlib
import keyword
from typing import Any

from ..expr.render import _ATOM, Dialect, number
from ..expr.tree import Apply, Expr, Gather, IntParam, Param, Table
from ..formula import Let
from ..lower import Function, Plan, trees, walk
from .emit import emit_function, helpers_needed
from .lines import WIDTH, lay_out
from .tf_prepare import COUNTER, DIV, F64, FMOD, I64, POLYVAL, POW, POWERS, count_index, prepare

__all__ = ["TFDialect", "context", "prepare"]

#: Helpers that call other helpers.
_NEEDS = {"_fmod": ("_div",), "_uniform": ("_mix32",), "_log2": ("_log_of",),
          "_log10": ("_log_of",)}
#: Keyword arguments that a number of the document must not take: the class's own, the module's imports, and
#: names that read as system access (an expression's parameter may be called anything).
_RESERVED = {"self", "cls", "dtype", "name", "structure", "step", "config", "math", "np", "tf", "keras", "os", "sys",
             "system", "subprocess", *dir(builtins)}


class TFDialect(Dialect):
    """TensorFlow spellings: the schedule's numbers are attributes of ``self``, counters int64 tensors, reals
    float64 tensors (or exact Python numbers, see :func:`prepare`)."""

    name = "tf"

    def __init__(self) -> None:
        super().__init__()
        self.bindings: dict[str, Expr] = {}
        """The bindings of the function being emitted (to bound a table index)."""

    def const(self, name: str) -> str:
        return f"math.{name}"

    def param(self, p: Param) -> str:
        return number(p.value) if p.literal else f"self.{p.name}"

    def int_param(self, p: IntParam) -> str:
        return f"self.{p.name}"

    def table(self, table: Table) -> str:
        return f"self.{table.name}"

    def to_real(self, value: str) -> str:
        return f"tf.cast({value}, tf.float64)"

    def count(self, table: str, x: str) -> str:
        return f"tf.searchsorted({table}, {x}, side=\"right\", out_type=tf.int64)"

    def gather(self, table: str, index: str, node: Gather) -> str:
        counted = count_index(node.index, self.bindings)
        # (a table's length is part of the structure: the class checks it)
        if counted is None or counted[1] < 0 or len(counted[0].values) + counted[1] >= len(node.table.values):
            # vector code computes unused branches too, whose index may leave the table
            index = f"tf.clip_by_value({index}, 0, len({table}) - 1)"
        return f"tf.gather({table}, {index})"

    def function(self, name: str, args: list[str], ieee: bool) -> str:
        if name == F64:
            return f"tf.constant({args[0]}, tf.float64)"
        if name == I64:
            return f"tf.constant({args[0]}, tf.int64)"
        if name == COUNTER:
            return f"tf.constant([{args[0]}], tf.int64)"
        if name == POWERS:
            # base ** real(i) for an index i in [c, len(T) + c]: one power per entry of T, gathered at i
            base, table, index, shift = args
            size = _offset(f"len({table})", int(shift) + 1)
            return (f"tf.gather({base} ** tf.range({size}, dtype=tf.float64), "
                    f"tf.clip_by_value({index}, 0, {_offset(size, -1)}))")
        if name == POLYVAL:
            x, *coefficients = args
            return f"{self.helper(POLYVAL)}({x}, {', '.join(coefficients)})"
        if name in (DIV, FMOD, POW, "log2", "log10", "uniform"):
            return f"{self.helper(name if name.startswith('_') else '_' + name)}({', '.join(args)})"
        return f"tf.math.{name}({', '.join(args)})"

    def real_min_max(self, name: str, a: str, b: str) -> str:
        return f"{self.helper('_f' + name)}({a}, {b})"

    def plain_min_max(self, name: str, a: str, b: str) -> str:
        return f"tf.{name}imum({a}, {b})"

    def int_min_max(self, name: str, a: str, b: str) -> str:
        return f"tf.{name}imum({a}, {b})"

    def ieee_binary(self, op: str, a: str, b: str) -> str | None:
        if op == "%":  # prepare() has replaced the rest; the remainder is never TensorFlow's floormod
            return f"{self.helper('_fmod')}({a}, {b})"
        return None

    def where(self, cond: str, then: str, other: str) -> tuple[str, int]:
        return f"tf.where({cond}, {then}, {other})", _ATOM

    def select(self, cond: str, value: str, rest: str) -> str:
        return f"tf.where({cond}, {value}, {rest})"

    def apply(self, func: str, args: list[str]) -> str:
        return f"self.{func}({', '.join(args)})"


def _pack(items: list[str], indent: str) -> list[str]:
    """``items``, each followed by a comma, on as few lines of :data:`WIDTH` as they fill."""
    lines, line = [], indent
    for item in items:
        if line != indent and len(line) + len(item) + 2 > WIDTH:
            lines.append(line.rstrip())
            line = indent
        line += f"{item}, "
    return [*lines, line.rstrip()]


def _offset(text: str, k: int) -> str:
    """``text + k`` as source, without a ``+ 0``."""
    return text if k == 0 else f"{text} + {k}" if k > 0 else f"{text} - {-k}"


# ---- the module

def _closure(names: set[str]) -> list[str]:
    return helpers_needed(names, _NEEDS)


def _reachable(plan: Plan, entry: str) -> list[Function]:
    """The functions ``entry`` calls, directly or not, and itself, in the plan's order."""
    names = {entry}
    for f in reversed(plan.functions):  # callers come after their callees
        if f.name in names:
            for step in f.body:
                names.update(n.func for tree in trees(step) for n in walk(tree) if isinstance(n, Apply))
            names.update(n.func for n in walk(f.result) if isinstance(n, Apply))
    return [f for f in plan.functions if f.name in names]


def _constants(functions: list[Function]) -> list[Param | IntParam | Table]:
    seen: dict[str, Param | IntParam | Table] = {}
    for f in functions:
        nodes = [n for step in (*f.body, f.result) for tree in trees(step) for n in walk(tree)]
        for n in nodes:
            if isinstance(n, (IntParam, Table)) or (isinstance(n, Param) and not n.literal):
                seen.setdefault(n.name, n)
    return list(seen.values())


def _default(c: Param | IntParam | Table) -> str:
    """``NAME = value`` in the class body: a table as a tuple, its entries filling lines of :data:`WIDTH`
    (the first line without its indentation, which the template writes)."""
    if isinstance(c, Param):
        return f"{c.name} = {number(c.value)}"
    if isinstance(c, IntParam):
        return f"{c.name} = {c.value}"
    items = [str(v) if c.integer else number(v) for v in c.values]
    one = f"{c.name} = ({', '.join(items)}{',' if len(items) == 1 else ''})"
    if len(one) + 4 <= WIDTH:
        return one
    return "\n".join([f"{c.name} = (", *_pack(items, " " * 8), "    )"])  # lines after the first: in the class


def _keyword(name: str, taken: set[str]) -> str:
    """The keyword argument of a constant: its name in lower case, never a keyword or the class's own."""
    word = name.lower()
    while word in taken or word in _RESERVED or keyword.iskeyword(word):
        word += "_"
    taken.add(word)
    return word


def _converter(c: Param | IntParam | Table, word: str, value: str) -> str:
    """The expression that checks a keyword argument and gives the attribute's value."""
    if isinstance(c, Param):
        return f"_real({value}, \"{word}\")"
    if isinstance(c, IntParam):
        return f"_integer({value}, \"{word}\")"
    return f"{'_steps' if c.integer else '_values'}({value}, \"{word}\", {len(c.values)})"


def _config_value(c: Param | IntParam | Table) -> str:
    return f"tuple(self.{c.name}.tolist())" if isinstance(c, Table) else f"self.{c.name}"


def context(plan: Plan) -> dict[str, Any]:
    dialect = TFDialect()
    methods = []
    for f in plan.functions:
        prepared = prepare(f)
        dialect.bindings = {s.name: s.value for s in prepared.body if isinstance(s, Let)}
        source = emit_function(prepared, dialect, vector=True)
        source = source.replace(f"def {f.name}(", f"def {f.name}(self, ", 1)
        methods.append(lay_out("\n".join("    " + line for line in source.splitlines())))
    lr = _constants(_reachable(plan, plan.root.entry))
    momentum = [c for c in _constants(list(plan.functions)) if c.name not in {x.name for x in lr}]
    taken: set[str] = set()
    numbers = []
    for c in lr:
        word = _keyword(c.name, taken)
        numbers.append({"attribute": c.name, "keyword": word, "convert": _converter(c, word, word),
                        "config": _config_value(c)})
    # the momentum schedule's numbers stay the document's: only its tables become arrays
    fixed = [{"attribute": c.name, "convert": _converter(c, c.name.lower(), f"self.{c.name}")}
             for c in momentum if isinstance(c, Table)]
    tables = [c for c in (*lr, *momentum) if isinstance(c, Table)]
    checks = {"real": any(isinstance(c, Param) for c in lr) or any(not c.integer for c in tables),
              "integer": any(isinstance(c, IntParam) for c in lr) or any(c.integer for c in tables),
              "steps": any(c.integer for c in tables), "reals": any(not c.integer for c in tables)}
    structure = "\n".join([*sorted(c.name for c in (*lr, *momentum)), *methods])
    return {
        "defaults": [_default(c) for c in (*lr, *momentum)],
        "numbers": numbers,
        "fixed": fixed,
        "checks": checks,
        "methods": methods,
        "helpers": _closure(dialect.helpers),
        "structure": hashlib.sha256(structure.encode("utf-8")).hexdigest()[:16],
        "entry": plan.root.entry,
        "momentum_entry": plan.momentum.entry if plan.momentum is not None else None,
        # a schedule that draws normal noise runs under XLA: its quantile's operations fused into one pass
        "fused": any(f.kind == "shared" for f in _reachable(plan, plan.root.entry)),
    }
