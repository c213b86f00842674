"""A family of specs that together use every node type, every modifier option and every expression construct.

Conformance tests run each target on each of these and on every example under ``examples/``.
"""

from __future__ import annotations

from pathlib import Path

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))


def counted_in_steps(path: str | Path) -> dict:
    """An example document with its counter in steps (an epoch example's structure, without the epoch counter of
    generated code), for tests of a target's API rather than of the unit."""
    import yaml

    document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    document.pop("steps_per_epoch", None)
    return {**document, "unit": "step"}

_COS = {"type": "cosine", "initial_lr": 0.1, "final_lr": 0.001, "decay_steps": 300}

FAMILY: dict[str, dict] = {
    "constant": {"type": "constant", "lr": 0.05},
    "piecewise-constant": {"type": "piecewise_constant", "boundaries": [10, 100, 2**24 + 1, 2**31 + 5],
                           "values": [0.1, 0.05, 0.01, 0.005, 0.001]},
    "piecewise-linear": {"type": "piecewise_linear", "points": [[5, 0.0], [50, 0.1], [500, 0.02], [2**31 + 5, 0.0]]},
    "exponential-smooth": {"type": "exponential", "initial_lr": 0.1, "decay_rate": 0.96, "decay_steps": 100},
    "exponential-staircase": {"type": "exponential", "initial_lr": 0.1, "decay_rate": 0.5, "decay_steps": 250,
                              "staircase": True},
    "polynomial": {"type": "polynomial", "initial_lr": 0.1, "end_lr": 0.0001, "decay_steps": 700, "power": 2.0},
    "polynomial-cycle": {"type": "polynomial", "initial_lr": 0.1, "end_lr": 0.001, "decay_steps": 300,
                         "power": 0.5, "cycle": True},
    "cosine-final": _COS,
    "cosine-alpha-exponent": {"type": "cosine", "initial_lr": 0.1, "alpha": 0.05, "decay_steps": 500,
                              "exponent": 2.0},
    "tanh": {"type": "tanh", "initial_lr": 0.1, "lr_min": 0.0005, "decay_steps": 800, "lb": -6.0, "ub": 4.0},
    "cyclical-triangular": {"type": "cyclical", "initial_lr": 0.001, "maximal_lr": 0.01, "step_size": 25},
    "cyclical-triangular2-asym": {"type": "cyclical", "initial_lr": 0.001, "maximal_lr": 0.01, "step_size": 30,
                                  "step_size_down": 70, "mode": "triangular2"},
    "cyclical-exp-range": {"type": "cyclical", "initial_lr": 0.001, "maximal_lr": 0.01, "step_size": 20,
                           "mode": "exp_range", "gamma": 0.999},
    "cyclical-scale-fn-iterations": {"type": "cyclical", "initial_lr": 0.0, "maximal_lr": 0.1, "step_size": 40,
                                     "scale_fn": "1 / (1 + x / 500)", "scale_mode": "iterations"},
    "expression-arith": {"type": "expression", "params": {"base": 0.1, "k": 7.0},
                         "expr": "base * (t // k + t % k) / (1 + t) + base ** 2 - -base / 3"},
    "expression-functions": {
        "type": "expression", "params": {"w": 100.0},
        "expr": "0.01 * (exp(-t / 1000) + log(1 + t) / 10 + log2(1 + t) / 20 + log10(1 + t) / 5 + sqrt(t) / 50"
                " + sin(t / w) + cos(t / w) + tan(t / (8 * w)) + tanh(t / w - 2) + abs(t - 3 * w) / 1000"
                " + floor(t / w) / 10 + ceil(t / w) / 10 + min(t, w, 2 * w) / w + max(1, t / w, 2) / 10"
                " + pi / 10 + e / 10)"},
    "expression-conditions": {
        "type": "expression",
        "expr": "where(t < 100, 0.1 * t / 100, 0.1 if t <= 500 else (0.05 if t != 700 else 0.0))"
                " + where(t >= 900, 0.01, 0) + where(t == 42, 0.5, 0) + where(t > 1000, 0.001, 0)"},
    "expression-ieee": {"type": "expression", "expr": "1 / (t - 10) + 0 * log(t - 20) + sqrt(t - 30) * 0"},
    "warmup-linear-prefix": {**_COS, "warmup": {"steps": 50, "initial_lr": 0.0}},
    "warmup-cosine-overlay-end": {**_COS, "warmup": {"steps": 50, "initial_lr": 0.001, "shape": "cosine",
                                                     "prefix": False, "target_lr": "end"}},
    "warmup-exponential-fixed": {**_COS, "warmup": {"steps": 40, "initial_lr": 1e-5, "shape": "exponential",
                                                    "target_lr": 0.2}},
    "warmup-constant": {**_COS, "warmup": {"steps": 30, "initial_lr": 0.001, "shape": "constant"}},
    "restarts-fixed": {"type": "cosine", "initial_lr": 0.1, "final_lr": 0.001, "restarts": {"period": 200}},
    "restarts-double-decay": {"type": "cosine", "initial_lr": 0.1, "final_lr": 0.001,
                              "restarts": {"period": 100, "period_mul": 2, "decay": 0.5}},
    "restarts-fraction-limit": {"type": "tanh", "initial_lr": 0.1, "lr_min": 0.001,
                                "restarts": {"period": 90, "period_mul": 1.5, "decay": 0.8, "limit": 4}},
    "restarts-fixed-horizon": {"type": "polynomial", "initial_lr": 0.1, "decay_steps": 60,
                               "restarts": {"period": 150, "limit": 5}},
    "noise-normal-truncated": {**_COS, "noise": {"seed": 7, "pct": 0.3, "std": 0.5, "start": 10, "end": 1500}},
    "noise-normal-untruncated": {**_COS, "noise": {"seed": 2**32 - 1, "std": 0.1}},
    "noise-uniform-additive-decay": {**_COS, "noise": {"seed": 0, "distribution": "uniform", "kind": "additive",
                                                       "pct": 0.01, "decay": 0.55}},
    "clamp": {"type": "expression", "expr": "0.001 * (t - 100)", "clamp": {"min_lr": 0.0, "max_lr": 0.5}},
    "sequence-four-phases": {"type": "sequence", "phases": [
        {"type": "piecewise_linear", "points": [[0, 0.0], [100, 0.1]], "steps": 100},
        {"type": "constant", "lr": 0.1, "steps": 200},
        {"type": "cosine", "initial_lr": 0.1, "final_lr": 0.01, "decay_steps": 500, "steps": 500},
        {"type": "exponential", "initial_lr": 0.01, "decay_rate": 0.9, "decay_steps": 50,
         "noise": {"seed": 3, "pct": 0.1}}]},
    "sequence-nested-with-modifiers": {
        "type": "sequence", "clamp": {"max_lr": 0.09}, "warmup": {"steps": 20},
        "phases": [
            {"type": "sequence", "steps": 400, "restarts": {"period": 200}, "phases": [
                {"type": "constant", "lr": 0.1, "steps": 50},
                {"type": "cosine", "initial_lr": 0.1, "decay_steps": 150}]},
            {"type": "cyclical", "initial_lr": 0.01, "maximal_lr": 0.05, "step_size": 33, "mode": "triangular2",
             "steps": 2**31},
            {"type": "constant", "lr": 0.001}]},
}

#: The types added with the library aliases, and expression corner cases.
FAMILY.update({
    "inverse-time": {"type": "inverse_time", "initial_lr": 0.1, "decay_rate": 0.5, "decay_steps": 100},
    "inverse-time-staircase-restarts": {"type": "inverse_time", "initial_lr": 0.1, "decay_rate": 2.0,
                                        "staircase": True,
                                        "restarts": {"period": 300, "period_mul": 1.5, "decay": 0.7}},
    "inverse-sqrt-overlay": {"type": "inverse_sqrt", "initial_lr": 0.001, "timescale": 400,
                             "warmup": {"steps": 400, "prefix": False, "target_lr": 0.001}},
    "inverse-sqrt-negative-shift": {"type": "inverse_sqrt", "initial_lr": 0.01, "timescale": 7, "shift": -300},
    "inverse-sqrt-shift-near-int32": {"type": "inverse_sqrt", "initial_lr": 0.01, "timescale": 5,
                                      "shift": -(2**31 - 100), "clamp": {"max_lr": 1.0}},
    "inverse-sqrt-large-shift": {"type": "inverse_sqrt", "initial_lr": 0.01, "timescale": 2**40, "shift": 2**41},
    "linear-cosine-periods": {"type": "linear_cosine", "initial_lr": 0.1, "decay_steps": 700, "num_periods": 2.5,
                              "alpha": 0.1, "beta": 0.01},
    "linear-cosine-noisy": {"type": "linear_cosine", "initial_lr": 0.1, "decay_steps": 1500,
                            "initial_variance": 0.01, "seed": 7, "num_periods": 1.0},
    "linear-cosine-noisy-restarts": {"type": "linear_cosine", "initial_lr": 0.1, "initial_variance": 0.5,
                                     "variance_decay": 1.0, "restarts": {"period": 250}},
    "one-cycle": {"type": "one_cycle", "max_lr": 0.1, "total_steps": 1000},
    "one-cycle-linear-three": {"type": "one_cycle", "max_lr": 0.1, "total_steps": 1500,
                               "anneal_strategy": "linear", "three_phase": True, "pct_start": 0.25},
    "one-cycle-fractional-end": {"type": "one_cycle", "max_lr": 0.1, "total_steps": 10, "pct_start": 0.25},
    "piecewise-cosine": {"type": "piecewise_linear", "interpolation": "cosine",
                         "points": [[0, 0.1], [100, 0.01], [400, 0.05], [2**31 + 5, 0.0]]},
    "piecewise-negative-steps": {"type": "piecewise_linear",
                                 "points": [[-(2**53), 0.0], [-1, 0.3], [9, 1.0], [500, 0.2]]},
    "piecewise-negative-cosine": {"type": "piecewise_linear", "interpolation": "cosine",
                                  "points": [[-1000, 1.0], [-5, 0.5], [2000, 0.1]]},
    "expression-signed-zeros-and-constants": {
        "type": "expression",
        "expr": "1 / min(-0.0 * t, 0.0 * t) + 1 / max(0.0 * t, -0.0 * t) + 1 / min(0.0, -0.0)"
                " + where(1 // 0 > 1e30, 0.5, 0.25) + where(5 % 0 != 5 % 0, 3, 4) + where(0 ** -1 > 0, 1, 2)"
                " + where(t > 5, 1, 1 / max(-0.0, 0.0)) + min(t, 1) * 0 + 1 % 0.1"},
    "expression-constant-base-powers": {"type": "expression",
                                        "expr": "0.999 ** t + 2 ** (-t) + 0.9999999 ** t"
                                                " + where(t < 1e6, 1.5 ** -(t % 50) + (-1.5) ** (t % 7), 0)"},
})

#: Warm-up variants, the clamp before the warm-up, and the WSD and Noam shapes (spec/modifiers.md, spec/types/).
FAMILY.update({
    "warmup-offset-divisor-start-factor": {**_COS, "warmup": {"steps": 50, "start_factor": 0.1, "offset": 1,
                                                              "divisor": 51}},
    "warmup-polynomial-endpoint": {**_COS, "warmup": {"steps": 40, "shape": "polynomial", "initial_lr": 0.001,
                                                      "endpoint": True}},
    "warmup-cubic-overlay-end": {**_COS, "warmup": {"steps": 60, "shape": "polynomial", "power": 3.0,
                                                    "prefix": False, "target_lr": "end", "offset": 1}},
    "clamp-main-under-warmup": {"type": "cosine", "initial_lr": 0.1, "final_lr": 0.0, "decay_steps": 500,
                                "warmup": {"steps": 30}, "clamp": {"min_lr": 0.01, "applies_to": "main"}},
    "wsd-1-sqrt-fraction": {"type": "wsd", "lr": 0.01, "final_lr": 1e-4, "total_steps": 2**31 + 5,
                            "decay_fraction": 0.25, "warmup": {"steps": 100}},
    "wsd-cosine-restarts": {"type": "wsd", "lr": 0.01, "total_steps": 600, "decay_steps": 150,
                            "decay_shape": "cosine", "restarts": {"period": 800, "decay": 0.5}},
    "wsd-rsqrt-linear": {"type": "wsd", "lr": 0.01, "total_steps": 1000, "decay_steps": 200,
                         "stable_shape": "rsqrt", "timescale": 50, "decay_shape": "linear", "warmup": {"steps": 50}},
    "wsd-power-exponential": {"type": "wsd", "lr": 0.01, "final_lr": 0.001, "total_steps": 900, "decay_steps": 300,
                              "stable_shape": "power", "stable_power": 0.3, "timescale": 40,
                              "decay_shape": "exponential", "decay_ratio": 0.05},
    "wsd-square-decay": {"type": "wsd", "lr": 0.01, "total_steps": 500, "decay_steps": 500, "decay_shape": "power",
                         "decay_power": 2.0},
    "noam": {"type": "noam", "d_model": 512, "warmup_steps": 400},
    "noam-offset-factor": {"type": "noam", "d_model": 1024, "warmup_steps": 4000, "factor": 2.0, "offset": 1},
    "noam-min-step": {"type": "noam", "d_model": 256, "warmup_steps": 300, "min_step": 1},
})

#: The product of a base rate and factors (spec/types/product.md): modifiers on the product (after the
#: multiplication) and on its children (before it), a sequence as the base, a factor table reaching the large
#: counters, and a nested product with restarts whose factor has noise.
FAMILY.update({
    "product-nested-with-modifiers": {
        "type": "product", "warmup": {"steps": 25, "initial_lr": 0.0}, "clamp": {"max_lr": 0.06},
        "base": {"type": "sequence", "phases": [
            {"type": "constant", "lr": 0.1, "steps": 200},
            {"type": "cosine", "initial_lr": 0.1, "final_lr": 0.001, "decay_steps": 600}]},
        "factors": [
            {"type": "piecewise_constant", "boundaries": [300, 2**24 + 1, 2**31 + 5],
             "values": [1.0, 0.5, 0.25, 0.125]},
            {"type": "product", "restarts": {"period": 450},
             "base": {"type": "exponential", "initial_lr": 1.0, "decay_rate": 0.9, "decay_steps": 100,
                      "staircase": True},
             "factors": [{"type": "cyclical", "initial_lr": 0.8, "maximal_lr": 1.2, "step_size": 50,
                          "noise": {"seed": 5, "pct": 0.05}}]}]},
})

#: Fractional lengths (spec/numerics.md#lengths): restart cycles of real length, grown by a fractional multiplier
#: or of a fractional period, step-decay intervals, cyclical half cycles and boundaries between two steps.
FAMILY.update({
    "restarts-fractional-mul": {"type": "cosine", "initial_lr": 0.1, "final_lr": 0.001,
                                "warmup": {"steps": 5, "initial_lr": 0.0},
                                "restarts": {"period": 10, "period_mul": 1.5, "decay": 0.8, "limit": 40}},
    "restarts-fractional-period": {"type": "tanh", "initial_lr": 0.1, "lr_min": 0.001,
                                   "restarts": {"period": 7.5, "decay": 0.999}},
    "exponential-fractional-staircase": {"type": "exponential", "initial_lr": 0.1, "decay_rate": 0.999,
                                         "decay_steps": 2.4, "staircase": True},
    "cyclical-fractional": {"type": "cyclical", "initial_lr": 0.001, "maximal_lr": 0.01, "step_size": 2.5,
                            "step_size_down": 3.75, "scale_fn": "1 / (1 + x / 500)", "scale_mode": "iterations"},
    "piecewise-fractional-boundaries": {"type": "piecewise_constant", "boundaries": [2.5, 10.2, 10.7, 2**24 + 0.5],
                                        "values": [0.1, 0.05, 0.02, 0.01, 0.005]},
})

#: Nodes on counters of their own (spec/composition.md#node-counters): an epoch-stepped decay under a per-step
#: warm-up towards the current rate (YOLO), and Megatron-LM's lengths in samples.
FAMILY_DOCUMENTS = {
    "node-epochs-yolo": {"lrspec": 1, "steps_per_epoch": 37, "schedule": {
        "type": "sequence", "warmup": {"steps": 100, "initial_lr": 0.0, "prefix": False, "target_lr": "current"},
        "phases": [{"type": "polynomial", "unit": "epoch", "initial_lr": 0.01, "end_lr": 1e-4, "decay_steps": 30,
                    "power": 1}]}},
    "node-samples-megatron": {"lrspec": 1, "samples_per_step": 256, "schedule": {
        "type": "sequence", "unit": "sample",
        "warmup": {"steps": 25601, "divisor": 25600, "initial_lr": 0.0, "prefix": False, "target_lr": 3e-4},
        "phases": [{"type": "constant", "lr": 3e-4, "steps": 25600},
                   {"type": "cosine", "initial_lr": 3e-4, "final_lr": 3e-5, "decay_steps": 230400, "steps": 230401},
                   {"type": "constant", "lr": 3e-5}]}},
}
