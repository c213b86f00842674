"""A core type defined only here (model, formula, description, shape) runs in the kernel, in the torch, tf and
jax modules, in explain and in plot, with no edit anywhere else: the type registry is the one place a type
lives (lrspec/types/)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

TOY = textwrap.dedent('''
    import json, sys, types
    from typing import Literal

    import numpy as np

    from lrspec.formula import real, t
    from lrspec.model._base import Rate, Steps
    from lrspec.model.nodes import NodeBase
    from lrspec.types import NodeType, Shape, register


    class Sawtooth(NodeBase):
        """lr(t) = lr * (t mod period) / period."""

        type: Literal["sawtooth"]
        lr: Rate
        period: Steps


    def formula(n, s):
        period = s.int("period", n.period)
        return s.num("lr", n.lr) * real(t % period) / real(period)


    register(NodeType(model=Sawtooth, formula=formula,
                      describe=lambda p, unit: f"a sawtooth up to {p.node.lr} every {p.node.period} {unit}s",
                      shape=lambda p, shape_of: Shape(period=p.node.period)))

    import lrspec
    from lrspec.cli import main
    from lrspec.cli.explain import explain
    from lrspec.codegen import generate

    doc = {"lrspec": 1, "name": "toy", "schedule": {"type": "sequence", "phases": [
        {"type": "constant", "lr": 0.5, "steps": 3},
        {"type": "sawtooth", "lr": 0.25, "period": 4, "clamp": {"max_lr": 0.2}}]}}
    spec = lrspec.load(doc)
    steps = [0, 1, 2, 3, 4, 5, 6, 7, 8, 2**31 + 5, 10**12]
    out = {"kernel": spec.evaluate(steps).tolist(), "range": spec.evaluate(range(12)).tolist()}
    for target in ("torch", "tf", "jax"):
        module = types.ModuleType(f"toy_{target}")
        exec(compile(generate(spec, target), f"toy_{target}.py", "exec"), module.__dict__)
        if target == "torch":
            out[target] = [module.lr_at(s) for s in steps]
        elif target == "tf":
            out[target] = module.lr_at(np.array(steps, dtype=np.int64)).numpy().tolist()
        else:
            out[target] = np.asarray(module.schedule(np.array(steps[:9], dtype=np.int32))).tolist()
    out["explain"] = explain(spec)
    with open(sys.argv[1], "w") as fh:
        json.dump(doc, fh)
    out["plot"] = main(["plot", sys.argv[1], "-o", sys.argv[2], "--steps", "40"])
    print(json.dumps(out))
''')


def _by_hand(step: int) -> float:
    """constant 0.5 for t < 3, then 0.25 * (u mod 4) / 4 on u = t - 3, clamped to at most 0.2."""
    if step < 3:
        return 0.5
    return min(0.25 * float((step - 3) % 4) / 4.0, 0.2)


def test_a_type_defined_in_a_test_runs_everywhere(tmp_path):
    run = subprocess.run([sys.executable, "-c", TOY, str(tmp_path / "toy.json"), str(tmp_path / "toy.png")],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    steps = [0, 1, 2, 3, 4, 5, 6, 7, 8, 2**31 + 5, 10**12]
    want = [_by_hand(s) for s in steps]
    assert out["kernel"] == want
    assert out["range"] == [_by_hand(s) for s in range(12)]
    assert out["torch"] == want
    assert out["tf"] == want
    assert all(abs(a - b) <= 2e-7 * 0.5 for a, b in zip(out["jax"], want[:9], strict=True))
    assert "a sawtooth up to 0.25 every 4 steps" in out["explain"]
    assert out["plot"] == 0 and (tmp_path / "toy.png").read_bytes()[:4] == b"\x89PNG"
