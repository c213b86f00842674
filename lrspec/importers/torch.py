"""torch schedulers to lrspec: a constructed ``torch.optim.lr_scheduler`` object, read from its attributes.

The ``torch.*`` aliases take torch's constructor parameters plus ``base_lr``, the optimizer's initial
rate (``scheduler.base_lrs``); the importer recovers each parameter exactly from what torch stores.
``last_epoch`` is resume state, not part of the schedule: the spec describes the run from step 0.
"""

from __future__ import annotations

from typing import Any

from ._common import document, one_group, plain, recover, refuse, whole

__all__ = ["torch_document"]

_CALLABLE = ("write the rate as lrspec's own nodes, or as a torch.LambdaLR alias whose lr_lambda is an expression "
             "of t (spec/expression.md), e.g. {type: torch.LambdaLR, base_lr: 0.1, lr_lambda: '0.95 ** t'}")
_UNSUPPORTED = {
    "LambdaLR": ("its lr_lambda is an arbitrary Python function, which cannot be read back as a formula", _CALLABLE),
    "MultiplicativeLR": ("its lr_lambda is an arbitrary Python function, which cannot be read back as a formula",
                         _CALLABLE),
    "ReduceLROnPlateau": ("its rate depends on the validation metric during training, not on the step alone",
                          "write the schedule you expect, or keep ReduceLROnPlateau in code"),
    "ChainedScheduler": ("chaining multiplies the schedulers' factors, which lrspec has no node for",
                         "write the product as an 'expression' node"),
}


def _simple(sched: Any, cls: str) -> dict[str, Any]:
    """The parameters of the schedulers that scale base_lr, without base_lr."""
    if cls == "StepLR":
        return {"step_size": int(sched.step_size), "gamma": float(sched.gamma)}
    if cls == "MultiStepLR":
        return {"milestones": sorted(int(m) for m in sched.milestones.elements()), "gamma": float(sched.gamma)}
    if cls == "ExponentialLR":
        return {"gamma": float(sched.gamma)}
    if cls == "CosineAnnealingLR":
        return {"T_max": int(sched.T_max), "eta_min": float(sched.eta_min)}
    if cls == "CosineAnnealingWarmRestarts":
        return {"T_0": int(sched.T_0), "T_mult": int(sched.T_mult), "eta_min": float(sched.eta_min)}
    if cls == "PolynomialLR":
        return {"total_iters": int(sched.total_iters), "power": float(sched.power)}
    if cls == "LinearLR":
        return {"start_factor": float(sched.start_factor), "end_factor": float(sched.end_factor),
                "total_iters": int(sched.total_iters)}
    if cls == "ConstantLR":
        return {"factor": float(sched.factor), "total_iters": int(sched.total_iters)}
    raise KeyError(cls)


_SIMPLE = ("StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
           "PolynomialLR", "LinearLR", "ConstantLR")


def _cyclic(sched: Any, group: int) -> dict[str, Any]:
    if getattr(sched, "_scale_fn_custom", None) is not None:
        raise refuse("torch", "CyclicLR with a custom scale_fn", "scale_fn is a Python function, which cannot be read "
                     "back as a formula", "write a torch.CyclicLR alias with scale_fn as an expression of x "
                     "(the cycle number, or the step with scale_mode: iterations) and the other parameters as built")
    total = float(sched.total_size)
    up = whole(round(total * sched.step_ratio), "torch", "step_size_up")
    down = whole(total - up, "torch", "step_size_down")
    node: dict[str, Any] = {"type": "torch.CyclicLR",
                            "base_lr": one_group(sched.base_lrs, "torch", "CyclicLR", group),
                            "max_lr": one_group(sched.max_lrs, "torch", "CyclicLR", group),
                            "step_size_up": up}
    if down != up:
        node["step_size_down"] = down
    node["mode"] = sched.mode
    if sched.mode == "exp_range":
        node["gamma"] = float(sched.gamma)
    node["cycle_momentum"] = bool(sched.cycle_momentum)  # the alias fills the document's momentum with it
    if sched.cycle_momentum:
        node.update(base_momentum=one_group(sched.base_momentums, "torch", "CyclicLR", group),
                    max_momentum=one_group(sched.max_momentums, "torch", "CyclicLR", group))
    return node


def _one_cycle(sched: Any, group: int) -> dict[str, Any]:
    g = sched.optimizer.param_groups[group]
    max_lr, initial, final = float(g["max_lr"]), float(g["initial_lr"]), float(g["min_lr"])
    total = int(sched.total_steps)
    phases = sched._schedule_phases
    end = float(phases[0]["end_step"])
    div = recover(max_lr / initial, lambda d: max_lr / d == initial)
    final_div = recover(initial / final, lambda d: initial / d == final) if final else None
    pct = recover((end + 1) / total, lambda p: float(p * total) - 1 == end)
    if div is None or final_div is None or pct is None:
        raise refuse("torch", "OneCycleLR", "its div_factor, final_div_factor or pct_start cannot be recovered "
                     "exactly from the rates torch stored", "write a torch.OneCycleLR alias with the parameters "
                     "the scheduler was built with")
    node: dict[str, Any] = {"type": "torch.OneCycleLR", "max_lr": max_lr, "total_steps": total, "pct_start": pct,
                            "anneal_strategy": getattr(sched, "_anneal_func_type", "cos"), "div_factor": div,
                            "final_div_factor": final_div, "three_phase": len(phases) == 3}
    node["cycle_momentum"] = bool(sched.cycle_momentum)  # the alias fills the document's momentum with it
    if sched.cycle_momentum:
        node.update(base_momentum=float(g["base_momentum"]), max_momentum=float(g["max_momentum"]))
    return node


def _sequential(sched: Any, group: int) -> dict[str, Any]:
    children = []
    for child in sched._schedulers:
        cls = type(child).__name__
        if cls not in _SIMPLE:
            _check_supported(cls)
            raise refuse("torch", f"SequentialLR holding {cls}", "the torch.SequentialLR alias holds only "
                         f"{', '.join(_SIMPLE)}", "write a core 'sequence' node with one phase per scheduler")
        children.append({"type": f"torch.{cls}", **_simple(child, cls)})
    base_lr = one_group([g["initial_lr"] for g in sched.optimizer.param_groups], "torch", "SequentialLR", group)
    return {"type": "torch.SequentialLR", "base_lr": base_lr, "schedulers": children,
            "milestones": [int(m) for m in sched._milestones]}


def _check_supported(cls: str) -> None:
    if cls in _UNSUPPORTED:
        why, instead = _UNSUPPORTED[cls]
        raise refuse("torch", cls, why, instead)


def torch_document(scheduler: Any, group: int = 0, name: str | None = None) -> dict[str, Any]:
    """The lrspec document of a constructed torch scheduler (param group ``group``): its ``torch.<Class>`` alias."""
    cls = type(scheduler).__name__
    _check_supported(cls)
    if cls in _SIMPLE:
        base_lr = one_group(scheduler.base_lrs, "torch", cls, group)
        node = {"type": f"torch.{cls}", "base_lr": base_lr, **_simple(scheduler, cls)}
    elif cls == "CyclicLR":
        node = _cyclic(scheduler, group)
    elif cls == "OneCycleLR":
        node = _one_cycle(scheduler, group)
    elif cls == "SequentialLR":
        node = _sequential(scheduler, group)
    else:
        raise refuse("torch", f"scheduler {cls}", "it is not one of torch's schedulers that lrspec knows",
                     "write the schedule as lrspec nodes (spec/README.md)")
    return document(plain(node), name)
