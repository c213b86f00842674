"""A type lives in one module: outside lrspec/types/, no code compares anything with a core type's name or asks
whether a node is an instance of a core type's model. Library aliases (lrspec/model/aliases/) are exempt: they
write core documents, which name their types."""

from __future__ import annotations

import ast
from pathlib import Path

from lrspec.types import TYPES

PACKAGE = Path(__file__).resolve().parents[2] / "lrspec"
EXEMPT = (PACKAGE / "types", PACKAGE / "model" / "aliases")
NAMES = set(TYPES)
MODELS = {definition.model.__name__ for definition in TYPES.values()}


def _sources() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if not any(p.is_relative_to(e) for e in EXEMPT)]


def _about_a_type(expr: ast.AST) -> bool:
    """Whether an expression reads a node's type: ``x.type``, ``x["type"]``, ``x.get("type")``, ``kind``."""
    for sub in ast.walk(expr):
        if isinstance(sub, ast.Attribute) and sub.attr == "type":
            return True
        if isinstance(sub, ast.Constant) and sub.value == "type":
            return True
        if isinstance(sub, ast.Name) and sub.id in ("type_", "kind", "node_type", "type_name"):
            return True
    return False


def _offences(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(_about_a_type(x) for x in (node.left, *node.comparators)):
            for operand in (node.left, *node.comparators):
                if isinstance(operand, ast.Constant) and operand.value in NAMES:
                    found.append(f"line {node.lineno}: compares with {operand.value!r}")
                if isinstance(operand, (ast.Tuple, ast.List, ast.Set)):
                    found += [f"line {node.lineno}: compares with {e.value!r}" for e in operand.elts
                              if isinstance(e, ast.Constant) and e.value in NAMES]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("isinstance",
                                                                                               "issubclass"):
            kinds = node.args[1] if len(node.args) > 1 else None
            names = [kinds] if not isinstance(kinds, ast.Tuple) else list(kinds.elts)
            found += [f"line {node.lineno}: isinstance on {n.id}" for n in names
                      if isinstance(n, ast.Name) and n.id in MODELS]
    return found


def test_no_code_outside_the_type_modules_switches_on_a_type():
    offences = {str(p.relative_to(PACKAGE)): o for p in _sources() if (o := _offences(ast.parse(p.read_text())))}
    assert offences == {}


def test_the_check_itself_finds_a_switch():
    planted = ast.parse("if node.type == 'cosine':\n    pass\nif isinstance(node, (Cyclical, int)):\n    pass\n"
                        "if kind in ('tanh', 'cosine'):\n    pass\n")
    assert len(_offences(planted)) == 4
