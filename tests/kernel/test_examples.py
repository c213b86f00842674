"""The canonical examples in examples/*.yaml, evaluated by lrspec, against hand-computed values.

Expected values are written out below from the formulas of the design brief (integer counter
arithmetic in Python ints, reals in binary64), never taken from lrspec or tests/naive.py.
Values built only from +, -, *, / and exact powers are compared with ==, values that go through
cos / tanh / a non-trivial pow with rel=1e-12.

The hand tables also run against tests/naive.py (the `naive` evaluator), which keeps the oracle
used by test_matches_naive_reference honest on exactly these documents.
"""

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from naive import naive_lr  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
T_MAX = 2**53
LARGE = [2**24 + 1, 2**31 + 5, 10**12, T_MAX - 1, T_MAX]


class exact(float):
    """An expected value that must match bit for bit."""


def check(got, expected):
    assert isinstance(got, float), type(got)
    if isinstance(expected, exact):
        assert got == expected, f"{got!r} != {float(expected)!r} (exact)"
    else:
        assert got == pytest.approx(expected, rel=1e-12, abs=0)


# ------------------------------------------------ cyclical (tfa CyclicalLearningRate)
def clr(t, lo, hi, step, scale):
    """lo + (hi - lo) * h * scale with up = down = step."""
    C = 2 * step            # cycle length
    cycle = 1 + t // C      # cycle index, starts at 1
    q = t % C               # position inside the cycle
    h = float(q) / float(step) if q < step else float(C - q) / float(step)
    return lo + (hi - lo) * h * scale(cycle, t)


def halving(cycle, t):
    """scale_fn "1 / 2 ** (x - 1)" at x = cycle.

    2.0 ** n overflows binary64 to inf for n >= 1024, and 1 / inf = 0.
    """
    n = cycle - 1
    return 1.0 / 2.0**n if n < 1024 else 0.0


def triangular2_lr(t):
    return exact(clr(t, 1e-4, 1e-2, 1876, halving))


def super_convergence_lr(t):
    return exact(clr(t, 3e-7, 3e-5, 2360, halving))


def triangular_lr(t):
    return exact(clr(t, 1e-3, 1e-2, 25, lambda cycle, t: 1.0))


def exp_range_lr(t):
    # scale_fn "gamma ** x" with x = t (iterations mode), gamma = 0.8
    v = clr(t, 1e-3, 1e-2, 5, lambda cycle, t: 0.8 ** float(t))
    # exactly 1e-3 where h = 0 (cycle start), and for t >= 200, where the amplitude
    # 9e-3 * h * 0.8 ** t (< 1e-19) is below half an ulp of 1e-3 (1.08e-19)
    return exact(v) if t % 10 == 0 or t >= 200 else v


# ---------------------------------------------------------------- Keras CosineDecay with alpha
def keras_cosine(lr0, H, alpha):
    def lr(t):
        theta = (math.pi * float(min(t, H))) / float(H)
        c = 0.5 * (1.0 + math.cos(theta))
        v = lr0 * ((1.0 - alpha) * c + alpha)
        # cos(0) = 1 and cos(pi) = -1 exactly: the start and the end value (lr0 * alpha) are exact
        return exact(v) if t == 0 or t >= H else v
    return lr


# ---------------------------------------------------------------- warmup / sustain / step decay
def sustain_lr(t):
    if t < 2:   # phase 1, warmup: 1e-5 + (1e-2 - 1e-5) * t / 2
        return exact(1e-5 + (1e-2 - 1e-5) * (float(t) / 2.0))
    if t < 3:   # phase 1 after warmup: the constant
        return exact(1e-2)
    s = t - 3   # phase 2, local counter: 1e-2 * 0.75 ** (s div 2); 0.75 ** k is exact or 0
    return exact(1e-2 * 0.75 ** float(s // 2))


SUSTAIN_TABLE = {0: 1e-5, 1: 0.005005, 2: 0.01, 3: 0.01, 4: 0.01, 5: 0.0075, 6: 0.0075,
                 7: 0.005625, 8: 0.005625, 9: 0.00421875, 10: 0.00421875}  # as in the file


def test_sustain_table_matches_formula():
    for t, v in SUSTAIN_TABLE.items():
        assert sustain_lr(t) == pytest.approx(v, rel=1e-15)


# ------------------------------------------------ timm tanh with restarts and warmup
LR0, LR_MIN = 0.05, 1e-5


def tanh_core(u, H):
    if u >= H:
        return LR_MIN
    r = float(u) / float(H)
    return LR_MIN + 0.5 * (LR0 - LR_MIN) * (1.0 - math.tanh(-7.0 * (1.0 - r) + 3.0 * r))


def tanh_main(tau):
    """Restarts: L0 = 50, L1 = round(50 * 2.0) = 100, so S1 = 50, S2 = 150; limit 2."""
    if tau < 50:            # cycle 0: decay ** 0 = 1, the tanh itself over H = 50
        return tanh_core(tau, 50)
    if tau < 150:           # cycle 1: m = 0.5 ** 1 above the floor lr_min, H = 100
        return LR_MIN + 0.5 * (tanh_core(tau - 50, 100) - LR_MIN)
    return exact(LR_MIN)    # after the last cycle: the floor


def tanh_lr(prefix):
    def lr(t):
        if t < 5:           # linear warmup from 1e-5 over 5 steps to main(0), or main(5) without prefix (timm)
            target = tanh_main(0) if prefix else tanh_main(5)
            v = 1e-5 + (target - 1e-5) * (float(t) / 5.0)
            return exact(v) if t == 0 else v
        return tanh_main(t - 5 if prefix else t)
    return lr


# ---------------------------------------------------------------- product: a warm-up factor times a decay
def product_warmup_lr(t):
    base = 0.05 * 0.99 ** float(t)          # exponential, decay_steps 1: e = t / 1
    if t < 100:                             # piecewise_linear from (0, 0.1) to (100, 1.0): v0 + (v1 - v0) * f
        factor = 0.1 + (1.0 - 0.1) * (float(t) / 100.0)
    else:
        factor = 1.0
    v = base * factor                       # the base first, then the factor (spec/types/product.md)
    return exact(v) if t == 0 else v        # 0.99 ** 0.0 = 1: the start is 0.05 * 0.1 bit for bit


# ---------------------------------------------------------------- sample steps per example
def around(*points):
    return sorted({p + d for p in points for d in (-1, 0, 1) if p + d >= 0})


COSINE_STEPS = [0, 1, 7, 14, 25, 31] + around(50) + LARGE
HAND = {
    "clr-triangular2": (triangular2_lr, [0, 1, 2, 937, 2814] + around(1876, 3752, 5628, 7504)
                        + [10 * 3752 + 1876, 1023 * 3752 + 1876, 1024 * 3752 + 1876] + LARGE),
    "clr-super-convergence": (super_convergence_lr, [0, 1, 1180, 3540]
                              + around(2360, 4720, 7080, 9440) + LARGE),
    "clr-triangular": (triangular_lr, [0, 1, 12, 37] + around(25, 50, 75, 100) + LARGE),
    "clr-exp-range": (exp_range_lr, [0, 1, 2, 3, 7, 8, 13, 100, 101, 150, 175, 199, 200, 1001, 3400]
                      + around(5, 10, 15, 20) + LARGE),
    # t = 7, 14, 31: (pi * t) / 50 != pi * (t / 50), the order is normative
    "cosine-decay-alpha": (keras_cosine(0.01, 50, 0.01), COSINE_STEPS),
    "cosine-decay-alpha0": (keras_cosine(0.01, 50, 0.0), COSINE_STEPS),
    "cosine-decay-small": (keras_cosine(0.001, 50, 0.01), COSINE_STEPS),
    "warmup-sustain-step-decay": (sustain_lr, list(range(13)) + [99, 100] + LARGE),
    "tanh-restarts-prefix": (tanh_lr(prefix=True), [0, 1, 2, 4, 30, 100]
                             + around(5, 55, 155) + LARGE),
    "tanh-restarts-overlay": (tanh_lr(prefix=False), [0, 1, 2, 4, 5, 6, 30, 100]
                              + around(50, 150) + LARGE),
    "product-warmup-exponential": (product_warmup_lr, [0, 1, 2, 50, 1000] + around(100) + LARGE),
}
HAND_CASES = [pytest.param(name, t, id=f"{name}-{t}") for name, (_, ts) in HAND.items() for t in ts]


def example_path(name):
    return EXAMPLES / f"{name}.yaml"


def test_every_example_has_hand_values():
    assert sorted(p.stem for p in EXAMPLES.glob("*.yaml")) == sorted(HAND)


@pytest.mark.parametrize("name", sorted(HAND))
def test_example_header(name):
    text = example_path(name).read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../schemas/lrspec.schema.json"
    doc = yaml.safe_load(text)
    assert doc["lrspec"] == 1 and doc["name"] == name
    assert doc.get("unit", "step") in ("step", "epoch")


# ---------------------------------------------------------------- evaluators
@pytest.fixture(scope="module")
def lrspec_load():
    import lrspec  # the package under test; fails (not skips) when it is missing
    return lrspec.load


@pytest.fixture(params=["lrspec", "naive"])
def evaluator(request):
    """name -> (t -> float) through lrspec, or through the naive reference."""
    if request.param == "lrspec":
        load = request.getfixturevalue("lrspec_load")
        return lambda name: load(example_path(name)).evaluate
    def naive_evaluate(name):
        doc = yaml.safe_load(example_path(name).read_text())
        return lambda t: naive_lr(doc, t)
    return naive_evaluate


@pytest.mark.parametrize("name,t", HAND_CASES)
def test_hand_values(evaluator, name, t):
    expected_fn, _ = HAND[name]
    check(evaluator(name)(t), expected_fn(t))


@pytest.mark.parametrize("name", sorted(HAND))
def test_hand_values_vectorized(lrspec_load, name):
    expected_fn, ts = HAND[name]
    spec = lrspec_load(str(example_path(name)))
    for steps in (ts, np.array(ts, dtype=np.int64)):
        got = spec.evaluate(steps)
        assert isinstance(got, np.ndarray) and got.dtype == np.float64 and got.shape == (len(ts),)
        for t, g in zip(ts, got):
            check(float(g), expected_fn(t))
    got = spec.evaluate(range(0, 200, 7))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, [spec.evaluate(t) for t in range(0, 200, 7)])
    got32 = spec.evaluate(np.array(ts, dtype=np.int64), dtype=np.float32)
    assert got32.dtype == np.float32
    np.testing.assert_array_equal(got32, spec.evaluate(ts).astype(np.float32))


def test_load_accepts_text_and_path(lrspec_load):
    path = example_path("clr-triangular")
    for source in (path, str(path), path.read_text()):
        assert lrspec_load(source).evaluate(25) == triangular_lr(25)


# ---------------------------------------------------------------- against the naive reference
BOUNDARIES = {  # phase / cycle boundaries of each example (their neighbours are added)
    "clr-triangular2": [1876 * k for k in range(1, 12)],
    "clr-super-convergence": [2360 * k for k in range(1, 12)],
    "clr-triangular": [25 * k for k in range(1, 12)],
    "clr-exp-range": [5 * k for k in range(1, 12)],
    "cosine-decay-alpha": [50],
    "cosine-decay-alpha0": [50],
    "cosine-decay-small": [50],
    "warmup-sustain-step-decay": [2, 3, 5, 7],
    "tanh-restarts-prefix": [5, 55, 155],
    "tanh-restarts-overlay": [5, 50, 150],
    "product-warmup-exponential": [100],
}


def naive_steps(name):
    rng = np.random.default_rng(1234)
    return np.unique(np.concatenate([
        np.arange(3000),
        around(*BOUNDARIES[name]),
        rng.integers(0, T_MAX, 500, endpoint=True),
        rng.integers(2**31 - 1000, 2**33, 200),
        LARGE,
    ]).astype(np.int64))


@pytest.mark.parametrize("name", sorted(HAND))
def test_matches_naive_reference(lrspec_load, name):
    steps = naive_steps(name)
    doc = yaml.safe_load(example_path(name).read_text())
    expected = np.array([naive_lr(doc, int(t)) for t in steps])
    got = lrspec_load(example_path(name)).evaluate(steps)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
