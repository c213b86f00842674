"""The JAX target's counters: which integer values 32 bits compute exactly (lrspec.codegen.jax_ranges), the
spellings the emitter chooses from that, and the module's refusal of 32 bits when a value has no exact spelling.

The numbers the modules compute are tests/conformance/test_jax.py's job; here the decisions are checked by hand.
"""

from __future__ import annotations

from dataclasses import replace

import jax
import pytest

import lrspec
from lrspec.codegen import default_class_name, generate, header_lines
from lrspec.codegen.env import render_template
from lrspec.codegen.jax import context
from lrspec.codegen.jax_ranges import Span, analyze
from lrspec.conformance import import_generated
from lrspec.expr.tree import IntOp, IntParam, Local, ToReal
from lrspec.lower import lower


def _plan(schedule: dict):
    return lower(lrspec.load({"lrspec": 1, "name": "ranges", "schedule": schedule}).document)


def _function(plan, prefix: str):
    return next(f for f in plan.functions if f.name.startswith(prefix))


def test_a_restart_cycle_is_exact_in_32_bits_while_it_ends_below_2_pow_32():
    # period 100 doubling: the cycle holding 2**31 - 1 starts at 100 * (2**24 - 1) and ends below 2**32
    plan = _plan({"type": "cosine", "initial_lr": 0.1, "restarts": {"period": 100, "period_mul": 2.0}})
    ranges = analyze(plan.functions, [plan.root.entry], x64=False)
    h = ranges.params[_function(plan, "_cosine").name]["h"]
    assert (h.lo, h.hi, h.exact) == (100, 100 * 2**24, True)
    assert "_GAPS" not in generate(lrspec.load({"lrspec": 1, "schedule": {
        "type": "cosine", "initial_lr": 0.1, "restarts": {"period": 100, "period_mul": 2.0}}}), "jax")


def test_a_restart_cycle_beyond_2_pow_32_is_passed_with_its_real_length():
    # cycles of 1000, 10**6, 10**9, 10**12 steps: the fourth holds every count from 1001001000 to 2**31 - 1
    plan = _plan({"type": "tanh", "initial_lr": 0.1, "restarts": {"period": 1000, "period_mul": 1000.0}})
    ctx = context(plan)
    restarts, tanh = ctx["functions"][-1], ctx["functions"][-2]
    assert tanh.splitlines()[1] == "def _tanh(t, h, h_real):"
    assert "RESTART_STARTS_GAPS = tuple(RESTART_STARTS[k + 1] - RESTART_STARTS[k] for k in range(len(" \
           "RESTART_STARTS) - 1))" in ctx["constants"]
    assert "jnp.take(jnp.asarray(RESTART_STARTS_GAPS, float), i, mode=\"clip\")" in restarts
    assert ctx["x32_problems"] == []


def test_comparisons_decided_for_every_count_are_dropped():
    # noise from step 0 (t < 0 never holds), a first knot below 0 (t <= -5 never holds)
    source = generate(lrspec.load({"lrspec": 1, "schedule": {
        "type": "piecewise_linear", "points": [[-5, 0.1], [10, 0.2]], "noise": {"seed": 1, "std": 0.1}}}), "jax")
    assert "NOISE_START" not in source and "FIRST_STEP" not in source
    assert "t >= LAST_STEP" in source


def test_saturated_constants_keep_comparisons_and_quotients():
    plan = _plan({"type": "cyclical", "initial_lr": 0.001, "maximal_lr": 0.01, "step_size": 5,
                  "step_size_down": 2**40})
    ranges = analyze(plan.functions, [plan.root.entry], x64=False)
    name = _function(plan, "_cyclical").name
    q = ranges.spans[name, Local("q", True)]
    assert (q.lo, q.hi, q.exact) == (0, 2**31 - 1, True)  # t % (2**40 + 5) is t for every count
    length = ranges.spans[name, IntParam("CYCLE_LENGTH", 2**40 + 5)]
    assert length == Span(2**40 + 5, 2**40 + 5, exact=False, saturated=True, ring=False)
    # real(length - q) from the binary64 length: it dominates q, so the difference rounds well
    assert "float(CYCLE_LENGTH) - q.astype(float)" in "".join(context(plan)["functions"])


def test_a_value_without_an_exact_32_bit_spelling_makes_the_module_ask_for_x64():
    spec = lrspec.load({"lrspec": 1, "name": "refused", "schedule": {"type": "expression", "expr": "0.1 + 0 * t"}})
    plan = lower(spec.document)
    # real((t + 2**40) // 3): the sum wraps in uint32 before the quotient, and no rewrite spells it exactly
    big = IntOp("//", IntOp("+", Local("t", True), IntParam("BIG", 2**40)), IntParam("THREE", 3))
    expression = replace(plan.functions[-1], result=ToReal(big))
    ctx = context(replace(plan, functions=(*plan.functions[:-1], expression)))
    assert ctx["x32_problems"] and "//" in ctx["x32_problems"][0]

    source = render_template("jax.py.jinja", plan=plan, class_name=default_class_name(spec),
                             header=header_lines(spec, "jax"), version=lrspec.__version__, spec_name=spec.name,
                             digest=spec.digest(), steps_per_epoch=None, stepped_per_epoch=False, **ctx)
    module = import_generated(source, "jax_refuses_32_bits")
    assert not jax.config.read("jax_enable_x64")
    with pytest.raises(ValueError, match="jax_enable_x64"):
        module.schedule(5)
