"""The product node (spec/types/product.md): what a valid one is, every way to write it wrongly with the path and
message of the error, and what validation, normalization and explain make of its children."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import lrspec
from lrspec.expand import core_mapping

BASE = {"type": "cosine", "initial_lr": 0.1, "decay_steps": 1000}
HALF = {"type": "constant", "lr": 0.5}


def product(**fields) -> dict:
    return {"lrspec": 1, "schedule": {"type": "product", "base": BASE, "factors": [HALF], **fields}}


def test_a_base_and_factors_are_valid_and_keep_their_order():
    decay = {"type": "exponential", "initial_lr": 1.0, "decay_rate": 0.5, "decay_steps": 10}
    spec = lrspec.load(product(factors=[HALF, decay], warmup={"steps": 5}))
    schedule = spec.document.schedule
    assert schedule.base.type == "cosine" and [f.type for f in schedule.factors] == ["constant", "exponential"]


def test_sixty_three_factors_and_nesting_are_valid():
    lrspec.load(product(factors=[HALF] * 63))
    lrspec.load(product(base={"type": "product", "base": BASE, "factors": [HALF]},
                        factors=[{"type": "sequence", "phases": [{**HALF, "steps": 10}, HALF]}]))


ERRORS = [
    (product(factors=[]), r"schedule.factors: a product needs at least one factor besides its base; without "
                          r"factors, write the base node itself"),
    ({"lrspec": 1, "schedule": {"type": "product", "base": BASE}}, r"schedule.factors: missing required field"),
    ({"lrspec": 1, "schedule": {"type": "product", "factors": [HALF]}}, r"schedule.base: missing required field"),
    (product(factors=[HALF] * 64), r"schedule.factors: allows at most 63 items, got 64"),
    (product(factors=HALF), r"schedule.factors: must be a list"),
    (product(base=[BASE]), r"schedule.base: must be a mapping of fields"),
    (product(factors=[HALF, {**HALF, "steps": 10}]),
     r"schedule.factors\[1\].steps: steps is a phase length: the base and the factors of a product all run on the "
     r"product's counter from 0"),
    (product(base={**BASE, "steps": 10}), r"schedule.base.steps: steps is a phase length"),
    (product(factor=[HALF]), r"schedule.factor: unknown field 'factor'; did you mean 'factors'\?"),
    (product(factors=[{**HALF, "lrr": 0.5}]), r"schedule.factors\[0\].lrr: unknown field 'lrr'; did you mean 'lr'\?"),
    (product(base={**BASE, "decay_step": 5}),
     r"schedule.base.decay_step: unknown field 'decay_step'; did you mean 'decay_steps'\?"),
    (product(factors=[{"type": "sequence", "phases": [{**HALF, "steps": 2}, {**HALF, "foo": 1}]}]),
     r"schedule.factors\[0\].phases\[1\].foo: unknown field 'foo'"),
    (product(factors=[{"type": "exponential", "initial_lr": 1.0, "decay_rate": 0.5}]),
     r"schedule.factors\[0\].decay_steps: missing required field 'decay_steps'"),
    (product(factors=[{"type": "cosinus"}]), r"schedule.factors\[0\].type: unknown type 'cosinus'"),
    (product(factors=[{"type": "torch.ExponentialLR", "base_lr": 1.0, "gamma": -1.0}]),
     r"schedule.factors\[0\].gamma: must be"),
    (product(factors=[{"type": "torch.OneCycleLR", "max_lr": 0.1, "total_steps": 100}]),
     r"schedule.factors\[0\].cycle_momentum: cycle_momentum fills the document's momentum schedule, so it is allowed "
     r"only on the top-level schedule"),
]


@pytest.mark.parametrize("document,message", ERRORS, ids=[f"error{i}" for i in range(len(ERRORS))])
def test_invalid_products_are_named(document, message):
    with pytest.raises(lrspec.LrspecError, match=message):
        lrspec.load(document)


def test_an_unknown_field_of_a_child_lists_the_childs_fields(tmp_path: Path):
    path = tmp_path / "p.yaml"
    path.write_text("lrspec: 1\nschedule:\n  type: product\n  base: {type: constant, lr: 0.1}\n  factors:\n"
                    "    - {type: constant, lr: 0.5}\n    - {type: piecewise_constant, boundaries: [5], "
                    "values: [1, 0.5], bondaries: 3}\n")
    with pytest.raises(lrspec.LrspecError) as info:
        lrspec.load(path)
    assert re.search(rf"{re.escape(str(path))}:7:\d+: schedule.factors\[1\].bondaries: unknown field 'bondaries'; "
                     r"did you mean 'boundaries'\?", str(info.value))
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.help == "allowed fields here: type, boundaries, values, steps, warmup, restarts, noise, clamp, unit"


def test_an_alias_child_is_desugared_in_place():
    spec = lrspec.load(product(factors=[HALF, {"type": "torch.StepLR", "base_lr": 1.0, "step_size": 30, "gamma": 0.5}]))
    factors = core_mapping(spec.document)["schedule"]["factors"]
    assert factors[0] == HALF
    assert factors[1] == {"type": "exponential", "initial_lr": 1.0, "decay_rate": 0.5, "decay_steps": 30,
                          "staircase": True}


def test_explain_names_the_base_and_the_factors():
    from lrspec.cli.explain import explain

    spec = lrspec.load({**product(clamp={"min_lr": 1e-5}), "name": "halved"})
    text = explain(spec)
    assert "the product of a base rate and 1 factor\n" in text
    assert re.search(r"base rate, on the product's counter:\n\s+cosine", text)
    assert re.search(r"times factor 1, on the product's counter:\n\s+constant 0.5", text)
    assert "clamped to [1e-05, inf]" in text


def test_the_shape_of_a_product_for_plots_and_explain():
    from lrspec.cli._shape import shape_of

    def shape(*factors: dict, base: dict = BASE):
        return shape_of(lrspec.load({"lrspec": 1, "schedule": {"type": "product", "base": base,
                                                               "factors": list(factors)}}))

    warm = {**BASE, "warmup": {"steps": 10}}  # constant from 10 + 1000 on
    assert (shape(HALF, base=warm).marks, shape(HALF, base=warm).end) == ([(10, "warm-up end")], 1010)
    ramp = {"type": "piecewise_linear", "points": [[0, 0.5], [1500, 1.0]]}  # constant from 1500 on
    assert shape(ramp, base=warm).end == 1500
    # cycling factors and settled ones: the product repeats with the least common multiple of the periods
    cycle = {"type": "cyclical", "initial_lr": 0.5, "maximal_lr": 1.0, "step_size": 50}  # period 100
    restarted = {"type": "cosine", "initial_lr": 1.0, "decay_steps": 30, "restarts": {"period": 30}}
    both = shape(cycle, restarted, base=HALF)
    assert (both.end, both.period) == (None, 300) and (30, "restart") in both.marks
    assert (shape(cycle, base=warm).end, shape(cycle, base=warm).period) == (None, 100)
    # a factor that keeps changing: neither an end nor a period
    decay = {"type": "exponential", "initial_lr": 1.0, "decay_rate": 0.5, "decay_steps": 10}
    assert (shape(decay).end, shape(decay).period) == (None, None)
