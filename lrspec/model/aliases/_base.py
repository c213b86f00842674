"""The base of library aliases: a library's schedule under its own name and parameters, as data.

An alias never evaluates anything: :meth:`Alias.core` returns the core node it stands for (plain
data, validated like any document), and every back end sees only that core form.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

from .._base import Steps, Strict

__all__ = ["Alias"]


class Alias(Strict):
    """A node ``type: <library>.<Name>`` with that library's constructor parameters."""

    #: The library whose semantics the alias reproduces, and where its source is.
    library: ClassVar[str]

    steps: Steps | None = None
    """Length of this phase (only on a phase of a sequence, and not on the last one)."""

    @abstractmethod
    def core(self) -> dict[str, Any]:
        """The core node this alias stands for, as a document mapping (without ``steps``)."""

    def momentum(self) -> dict[str, Any] | None:
        """The core node of the momentum schedule the library would run beside the rate, or None.

        Only a document's top-level schedule may fill the document's ``momentum`` (spec/README.md#momentum).
        """
        return None
