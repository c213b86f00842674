"""From parsed data to a validated :class:`~lrspec.model.Document`, or positioned diagnostics.

pydantic checks the shape; this module turns each of its errors into
``file:line:col: path.to.field: what is wrong, and what is allowed``.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from .diagnostics import Diagnostic, LrspecError
from .loading import Loaded
from .model import NODE_TYPES, Alias, Clamp, Document, NodeBase, Noise, Restarts, Warmup
from .model._base import _shown
from .model.durations import Clock
from .types import TYPES, node_type

__all__ = ["validate"]

Loc = tuple[str | int, ...]
_MODIFIERS: dict[str, type[BaseModel]] = {"warmup": Warmup, "restarts": Restarts, "noise": Noise, "clamp": Clamp}
_TYPES = ", ".join(NODE_TYPES)


def _clean(data: Any, raw: tuple[Any, ...]) -> Loc:
    """Drop the union tags pydantic inserts, keeping only keys and indices that exist in ``data``."""
    loc: list[str | int] = []
    node = data
    for part in raw:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            loc.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            loc.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not part.startswith(("function-", "lax-")) \
                and part not in NODE_TYPES and not isinstance(part, int):
            loc.append(part)  # a missing or unknown key: keep it, it ends the path
            node = None
    return tuple(loc)


def _at(data: Any, loc: Loc) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _model_at(data: Any, loc: Loc) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``loc``."""
    cls: type[BaseModel] | None = Document
    node_expected = False
    for i, part in enumerate(loc):
        if node_expected:
            node_expected = False
            continue
        if part == "schedule" and cls is Document:
            cls = _node_class(_at(data, loc[: i + 1]))
        elif part in _MODIFIERS and cls is not None and part in cls.model_fields:
            cls = _MODIFIERS[part]
        elif cls is not None and part in cls.model_fields and _composite(cls):  # child schedules
            value = _at(data, loc[: i + 1])
            if isinstance(value, list):
                node_expected = True
                cls = _node_class(_at(data, loc[: i + 2])) if i + 1 < len(loc) else None
            else:
                cls = _node_class(value)
        else:
            return None
    return cls


def _composite(cls: type[BaseModel]) -> bool:
    """Whether ``cls`` is the model of a core type with child schedules (a sequence's phases, a product's base
    and factors)."""
    return any(t.model is cls and t.composite for t in TYPES.values())


def _ordered_fields(cls: type[BaseModel]) -> list[str]:
    """A node's own fields first, then the modifiers every node has."""
    common = [f for f in NodeBase.model_fields if f in cls.model_fields] if issubclass(cls, NodeBase) else []
    return [f for f in cls.model_fields if f not in common] + common


#: Library schedulers driven by a training metric rather than the step: refused with that reason.
METRIC_DRIVEN = {
    "torch.ReduceLROnPlateau": "a validation metric",
    "timm.PlateauLRScheduler": "the evaluation metric",
    "keras.ReduceLROnPlateau": "a monitored metric",
    "transformers.reduce_lr_on_plateau": "a validation metric",
    "transformers.greedy": "the training loss",
    "mmengine.ReduceOnPlateauLR": "a validation metric",
    "fairseq.reduce_lr_on_plateau": "the validation loss",
}


def _node_class(value: Any) -> type[BaseModel] | None:
    if isinstance(value, dict) and isinstance(value.get("type"), str):
        return NODE_TYPES.get(value["type"])
    return None


def _message(err: dict[str, Any], data: Any, loc: Loc) -> tuple[str, Loc, bool, str | None]:
    """(message, location, point at the key?, help) for one pydantic error."""
    kind, ctx = err["type"], err.get("ctx") or {}
    given = _at(data, loc)
    if kind == "extra_forbidden":
        cls = _model_at(data, loc[:-1])
        fields = _ordered_fields(cls) if cls is not None else []
        name = str(loc[-1])
        close = difflib.get_close_matches(name, fields, n=1, cutoff=0.85) or \
            [f for f in fields if len(name) >= 3 and (f.startswith(name) or name.startswith(f))][:1]
        hint = f"; did you mean {close[0]!r}?" if close else ""
        allowed = ", ".join(fields)
        return f"unknown field {loc[-1]!r}{hint}", loc, True, f"allowed fields here: {allowed}" if allowed else None
    if kind == "missing":
        help_ = "a document starts with 'lrspec: 1'" if loc == ("lrspec",) else None
        return f"missing required field {loc[-1]!r}", loc, True, help_
    if kind == "union_tag_invalid":
        tag = _at(data, loc + ("type",))
        if isinstance(tag, str) and tag in METRIC_DRIVEN:
            return (f"{tag} follows {METRIC_DRIVEN[tag]}, not the step count: it is not a function of the step, so "
                    "no schedule document can describe it", loc + ("type",), False,
                    "keep it in the training loop; lrspec describes rates lr(t) of the step count t")
        return f"unknown type {_shown(tag)}", loc + ("type",), False, f"allowed types: {_TYPES}"
    if kind == "union_tag_not_found":
        return "a schedule node needs a 'type'", loc, True, f"allowed types: {_TYPES}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"must be a mapping of fields, got {_shown(given)}", loc, False, None
    if kind in ("list_type", "tuple_type"):
        return f"must be a list, got {_shown(given)}", loc, False, None
    if kind == "bool_type":
        return f"must be true or false, got {_shown(given)}", loc, False, None
    if kind == "string_type":
        return f"must be a string, got {_shown(given)}", loc, False, None
    if kind == "literal_error":
        return f"must be {ctx.get('expected')}, got {_shown(given)}", loc, False, None
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s), got {ctx.get('actual_length')}", loc, False, None
    if kind == "string_too_long":
        length = len(given) if isinstance(given, str) else "?"
        return f"allows at most {ctx.get('max_length')} characters, got {length}", loc, False, None
    if kind == "too_long":
        what = "characters" if isinstance(given, str) else "items"
        return f"allows at most {ctx.get('max_length')} {what}, got {ctx.get('actual_length')}", loc, False, None
    if kind == "string_pattern_mismatch":
        return (f"must be 1 to 128 letters, digits, '_', '.' or '-', starting with a letter or digit, "
                f"got {_shown(given)}", loc, False, None)
    if kind == "lrspec":
        extra = ctx.get("loc", "")
        sub: list[str | int] = [int(p) if p.isdigit() else p for p in extra.split(".") if p]
        return err["msg"], loc + tuple(sub), bool(ctx.get("key")), None
    return err["msg"], loc, False, None


def _clock(data: dict[str, Any]) -> Clock:
    """The unit conversions for durations, from the top-level fields as written (checked by the model)."""
    def whole(key: str) -> int | None:
        value = data.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else None

    unit = data.get("unit") if data.get("unit") in ("step", "epoch") else "step"
    return Clock(unit, whole("steps_per_epoch"), whole("total_steps"), whole("samples_per_step"))


def _nulls(data: Any, loc: Loc) -> list[Loc]:
    """Where the document holds null: never a value in lrspec (spec/README.md)."""
    if data is None:
        return [loc]
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    return [found for key, value in items for found in _nulls(value, loc + (key,))]


def validate(loaded: Loaded) -> Document:
    """Validate parsed data; raise :class:`LrspecError` listing every problem with its position."""
    data = loaded.data
    if not isinstance(data, dict):
        raise LrspecError(loaded.diagnostic((), f"the document must be a mapping of fields, got {_shown(data)}",
                                            help="start with 'lrspec: 1' and 'schedule:'"))
    nulls = [loaded.diagnostic(loc, "null is not a value; leave the field out to use its default")
             for loc in _nulls(data, ())]
    if nulls:
        raise LrspecError(nulls)
    try:
        document = Document.model_validate(data, context={"clock": _clock(data)})
    except ValidationError as exc:
        diagnostics: list[Diagnostic] = []
        seen: set[Loc] = set()
        for err in exc.errors(include_url=False):
            loc = _clean(data, err["loc"])
            message, loc, key, help_ = _message(err, data, loc)
            offset = None
            if loc and isinstance(loc[-1], str) and loc[-1].startswith("@"):
                offset, loc = int(loc[-1][1:]), loc[:-1]
            if loc in seen:
                continue
            seen.add(loc)
            diagnostics.append(loaded.diagnostic(loc, message, key=key, offset=offset, help=help_))
        diagnostics.sort(key=lambda d: (d.line or 0, d.column or 0))
        raise LrspecError(diagnostics) from None
    _check_expansion(loaded, document)
    return document


def _has_alias(node: Any) -> bool:
    if isinstance(node, Alias):
        return True
    if not node_type(node).composite:
        return False
    return any(_has_alias(child) for _, child in node_type(node).children(node))  # type: ignore[misc]


def _check_expansion(loaded: Loaded, document: Document) -> None:
    """A library alias whose parameters pass its own checks must also make a valid core node."""
    if not _has_alias(document.schedule):
        return  # nothing to desugar (and the desugaring validator is not built: validate stays fast)
    from .expand import expand

    try:
        expand(document)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise LrspecError(loaded.diagnostic(("schedule",), "this library schedule has no valid core form: "
                                            f"{first['msg']}")) from None
    except ValueError as exc:
        message = f"this library schedule has no valid core form: {exc}"
        raise LrspecError(loaded.diagnostic(("schedule",), message)) from None
