"""Slow, obvious reference evaluator for lrspec documents (format version 1).

Written only from the design brief, independently of the ``lrspec`` package, to serve as a test
oracle. A document is a plain dict as returned by ``yaml.safe_load``. Counters are Python ints
(exact), reals are Python floats (IEEE binary64). This module does not validate documents; it
assumes a valid one and raises ValueError/TypeError/KeyError on what it cannot interpret.

    naive_lr(doc, t)     -> lr(t) as a float
    naive_u(seed, t, k)  -> the counter-based uniform U(seed, t, k) in (0, 1)
    audit_checksum(steps, values) -> the audit checksum of those values at those steps
"""

import ast
import math
import operator
import struct
from fractions import Fraction
from functools import lru_cache
from statistics import NormalDist

T_MAX = 2**53
M32 = 0xFFFFFFFF
_STANDARD_NORMAL = NormalDist()


# ---------------------------------------------------------------- numbers from the document
def _real(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TypeError(f"not a number: {v!r}")
    return float(v)


def _exact(v):
    """A length as the decimal the document wrote, exactly: 2.4 -> Fraction(12, 5)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TypeError(f"not a number: {v!r}")
    return Fraction(v) if isinstance(v, int) else Fraction(repr(v))


def _whole(x):
    """An exact Fraction that is a whole number as an int (so that integer formulas see an int)."""
    return int(x) if x.denominator == 1 else x


def _int(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TypeError(f"not an integer: {v!r}")
    if isinstance(v, float):
        if not v.is_integer():
            raise ValueError(f"not an integer: {v!r}")
        v = int(v)
    return v


# ---------------------------------------------------------------- IEEE helpers (never raise)
def ieee_div(a, b):
    if b != 0.0:
        return a / b
    if a != a or a == 0.0:
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _odd_integer(b):
    return math.isfinite(b) and b.is_integer() and int(b) % 2 == 1


def ieee_pow(a, b):
    """C99 pow: overflow gives +-inf, 0 ** negative gives inf, negative ** non-integer gives nan."""
    try:
        return math.pow(a, b)
    except OverflowError:
        return -math.inf if (a < 0 and _odd_integer(b)) else math.inf
    except ValueError:
        if a == 0.0:  # b < 0
            return math.copysign(math.inf, a) if _odd_integer(b) else math.inf
        return math.nan  # negative finite base, non-integer exponent


def ieee_floor(x):
    return x if not math.isfinite(x) else float(math.floor(x))


def ieee_ceil(x):
    return x if not math.isfinite(x) else float(math.ceil(x))


def _guard(fn, domain_value):
    """Wrap a math function: ValueError -> domain_value(x), OverflowError -> +-inf."""
    def g(x):
        try:
            return fn(x)
        except ValueError:
            return domain_value(x)
        except OverflowError:
            return math.inf
    return g


def _log_domain(x):  # math.log raises for x <= 0; the brief wants log(0) = -inf, log(<0) = nan
    return -math.inf if x == 0.0 else math.nan


def _nan_min(*xs):
    return math.nan if any(x != x for x in xs) else min(xs)


def _nan_max(*xs):
    return math.nan if any(x != x for x in xs) else max(xs)


# ---------------------------------------------------------------- expressions
FUNCS = {
    "exp": _guard(math.exp, lambda x: math.nan),
    "log": _guard(math.log, _log_domain),
    "log2": _guard(math.log2, _log_domain),
    "log10": _guard(math.log10, _log_domain),
    "sqrt": _guard(math.sqrt, lambda x: math.nan),
    "sin": _guard(math.sin, lambda x: math.nan),  # sin(+-inf) = nan
    "cos": _guard(math.cos, lambda x: math.nan),
    "tan": _guard(math.tan, lambda x: math.nan),
    "tanh": math.tanh,
    "abs": math.fabs,
    "floor": ieee_floor,
    "ceil": ieee_ceil,
}
BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: ieee_div,
    ast.FloorDiv: lambda a, b: ieee_floor(ieee_div(a, b)),
    ast.Mod: lambda a, b: a - b * ieee_floor(ieee_div(a, b)),
    ast.Pow: ieee_pow,
}
CMPOPS = {
    ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
    ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
}


@lru_cache(maxsize=None)
def _parse(text):
    return ast.parse(text, mode="eval").body


def _num(v):
    if not isinstance(v, float):
        raise TypeError("a number is required here, not a comparison")
    return v


def _bool(v):
    if not isinstance(v, bool):
        raise TypeError("a comparison is required as a condition")
    return v


def _ev(node, env):
    """Evaluate one allowlisted AST node. Numbers are floats, comparisons are bools."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ValueError(f"literal not allowed: {node.value!r}")
        return float(node.value)
    if isinstance(node, ast.Name):
        return env[node.id]  # KeyError for unknown names
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _num(_ev(node.operand, env))
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and type(node.op) in BINOPS:
        a, b = _num(_ev(node.left, env)), _num(_ev(node.right, env))
        return BINOPS[type(node.op)](a, b)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in CMPOPS:
        a, b = _num(_ev(node.left, env)), _num(_ev(node.comparators[0], env))
        return CMPOPS[type(node.ops[0])](a, b)
    if isinstance(node, ast.IfExp):
        cond = _bool(_ev(node.test, env))
        return _num(_ev(node.body if cond else node.orelse, env))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        name, args = node.func.id, node.args
        if name == "where" and len(args) == 3:
            cond = _bool(_ev(args[0], env))
            return _num(_ev(args[1] if cond else args[2], env))
        vals = [_num(_ev(a, env)) for a in args]
        if name in FUNCS and len(vals) == 1:
            return float(FUNCS[name](vals[0]))
        if name in ("min", "max") and 2 <= len(vals) <= 8:
            return (_nan_min if name == "min" else _nan_max)(*vals)
        raise ValueError(f"bad call: {name} with {len(vals)} arguments")
    raise ValueError(f"expression construct not allowed: {ast.dump(node)}")


def eval_expr(text, variables):
    env = {"pi": math.pi, "e": math.e}
    env.update({k: _real(v) for k, v in variables.items()})
    return _num(_ev(_parse(text), env))


# ---------------------------------------------------------------- core formulas (one per type)
HORIZON = {"exponential": "decay_steps", "polynomial": "decay_steps",
           "cosine": "decay_steps", "tanh": "decay_steps",
           "inverse_time": "decay_steps", "linear_cosine": "decay_steps", "wsd": "total_steps"}


def node_floor(node):
    kind = node["type"]
    if kind == "polynomial":
        return _real(node.get("end_lr", 0))
    if kind == "cosine":
        if "alpha" in node:
            return _real(node["initial_lr"]) * _real(node["alpha"])
        return _real(node.get("final_lr", 0))
    if kind == "tanh":
        return _real(node.get("lr_min", 0))
    if kind == "wsd":
        return _real(node.get("final_lr", 0))
    return 0.0


def wsd(node, tau):
    """Warm-up-stable-decay after its warm-up: the stable value, then the decay over the last D of H steps."""
    H = _int(node["total_steps"])
    D = _int(node["decay_steps"]) if "decay_steps" in node else round(_real(node["decay_fraction"]) * float(H))
    lr, final = _real(node["lr"]), _real(node.get("final_lr", 0))
    stable = node.get("stable_shape", "constant")
    if stable == "constant":
        v = _nan_max(lr, final)
    else:
        q = 0.5 if stable == "rsqrt" else _real(node.get("stable_power", 0.5))
        v = _nan_max(lr * ieee_pow(1.0 + float(tau) / float(_int(node["timescale"])), -q), final)
    e = tau - (H - D)
    if e <= 0:
        return v
    f = float(min(e, D)) / float(D)
    shape = node.get("decay_shape", "1-sqrt")
    if shape == "linear":
        g = 1.0 - f
    elif shape == "cosine":
        g = 0.5 * (1.0 + math.cos(math.pi * f))
    elif shape == "1-sqrt":
        g = 1.0 - math.sqrt(f)
    elif shape == "power":
        g = 1.0 - ieee_pow(f, _real(node.get("decay_power", 0.5)))
    else:
        r = _real(node.get("decay_ratio", 0.1))
        g = (ieee_pow(r, f) - r) / (1.0 - r)
    return final + (v - final) * g


def noam(node, tau):
    """factor * (d_model ** -0.5 * min(n ** -0.5, n * W ** -1.5)), n = max(tau + offset, min_step)."""
    n = float(max(tau + _int(node.get("offset", 0)), _int(node.get("min_step", 0))))
    rise = n * ieee_pow(float(_int(node["warmup_steps"])), -1.5)
    return _real(node.get("factor", 1)) * (ieee_pow(_real(node["d_model"]), -0.5) * _nan_min(ieee_pow(n, -0.5), rise))


def core(node, tau, H):
    """The type's formula at counter tau with horizon H (None for types without a horizon)."""
    kind = node["type"]
    if kind == "wsd":
        return wsd(node, tau)
    if kind == "noam":
        return noam(node, tau)
    if kind == "constant":
        return _real(node["lr"])
    if kind == "piecewise_constant":
        k = sum(1 for b in node["boundaries"] if _exact(b) <= tau)
        return _real(node["values"][k])
    if kind == "piecewise_linear":
        pts = [(_int(s), _real(v)) for s, v in node["points"]]
        if tau <= pts[0][0]:
            return pts[0][1]
        if tau >= pts[-1][0]:
            return pts[-1][1]
        k = max(i for i, (s, _) in enumerate(pts) if s <= tau)
        (s0, v0), (s1, v1) = pts[k], pts[k + 1]
        f = float(tau - s0) / float(s1 - s0)  # exact int differences, rounded once each by float()
        if node.get("interpolation", "linear") == "cosine":
            return v1 + (v0 - v1) / 2.0 * (math.cos(math.pi * f) + 1.0)
        d = v1 - v0
        return v0 + d * f
    if kind == "exponential":
        e = float(tau // H) if node.get("staircase", False) else float(tau) / float(H)
        return _real(node["initial_lr"]) * ieee_pow(_real(node["decay_rate"]), e)
    if kind == "polynomial":
        lr0, lr1 = _real(node["initial_lr"]), _real(node.get("end_lr", 0))
        if node.get("cycle", False):
            D = H * max(1, (tau + H - 1) // H)
            p = float(tau) / float(D)
        else:
            p = float(min(tau, H)) / float(H)
        return (lr0 - lr1) * ieee_pow(1.0 - p, _real(node.get("power", 1))) + lr1
    if kind == "cosine":
        lr0 = _real(node["initial_lr"])
        theta = (math.pi * float(min(tau, H))) / float(H)
        c = 0.5 * (1.0 + math.cos(theta))
        ce = ieee_pow(c, _real(node.get("exponent", 1)))
        if "alpha" in node:
            alpha = _real(node["alpha"])
            return lr0 * ((1.0 - alpha) * ce + alpha)
        lr1 = _real(node.get("final_lr", 0))
        return lr1 + (lr0 - lr1) * ce
    if kind == "tanh":
        lr0, lr1 = _real(node["initial_lr"]), _real(node.get("lr_min", 0))
        if tau >= H:
            return lr1
        lb, ub = _real(node.get("lb", -7)), _real(node.get("ub", 3))
        r = float(tau) / float(H)
        return lr1 + 0.5 * (lr0 - lr1) * (1.0 - math.tanh(lb * (1.0 - r) + ub * r))
    if kind == "cyclical":
        return cyclical(node, tau)
    if kind == "inverse_time":
        e = float(tau // H) if node.get("staircase", False) else float(tau) / float(H)
        return _real(node["initial_lr"]) / (1.0 + _real(node["decay_rate"]) * e)
    if kind == "inverse_sqrt":
        x = float(tau + _int(node.get("shift", 0))) / float(_int(node["timescale"]))
        root = math.sqrt(x) if x >= 0.0 else math.nan  # sqrt of a negative: nan
        return _real(node["initial_lr"]) * ieee_div(1.0, root)
    if kind == "linear_cosine":
        return linear_cosine(node, tau, H)
    if kind == "one_cycle":
        return one_cycle(node, tau)
    if kind == "expression":
        env = dict(node.get("params", {}), t=float(tau))
        return eval_expr(node["expr"], env)
    if kind == "sequence":
        start = 0
        phases = node["phases"]
        for phase in phases[:-1]:
            end = start + _int(phase["steps"])
            if tau < end:
                return evaluate(phase, tau - start)
            start = end
        return evaluate(phases[-1], tau - start)
    if kind == "product":
        lr = evaluate(node["base"], tau)  # the base's rate, then each factor in order, all at the same counter
        for factor in node["factors"]:
            lr = lr * evaluate(factor, tau)
        return lr
    raise ValueError(f"unknown node type {kind!r}")


def cyclical(node, tau):
    lo, hi = _real(node["initial_lr"]), _real(node["maximal_lr"])
    up = _exact(node["step_size"])
    down = _exact(node.get("step_size_down", node["step_size"]))
    C = up + down
    cycle = 1 + math.floor(tau / C)
    q = tau - (cycle - 1) * C  # exact: the position in the cycle
    h = float(q / up) if q < up else float((C - q) / down)
    if "scale_fn" in node:
        x = float(cycle) if node.get("scale_mode", "cycle") == "cycle" else float(tau)
        scale = eval_expr(node["scale_fn"], dict(node.get("params", {}), x=x))
    else:
        mode = node.get("mode", "triangular")
        if mode == "triangular":
            scale = 1.0
        elif mode == "triangular2":
            scale = 1.0 / ieee_pow(2.0, float(cycle - 1))
        elif mode == "exp_range":
            scale = ieee_pow(_real(node["gamma"]), float(tau))
        else:
            raise ValueError(f"unknown mode {mode!r}")
    return lo + (hi - lo) * h * scale


def linear_cosine(node, tau, H):
    g = min(tau, H)
    lin = float(H - g) / float(H)
    iv = _real(node.get("initial_variance", 0))
    if iv > 0.0:
        var = iv / ieee_pow(1.0 + float(g), _real(node.get("variance_decay", 0.55)))
        std = math.sqrt(var)
        seed = _int(node.get("seed", 42))
        lin = lin + std * _STANDARD_NORMAL.inv_cdf(naive_u(seed, g, 0))
    frac = 2.0 * _real(node.get("num_periods", 0.5)) * (float(g) / float(H))
    cosd = 0.5 * (1.0 + FUNCS["cos"](math.pi * frac))  # cos(+-inf) = nan for a huge num_periods
    alpha, beta = _real(node.get("alpha", 0)), _real(node.get("beta", 0.001))
    return _real(node["initial_lr"]) * ((alpha + lin) * cosd + beta)


def one_cycle(node, tau):
    peak, n = _real(node["max_lr"]), _int(node["total_steps"])
    pct_start = _real(node.get("pct_start", 0.3))
    low = peak / _real(node.get("div_factor", 25))
    final = low / _real(node.get("final_div_factor", 1e4))
    end1 = pct_start * float(n) - 1.0
    if node.get("three_phase", False):
        phases = [(end1, low, peak), (2.0 * pct_start * float(n) - 2.0, peak, low), (float(n - 1), low, final)]
    else:
        phases = [(end1, low, peak), (float(n - 1), peak, final)]
    s = float(min(tau, n - 1))
    begin = 0.0
    for i, (end, a, b) in enumerate(phases):
        if s <= end or i == len(phases) - 1:
            pct = (s - begin) / (end - begin)
            if node.get("anneal_strategy", "cos") == "cos":
                return b + (a - b) / 2.0 * (math.cos(math.pi * pct) + 1.0)
            return (b - a) * pct + a
        begin = end
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- modifiers
def with_restarts(node, tau):
    """main(tau): the core with restarts applied (no warmup, noise, clamp)."""
    fixed_h = node.get(HORIZON.get(node["type"], ""), None)
    fixed_h = None if fixed_h is None else _whole(_exact(fixed_h))
    r = node.get("restarts")
    if r is None:
        return core(node, tau, fixed_h)
    period = _exact(r["period"])
    mul = _exact(r.get("period_mul", 1))
    limit = None if r.get("limit") is None else _int(r["limit"])
    if mul == 1:
        i = math.floor(tau / period)
        S, L = i * period, period
    else:  # cycle i: L_i = period * mul**i, exact rationals
        i, S, L = 0, Fraction(0), period
        while tau >= S + L and (limit is None or i < limit):
            S, L, i = S + L, L * mul, i + 1
    u, L = _whole(tau - S), _whole(L)
    floor = node_floor(node)
    if limit is not None and i >= limit:
        return floor
    v = core(node, u, fixed_h if fixed_h is not None else L)
    m = ieee_pow(_real(r.get("decay", 1)), float(i))
    return v if m == 1.0 else floor + m * (v - floor)


def main(node, tau):
    """main(tau) as the warm-up sees it: with restarts, and clamped when the clamp applies to it."""
    lr = with_restarts(node, tau)
    cl = node.get("clamp")
    return _clamped(cl, lr) if cl is not None and cl.get("applies_to") == "main" else lr


def _clamped(cl, lr):
    if cl.get("min_lr") is not None and lr < _real(cl["min_lr"]):
        return _real(cl["min_lr"])
    if cl.get("max_lr") is not None and lr > _real(cl["max_lr"]):
        return _real(cl["max_lr"])
    return lr


def with_warmup(node, tau):
    w = node.get("warmup")
    if w is None:
        return main(node, tau)
    W = _int(w["steps"])
    prefix = w.get("prefix", True)
    if tau >= W:
        return main(node, tau - W if prefix else tau)
    target = w.get("target_lr", "start")
    if target == "start" or (target == "end" and prefix):
        b = main(node, 0)
    elif target == "end":
        b = main(node, W)
    elif target == "current":  # the schedule running under the ramp, at the same counter
        b = main(node, tau)
    else:
        b = _real(target)
    a = _real(w["start_factor"]) * b if "start_factor" in w else _real(w.get("initial_lr", 0))
    divisor = _int(w["divisor"]) if "divisor" in w else W - 1 if w.get("endpoint") else W
    f = float(tau + _int(w.get("offset", 0))) / float(divisor)
    shape = w.get("shape", "linear")
    if shape == "linear":
        return a + (b - a) * f
    if shape == "cosine":
        return a + (b - a) * 0.5 * (1.0 - math.cos(math.pi * f))
    if shape == "exponential":
        if a <= 0.0:
            raise ValueError("exponential warmup needs initial_lr > 0")
        return a * ieee_pow(ieee_div(b, a), f)
    if shape == "polynomial":
        return a + (b - a) * ieee_pow(f, _real(w.get("power", 2)))
    if shape == "constant":
        return a
    raise ValueError(f"unknown warmup shape {shape!r}")


def mix32(x):
    x ^= x >> 16
    x = (x * 0x21F0AAAD) & M32
    x ^= x >> 15
    x = (x * 0x735A2D97) & M32
    x ^= x >> 15
    return x


def naive_u(seed, t, k):
    """U(seed, t, k) in (0, 1): counter-based, 32-bit integer arithmetic only."""
    lo, hi = t % 2**32, t // 2**32
    h = mix32(seed ^ 0x9E3779B9)
    h = mix32(h ^ hi)
    h = mix32(h ^ lo)
    h = mix32(h ^ ((k * 0x85EBCA6B + 0x68E31DA4) & M32))
    return (float(h >> 9) + 0.5) * 2.0**-23


def noise_draw(nz, tau):
    """A draw by inverse transform: std * Phi^-1(p), p uniform over [Phi(-a), Phi(a)] with a = pct / std."""
    seed = _int(nz.get("seed", 42))
    pct = None if nz.get("pct") is None else _real(nz["pct"])
    u = naive_u(seed, tau, 0)
    if nz.get("distribution", "normal") == "uniform":
        return pct * (2.0 * u - 1.0)
    std = _real(nz.get("std", 1))
    if pct is None:
        return std * _STANDARD_NORMAL.inv_cdf(u)
    low = 0.5 * math.erfc(pct / std / math.sqrt(2.0))
    return std * _STANDARD_NORMAL.inv_cdf(low + u * (1.0 - 2.0 * low))


#: The document being evaluated (its steps_per_epoch and samples_per_step give nodes with a unit their counter).
_DOCUMENT: dict = {}


def evaluate(node, tau):
    """Full node: core -> restarts -> warmup -> noise -> clamp, all on the node's counter tau (a clamp that
    applies to the main schedule comes before the warm-up). A node with a unit counts epochs or samples."""
    unit = node.get("unit")
    if unit == "epoch":
        tau = tau // _int(_DOCUMENT["steps_per_epoch"])
    elif unit == "sample":
        per = _int(_DOCUMENT["samples_per_step"])
        tau = min(tau, T_MAX // per) * per
    lr = with_warmup(node, tau)
    nz = node.get("noise")
    if nz is not None:
        start, end = _int(nz.get("start", 0)), nz.get("end")
        if start <= tau and (end is None or tau < _int(end)):
            n = noise_draw(nz, tau)
            decay = _real(nz.get("decay", 0))
            if decay != 0.0:
                n = n * ieee_pow(1.0 + float(tau), -decay / 2.0)
            lr = lr * (1.0 + n) if nz.get("kind", "multiplicative") == "multiplicative" else lr + n
    cl = node.get("clamp")
    if cl is not None and cl.get("applies_to", "node") == "node":
        lr = _clamped(cl, lr)
    return lr


def naive_lr(doc, t):
    """lr(t) for a document dict (as loaded by yaml.safe_load)."""
    if doc.get("lrspec") != 1:
        raise ValueError("only lrspec: 1 is supported")
    if isinstance(t, bool):
        raise TypeError("t must be an integer")
    t = operator.index(t)  # Python or NumPy integer, exact
    if not 0 <= t <= T_MAX:
        raise ValueError(f"t out of range: {t}")
    _DOCUMENT.clear()
    _DOCUMENT.update(doc)
    return evaluate(doc["schedule"], t)


# ---------------------------------------------------------------- the audit checksum
def _splitmix64(x):
    m = (1 << 64) - 1
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & m
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & m
    return x ^ (x >> 31)


def audit_checksum(steps, values):
    """The sum modulo 2**64 of splitmix64(bits(lr) ^ splitmix64(t)) over the steps (a NaN as the canonical NaN)."""
    total = 0
    for t, v in zip(steps, values, strict=True):
        bits = struct.unpack("<Q", struct.pack("<d", math.nan if v != v else v))[0]
        total = (total + _splitmix64(bits ^ _splitmix64(t))) % (1 << 64)
    return f"{total:016x}"
