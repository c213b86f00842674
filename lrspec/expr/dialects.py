"""How each target spells what plain Python operators do not: IEEE results where an operator raises or rounds
otherwise, math functions, real(n), table lookups and where the document's numbers live.

The torch target computes on Python ints and floats (:class:`PythonDialect`); the reference kernel on numba's
int64 and float64 with the numbers passed in as arrays (:class:`NumbaDialect`). The TensorFlow and JAX dialects
live with their emitters in :mod:`lrspec.codegen`.
"""

from __future__ import annotations

from .render import Dialect
from .tree import Gather, IntParam, Param, Table

__all__ = ["PythonDialect", "NumbaDialect", "DIALECTS"]

#: spec/expression.md operations and functions on Python floats: helpers where ``math`` raises instead of
#: returning the IEEE value (x / 0, overflow, log(0), sqrt(-1)); the rest is plain.
_PYTHON_IEEE_OPS = {"/": "_div", "//": "_fdiv", "%": "_fmod", "**": "_pow"}


class PythonDialect(Dialect):
    """Python ints and floats: counters exact at any size, reals binary64."""

    name = "python"

    def const(self, name: str) -> str:
        return f"math.{name}"

    def count(self, table: str, x: str) -> str:
        return f"bisect.bisect_right({table}, {x})"

    def function(self, name: str, args: list[str], ieee: bool) -> str:
        if name == "abs":
            return f"abs({args[0]})"
        if name == "uniform":
            return f"{self.helper('_uniform')}({', '.join(args)})"
        if ieee and name != "tanh":
            return f"{self.helper('_' + name)}({', '.join(args)})"
        return f"math.{name}({', '.join(args)})"

    def real_min_max(self, name: str, a: str, b: str) -> str:
        return f"{self.helper('_f' + name)}({a}, {b})"

    def ieee_binary(self, op: str, a: str, b: str) -> str | None:
        helper = _PYTHON_IEEE_OPS.get(op)
        return f"{self.helper(helper)}({a}, {b})" if helper else None


class NumbaDialect(Dialect):
    """The reference kernel: int64 counters, float64 reals, and every number of the document read from the
    arrays ``P`` (reals) and ``I`` (integers, and the bounds of each table) by slot, so that the kernel's source
    depends on the document's structure only."""

    name = "numba"

    def __init__(self, params: tuple[Param, ...], int_params: tuple[IntParam, ...],
                 tables: tuple[Table, ...]) -> None:
        super().__init__()
        self.slot = {p.name: k for k, p in enumerate(params)}
        self.int_slot = {p.name: k for k, p in enumerate(int_params)}
        #: Each table's bounds are two slots of I after the integer parameters.
        self.bounds = {tbl.name: len(int_params) + 2 * k for k, tbl in enumerate(tables)}

    def param(self, p: Param) -> str:
        return f"P[{self.slot[p.name]}]" if p.name in self.slot else super().param(Param(p.name, p.value, True))

    def int_param(self, p: IntParam) -> str:
        return f"I[{self.int_slot[p.name]}]"

    def table(self, table: Table) -> str:
        return f"T{self.bounds[table.name]}"

    def table_view(self, table: Table) -> str:
        """The statement that binds a table's local name: a view of ``I`` or ``P`` between its bounds."""
        k = self.bounds[table.name]
        return f"T{k} = {'I' if table.integer else 'P'}[I[{k}]:I[{k + 1}]]"

    def const(self, name: str) -> str:
        return "PI" if name == "pi" else super().const(name)

    def count(self, table: str, x: str) -> str:
        return f"np.searchsorted({table}, {x}, side=\"right\")"

    def gather(self, table: str, index: str, node: Gather) -> str:
        return f"{table}[{index}]"

    def function(self, name: str, args: list[str], ieee: bool) -> str:
        if name in ("abs", "uniform", "uniform_at", "uniform_key", "cos_half_turn", "log_positive"):
            return f"{name}({', '.join(args)})"
        return f"np.{name}({', '.join(args)})"

    def real_min_max(self, name: str, a: str, b: str) -> str:
        return f"f{name}({a}, {b})"

    def ieee_binary(self, op: str, a: str, b: str) -> str | None:
        helper = {"//": "fdiv", "%": "fmod", "**": "fpow"}.get(op)
        return f"{helper}({a}, {b})" if helper else None

    def apply(self, func: str, args: list[str]) -> str:
        return f"{func}({', '.join(args)}, P, I)"


#: A dialect of each kind, for rendering a bare expression (tests, diagnostics).
DIALECTS: dict[str, Dialect] = {"python": PythonDialect(), "numba": NumbaDialect((), (), ())}
