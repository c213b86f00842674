"""The reference kernel's segment fillers: ``_seg<f>(t0, buf, lo, hi, P, I)`` writes f(t0), f(t0 + 1), ... into
``buf[lo:hi]``, and ``_aseg<f>(_ts, _d, buf, lo, hi, P, I)`` writes f(_ts[k] - _d) into ``buf[k]`` for ascending
steps ``_ts``, for every function f of a plan. Both are written by the same generators from the same lowered
functions; they differ only in where a step comes from and how a piece's length is found (a subtraction for a
run, a binary search for an array).

A run of steps is split where the function's structure changes (a phase or cycle start, the end of a warm-up),
so that counter arithmetic happens once per piece and the inner loops read the document's numbers from locals
that LLVM can keep in registers and vectorize over. Every inner loop runs over a view of the buffer indexed from
0 by ``range(view.shape[0])``: an index Numba cannot prove non-negative costs a wraparound check per access,
which keeps LLVM from vectorizing the loop. Values are those of the scalar functions, except where a
type's fast formula applies (``NodeType.fast``, spec/numerics.md#fast-paths).
"""

from __future__ import annotations

from ..expr.dialects import NumbaDialect
from ..expr.render import render
from ..expr.tree import Apply, Call, Compare, Expr, Int, IntOp, IntParam, Local, Param, Table, is_integer, rewrite
from ..formula import Guard, Let
from ..lower import Function, Plan, trees, walk
from ..noise import NORMAL_CENTRAL, NORMAL_QUANTILE, NORMAL_TAIL, central

#: The kernel's normal quantile over a run: ``_normal_quantiles(qs, tails, zs, W, Wi, P, I)``.
QUANTILES = NORMAL_QUANTILE + "s"

__all__ = ["segment_sources", "uses_work_arrays"]

_T = Local("t", integer=True)


class _Hoisted(NumbaDialect):
    """The kernel dialect with every number read once into a local before the loop, and the filler's source of
    steps: a run from ``t0``, or (``array``) the ascending steps ``_ts[k] - _d``."""

    def __init__(self, base: NumbaDialect, array: bool = False) -> None:
        self.__dict__.update(base.__dict__)
        self.array = array
        self.prefix = "_aseg" if array else "_seg"
        self.data: str = base.__dict__.get("data", "P, I")
        """The arguments every segment filler passes on: the document's numbers, and the work arrays ``W``, ``Wi``
        where the plan draws normal noise."""
        self.helpers = set()
        self.reads: dict[str, str] = {}

    def param(self, p: Param) -> str:
        slot = self.slot.get(p.name)
        if slot is None:
            return super().param(p)
        self.reads[f"p{slot}"] = f"P[{slot}]"
        return f"p{slot}"

    def int_param(self, p: IntParam) -> str:
        slot = self.int_slot[p.name]
        self.reads[f"n{slot}"] = f"I[{slot}]"
        return f"n{slot}"

    @property
    def source(self) -> str:
        """The filler's parameters that give its steps."""
        return "_ts, _d" if self.array else "t0"

    def at(self, j: str) -> str:
        """The step at buffer index ``j`` (array fillers; a run tracks its step instead)."""
        return f"_ts[{j}] - _d"

    def piece(self, bound: str, t: str, hi: str = "hi") -> str:
        """The number of steps from ``_j`` (whose step is ``t``) to ``hi`` that lie below ``bound``."""
        return f"count_below(_ts, _d, _j, {hi}, {bound})" if self.array else f"min({hi} - _j, {bound} - {t})"

    def call(self, name: str, t0: str, extra: list[str], lo: str, hi: str) -> str:
        """A call of function ``name``'s filler on ``buf[lo:hi]``, whose first step is ``t0`` (an expression of
        the caller's ``t``, which advances with it)."""
        if self.array:
            source = "_ts, _d" if t0 == "t0" else f"_ts, _d + t - ({t0})"
        else:
            source = t0
        return f"{self.prefix}{name}({', '.join((source, *extra, 'buf', lo, hi, self.data))})"


def _each(d: _Hoisted, lo: str, hi: str, t_first: str | None, body: list[str], pad: str, read: str | None = None,
          views: tuple[tuple[str, str], ...] = ()) -> list[str]:
    """A loop over ``buf[lo:hi]`` as the view ``_b``: t runs from ``t_first``, or over the array's steps (not bound
    when None, for a body that does not read it); ``read`` binds the buffer's value. ``views`` are (view, array)
    pairs: the same steps of a work array that holds the steps from ``lo`` of the filler."""
    at = (f"{lo} - lo", f"{hi} - lo") if lo != "lo" else ("0", "hi - lo")
    steps = t_first is not None or any("_sv[_i]" in line for line in body)
    head = [f"{pad}_b = buf[{lo}:{hi}]", *([f"{pad}_sv = _ts[{lo}:{hi}]"] if d.array and steps else []),
            *(f"{pad}{view} = {array}[{at[0]}:{at[1]}]" for view, array in views),
            f"{pad}for _i in range(_b.shape[0]):"]
    if t_first is not None:
        head.append(f"{pad}    t = _sv[_i] - _d" if d.array else f"{pad}    t = {t_first} + _i")
    return head + ([f"{pad}    {read} = _b[_i]"] if read else []) + [f"{pad}    {line}" for line in body]


def _keyed(steps: tuple, result: Expr) -> tuple[tuple, Expr, list[Expr]]:
    """Noise draws at t with the part of their hash that depends on the seed and t's high word taken out of the
    loop: ``uniform(seed, t, k)`` becomes ``uniform_at(_key<n>, t, k)``. Returns the steps, the result and the
    seeds in key order."""
    seeds: list[Expr] = []

    def key(node: Expr) -> Expr | None:
        if not (isinstance(node, Call) and node.func == "uniform" and node.args[1] == _T
                and isinstance(node.args[0], (Int, IntParam))):
            return None
        if node.args[0] not in seeds:
            seeds.append(node.args[0])
        return Call("uniform_at", (Local(f"_key{seeds.index(node.args[0])}", integer=True), _T, node.args[2]),
                    ieee=False)

    return rewrite(steps, key), rewrite(result, key), seeds


def _run(lo: str, hi: str, t_first: str, steps: tuple, result: Expr, d: _Hoisted,
         read: str | None = None) -> list[str]:
    """The steps of a function over ``buf[lo:hi]``; where they draw a normal number, in three passes: the
    quantile's arguments, the quantile over the run (its two regions apart), then the rest."""
    split = _at_quantile(steps, result)
    if split is None:
        return _words(lo, hi, t_first, steps, result, d, read)
    needed, call = split
    # the arguments go to work arrays, as bindings named after the array elements they set
    first = (*needed, Let("_qv[_i]", call.args[0]), Let("_tv[_i]", call.args[1]))
    z = Local("_z")
    drawn = _live(*rewrite((steps, result), lambda node: z if node == call else None))
    return ["assert hi - lo <= W.shape[1]  # the fillers' callers run BLOCK steps at most",
            "_qa = W[0, :hi - lo]", "_ta = W[1, :hi - lo]", "_za = W[2, :hi - lo]",
            *_words(lo, hi, t_first, first, None, d, read, views=(("_qv", "_qa"), ("_tv", "_ta"))),
            f"{QUANTILES}(_qa, _ta, _za, {d.data})",
            *_words(lo, hi, t_first, *drawn, d, read, views=(("_zv", "_za"),), head=("_z = _zv[_i]",))]


def _at_quantile(steps: tuple, result: Expr) -> tuple[tuple[Let, ...], Apply] | None:
    """The bindings the function's normal quantile call needs for its arguments, and the call; None when it
    has none, or more than one, or when its arguments need a table lookup or another function."""
    calls = {n for e in (*(x for step in steps for x in trees(step)), result) for n in walk(e)
             if isinstance(n, Apply) and n.func == NORMAL_QUANTILE}
    if len(calls) != 1:
        return None
    call = calls.pop()
    lets = {step.name: step.value for step in steps if isinstance(step, Let)}
    wanted: list[str] = []
    todo = [n.name for a in call.args for n in walk(a) if isinstance(n, Local)]
    while todo:
        name = todo.pop()
        if name in wanted or name not in lets:
            continue
        if any(isinstance(n, (Table, Apply)) for n in walk(lets[name])):
            return None
        wanted.append(name)
        todo += [n.name for n in walk(lets[name]) if isinstance(n, Local)]
    if any(isinstance(n, (Table, Apply)) for a in call.args for n in walk(a)):
        return None
    return tuple(Let(name, value) for name, value in lets.items() if name in wanted), call


def _live(steps: tuple, result: Expr) -> tuple[tuple, Expr]:
    """``steps`` without the bindings nothing after them reads."""
    kept: list = []
    read = {n.name for n in walk(result) if isinstance(n, Local)}
    for step in reversed(steps):
        if isinstance(step, Let) and step.name not in read:
            continue
        kept.append(step)
        read |= {n.name for e in trees(step) for n in walk(e) if isinstance(n, Local)}
    return tuple(reversed(kept)), result


def _words(lo: str, hi: str, t_first: str, steps: tuple, result: Expr | None, d: _Hoisted, read: str | None,
           views: tuple[tuple[str, str], ...] = (), head: tuple[str, ...] = ()) -> list[str]:
    """``_each`` over a function's steps (the last result stored in the buffer unless None); where they draw
    noise, a loop over each stretch of steps that share t's high word, with the draws' keys computed once per
    stretch."""
    steps, result, seeds = _keyed(steps, result)
    body = [*head, *_steps(steps, result, d)]
    if not seeds:
        return _each(d, lo, hi, t_first, body, "", read, views)
    keys = [f"    _key{n} = uniform_key({render(seed, d)}, _w)" for n, seed in enumerate(seeds)]
    first, advance = ([f"    _s = {d.at('_j')}"], []) if d.array else ([], ["    _s += _m"])
    return [*([] if d.array else [f"_s = {t_first}"]), f"_j = {lo}", f"while _j < {hi}:", *first,
            "    _w = _s >> 32", f"    _m = {d.piece('((_w + 1) << 32)', '_s', hi)}", *keys,
            *_each(d, "_j", "_j + _m", "_s", body, "    ", read, views), "    _j += _m", *advance]


def _steps(steps, result: Expr | None, d: _Hoisted) -> list[str]:
    """A function's bindings and early results as the body of a loop that writes ``_b[_i]``, then its result
    (unless None)."""
    lines = []
    for step in steps:
        if isinstance(step, Let):
            lines.append(f"{step.name} = {render(step.value, d)}")
        else:
            lines += [f"if {render(step.cond, d)}:", f"    _b[_i] = {render(step.value, d)}", "    continue"]
    return lines + ([f"_b[_i] = {render(result, d)}"] if result is not None else [])


def _header(name: str, extra: tuple[str, ...], comment: str, d: _Hoisted) -> list[str]:
    params = ", ".join((d.source, *extra, "buf", "lo", "hi", d.data))
    return [f"# {comment}", "@njit(**_JIT)", f"def {d.prefix}{name}({params}):"]


def _preamble(d: _Hoisted, f: Function) -> list[str]:
    lines = [f"{local} = {read}" for local, read in sorted(d.reads.items())]
    return lines + [d.table_view(tbl) for tbl in f.tables()]


def _per_cycle(f: Function, period: Expr) -> set[str]:
    """The bindings of ``f`` that depend on t only through ``t // period``: constant over a cycle."""
    fixed: set[str] = set()

    def constant(expr: Expr) -> bool:
        if expr == _T:
            return False
        if isinstance(expr, IntOp) and expr.op == "//" and expr.left == _T and expr.right == period:
            return True
        if isinstance(expr, Local):
            return expr.name in fixed or expr.name == "h"
        children = [c for c in walk(expr) if c is not expr]
        direct = [c for c in children if _is_child(expr, c)]
        return all(constant(c) for c in direct)

    for step in f.body:
        if not isinstance(step, Let):
            break  # after an early result the order of evaluation matters: keep the rest per step
        if constant(step.value):
            fixed.add(step.name)
    return fixed


def _is_child(parent: Expr, node: Expr) -> bool:
    from dataclasses import fields

    for fld in fields(parent):  # type: ignore[arg-type]
        value = getattr(parent, fld.name)
        if value is node or (isinstance(value, tuple) and any(v is node for v in value)):
            return True
    return False


def _cycles(f: Function, period: Expr, d: _Hoisted, comment: str) -> str:
    """One cycle at a time: what depends on the cycle alone once, the rest step by step."""
    fixed = _per_cycle(f, period)
    extra = tuple(a for a in f.args if a != "t")
    n = render(period, d)
    if d.array:
        lines = ["_j = lo", "while _j < hi:", f"    t = {d.at('_j')}", f"    _m = {d.piece(f't - t % {n} + {n}', 't')}"]
    else:
        lines = ["_s = t0", "_j = lo", "while _j < hi:", "    t = _s", f"    _m = min(hi - _j, {n} - t % {n})"]
    once = [step for step in f.body if isinstance(step, Let) and step.name in fixed]
    lines += [f"    {step.name} = {render(step.value, d)}" for step in once]
    per_step = [step for step in f.body if step not in once]
    lines += [*_each(d, "_j", "_j + _m", "_s", _steps(per_step, f.result, d), "    "), "    _j += _m",
              *([] if d.array else ["    _s += _m"])]
    body = _preamble(d, f) + lines
    return "\n".join(_header(f.name, extra, comment, d) + ["    " + line for line in body])


def _loop(f: Function, d: _Hoisted, comment: str) -> str:
    """Step by step, the function's body inlined in the loop and its numbers read once."""
    extra = tuple(a for a in f.args if a != "t")
    loop = _run("lo", "hi", "t0", f.body, f.result, d)
    body = _preamble(d, f) + loop
    return "\n".join(_header(f.name, extra, comment, d) + ["    " + line for line in body])


def _affine(arg: Expr) -> Expr | None:
    """The offset c of an argument ``t - c`` (Int 0 for ``t``), or None when it is not of that form."""
    if arg == _T:
        return IntParam("", 0)
    if isinstance(arg, IntOp) and arg.op == "-" and arg.left == _T and isinstance(arg.right, IntParam):
        return arg.right
    return None


def _split(f: Function) -> list[tuple[Expr | None, Expr]] | None:
    """A function made of ``if t < X: return A`` steps and a final result, as (X, A) pieces (X None for the
    last), when every X is a number of the document: a phase start, the end of a warm-up."""
    pieces: list[tuple[Expr | None, Expr]] = []
    for step in f.body:
        if not isinstance(step, Guard):
            return None
        cond = step.cond
        if not (isinstance(cond, Compare) and cond.op == "<" and cond.left == _T and isinstance(cond.right,
                                                                                                IntParam)):
            return None
        pieces.append((cond.right, step.value))
    return pieces + [(None, f.result)] if pieces else None


def _split_run(f: Function, pieces: list[tuple[Expr | None, Expr]], d: _Hoisted, comment: str) -> str:
    """Each piece over the part of the run before its bound: a call's own segments where the piece is a call of
    ``t - c``, else step by step."""
    lines = [f"t = {d.at('lo')} if lo < hi else 0" if d.array else "t = t0", "_j = lo"]
    for bound, value in pieces:
        call = value if isinstance(value, Apply) and len(value.args) == 1 else None
        offset = _affine(call.args[0]) if call is not None else None
        pad = "    "
        if bound is not None:
            lines += [f"if _j < hi and t < {render(bound, d)}:", f"    _m = {d.piece(render(bound, d), 't')}"]
        else:
            lines += ["if _j < hi:", "    _m = hi - _j"]
        if call is not None and offset is not None:
            shift = f" - {render(offset, d)}" if isinstance(offset, IntParam) and offset.name else ""
            lines.append(pad + d.call(call.func, f"t{shift}", [], "_j", "_j + _m"))
        else:
            step = "_sv[_i] - _d" if d.array else "t + _i"
            lines += _each(d, "_j", "_j + _m", None, [f"_b[_i] = {f.name}({step}, P, I)"], pad)
        lines += [f"{pad}_j += _m"]
        if bound is not None:
            lines += [f"{pad}if _j < hi:", f"{pad}    t = {d.at('_j')}"] if d.array else [f"{pad}t += _m"]
    body = _preamble(d, f) + lines
    return "\n".join(_header(f.name, (), comment, d) + ["    " + line for line in body])


def _post(f: Function, d: _Hoisted, comment: str) -> str | None:
    """A function that starts with ``v = inner(t)``: the inner function's segments, then the rest step by step
    on the values in the buffer (noise, clamp)."""
    first = f.body[0] if f.body else None
    if not (isinstance(first, Let) and isinstance(first.value, Apply) and first.value.args == (_T,)):
        return None
    rest = Function(f.name, f.args, f.body[1:], f.result, f.section, f.kind)
    loop = _run("lo", "hi", "t0", rest.body, rest.result, d, read=first.name)
    body = _preamble(d, rest) + [d.call(first.value.func, "t0", [], "lo", "hi")] + loop
    return "\n".join(_header(f.name, (), comment, d) + ["    " + line for line in body])


def _restarts(f: Function, d: _Hoisted, comment: str) -> str:
    """spec/modifiers.md#restarts, one cycle at a time: the cycle's index, position and length once, the core's
    segments over the part of the run in the cycle, then the decay on the buffer."""
    lets = {step.name: step for step in f.body if isinstance(step, Let)}
    call_name = next((name for name, step in lets.items() if isinstance(step.value, Apply)), None)
    call = lets[call_name].value if call_name is not None else f.result
    assert isinstance(call, Apply)
    if d.array:
        lines = ["_j = lo", "while _j < hi:", f"    t = {d.at('_j')}"]
    else:
        lines = ["t = t0", "_j = lo", "while _j < hi:"]
    after = False
    tail: list[str] = []
    for step in f.body:
        if isinstance(step, Let) and step.name == call_name:
            after = True
            continue
        if not after:
            if isinstance(step, Let):
                lines.append(f"    {step.name} = {render(step.value, d)}")
            else:
                lines += [f"    if {render(step.cond, d)}:", f"        buf[_j:hi] = {render(step.value, d)}",
                          "        return"]
        else:
            tail.append(step)  # type: ignore[arg-type]
    table = next((tbl for tbl in f.tables() if tbl.integer), None)
    end = (f"{d.table(table)}[i + 1]" if table is not None else "(i + 1) * " +
           render(next(n for n in walk(lets["u"].value) if isinstance(n, IntParam)), d))
    lines.append(f"    _m = {d.piece(end, 't')}")
    lines.append("    " + d.call(call.func, render(call.args[0], d), [render(a, d) for a in call.args[1:]], "_j",
                                "_j + _m"))
    if call_name is not None:
        assert not any(n == _T for step in tail for n in walk(step.value)), "the decay reads the step"
        once = []
        for step in tail:  # the cycle's own numbers (its amplitude) before the loop over its steps
            if not isinstance(step, Let) or any(n == Local(call_name) for n in walk(step.value)):
                break
            once.append(step)
        lines += [f"    {step.name} = {render(step.value, d)}" for step in once]
        lines += _each(d, "_j", "_j + _m", None, _steps(tail[len(once):], f.result, d), "    ", read=call_name)
    lines += ["    _j += _m", *([] if d.array else ["    t += _m"])]
    body = _preamble(d, f) + lines
    return "\n".join(_header(f.name, (), comment, d) + ["    " + line for line in body])


def _quantiles(base: NumbaDialect) -> str:
    """spec/noise.md#normal over a run: the central region at every step (vectorized), then the tail region
    at the steps that need it (about 15 %), gathered into ``W[3:5]`` and scattered back."""
    cond = render(central(Local("q")), base)
    lines = ["# spec/noise.md#normal, fast path over a run: the central region everywhere, the tail where needed",
             "@njit(**_JIT)", f"def {QUANTILES}(qs, tails, zs, W, Wi, P, I):",
             "    n = qs.shape[0]",
             "    for i in range(n):",
             f"        zs[i] = {NORMAL_CENTRAL}(qs[i], P, I)",
             "    k = 0",
             "    for i in range(n):  # branch-free: Wi[k] is overwritten until a step needs the tail",
             "        q = qs[i]",
             "        Wi[k] = i",
             f"        k += 0 if {cond} else 1",
             "    qt = W[3, :k]",
             "    tt = W[4, :k]",
             "    for j in range(k):",
             "        qt[j] = qs[Wi[j]]",
             "        tt[j] = tails[Wi[j]]",
             "    for j in range(k):",
             f"        qt[j] = {NORMAL_TAIL}(qt[j], tt[j], P, I)",
             "    for j in range(k):",
             "        zs[Wi[j]] = qt[j]"]
    return "\n".join(lines)


def uses_work_arrays(plan: Plan) -> bool:
    """Whether the plan's segment fillers take the work arrays ``W`` (5 x BLOCK reals) and ``Wi`` (BLOCK
    integers): where it draws normal noise."""
    return any(f.name == NORMAL_QUANTILE for f in plan.functions)


def segment_sources(plan: Plan, base: NumbaDialect, array: bool = False) -> list[str]:
    """A segment filler for every function of ``plan`` that computes a rate (for ascending arrays of steps when
    ``array``), and the normal quantile over a run where the plan draws normal noise (with the run's fillers)."""
    work = uses_work_arrays(plan)
    base.data = "W, Wi, P, I" if work else "P, I"  # type: ignore[attr-defined]
    out = [_quantiles(base)] if work and not array else []
    for f in plan.functions:
        if f.kind == "shared":
            continue
        out.append(_filler(f, plan, _Hoisted(base, array), f"{f.section}: segments"))
    return out


def _whole_cycles(f: Function) -> bool:
    """Whether restarts call the core on an integer position (cycles of fractional length call it on a real one,
    step by step)."""
    calls = [n for step in (*f.body, f.result) for tree in trees(step) for n in walk(tree) if isinstance(n, Apply)]
    return all(is_integer(call.args[0]) for call in calls)


def _filler(f: Function, plan: Plan, d: _Hoisted, comment: str) -> str:
    """The filler of ``f``: the first of the generators above that applies to its form."""
    if f.kind == "restarts" and _whole_cycles(f):
        return _restarts(f, d, comment)
    pieces = _split(f)
    if pieces is not None:
        return _split_run(f, pieces, d, comment)
    post = _post(f, d, comment)
    if post is not None:
        return post
    fast = plan.fast.get(f.name)
    if f.name in plan.periods and fast is None:
        return _cycles(f, plan.periods[f.name], d, comment)
    return _loop(fast or f, d, fast.section if fast else comment)
