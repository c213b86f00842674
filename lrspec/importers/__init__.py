"""Importers: an existing Keras schedule, torch scheduler or timm scheduler as an lrspec spec.

Each returns a :class:`~lrspec.Spec` of the library's alias node (``type: keras.CosineDecay``,
``torch.OneCycleLR``, ...) with the object's own parameters, so it evaluates to the same rates; what has
no equivalent (a Python lambda, a metric-driven scheduler) raises :class:`~lrspec.LrspecError` saying so
and what to write instead. The ``*_document`` functions return the document as plain data, ready for YAML.

>>> spec = lrspec.from_torch(torch.optim.lr_scheduler.StepLR(optimizer, step_size=30))  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .keras import keras_document
from .timm import timm_document
from .torch import torch_document

if TYPE_CHECKING:
    from ..spec import Spec

__all__ = ["from_keras", "from_torch", "from_timm", "keras_document", "torch_document", "timm_document"]


def from_keras(schedule: Any, name: str | None = None) -> Spec:
    """A Keras schedule (object, ``get_config()`` dict or ``keras.optimizers.schedules.serialize`` output)."""
    from ._common import to_spec

    return to_spec(keras_document(schedule, name), "<keras>")


def from_torch(scheduler: Any, group: int = 0, name: str | None = None) -> Spec:
    """A constructed torch scheduler; ``group`` picks the optimizer param group whose rate is described."""
    from ._common import to_spec

    return to_spec(torch_document(scheduler, group, name), "<torch>")


def from_timm(scheduler: Any, group: int = 0, name: str | None = None) -> Spec:
    """A constructed timm scheduler; ``group`` picks the optimizer param group whose rate is described."""
    from ._common import to_spec

    return to_spec(timm_document(scheduler, group, name), "<timm>")
