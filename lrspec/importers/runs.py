"""The files a training run leaves behind, as lrspec documents: an HF ``TrainingArguments`` JSON (``args.to_json_string()``,
``training_args.bin`` aside) and a timm ``args.yaml`` (written by timm's ``train.py`` next to every checkpoint).

Each is read as data and mapped the way its library builds the scheduler: transformers' ``Trainer.create_scheduler``
with ``get_scheduler``, timm's ``scheduler_kwargs`` with ``create_scheduler_v2``. What the file does not say (the
number of batches per epoch, a learning rate computed at run time) comes from an argument, and the error names it.
Everything the file sets that the schedule cannot carry is returned as a note, never dropped silently.
"""

from __future__ import annotations

import math
from typing import Any

from ..diagnostics import Diagnostic, LrspecError
from ._common import document, plain

__all__ = ["hf_training_arguments_document", "timm_args_document", "looks_like"]


def _missing(file: str, what: str, flag: str, why: str) -> LrspecError:
    return LrspecError(Diagnostic(f"{what} is not in the file: {why}", file=file,
                                  help=f"give it with {flag}"))


def looks_like(data: Any) -> str | None:
    """Which run file ``data`` is: ``"hf"`` (TrainingArguments), ``"timm"`` (args.yaml), or None."""
    if not isinstance(data, dict):
        return None
    if "lr_scheduler_type" in data and "learning_rate" in data:
        return "hf"
    if "sched" in data and ("epochs" in data or "lr" in data):
        return "timm"
    return None


# --- transformers --------------------------------------------------------------------------------------------------

#: TrainingArguments fields that shape the run but not the rate of a step.
_HF_SCHEDULE = {"learning_rate", "lr_scheduler_type", "lr_scheduler_kwargs", "warmup_steps", "warmup_ratio",
                "max_steps", "num_train_epochs", "gradient_accumulation_steps"}


def hf_training_arguments_document(args: dict[str, Any], file: str, batches_per_epoch: int | None = None,
                                   name: str | None = None) -> tuple[dict[str, Any], list[str]]:
    """The document of the scheduler ``Trainer.create_scheduler`` builds from these arguments: ``get_scheduler(
    lr_scheduler_type, num_warmup_steps=args.get_warmup_steps(N), num_training_steps=N, **lr_scheduler_kwargs)``
    with N = max_steps, or ceil(num_train_epochs * max(ceil(batches_per_epoch / gradient_accumulation_steps), 1))."""
    kind = str(args.get("lr_scheduler_type", "linear")).removeprefix("SchedulerType.").lower()
    max_steps = int(args.get("max_steps", -1))
    notes = []
    if max_steps > 0:
        total = max_steps
    else:
        if batches_per_epoch is None:
            raise _missing(file, "the number of training steps", "--batches-per-epoch N (len(train_dataloader))",
                           "max_steps is not set, so the Trainer computes it from num_train_epochs and the length of "
                           "the training dataloader")
        accumulation = int(args.get("gradient_accumulation_steps", 1))
        per_epoch = max(-(-batches_per_epoch // accumulation), 1)
        total = math.ceil(float(args.get("num_train_epochs", 3.0)) * per_epoch)
        notes.append(f"num_training_steps = ceil({args.get('num_train_epochs', 3.0)} epochs * {per_epoch} updates) = "
                     f"{total}")
    warmup = float(args.get("warmup_steps", 0) or 0)
    ratio = float(args.get("warmup_ratio", 0) or 0)
    if warmup >= 1:
        warmup_steps = int(warmup)
    elif warmup > 0:  # transformers 5: a warmup_steps below 1 is a ratio of the training steps
        warmup_steps = math.ceil(total * warmup)
    else:  # earlier releases: warmup_ratio when warmup_steps is 0
        warmup_steps = math.ceil(total * ratio)
    node: dict[str, Any] = {"type": f"transformers.{kind}", "base_lr": float(args.get("learning_rate", 5e-5))}
    from ..model.aliases import ALIAS_TYPES

    fields = next((set(a.model_fields) for a in ALIAS_TYPES
                   if a.model_fields["type"].annotation.__args__[0] == node["type"]), set())
    if "num_warmup_steps" in fields:
        node["num_warmup_steps"] = warmup_steps
    elif warmup_steps:
        notes.append(f"warm-up of {warmup_steps} steps not applied: transformers' {kind} schedule takes none")
    if "num_training_steps" in fields:
        node["num_training_steps"] = total
    node.update(plain(args.get("lr_scheduler_kwargs") or {}))
    return document(node, name), notes


# --- timm ----------------------------------------------------------------------------------------------------------

def timm_args_document(args: dict[str, Any], file: str, updates_per_epoch: int | None = None,
                       lr: float | None = None, name: str | None = None) -> tuple[dict[str, Any], list[str]]:
    """The document of the scheduler timm's ``create_scheduler_v2(**scheduler_kwargs(args))`` builds, counted in
    epochs (``step(epoch)``) or, with ``sched_on_updates``, in updates (``step_update``)."""
    notes: list[str] = []
    sched = args.get("sched", "cosine")
    base_lr = args.get("lr") if lr is None else lr
    if base_lr is None:
        raise _missing(file, "the learning rate", "--base-lr RATE", "lr is null, so train.py computed it at run "
                       "time from lr_base, the global batch size and lr_base_scale")
    on_updates = bool(args.get("sched_on_updates", False))
    scale = 1
    if on_updates:
        if updates_per_epoch is None:
            raise _missing(file, "the number of updates per epoch", "--steps-per-epoch N",
                           "sched_on_updates is set, so timm counts lengths in epochs times updates per epoch")
        scale = updates_per_epoch
    epochs = args.get("epochs", 100)
    decay_epochs = args.get("decay_epochs", 30)
    if decay_epochs is None:
        decay_epochs = 0.2 if sched in ("wsd", "rsqrt") else 90
    warmup_epochs = args.get("warmup_epochs", 5)
    warmup_prefix = bool(args.get("warmup_prefix", False))
    t_initial, warmup_t, decay_t = epochs * scale, warmup_epochs * scale, decay_epochs * scale
    common: dict[str, Any] = {"base_lr": float(base_lr), "warmup_t": warmup_t,
                              "warmup_lr_init": args.get("warmup_lr", 1e-5), "t_in_epochs": not on_updates}
    noise = args.get("lr_noise")
    if noise is not None:
        common.update(noise_range_t=[n * t_initial for n in noise] if isinstance(noise, list) and len(noise) > 1
                      else (noise[0] if isinstance(noise, list) else noise) * t_initial,
                      noise_pct=args.get("lr_noise_pct", 0.67), noise_std=args.get("lr_noise_std", 1.0),
                      noise_seed=args.get("seed", 42))
    cycles = {"cycle_mul": args.get("lr_cycle_mul", 1.0), "cycle_decay": args.get("lr_cycle_decay", 0.1),
              "cycle_limit": args.get("lr_cycle_limit", 1)}
    min_lr = args.get("min_lr", 0.0)
    decay_rate = args.get("decay_rate", 0.1)
    if sched in ("cosine", "tanh", "poly"):
        node = {"type": {"cosine": "timm.CosineLRScheduler", "tanh": "timm.TanhLRScheduler",
                         "poly": "timm.PolyLRScheduler"}[sched], "t_initial": t_initial, "lr_min": min_lr,
                "warmup_prefix": warmup_prefix, **cycles, **common}
        if sched != "tanh":
            node["k_decay"] = args.get("lr_k_decay", 1.0)
        if sched == "poly":
            node["power"] = decay_rate  # timm overloads decay_rate as the polynomial power
    elif sched in ("step", "constant"):
        node = {"type": "timm.StepLRScheduler", "decay_t": decay_t if sched == "step" else 1,
                "decay_rate": decay_rate if sched == "step" else 1.0, "warmup_prefix": warmup_prefix, **common}
    elif sched == "multistep":
        milestones = args.get("decay_milestones", [30, 60])
        node = {"type": "timm.MultiStepLRScheduler", "decay_t": [m * scale for m in milestones],
                "decay_rate": decay_rate, "warmup_prefix": warmup_prefix, **common}
    elif sched in ("wsd", "rsqrt"):
        t_sched = t_initial if warmup_prefix else t_initial - warmup_t
        length = decay_epochs * t_sched if 0 < decay_epochs < 1 else decay_t
        timescale = args.get("lr_stable_timescale")
        node = {"type": "timm.WSDLRScheduler", "t_initial": t_sched, "decay_t": int(round(length)), "lr_min": min_lr,
                "stable_fn": "rsqrt" if sched == "rsqrt" else "constant",
                "decay_fn": args.get("lr_decay_fn") or ("linear" if sched == "rsqrt" else "1-sqrt"), **common}
        if sched == "rsqrt" and timescale is not None:
            node["stable_timescale"] = timescale * scale
    elif sched == "none":
        node = {"type": "constant", "lr": float(base_lr)}
        notes.append("sched none: timm leaves the optimizer's rate alone")
    else:
        raise LrspecError(Diagnostic(f"sched {sched!r} has no lrspec form" + (
            ": plateau follows the validation metric, not the step" if sched == "plateau" else ""), file=file,
            help="write the schedule you expect as lrspec nodes"))
    for key, why in (("cooldown_epochs", "the cooldown only lengthens the run: the rate after the schedule is "
                                         "already lr_min"),
                     ("layer_decay", "layer-wise decay scales each parameter group's rate; this document is the "
                                     "schedule of the base rate")):
        if args.get(key):
            notes.append(f"{key} = {args[key]} not carried over: {why}")
    doc = document(node, name)
    doc["unit"] = "step" if on_updates else "epoch"
    if on_updates:
        doc["steps_per_epoch"] = scale
    return doc, notes
