"""An MMEngine config's learning-rate schedule as an lrspec document, read as text and never executed.

A ``.py`` config is parsed with :mod:`ast`: module-level assignments whose values are literals (numbers, strings,
True/False/None), lists, tuples, ``{...}`` and ``dict(...)`` with keyword arguments, names bound earlier in the
file, and arithmetic on numbers. ``_base_`` files are read the same way from beside the config and merged as
MMEngine merges them (the config's dicts merged into its bases' key by key, ``_delete_=True`` replacing, lists
replaced). Anything else (an import, a call, a function, a ``{{_base_.x}}`` reference) is refused with its line.
A dumped config (``Config.dump`` to JSON or YAML) is read as data.

The document is a ``mmengine.param_scheduler`` node with ``optim_wrapper.optimizer.lr`` as base_lr, and each
scheduler's ``end`` written out as MMEngine's runner fills it in (max_epochs or max_iters of ``train_cfg``).
What the document does not carry over is returned as notes, never dropped silently.
"""

from __future__ import annotations

import ast
import json
import os
from typing import Any

from ..diagnostics import Diagnostic, LrspecError

__all__ = ["mmengine_document", "read_config"]

_KNOWN = {"LinearLR", "ConstantLR", "CosineAnnealingLR", "MultiStepLR", "StepLR", "ExponentialLR", "PolyLR",
          "OneCycleLR", "CosineRestartLR"}
_PARAM_FORMS = {f"{n[:-2]}ParamScheduler": n for n in _KNOWN}  # CosineAnnealingParamScheduler(param_name='lr')
_PARAM_FORMS["PolyParamScheduler"] = "PolyLR"
_IGNORED = {"verbose": "it only prints the rates"}
_NUMBER_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
               ast.Div: lambda a, b: a / b, ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b,
               ast.Pow: lambda a, b: a ** b}


def _error(file: str, message: str, help_: str | None = None) -> LrspecError:
    return LrspecError(Diagnostic(message, file=file, help=help_))


class _Reader:
    """Evaluates one config file's module-level literal assignments."""

    def __init__(self, file: str):
        self.file = file
        self.names: dict[str, Any] = {}

    def fail(self, node: ast.AST, what: str) -> LrspecError:
        return _error(self.file, f"line {getattr(node, 'lineno', '?')}: {what}",
                      "an MMEngine config is read as data, never run: write the value as a literal, or dump the "
                      "config (Config.fromfile(path).dump('config.json')) and import the dump")

    def run(self, text: str) -> dict[str, Any]:
        try:
            tree = ast.parse(text, filename=self.file)
        except SyntaxError as exc:
            raise _error(self.file, f"line {exc.lineno}: not valid Python: {exc.msg}") from None
        for stmt in tree.body:
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value,
                                                                                                   str):
                continue  # a docstring
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                raise self.fail(stmt, "an import is not a literal (a config in MMEngine's pure-Python style names "
                                "classes; lrspec reads the classic style with type='LinearLR' strings)")
            if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
                value = self.value(stmt.value)
                for target in stmt.targets:
                    self.names[target.id] = value  # type: ignore[union-attr]
                continue
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                self.names[stmt.target.id] = self.value(stmt.value)
                continue
            raise self.fail(stmt, f"a statement of kind '{type(stmt).__name__}' is not an assignment of a literal")
        return {k: v for k, v in self.names.items() if not k.startswith("__")}

    def value(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str) and "{{" in node.value and "_base_" in node.value:
                raise self.fail(node, f"the reference {node.value!r} to a base file's variable is not read; write "
                                "the value itself")
            if isinstance(node.value, (int, float, str, bool)) or node.value is None:
                return node.value
            raise self.fail(node, f"the constant {node.value!r} is not a number, string, bool or None")
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.value(v) for v in node.elts]
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                raise self.fail(node, "'**' in a dict is not a literal")
            return {self.value(k): self.value(v) for k, v in zip(node.keys, node.values)}  # type: ignore[arg-type]
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            raise self.fail(node, f"the name '{node.id}' is not bound to a literal earlier in this file")
        if isinstance(node, ast.Call):
            callee = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            if callee != "dict" or node.args or any(k.arg is None for k in node.keywords):
                raise self.fail(node, f"a call of '{callee}' is not a literal")
            return {k.arg: self.value(k.value) for k in node.keywords}
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.value(node.operand)
            if isinstance(operand, (int, float)) and not isinstance(operand, bool):
                return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp) and type(node.op) in _NUMBER_OPS:
            left, right = self.value(node.left), self.value(node.right)
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right)):
                try:
                    return _NUMBER_OPS[type(node.op)](left, right)
                except (ArithmeticError, ValueError) as exc:
                    raise self.fail(node, f"the arithmetic '{ast.unparse(node)}' fails: {exc}") from None
        raise self.fail(node, f"the expression '{ast.unparse(node)}' is not a literal")


def _merge(child: Any, base: Any) -> Any:
    """MMEngine's merge of a config into its base: dicts key by key, ``_delete_=True`` replaces, others replace."""
    if isinstance(child, dict):
        child = dict(child)
        if not isinstance(base, dict):
            child.pop("_delete_", None)
            return child
        if child.pop("_delete_", False):
            base = {}
        return {key: _merge(child[key], base[key]) if key in child and key in base else child.get(key, base.get(key))
                for key in [*base, *[k for k in child if k not in base]]}
    return child


def read_config(path: str, _seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """The config at ``path`` as plain data, its ``_base_`` files merged in."""
    real = os.path.realpath(path)
    if real in _seen:
        raise _error(path, "its _base_ files include it again (a cycle)")
    try:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
    except OSError as exc:
        raise _error(path, f"cannot read it: {exc.strerror or exc}") from None
    if path.endswith(".py"):
        data = _Reader(path).run(text)
    else:
        try:
            data = json.loads(text)
        except ValueError:
            import yaml

            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise _error(path, f"is neither JSON nor YAML: {exc}") from None
        if not isinstance(data, dict):
            raise _error(path, f"an MMEngine config is a mapping, got {type(data).__name__}")
    bases = data.pop("_base_", [])
    bases = [bases] if isinstance(bases, str) else bases
    if not isinstance(bases, list) or not all(isinstance(b, str) for b in bases):
        raise _error(path, "_base_ must be a file name or a list of file names")
    merged: dict[str, Any] = {}
    for name in bases:
        if "::" in name:
            raise _error(path, f"the base {name!r} is in an installed package (a '::' path); lrspec reads only "
                         "files beside the config: copy it there")
        base = read_config(os.path.join(os.path.dirname(path), name), (*_seen, real))
        overlap = set(base) & set(merged)
        if overlap:  # MMEngine refuses the same key in two bases
            raise _error(path, f"the bases define {sorted(overlap)} more than once (MMEngine raises KeyError)")
        merged.update(base)
    return _merge(data, merged)


def _loop(train_cfg: Any, file: str) -> tuple[bool, int | None, int | None, list[str]]:
    """(epoch-based loop, max_epochs, max_iters, notes) from train_cfg."""
    notes: list[str] = []
    if not isinstance(train_cfg, dict):
        return True, None, None, ["no train_cfg: every scheduler needs its own end"]
    kind = train_cfg.get("type")
    by_epoch = train_cfg.get("by_epoch")
    if kind in ("EpochBasedTrainLoop", "IterBasedTrainLoop"):
        epochs = kind == "EpochBasedTrainLoop"
    elif by_epoch is not None:
        epochs = bool(by_epoch)
    elif kind is not None:
        raise _error(file, f"train_cfg type {kind!r} is not one of MMEngine's loops (EpochBasedTrainLoop, "
                     "IterBasedTrainLoop)", "import a config with one of those loops")
    else:
        epochs = "max_epochs" in train_cfg
    for key in ("val_interval", "val_begin", "dynamic_intervals"):
        if key in train_cfg:
            notes.append(f"train_cfg.{key} (validation schedule, not the learning rate) is not part of the document")
    if epochs:
        return True, train_cfg.get("max_epochs"), None, notes
    return False, 1, train_cfg.get("max_iters"), notes


def mmengine_document(path: str, steps_per_epoch: int | None = None,
                      name: str | None = None) -> tuple[dict[str, Any], list[str]]:
    """The lrspec document of the MMEngine config at ``path``, and notes on what it does not carry over.

    ``steps_per_epoch`` is MMEngine's epoch length (len(train_dataloader)), which a config does not hold: it is
    needed when an epoch-based scheduler or loop meets iterations."""
    cfg = read_config(path)
    notes: list[str] = []
    for key in ("param_scheduler", "optim_wrapper"):
        if key not in cfg:
            raise _error(path, f"the config has no {key}")
    optimizer = cfg["optim_wrapper"].get("optimizer") if isinstance(cfg["optim_wrapper"], dict) else None
    if not isinstance(optimizer, dict) or "lr" not in optimizer:
        raise _error(path, "optim_wrapper.optimizer.lr is missing: it is the rate the schedulers scale",
                     "an optim_wrapper with several optimizers (a dict of wrappers) is not imported; import one")
    base_lr = optimizer["lr"]
    if isinstance(cfg["optim_wrapper"].get("paramwise_cfg"), dict):
        notes.append("optim_wrapper.paramwise_cfg scales some parameter groups' rates (lr_mult): the document is "
                     "the rate of the groups without a multiplier")
    raw = cfg["param_scheduler"]
    raw = [raw] if isinstance(raw, dict) else raw
    if not isinstance(raw, list) or not raw:
        raise _error(path, "param_scheduler must be a scheduler dict or a non-empty list of them")
    epochs, max_epochs, max_iters, loop_notes = _loop(cfg.get("train_cfg"), path)
    notes += loop_notes
    schedulers: list[dict[str, Any]] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise _error(path, f"param_scheduler[{i}] is not a dict with a type")
        item = dict(item)
        kind = item.pop("type").split(".")[-1]
        if kind in _PARAM_FORMS:
            if item.pop("param_name", "lr") != "lr":
                notes.append(f"param_scheduler[{i}] ({kind}) schedules {item.get('param_name')!r}, not the learning "
                             "rate: not part of the document")
                continue
            kind = _PARAM_FORMS[kind]
        if kind.endswith("Momentum"):
            notes.append(f"param_scheduler[{i}] ({kind}) schedules the momentum: not part of the document")
            continue
        if kind not in _KNOWN:
            why = ("it follows a validation metric, not the step count" if "Plateau" in kind else
                   f"lrspec has MMEngine aliases for {', '.join(sorted(_KNOWN))}")
            raise _error(path, f"param_scheduler[{i}]: cannot import the scheduler {kind!r}: {why}",
                         "write the schedule as lrspec nodes")
        if "last_step" in item:
            raise _error(path, f"param_scheduler[{i}] has last_step (resume state, not a schedule)",
                         "remove last_step")
        for key, why in _IGNORED.items():
            if item.pop(key, None) is not None:
                notes.append(f"param_scheduler[{i}].{key} is not carried over: {why}")
        item.pop("_scope_", None)
        by_epoch = item.get("by_epoch", True)
        if "end" not in item:  # the runner's default end
            end = max_epochs if by_epoch else (max_iters if not epochs else
                                              (max_epochs * steps_per_epoch
                                               if max_epochs is not None and steps_per_epoch else None))
            if end is None:
                need = ("--steps-per-epoch (max_iters of an epoch-based loop is max_epochs times the epoch length)"
                        if max_epochs is not None and not by_epoch else "train_cfg's max_epochs / max_iters")
                raise _error(path, f"param_scheduler[{i}] ({kind}) has no end, and MMEngine's default needs {need}",
                             "pass --steps-per-epoch N" if "steps" in need else "give the scheduler an end")
            item["end"] = end
            notes.append(f"param_scheduler[{i}].end = {end}, MMEngine's runner default "
                         f"({'max_epochs' if by_epoch else 'max_iters'} of train_cfg"
                         f"{', 1 in an IterBasedTrainLoop' if by_epoch and not epochs else ''})")
        if by_epoch and not epochs and not item.get("convert_to_iter_based", False):
            raise _error(path, f"param_scheduler[{i}] ({kind}) steps per epoch in an IterBasedTrainLoop, where "
                         "MMEngine treats the whole run as one epoch and never steps it during training",
                         "write by_epoch=False, or convert_to_iter_based=True")
        schedulers.append({"type": f"mmengine.{kind}", **item})
    if not schedulers:
        raise _error(path, "param_scheduler holds no learning-rate scheduler")
    needs_epochs = any(s.get("by_epoch", True) for s in schedulers)
    if needs_epochs and steps_per_epoch is None:
        raise _error(path, "an epoch-based scheduler needs MMEngine's epoch length (len(train_dataloader)), which "
                     "the config does not hold", "pass --steps-per-epoch N (iterations per epoch)")
    doc: dict[str, Any] = {"lrspec": 1}
    if name:
        doc["name"] = name
    if steps_per_epoch is not None:
        doc["steps_per_epoch"] = steps_per_epoch
    total = max_iters if not epochs else (max_epochs * steps_per_epoch
                                           if max_epochs is not None and steps_per_epoch else None)
    if total is not None:
        doc["total_steps"] = total
    doc["schedule"] = {"type": "mmengine.param_scheduler", "base_lr": base_lr, "schedulers": schedulers}
    return doc, notes
