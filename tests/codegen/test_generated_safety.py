"""Generated modules do nothing but compute the schedule: checked on their syntax tree, for every example, every
spec of the conformance family, and fuzzed specs whose name and description carry hostile text.

A module may import only its framework, numpy, math and typing (plus ``__future__`` and the pure standard
modules ``operator`` and ``bisect`` of spec/targets.md); call only the functions listed here, builtins from a
short list, and functions it defines itself; define only its entry points and private helpers; and hold the
document's text nowhere but in comments.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import lrspec
from lrspec.codegen import TARGETS, default_class_name, generate

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "conformance"))
from family import FAMILY  # noqa: E402
from spec_strategies import HOSTILE_TEXT, hostile_document  # noqa: E402

SCALE = max(1, int(os.environ.get("LRSPEC_FUZZ_SCALE", "1")))

#: Modules each target may import (as written in its import statements).
IMPORTS = {
    "torch": {"__future__", "typing", "math", "operator", "bisect", "torch", "torch.optim.lr_scheduler"},
    "tf": {"__future__", "typing", "math", "operator", "bisect", "numpy", "tensorflow", "keras"},
    "jax": {"__future__", "typing", "math", "operator", "bisect", "numpy", "jax", "jax.numpy"},
}
#: Functions that may be called through a module, by the module's name in the generated code.
MODULE_CALLS = {
    "math": {"ceil", "copysign", "cos", "exp", "floor", "fmod", "isfinite", "log", "log2", "log10", "pow", "sqrt",
             "sin", "tan", "tanh", "isnan", "inf", "nan"},
    "operator": {"index"},
    "bisect": {"bisect_right", "bisect_left"},
    "np": {"array", "asarray", "concatenate", "full", "iinfo", "errstate", "float32", "float64", "int64", "uint32",
           "uint64", "any", "where", "log", "isfinite", "issubdtype"},
    "tf": {"abs", "as_dtype", "bitwise.bitwise_and", "bitwise.bitwise_xor", "bitwise.right_shift",
           "bitwise.left_shift", "broadcast_to", "cast", "clip_by_value", "constant", "control_dependencies",
           "convert_to_tensor", "cos", "debugging.Assert", "equal", "executing_eagerly", "exp", "floor", "gather",
           "math.ceil", "math.floordiv", "math.floormod", "math.is_nan", "math.log", "maximum", "minimum",
           "name_scope", "pow",
           "range", "reduce_all", "reduce_min", "reduce_sum", "round", "shape", "sin", "sqrt", "tan", "tanh",
           "where", "zeros_like", "math.log1p", "math.is_finite", "math.tanh", "math.sin", "math.cos",
           "reshape", "searchsorted", "function", "TensorSpec", "math.abs", "math.exp", "math.floor", "math.pow",
           "math.round", "math.sqrt", "math.tan"},
    "keras": {"saving.register_keras_serializable"},
    "jnp": {"abs", "any", "argmax", "asarray", "broadcast_to", "ceil", "clip", "cos", "dtype", "exp", "float32",
            "float64", "floor", "iinfo", "isfinite", "isnan", "issubdtype", "log", "log10", "log2", "maximum",
            "minimum", "power", "round", "searchsorted", "select", "sin", "sqrt", "take", "take_along_axis", "tan",
            "tanh", "uint32", "int32", "int64", "where", "zeros_like", "ones"},
    "jax": {"dtypes.canonicalize_dtype", "enable_x64", "ensure_compile_time_eval"},
}
#: Builtins a module may call.
BUILTINS = {"abs", "all", "float", "int", "min", "max", "range", "len", "tuple", "list", "isinstance", "super", "id",
            "ValueError", "TypeError", "OverflowError"}
#: Methods a module may call on its own values (besides the methods it defines).
METHODS = {"astype", "bit_length", "get_lr", "__init__", "reshape", "tolist", "get", "items"}
#: Names that must appear nowhere in a generated module.
FORBIDDEN = {"eval", "exec", "compile", "open", "__import__", "getattr", "setattr", "delattr", "globals", "locals",
             "vars", "input", "breakpoint", "exit", "quit", "os", "sys", "subprocess", "importlib", "pickle",
             "__builtins__", "__loader__", "__spec__"}
#: Statements a module never needs.
FORBIDDEN_NODES = (ast.Global, ast.Nonlocal, ast.Delete, ast.Lambda, ast.AsyncFunctionDef, ast.Await, ast.Yield,
                   ast.YieldFrom, ast.NamedExpr)


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _bound_names(tree: ast.Module) -> set[str]:
    """Every name the module binds itself: functions, classes, arguments, assignment and loop targets."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def check_module(source: str, target: str, class_name: str, text: tuple[str, ...] = ()) -> None:
    """Assert every rule of the module docstring on one generated module."""
    compile(source, f"<{target}>", "exec")  # it is valid Python
    tree = ast.parse(source)
    bound = _bound_names(tree)
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert alias.name in IMPORTS[target], f"{target} imports {alias.name}"
                aliases[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom):
            assert node.module in IMPORTS[target] and node.level == 0, f"{target} imports from {node.module}"
        assert not isinstance(node, FORBIDDEN_NODES), f"{target}: {type(node).__name__} at line {node.lineno}"
        if isinstance(node, ast.Name):
            assert node.id not in FORBIDDEN, f"{target} names {node.id}"
        if isinstance(node, ast.Attribute):
            assert node.attr not in FORBIDDEN and (not node.attr.startswith("__") or node.attr == "__init__"), \
                f"{target} reaches .{node.attr}"
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                assert func.id in BUILTINS or func.id in bound, f"{target} calls {func.id}()"
                continue
            assert isinstance(func, ast.Attribute), f"{target} calls {ast.unparse(func)}"
            path = _dotted(func)
            root = path.split(".", 1)[0] if path else None
            if root in aliases and root in MODULE_CALLS:
                assert path.split(".", 1)[1] in MODULE_CALLS[root], f"{target} calls {path}()"
            else:
                assert func.attr in METHODS or func.attr in bound, f"{target} calls the method .{func.attr}()"
    # only the entry points and private helpers are defined at the top level; classes define no other dunders
    for node in tree.body:
        names = []
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        constants = names if isinstance(node, ast.Assign) else []  # the document's numbers, named in capitals
        for name in names:
            assert name.startswith("_") and not name.startswith("__") or name in {
                "lr_at", "schedule", "MAX_STEP", "PI", "__all__", class_name} or (
                name in constants and re.fullmatch(r"[A-Z][A-Z0-9_]*", name)), f"{target} defines {name}"
        if isinstance(node, ast.ClassDef):
            assert node.name == class_name
            for member in node.body:
                if isinstance(member, ast.FunctionDef) and member.name.startswith("__"):
                    assert member.name in {"__init__", "__call__"}, f"{target} defines {member.name}"
    # free text from the document (``text``) lives only in comments: no string constant carries it. The name,
    # which its pattern restricts to letters, digits and '_.-', may also appear in docstrings.
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for fragment in ("import os", "pwned", "__import__", "coding:", "$(id)", *text):
                assert fragment not in node.value, f"{target}: {node.value[:80]!r}"


EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
SPECS = [pytest.param(lambda p=p: lrspec.load(p), id=p.stem) for p in EXAMPLES] + [
    pytest.param(lambda s=s, name=name: lrspec.load({"lrspec": 1, "name": name, "schedule": s}), id=name)
    for name, s in FAMILY.items()]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("make", SPECS)
def test_examples_and_family(make, target):
    spec = make()
    check_module(generate(spec, target), target, default_class_name(spec))


@settings(max_examples=15 * SCALE, deadline=None, derandomize=SCALE == 1, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(hostile_document())
def test_fuzzed_specs_with_hostile_text(document):
    spec = lrspec.load(document)
    pieces = tuple(piece for piece in HOSTILE_TEXT if piece in document["description"])
    for target in TARGETS:
        source = generate(spec, target)
        check_module(source, target, default_class_name(spec), pieces)
        # the description reaches the module JSON-escaped in the header comment only
        assert all(line.startswith("#") or document["description"][:20] not in line for line in source.splitlines())


def test_the_rules_catch_what_they_forbid():
    spec = lrspec.load("examples/clr-triangular2.yaml")
    good = generate(spec, "torch")
    name = default_class_name(spec)
    check_module(good, "torch", name)
    for evil in ("import os\n", "x = eval('1')\n", "y = (lambda: 1)()\n", "z = torch.load('f')\n",
                 "w = math.__dict__\n", "def helper():\n    global PI\n", "leak = 1\n", "s = 'import os'\n",
                 "from subprocess import run\n", "v = ().__class__\n", "u = open('f')\n"):
        with pytest.raises(AssertionError):
            check_module(good + "\n" + evil, "torch", name)


def test_the_longest_valid_name_still_generates():
    spec = lrspec.load({"lrspec": 1, "name": "a-" * 63 + "zz", "schedule": {"type": "constant", "lr": 0.1}})
    name = default_class_name(spec)
    assert name.isidentifier() and len(name) <= 64 and name.endswith("Schedule")
    for target in TARGETS:
        check_module(generate(spec, target), target, name)
