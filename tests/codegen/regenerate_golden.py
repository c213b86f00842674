"""Rewrite the golden files: ``python tests/codegen/regenerate_golden.py`` (review the diff, then commit)."""

from __future__ import annotations

from pathlib import Path

import lrspec
from lrspec.codegen import TARGETS, generate

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
#: Examples whose generated code is pinned byte for byte, for every target.
EXAMPLES = ("clr-triangular2", "tanh-restarts-overlay", "warmup-sustain-step-decay", "product-warmup-exponential")


def golden_path(example: str, target: str) -> Path:
    return GOLDEN / f"{example}.{target}.py.txt"


def render(example: str, target: str) -> str:
    return generate(lrspec.load(ROOT / "examples" / f"{example}.yaml"), target)


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for example in EXAMPLES:
        for target in TARGETS:
            golden_path(example, target).write_text(render(example, target), encoding="utf-8")
            print(f"wrote {golden_path(example, target).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
