"""A generated module defines nothing it does not use: every top-level function, class and constant is read
somewhere in the module or exported in ``__all__`` (examples and the conformance family, every target)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import lrspec
from lrspec.codegen import generate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from family import EXAMPLES, FAMILY  # noqa: E402

DOCUMENTS = {p.stem: str(p) for p in EXAMPLES} | {k: {"lrspec": 1, "name": k, "schedule": v} for k, v in
                                                    FAMILY.items()}


def unused(source: str) -> set[str]:
    tree = ast.parse(source)
    defined: set[str] = set()
    exported: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            if "__all__" in names and isinstance(node.value, (ast.List, ast.Tuple)):
                exported |= {e.value for e in node.value.elts if isinstance(e, ast.Constant)}
            defined |= names - {"__all__"}
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return defined - used - exported


def test_the_check_finds_an_unused_definition():
    assert unused("__all__ = ['f']\nA = 1\nB = 2\ndef f():\n    return A\ndef _g():\n    pass\n") == {"B", "_g"}


@pytest.mark.parametrize("target", ["torch", "tf", "jax"])
@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_nothing_unused(name, target):
    spec = lrspec.load(DOCUMENTS[name])
    assert unused(generate(spec, target)) == set()
