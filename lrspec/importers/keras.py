"""Keras schedules to lrspec: a schedule object, its ``get_config()`` dict, or its serialized form.

The ``keras.*`` aliases take exactly Keras's constructor parameters (docs/compat.md), so the
importer writes the alias node with the config's values and lets the alias do the rest.
"""

from __future__ import annotations

from typing import Any

from ..diagnostics import Diagnostic, LrspecError
from ._common import document, plain, refuse

__all__ = ["keras_document", "KERAS_CLASSES"]

#: Keras 3 schedule classes with an alias of the same name, and the op name each uses by default.
KERAS_CLASSES: dict[str, str] = {
    "CosineDecay": "CosineDecay", "CosineDecayRestarts": "SGDRDecay", "ExponentialDecay": "ExponentialDecay",
    "PiecewiseConstantDecay": "PiecewiseConstant", "PolynomialDecay": "PolynomialDecay",
    "InverseTimeDecay": "InverseTimeDecay", "LinearCosineDecay": "LinearCosineDecay",
    "NoisyLinearCosineDecay": "NoisyLinearCosineDecay",
}

#: Keys that only one class's config has: how a bare get_config() dict is recognised.
_SIGNATURE = [("first_decay_steps", "CosineDecayRestarts"), ("boundaries", "PiecewiseConstantDecay"),
              ("end_learning_rate", "PolynomialDecay"), ("initial_variance", "NoisyLinearCosineDecay"),
              ("num_periods", "LinearCosineDecay"), ("warmup_target", "CosineDecay"), ("alpha", "CosineDecay")]

_CUSTOM = ("write the schedule as lrspec nodes (spec/README.md), or as an 'expression' node whose expr is the "
           "formula of its __call__")


def _class_of_config(config: dict[str, Any]) -> str:
    """The class of a bare get_config() dict, from the keys only one class has, else from its op name."""
    for key, cls in _SIGNATURE:
        if key in config:
            return cls
    name = config.get("name")
    for cls, default in KERAS_CLASSES.items():
        if name == default:
            return cls
    raise LrspecError(Diagnostic(
        "cannot tell which Keras schedule this config belongs to: ExponentialDecay and InverseTimeDecay have the "
        f"same parameters, and its name {name!r} is not a default op name", file="<keras>",
        help="pass the serialized form keras.optimizers.schedules.serialize(schedule), which holds 'class_name', "
             "or the schedule object itself"))


def _unwrap(source: Any) -> tuple[str, dict[str, Any]]:
    """(class name, config) of a schedule object, a serialized schedule, an optimizer config or a bare config."""
    if not isinstance(source, dict):
        cls = type(source).__name__
        get_config = getattr(source, "get_config", None)
        if cls not in KERAS_CLASSES:
            if get_config is None:
                raise LrspecError(Diagnostic(f"from_keras takes a Keras LearningRateSchedule, its get_config() dict "
                                             f"or its serialized form, got {cls}", file="<keras>"))
            raise refuse("keras", f"schedule {cls}", "it is not one of Keras's built-in schedules, and its rule is "
                         "Python code", _CUSTOM)
        return cls, plain(get_config())
    if "learning_rate" in source and isinstance(source["learning_rate"], dict):  # an optimizer's config
        return _unwrap(source["learning_rate"])
    if "config" in source and isinstance(source.get("config"), dict):
        cls = source.get("class_name")
        if not isinstance(cls, str):
            raise LrspecError(Diagnostic("a serialized Keras schedule needs a 'class_name' string", "class_name",
                                         file="<keras>"))
        cls = cls.rsplit(">", 1)[-1].rsplit(".", 1)[-1]  # "keras.optimizers.schedules>CosineDecay" and the like
        if cls not in KERAS_CLASSES:
            raise refuse("keras", f"schedule {cls}", "it is not one of Keras's built-in schedules", _CUSTOM)
        return cls, plain(source["config"])
    return _class_of_config(source), plain(source)


def keras_document(source: Any, name: str | None = None) -> dict[str, Any]:
    """The lrspec document of a Keras schedule: its ``keras.<Class>`` alias node with the config's parameters."""
    cls, config = _unwrap(source)
    node: dict[str, Any] = {"type": f"keras.{cls}"}
    for key, value in config.items():
        if value is None or key == "name":  # None: a Keras default (no warmup target); name: an op scope
            continue
        node[key] = value
    return document(node, name)
