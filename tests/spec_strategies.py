"""Hypothesis strategies for valid lrspec documents: every core type, every modifier, nested sequences.

Each node is checked by lrspec's validator as it is drawn (cheap: no kernel), so that the few combinations
the strategies cannot rule out by construction (a one_cycle whose phases are empty, a warmup shape that needs
a positive start) are redrawn rather than failing a whole document. Parameters stay where binary32 targets
can meet the conformance rule (spec/targets.md): rates from 1e-4 to 1, expressions that do not depend on the
last bits of t.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

import lrspec

__all__ = ["node", "document", "HOSTILE_TEXT", "hostile_document"]

rates = st.floats(min_value=1e-4, max_value=1.0, allow_nan=False, allow_infinity=False)
lengths = st.one_of(st.integers(1, 600), st.sampled_from([2**24 + 1, 2**31 + 5]))
short = st.integers(1, 400)

#: Expressions of t whose binary32 value stays within the conformance rule at every checked step.
EXPRESSIONS = ["0.1 / (1 + t / 100)", "0.05 * exp(-t / 500)", "where(t < 300, 0.1, 0.01)",
               "0.01 + 0.09 * max(0, 1 - t / 800)", "a * b ** floor(t / 250)", "0.1 if t < 50 else a * 0.1",
               "min(0.1, 0.001 * sqrt(t + 1))", "0.05 * (1 + tanh(3 - t / 100))"]
#: scale_fn expressions of x (the cycle number, from 1, or the step).
SCALES = ["1 / 2 ** (x - 1)", "1 / (1 + x / 500)", "a ** x", "1 / x", "max(0.25, 1 - x / 10)"]


def _valid(schedule: dict[str, Any]) -> bool:
    try:
        lrspec.load({"lrspec": 1, "schedule": schedule})
    except lrspec.LrspecError:
        return False
    return True


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), strategy)


def _core() -> st.SearchStrategy:
    b = st.builds
    return st.one_of(
        b(lambda lr: {"type": "constant", "lr": lr}, rates),
        st.lists(st.integers(1, 3000), min_size=1, max_size=4, unique=True).flatmap(
            lambda bs: b(lambda vs: {"type": "piecewise_constant", "boundaries": sorted(bs), "values": vs},
                         st.lists(rates, min_size=len(bs) + 1, max_size=len(bs) + 1))),
        st.lists(st.integers(-200, 3000), min_size=1, max_size=4, unique=True).flatmap(
            lambda ss: b(lambda vs, i: {"type": "piecewise_linear", "interpolation": i,
                                        "points": [[s, v] for s, v in zip(sorted(ss), vs, strict=True)]},
                         st.lists(rates, min_size=len(ss), max_size=len(ss)), st.sampled_from(["linear", "cosine"]))),
        b(lambda lr, r, d, s: {"type": "exponential", "initial_lr": lr, "decay_rate": r, "decay_steps": d,
                               "staircase": s}, rates, st.floats(0.05, 0.999), lengths, st.booleans()),
        b(lambda lr, e, d, p, c: {"type": "polynomial", "initial_lr": lr, "end_lr": e, "decay_steps": d, "power": p,
                                  "cycle": c}, rates, rates, lengths, st.sampled_from([0.5, 1.0, 2.0]), st.booleans()),
        b(lambda lr, d, f, a, x: _drop_none({"type": "cosine", "initial_lr": lr, "decay_steps": d, "final_lr": f,
                                             "alpha": a if f is None else None, "exponent": x}),
          rates, lengths, _optional(rates), _optional(st.floats(0.0, 1.0)), st.sampled_from([1.0, 2.0])),
        b(lambda lr, m, d, lb: {"type": "tanh", "initial_lr": lr, "lr_min": m, "decay_steps": d, "lb": lb,
                                "ub": lb + 8.0}, rates, rates, lengths, st.floats(-8.0, -1.0)),
        b(lambda lo, hi, s, down, mode: _drop_none({"type": "cyclical", "initial_lr": lo, "maximal_lr": hi,
                                                    "step_size": s, "step_size_down": down, **mode}),
          rates, rates, short, _optional(short),
          st.one_of(st.just({}), st.sampled_from([{"mode": "triangular"}, {"mode": "triangular2"},
                                                  {"mode": "exp_range", "gamma": 0.999}]),
                    b(lambda f, m: {"scale_fn": f, "scale_mode": m, "params": {"a": 0.9}}, st.sampled_from(SCALES),
                      st.sampled_from(["cycle", "iterations"])))),
        b(lambda e: {"type": "expression", "expr": e, "params": {"a": 0.5, "b": 0.9}}, st.sampled_from(EXPRESSIONS)),
        b(lambda lr, r, d, s: {"type": "inverse_time", "initial_lr": lr, "decay_rate": r, "decay_steps": d,
                               "staircase": s}, rates, st.floats(0.0, 2.0), lengths, st.booleans()),
        b(lambda lr, ts, sh: {"type": "inverse_sqrt", "initial_lr": lr, "timescale": ts, "shift": sh},
          rates, short, st.integers(0, 100)),
        b(lambda lr, d, p, a, be, v: {"type": "linear_cosine", "initial_lr": lr, "decay_steps": d, "num_periods": p,
                                      "alpha": a, "beta": be, "initial_variance": v},
          rates, lengths, st.floats(0.0, 3.0), st.floats(0.0, 0.5), st.floats(0.0, 0.01), st.sampled_from([0.0, 0.5])),
        b(lambda lr, n, p, a, three: {"type": "one_cycle", "max_lr": lr, "total_steps": n, "pct_start": p,
                                      "anneal_strategy": a, "three_phase": three},
          rates, st.integers(20, 3000), st.floats(0.1, 0.45), st.sampled_from(["cos", "linear"]), st.booleans()),
    )


def _modifiers() -> st.SearchStrategy:
    warmup = st.builds(lambda s, lr, shape, prefix, target: {"steps": s, "initial_lr": lr, "shape": shape,
                                                             "prefix": prefix, "target_lr": target},
                       short, st.one_of(st.just(0.0), rates), st.sampled_from(["linear", "cosine", "exponential",
                                                                                "constant"]),
                       st.booleans(), st.one_of(st.sampled_from(["start", "end"]), rates))
    restarts = st.builds(lambda p, m, d, lim: _drop_none({"period": p, "period_mul": m, "decay": d, "limit": lim}),
                         short, st.sampled_from([1.0, 1.5, 2.0]), st.floats(0.5, 1.0), _optional(st.integers(1, 20)))
    noise = st.one_of(
        st.builds(lambda s, k, seed: {"distribution": "normal", "std": s, "kind": k, "seed": seed},
                  st.floats(0.001, 0.2), st.just("multiplicative"), st.integers(0, 2**32 - 1)),
        st.builds(lambda p, d, start, seed: {"distribution": "uniform", "pct": p, "decay": d, "start": start,
                                             "seed": seed},
                  st.floats(0.001, 0.3), st.sampled_from([0.0, 0.5]), st.integers(0, 300), st.integers(0, 2**32 - 1)))
    clamp = st.builds(lambda lo, width: {"min_lr": lo, "max_lr": lo + width}, st.floats(0.0, 0.01),
                      st.floats(0.0, 0.5))
    return st.fixed_dictionaries({}, optional={"warmup": warmup, "restarts": restarts, "noise": noise,
                                               "clamp": clamp})


def _with_modifiers(core: st.SearchStrategy) -> st.SearchStrategy:
    return st.builds(lambda c, m: {**c, **m}, core, _modifiers()).filter(_valid)


def _sequence(children: st.SearchStrategy) -> st.SearchStrategy:
    def build(phases: list[dict[str, Any]], steps: list[int], mods: dict[str, Any]) -> dict[str, Any]:
        out = [{**p, "steps": s} for p, s in zip(phases[:-1], steps, strict=True)] + [phases[-1]]
        return {"type": "sequence", "phases": out, **{k: v for k, v in mods.items() if k != "restarts"}}

    return st.lists(children, min_size=1, max_size=4).flatmap(
        lambda ps: st.builds(build, st.just(ps), st.lists(st.integers(1, 500), min_size=len(ps) - 1,
                                                          max_size=len(ps) - 1), _modifiers())).filter(_valid)


def node(max_depth: int = 2) -> st.SearchStrategy:
    """A valid node: a core type with modifiers, or a sequence of such nodes, nested up to ``max_depth``."""
    leaf = _with_modifiers(_core())
    return st.recursive(leaf, _sequence, max_leaves=6) if max_depth > 0 else leaf


def document(max_depth: int = 2) -> st.SearchStrategy:
    return st.builds(lambda s: {"lrspec": 1, "schedule": s}, node(max_depth))


#: Text meant to break out of a comment, a string or a docstring of generated code.
HOSTILE_TEXT = ['"""; import os; os.system("id"); """', "'''\nimport os\n'''", "\\\nimport os",
                "# -*- coding: rot13 -*-",
                "\x00\x1b[2J", "}}{{ config }}{% raw %}", "\u2028import os\u2029", "\ufeff\u202e", "*/ -->",
                "${HOME} $(id) `id`", "\r\nimport os\r\n", "é" * 300, "__import__('os').system('id')"]


def hostile_document(max_depth: int = 1) -> st.SearchStrategy:
    """A valid document whose description (and a name, where the pattern allows one) carry hostile text."""
    names = st.sampled_from(["x", "import", "os.system", "A-" + "b" * 120, "class", "None", "init__", "9lives",
                             "a.__class__"])
    descriptions = st.lists(st.sampled_from(HOSTILE_TEXT), min_size=1, max_size=4).map("".join).map(lambda s: s[:4096])
    return st.builds(lambda s, n, d: {"lrspec": 1, "name": n, "description": d, "schedule": s},
                     node(max_depth), names, descriptions)
