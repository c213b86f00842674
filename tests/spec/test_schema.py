"""The JSON Schema: committed copy fresh, valid draft 2020-12, and in agreement with the models on the examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lrspec.loading import load_path
from lrspec.model import Document
from lrspec.schema import SCHEMA_ID, SCHEMA_PATH, json_schema, render

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted([*(ROOT / "examples").glob("*.yaml"), *(ROOT / "examples").glob("*.json")])

# Keywords the schema may use: JSON Schema 2020-12 plus OpenAPI's 'discriminator' annotation (ignored by
# validators, used by editors). Anything else (pydantic's 'ge', 'le', ...) would be silently ignored.
KEYWORDS = {
    "$schema", "$id", "$defs", "$ref", "title", "description", "default", "type", "const", "enum",
    "properties", "required", "additionalProperties", "propertyNames", "items", "prefixItems", "minItems",
    "maxItems", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
    "pattern", "patternProperties", "minProperties", "maxProperties", "anyOf", "oneOf", "allOf", "discriminator",
    "examples",
}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Any:
    return jsonschema.Draft202012Validator(schema)


def test_committed_schema_is_fresh(schema: dict[str, Any]) -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), \
        "schemas/lrspec.schema.json is stale; regenerate it with: python -m lrspec.schema"
    assert schema == json_schema()


def test_schema_is_valid_draft_2020_12(schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    assert schema["title"] and schema["description"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"lrspec", "schedule"}


def _subschemas(node: Any) -> Any:
    """Every schema object inside ``node``, by the keywords that hold schemas (not property names)."""
    if not isinstance(node, dict):
        return
    yield node
    for key in ("properties", "$defs"):
        for sub in node.get(key, {}).values():
            yield from _subschemas(sub)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for sub in node.get(key, []):
            yield from _subschemas(sub)
    for key in ("items", "additionalProperties", "propertyNames"):
        yield from _subschemas(node.get(key))


def test_schema_uses_only_standard_keywords(schema: dict[str, Any]) -> None:
    unknown = {key for sub in _subschemas(schema) for key in sub} - KEYWORDS
    assert not unknown, f"keywords that JSON Schema validators ignore: {sorted(unknown)}"
    bounded = [sub for sub in _subschemas(schema) if "minimum" in sub or "exclusiveMinimum" in sub]
    assert bounded, "the range constraints of the models are missing from the schema"


def test_there_are_examples() -> None:
    assert EXAMPLES, "no examples/*.yaml found"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_validates_with_jsonschema_and_pydantic(path: Path, validator: Any) -> None:
    data = load_path(path).data
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors, errors
    Document.model_validate(data)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("exclude_none", [False, True], ids=["full", "exclude_none"])
def test_dump_then_revalidate(path: Path, exclude_none: bool, validator: Any) -> None:
    document = Document.model_validate(load_path(path).data)
    dumped = document.model_dump(mode="json", exclude_none=exclude_none)
    assert json.loads(json.dumps(dumped)) == dumped  # plain JSON data
    again = Document.model_validate(dumped)
    assert again == document
    assert again.model_dump(mode="json", exclude_none=exclude_none) == dumped
    assert not list(validator.iter_errors(dumped))


def _doc(**schedule: Any) -> dict[str, Any]:
    return {"lrspec": 1, "schedule": {"type": "cosine", "initial_lr": 0.1, "decay_steps": 1000, **schedule}}


@pytest.mark.parametrize("data", [
    {"lrspec": 1, "schedule": {"type": "constant", "lr": 0.1}, "epochs": 3},
    {"lrspec": 1, "schedule": {"type": "constant", "lr": 0.1}, "x-owner": "me"},
    {"lrspec": 2, "schedule": {"type": "constant", "lr": 0.1}},
    {"lrspec": 1},
    {"lrspec": 1, "schedule": {"type": "cosine_annealing", "initial_lr": 0.1}},
    {"lrspec": 1, "schedule": {"type": "constant", "lr": -0.1}},
    {"lrspec": 1, "schedule": {"type": "constant", "lr": "0.1"}},
    {"lrspec": 1, "schedule": {"type": "constant", "lr": True}},
    {"lrspec": 1, "name": "has space", "schedule": {"type": "constant", "lr": 0.1}},
    _doc(decay_steps=2.5),
    _doc(decay_steps=0),
    _doc(decay_steps=2**53 + 1),
    _doc(alpha=1.5),
    _doc(eta_min=0.0),
    _doc(warmup={"steps": 10, "shape": "quadratic"}),
    _doc(noise={"seed": 2**32}),
    _doc(restarts={"period": 10, "period_mul": 0.5}),
], ids=lambda d: json.dumps(d)[:60])
def test_schema_rejects_shape_errors_the_models_reject(data: dict[str, Any], validator: Any) -> None:
    assert list(validator.iter_errors(data))
    with pytest.raises(ValueError):
        Document.model_validate(data)


@pytest.mark.parametrize("data", [
    _doc(decay_steps=2000.0),  # an integral float is a step count (spec/README.md)
    _doc(final_lr=0.0, warmup={"steps": 10, "target_lr": "end"}),
    {"lrspec": 1, "schedule": {"type": "piecewise_linear", "points": [[0, 0.0], [10, 0.1]]}},
], ids=lambda d: json.dumps(d)[:60])
def test_schema_accepts_what_the_models_accept(data: dict[str, Any], validator: Any) -> None:
    Document.model_validate(data)
    assert not list(validator.iter_errors(data))


# One document per type, with every modifier somewhere, for the round trip beyond the examples.
_ALL_MODIFIERS = {
    "warmup": {"steps": 10, "initial_lr": 0.001, "shape": "exponential", "prefix": False, "target_lr": 0.5},
    "restarts": {"period": 100, "period_mul": 2, "decay": 0.5, "limit": 3},
    "noise": {"distribution": "normal", "kind": "additive", "std": 0.5, "pct": 0.7, "decay": 0.55, "start": 5,
              "end": 500, "seed": 7},
    "clamp": {"min_lr": 0.0, "max_lr": 1.0},
}
SAMPLES = [
    {"type": "constant", "lr": 0.1, **_ALL_MODIFIERS},
    {"type": "piecewise_constant", "boundaries": [10, 20], "values": [0.1, 0.01, 0.001]},
    {"type": "piecewise_linear", "points": [[0, 0.0], [10, 0.1], [100, 0.0]]},
    {"type": "exponential", "initial_lr": 0.1, "decay_rate": 0.5, "decay_steps": 10, "staircase": True},
    {"type": "polynomial", "initial_lr": 0.1, "end_lr": 0.01, "decay_steps": 100, "power": 2, "cycle": True},
    {"type": "cosine", "initial_lr": 0.1, "alpha": 0.1, "exponent": 2, "restarts": {"period": 50}},
    {"type": "cosine", "initial_lr": 0.1, "decay_steps": 100, "final_lr": 0.001,
     "warmup": {"steps": 5, "target_lr": "end", "shape": "cosine"}},
    {"type": "tanh", "initial_lr": 0.1, "lr_min": 0.001, "decay_steps": 100, "lb": -6, "ub": 2},
    {"type": "cyclical", "initial_lr": 0.001, "maximal_lr": 0.01, "step_size": 10, "step_size_down": 20,
     "mode": "exp_range", "gamma": 0.99},
    {"type": "cyclical", "initial_lr": 0.001, "maximal_lr": 0.01, "step_size": 10, "scale_fn": "g ** x",
     "params": {"g": 0.5}, "scale_mode": "iterations"},
    {"type": "expression", "expr": "where(t < w, t / w, 1) * base", "params": {"w": 100, "base": 0.1}},
    {"type": "sequence", "phases": [
        {"type": "constant", "lr": 0.01, "steps": 10, "noise": {"distribution": "uniform", "pct": 0.1}},
        {"type": "cosine", "initial_lr": 0.1, "decay_steps": 90, "steps": 90},
        {"type": "constant", "lr": 0.0}]},
    {"type": "product", "base": {"type": "cosine", "initial_lr": 0.1, "decay_steps": 100},
     "factors": [{"type": "piecewise_constant", "boundaries": [50], "values": [1.0, 0.5]},
                 {"type": "torch.ExponentialLR", "base_lr": 1.0, "gamma": 0.99}],
     "clamp": {"min_lr": 1e-5}},
]


@pytest.mark.parametrize("schedule", SAMPLES, ids=lambda s: s["type"])
@pytest.mark.parametrize("exclude_none", [False, True], ids=["full", "exclude_none"])
def test_every_type_round_trips(schedule: dict[str, Any], exclude_none: bool, validator: Any) -> None:
    data = {"lrspec": 1, "name": "sample", "description": "d", "unit": "epoch", "schedule": schedule}
    assert not list(validator.iter_errors(data))
    document = Document.model_validate(data)
    dumped = document.model_dump(mode="json", exclude_none=exclude_none)
    assert Document.model_validate(dumped) == document
    assert not list(validator.iter_errors(dumped))
