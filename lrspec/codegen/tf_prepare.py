"""Preparing a plan's function for the TensorFlow target: the tree rewritten so that :class:`~.tf.TFDialect`
renders plain tensor code that computes what the spec says.

* Every counter passed to a function is a 1-D int64 tensor (``tf.searchsorted`` needs one).
* The schedule's numbers are Python numbers (attributes of the schedule), so a sub-expression of numbers only
  stays Python arithmetic where Python computes it as TensorFlow would (``+``, ``-``, ``*``); elsewhere, and
  as the first input of a TensorFlow operation, which takes its dtype from that input (a Python float would
  make it float32), it becomes a float64 or int64 constant.
* The operations of spec/expression.md that TensorFlow spells differently become helpers (``_fmod``, ``_pow``,
  ``_fmin``, ``_fmax``, ``_log2``, ``_log10``), and a division by a constant whose quotient is floored or
  compared goes through ``_div``, which graph optimizers cannot turn into a multiplication by a rounded
  reciprocal (``t / 49`` at ``t = 49`` must be exactly 1).
* A power of a constant to a cycle index counted in a table is computed once per table entry and gathered,
  a Horner polynomial becomes ``_polyval``, ``real(t)`` used more than once is bound once, and bindings that
  nothing reads are dropped.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace

from ..expr.tree import (Apply, Binary, Call, Compare, Const, Count, Expr, Gather, Int, IntOp, IntParam, Local, Num,
                         Param, Table, ToReal, Unary, Where, is_integer)
from ..formula import Guard, Let
from ..lower import Function, trees, walk

__all__ = ["prepare", "count_index", "F64", "I64", "COUNTER", "DIV", "FMOD", "POW", "POWERS", "POLYVAL"]

#: Markers that :func:`prepare` puts into the tree as calls, rendered by the dialect.
F64, I64, COUNTER, DIV, FMOD, POW, POWERS, POLYVAL = ("_f64", "_i64", "_counter", "_div", "_fmod", "_pow", "_powers",
                                                      "_polyval")


def count_index(index: Expr, bindings: dict[str, Expr]) -> tuple[Table, int] | None:
    """(T, c) when ``index`` is a count of table T plus a constant c, so that it lies in [c, len(T) + c]."""
    if isinstance(index, Local) and index.name in bindings:
        return count_index(bindings[index.name], bindings)
    if isinstance(index, Count):
        return index.table, 0
    if isinstance(index, IntOp) and index.op in ("+", "-") and isinstance(index.right, Int):
        inner = count_index(index.left, bindings)
        if inner is not None:
            return inner[0], inner[1] + (index.right.value if index.op == "+" else -index.right.value)
    return None


def _scalar(node: Expr) -> bool:
    """A number that is a Python number in generated code: a literal or a number of the schedule."""
    return isinstance(node, (Num, Int, IntParam, Const, Param))


_ARITHMETIC = (Unary, Binary, IntOp, Compare)


def _python(node: Expr, scalars: set[str]) -> bool:
    """Whether ``node`` evaluates to a Python number: numbers and scalar locals combined by operators."""
    if _scalar(node):
        return True
    if isinstance(node, Local):
        return node.name in scalars
    if isinstance(node, IntOp) and node.op in ("min", "max"):
        return False  # tf.minimum / tf.maximum
    if isinstance(node, _ARITHMETIC):
        return all(_python(child, scalars) for child in _children(node))
    return False


def _children(node: Expr) -> tuple[Expr, ...]:
    if isinstance(node, (Binary, Compare, IntOp)):
        return node.left, node.right
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Where):
        return node.cond, node.then, node.other
    if isinstance(node, (Call, Apply)):
        return node.args
    if isinstance(node, Count):
        return (node.x,)
    if isinstance(node, ToReal):
        return (node.value,)
    if isinstance(node, Gather):
        return (node.index,)
    return ()


def _safe(node: Expr) -> bool:
    """Whether Python may compute a sub-expression of Python numbers as TensorFlow would: ``+``, ``-`` and ``*``
    round as binary64 does and never raise; ``/`` only by a non-zero literal; ``**``, ``//`` and ``%`` raise on
    a zero or an overflow, or differ."""
    for n in walk(node):
        if isinstance(n, (Binary, IntOp)) and n.op in ("**", "//", "%"):
            return False
        if isinstance(n, Binary) and n.op == "/":
            divisor = n.right
            literal = isinstance(divisor, (Num, Const)) or (isinstance(divisor, Param) and divisor.literal)
            if not literal or divisor.value == 0.0:
                return False
    return True


def _fix(node: Expr) -> Expr:
    """A sub-expression of Python numbers that Python may not compute (:func:`_safe`), with the divisor or exponent
    of each such operation a TensorFlow constant, so that TensorFlow computes it."""
    if _safe(node):
        return node
    if isinstance(node, (Binary, IntOp)) and node.op in ("/", "**", "//", "%"):
        return replace(node, left=_fix(node.left), right=_tensor(node.right))  # type: ignore[type-var]
    return _rebuild(node, _fix)


def _tensor(node: Expr) -> Expr:
    """A sub-expression of Python numbers as a tensor: one float64 (int64) constant of the value Python computes,
    or the operations Python may not compute done by TensorFlow."""
    if _safe(node):
        return Call(I64 if is_integer(node) else F64, (node,), ieee=False)
    return _fix(node)


def _rebuild(node: Expr, go) -> Expr:  # noqa: ANN001
    """``node`` with ``go`` applied to each child node."""
    changes = {}
    for f in fields(node):  # type: ignore[arg-type]
        value = getattr(node, f.name)
        if isinstance(value, tuple) and value and all(is_dataclass(v) for v in value) and not isinstance(node, Table):
            changes[f.name] = tuple(go(v) for v in value)
        elif is_dataclass(value) and not isinstance(value, Table):
            changes[f.name] = go(value)
    return replace(node, **changes) if changes else node  # type: ignore[type-var]


def _independent(node: Expr) -> bool:
    """Whether ``node`` is the same for every counter (a graph optimizer may fold it into a constant)."""
    return not any(isinstance(n, (Local, Apply)) for n in walk(node))


def _horner(node: Expr) -> tuple[Expr, tuple[Num, ...]] | None:
    """(x, coefficients from the highest degree down) when ``node`` is a polynomial of degree 2 or more in Horner's
    form, ``((c2 * x + c1) * x + c0)``: each step one multiplication and one addition."""
    coefficients: list[Num] = []
    x = None
    while isinstance(node, Binary) and node.op == "+" and not node.ieee and isinstance(node.right, Num):
        product = node.left
        if not (isinstance(product, Binary) and product.op == "*" and not product.ieee):
            return None
        if x is not None and product.right != x:
            return None
        x = product.right
        coefficients.append(node.right)
        node = product.left
    if x is None or not isinstance(node, Num) or len(coefficients) < 2:
        return None
    return x, (node, *reversed(coefficients))


class _Preparer:
    """Rewrites one function's tree for :class:`TFDialect` (see the module docstring)."""

    def __init__(self, bindings: dict[str, Expr]) -> None:
        self.scalars: set[str] = set()
        """Locals bound to Python numbers."""
        self.bindings = bindings

    def exact(self, node: Expr, critical: bool) -> Expr:
        """Resolve the IEEE operations: ``critical`` marks a value that is floored or compared, where a division
        by a constant must not become a multiplication by its reciprocal."""
        horner = _horner(node)
        if horner is not None:
            x, coefficients = horner
            return Call(POLYVAL, (self.exact(x, critical), *coefficients), ieee=False)
        if isinstance(node, Binary):
            below = critical or node.op in ("//", "%")
            left, right = self.exact(node.left, below), self.exact(node.right, below)
            constant = _independent(right)
            if node.op == "%" and node.ieee:
                return Call(FMOD, (left, right), ieee=False)
            if node.op == "**" and node.ieee and constant:
                return Call(POW, (left, right), ieee=False)
            counted = count_index(right.value, self.bindings) if isinstance(right, ToReal) else None
            if node.op == "**" and _independent(left) and counted is not None:
                # a power per table entry instead of per counter (pow is the costliest operation of a schedule)
                table, shift = counted
                if len(table.values) + shift >= 0:
                    return Call(POWERS, (left, table, right.value, Int(shift)), ieee=False)
            if node.op == "//":
                if constant:
                    return Call("floor", (Call(DIV, (left, right), ieee=False),), ieee=False)
                return Binary("//", left, right, ieee=False)
            if node.op == "/" and critical and constant:
                return Call(DIV, (left, right), ieee=False)
            return Binary(node.op, left, right, ieee=False)
        if isinstance(node, Compare):
            return Compare(node.op, self.exact(node.left, True), self.exact(node.right, True))
        if isinstance(node, Call) and node.func in ("floor", "ceil"):
            return Call(node.func, (self.exact(node.args[0], True),), node.ieee)
        if isinstance(node, Apply) and node.args and is_integer(node.args[0]) and _independent(node.args[0]):
            first = Call(COUNTER, (node.args[0],), ieee=False)
            return Apply(node.func, (first, *(self.exact(a, critical) for a in node.args[1:])))
        if isinstance(node, Table) or not is_dataclass(node):
            return node
        return _rebuild(node, lambda child: self.exact(child, critical))

    def tensors(self, node: Expr) -> Expr:
        """``node``, not a Python number, with tensors where Python numbers would be wrong: a TensorFlow operation
        takes the dtype of its first input, so that input must not be a Python number (float32, int32)."""
        if isinstance(node, Call) and node.func in (F64, I64, COUNTER, "uniform"):
            return node
        if isinstance(node, Call) and node.func == POWERS:  # spelled with the operator **
            return _rebuild(node, self.child)
        values = [c for c in _children(node) if not isinstance(c, Compare)]
        if isinstance(node, (Call, Where, IntOp)) and values and _python(values[0], self.scalars) and (
                not isinstance(node, IntOp) or node.op in ("min", "max")):
            if _commutes(node) and not _python(values[1], self.scalars):
                node = replace(node, **{"left": node.right, "right": node.left} if isinstance(node, IntOp)
                               else {"args": (node.args[1], node.args[0])})  # type: ignore[arg-type]
            else:
                node = _swap(node, values[0], _tensor(values[0]))
        return _rebuild(node, self.child)

    def child(self, node: Expr) -> Expr:
        if isinstance(node, Table):
            return node
        if _python(node, self.scalars):
            return node if isinstance(node, Compare) else _fix(node)
        return self.tensors(node)

    def boundary(self, node: Expr, tensor: bool = False) -> Expr:
        """A value that leaves its expression: a binding, or (``tensor``) an early result or the function's result,
        which are tensors (the first branch of ``tf.where``, or what a caller receives)."""
        node = self.exact(node, False)
        if _python(node, self.scalars):
            return _tensor(node) if tensor else _fix(node)
        return self.tensors(node)


def _commutes(node: Expr) -> bool:
    """min or max of two integers, or of two reals that are never NaN: the operands may change places."""
    if isinstance(node, IntOp):
        return True
    return isinstance(node, Call) and node.func in ("min", "max") and not node.ieee and len(node.args) == 2


def _swap(node: Expr, old: Expr, new: Expr) -> Expr:
    """``node`` with its first child ``old`` replaced by ``new``."""
    done = False

    def go(child: Expr) -> Expr:
        nonlocal done
        if not done and child is old:
            done = True
            return new
        return child

    return _rebuild(node, go)


def _without_unused(f: Function) -> Function:
    """``f`` without the bindings that nothing after them reads (vector code would compute them for nothing)."""
    needed = {n.name for n in walk(f.result) if isinstance(n, Local)}
    body: list[Let | Guard] = []
    for step in reversed(f.body):
        if isinstance(step, Let) and step.name not in needed:
            continue
        body.append(step)
        needed |= {n.name for tree in trees(step) for n in walk(tree) if isinstance(n, Local)}
    return replace(f, body=tuple(reversed(body)))


def _bind_real_counter(f: Function) -> Function:
    """``f`` with real(t), where it is used more than once, computed once as the binding ``real_t``."""
    if not f.args:
        return f
    real_t = ToReal(Local(f.args[0], integer=True))
    steps = [*f.body, f.result]
    uses = sum(1 for step in steps for tree in trees(step) for n in walk(tree) if n == real_t)
    taken = {s.name for s in f.body if isinstance(s, Let)} | set(f.args)
    if uses < 2 or "real_t" in taken:
        return f
    local = Local("real_t")

    def go(node: Expr) -> Expr:
        if node == real_t:
            return local
        return node if isinstance(node, Table) or not is_dataclass(node) else _rebuild(node, go)

    body = [Let(s.name, go(s.value)) if isinstance(s, Let) else Guard(go(s.cond), go(s.value))  # type: ignore[arg-type]
            for s in f.body]
    return replace(f, body=(Let("real_t", real_t), *body), result=go(f.result))


def prepare(f: Function) -> Function:
    """``f`` rewritten for tensors: markers for constants, counters and the IEEE helpers (module docstring)."""
    f = _bind_real_counter(_without_unused(f))
    p = _Preparer({s.name: s.value for s in f.body if isinstance(s, Let)})
    body: list[Let | Guard] = []
    for step in f.body:
        if isinstance(step, Let):
            value = p.boundary(step.value)
            if _python(value, p.scalars):
                p.scalars.add(step.name)
            body.append(Let(step.name, value))
        else:
            cond = p.exact(step.cond, True)
            cond = cond if _python(cond, p.scalars) else p.tensors(cond)
            body.append(Guard(cond, p.boundary(step.value, tensor=True)))  # type: ignore[arg-type]
    return replace(f, body=tuple(body), result=p.boundary(f.result, tensor=True))
