"""The Numba kernel module of a plan and the data it runs on.

The kernel's source depends on the plan's structure only: every number of the document is read from two
arrays, ``P`` (binary64 parameters, then the binary64 tables) and ``I`` (int64 parameters, then two bounds per
table, then the int64 tables). Two documents of the same structure share one compiled kernel.
"""

from __future__ import annotations

import numpy as np

from ..codegen.emit import emit_function
from ..expr.dialects import NumbaDialect
from ..lower import Plan
from .segments import segment_sources, uses_work_arrays

__all__ = ["kernel_source", "kernel_data"]


def kernel_source(plan: Plan) -> str:
    """The Python source of the Numba kernel module for ``plan`` (no number of the document in it)."""
    from ..codegen.env import render_template

    dialect = NumbaDialect(plan.params, plan.int_params, plan.tables)
    own = {f.name for f in plan.functions}
    regions = [f for name, f in plan.fast.items() if name not in own]  # the kernel's own functions (noise.py)
    # every function in its fast form, so that a step's value never depends on how it was asked for
    shared = [*regions, *(plan.fast.get(f.name, f) for f in plan.functions)]
    functions = [emit_function(f, dialect, extra_args=("P", "I"),
                               decorator="@njit(**_JIT)",
                               preamble=tuple(dialect.table_view(tbl) for tbl in f.tables()))
                 for f in shared]
    return render_template("numba_kernel.py.jinja", functions=functions, segments=segment_sources(plan, dialect),
                           array_segments=segment_sources(plan, dialect, array=True),
                           entry=plan.root.entry, work=uses_work_arrays(plan),
                           data="W, Wi, P, I" if uses_work_arrays(plan) else "P, I")


def kernel_data(plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """``P`` and ``I`` of ``plan``, laid out as :func:`kernel_source` reads them."""
    reals = [p.value for p in plan.params]
    ints = [p.value for p in plan.int_params]
    bounds: list[int] = []
    real_tables: list[float] = []
    int_tables: list[int] = []
    base_int = len(ints) + 2 * len(plan.tables)
    for tbl in plan.tables:
        if tbl.integer:
            start = base_int + len(int_tables)
            int_tables.extend(tbl.values)  # type: ignore[arg-type]
        else:
            start = len(reals) + len(real_tables)
            real_tables.extend(tbl.values)  # type: ignore[arg-type]
        bounds += [start, start + len(tbl.values)]
    return (np.array(reals + real_tables, dtype=np.float64),
            np.array(ints + bounds + int_tables, dtype=np.int64))
