"""Library aliases: ``type: <library>.<Name>`` nodes with that library's parameters, desugared to core nodes."""

from . import fairseq, keras, megatron, mmengine, optax, tfa, timm, torch, transformers, ultralytics
from ._base import Alias

#: Every alias class, in the order the libraries are documented in docs/compat.md.
ALIAS_TYPES: tuple[type[Alias], ...] = tuple(
    getattr(module, name) for module in (tfa, keras, timm, torch, optax, transformers, mmengine,
                                                     fairseq, megatron, ultralytics) for name in module.__all__)

__all__ = ["Alias", "ALIAS_TYPES"]
