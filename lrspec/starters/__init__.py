"""Commented starter documents for ``lrspec init``: one per common schedule family, each valid as shipped."""

from __future__ import annotations

from importlib import resources

__all__ = ["STARTERS", "starter_text"]

#: Template name -> what it is, in the order ``lrspec init --list`` prints them.
STARTERS: dict[str, str] = {
    "cosine-warmup": "linear warm-up, then cosine decay (training from scratch)",
    "one-cycle": "the one-cycle policy (torch OneCycleLR)",
    "clr": "cyclical learning rate, triangular2 (Smith 2017)",
    "wsd": "warmup-stable-decay: warm up, hold, decay linearly to 0",
    "step-decay": "divide by 10 at fixed epochs, after a short warm-up",
    "sgdr": "cosine annealing with warm restarts, growing cycles",
}


def starter_text(name: str, schema: str) -> str:
    """The starter document ``name`` with its ``$schema`` line pointing at ``schema``."""
    text = resources.files(__name__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return text.replace("$schema=SCHEMA", f"$schema={schema}", 1)
