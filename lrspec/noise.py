"""spec/noise.md as formulas: the counter-based uniform number (a primitive of every target) and the standard
normal quantile that turns it into a normal draw, shared by the noise modifier and noisy linear_cosine."""

from __future__ import annotations

from .expr.tree import Apply, Call, Compare, Expr, Int, Local, Num
from .formula import Scope, le, lt, sqrt, where

__all__ = ["NORMAL_QUANTILE", "NORMAL_CENTRAL", "NORMAL_TAIL", "central", "normal", "normal_central", "normal_fast",
           "normal_tail", "uniform", "standard_normal"]

#: The shared function of spec/noise.md#normal: the standard normal quantile.
NORMAL_QUANTILE = "_normal_quantile"
#: The reference kernel's two regions of it, for runs of steps (eval/segments.py).
NORMAL_CENTRAL, NORMAL_TAIL = "_normal_central", "_normal_tail"

#: Wichura's AS241 (PPND16) coefficients, lowest degree first: the central region's numerator and denominator in
#: r = 0.180625 - q**2, and the tail's in r = sqrt(-ln(min(p, 1 - p))) - 1.6.
_A = (3.3871328727963666080e0, 1.3314166789178437745e+2, 1.9715909503065514427e+3, 1.3731693765509461125e+4,
      4.5921953931549871457e+4, 6.7265770927008700853e+4, 3.3430575583588128105e+4, 2.5090809287301226727e+3)
_B = (1.0, 4.2313330701600911252e+1, 6.8718700749205790830e+2, 5.3941960214247511077e+3,
      2.1213794301586595867e+4, 3.9307895800092710610e+4, 2.8729085735721942674e+4, 5.2264952788528545610e+3)
_C = (1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0, 3.64784832476320460504e0,
      1.27045825245236838258e0, 2.41780725177450611770e-1, 2.27238449892691845833e-2, 7.74545014278341407640e-4)
_D = (1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
      1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
      1.05075007164441684324e-9)


def _horner(coefficients: tuple[float, ...], x: Expr) -> Expr:
    acc: Expr = Num(coefficients[-1])
    for c in reversed(coefficients[:-1]):
        acc = acc * x + c
    return acc


def central(q: Expr) -> Compare:
    """Where AS241 uses its central region."""
    return le(Call("abs", (q,), ieee=False), 0.425)


def _central_parts(s: Scope, q: Expr) -> tuple[Expr, Expr]:
    r = s.let("r", 0.180625 - q * q)
    return s.let("a", q * _horner(_A, r)), s.let("b", _horner(_B, r))


def _tail_parts(s: Scope, q: Expr, tail: Expr, log: str) -> tuple[Expr, Expr]:
    w = s.let("w", sqrt(-Call(log, (tail,), ieee=False)) - 1.6)
    cw = s.let("cw", _horner(_C, w))
    return s.let("c", where(lt(q, 0.0), -cw, cw)), s.let("d", _horner(_D, w))


def normal(s: Scope) -> Expr:
    """spec/noise.md#normal: the standard normal quantile z(p) by AS241, from q = p - 1/2 and
    tail = min(p, 1 - p), which the caller computes without cancellation."""
    q, tail = Local("q"), Local("tail")
    r = s.let("r", 0.180625 - q * q)
    s.guard(central(q), q * _horner(_A, r) / _horner(_B, r))
    w = s.let("w", sqrt(-Call("log", (tail,), ieee=False)) - 1.6)
    z = s.let("z", _horner(_C, w) / _horner(_D, w))
    return where(lt(q, 0.0), -z, z)


def normal_fast(s: Scope) -> Expr:
    """The reference kernel's form of :func:`normal` (spec/numerics.md#fast-paths): both regions computed and
    one selected before a single division, and ln by a polynomial, so that a loop over steps vectorizes.
    The values are those of :func:`normal_central` and :func:`normal_tail` bit for bit, and of :func:`normal`
    where it is central (``-c / d`` is ``-(c / d)``)."""
    q, tail = Local("q"), Local("tail")
    a, b = _central_parts(s, q)
    c, d = _tail_parts(s, q, tail, "log_positive")
    return where(central(q), a, c) / where(central(q), b, d)


def normal_central(s: Scope) -> Expr:
    """The kernel's quantile where :func:`central` holds (a run of steps computes the two regions apart)."""
    a, b = _central_parts(s, Local("q"))
    return a / b


def normal_tail(s: Scope) -> Expr:
    """The kernel's quantile where :func:`central` does not hold."""
    c, d = _tail_parts(s, Local("q"), Local("tail"), "log_positive")
    return c / d


def uniform(seed: Expr, counter: Expr) -> Expr:
    return Call("uniform", (seed, counter, Int(0)), ieee=False)


def standard_normal(seed: Expr, counter: Expr, s: Scope) -> Expr:
    """An untruncated N(0, 1) draw at ``counter`` (TF's noisy_linear_cosine_decay)."""
    u = s.let("u", uniform(seed, counter))
    return Apply(NORMAL_QUANTILE, (u - 0.5, Call("min", (u, 1.0 - u), ieee=False)))


