"""timm schedulers to lrspec: a constructed ``timm.scheduler`` object, read from its attributes.

Only ``type(scheduler).__name__`` and attributes are used: timm itself is never imported here. The
``timm.*`` aliases take timm's constructor parameters plus ``base_lr`` (timm's ``base_values``).
"""

from __future__ import annotations

from typing import Any

from ._common import document, one_group, plain, refuse

__all__ = ["timm_document"]

_COMMON = ("warmup_t", "warmup_lr_init", "warmup_prefix", "t_in_epochs")
_CYCLING = ("t_initial", "lr_min", "cycle_mul", "cycle_decay", "cycle_limit")
_FIELDS = {
    "CosineLRScheduler": (*_CYCLING, "k_decay"),
    "TanhLRScheduler": (*_CYCLING, "lb", "ub"),
    "PolyLRScheduler": (*_CYCLING, "power", "k_decay"),
    "StepLRScheduler": ("decay_t", "decay_rate"),
    "MultiStepLRScheduler": ("decay_t", "decay_rate"),
    "WSDLRScheduler": ("t_initial", "decay_t", "lr_min", "stable_fn", "stable_timescale", "stable_power", "decay_fn",
                       "decay_power", "decay_ratio"),
}
#: Fields of _COMMON a scheduler does not have (its warm-up is always a prefix).
_WITHOUT = {"WSDLRScheduler": ("warmup_prefix",)}
_UNSUPPORTED = {
    "PlateauLRScheduler": ("its rate depends on the validation metric during training, not on the step alone",
                           "write the schedule you expect as lrspec nodes"),
}


def timm_document(scheduler: Any, group: int = 0, name: str | None = None) -> dict[str, Any]:
    """The lrspec document of a constructed timm scheduler (param group ``group``): its ``timm.<Class>`` alias."""
    cls = type(scheduler).__name__
    if cls in _UNSUPPORTED:
        raise refuse("timm", cls, *_UNSUPPORTED[cls])
    if cls not in _FIELDS:
        raise refuse("timm", f"scheduler {cls}", f"lrspec has timm aliases for {', '.join(_FIELDS)} only",
                     "write the schedule as lrspec nodes (spec/README.md); a warmup-stable-decay schedule is a "
                     "'sequence' of phases")
    field = getattr(scheduler, "param_group_field", "lr")
    if field != "lr":
        raise refuse("timm", f"{cls} on {field!r}", "it schedules another optimizer field than the learning rate",
                     "lrspec schedules learning rates; import a scheduler built with param_group_field='lr'")
    node: dict[str, Any] = {"type": f"timm.{cls}",
                            "base_lr": one_group(scheduler.base_values, "timm", cls, group)}
    if callable(getattr(scheduler, "decay_fn", None)):
        raise refuse("timm", f"{cls} with a callable decay_fn", "its decay is Python code",
                     "write the core 'wsd' node with a decay_shape, or an 'expression' node")
    for key in (*_FIELDS[cls], *_COMMON):
        if key not in _WITHOUT.get(cls, ()):
            node[key] = getattr(scheduler, key)
    if scheduler.noise_range_t is not None:
        if getattr(scheduler, "noise_type", "normal") != "normal":
            raise refuse("timm", f"{cls} with noise_type={scheduler.noise_type!r}", "the timm aliases draw normal "
                         "noise only", "build the scheduler with noise_type='normal', or write lrspec's 'noise' "
                         "modifier with distribution: uniform")
        node.update(noise_range_t=scheduler.noise_range_t, noise_pct=scheduler.noise_pct,
                    noise_std=scheduler.noise_std, noise_seed=scheduler.noise_seed)
    return document(plain(node), name)
