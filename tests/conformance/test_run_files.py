"""Importing the files a run leaves behind: an HF ``TrainingArguments`` JSON and a timm
``args.yaml`` as timm's train.py writes it (``yaml.safe_dump(vars(args))``), each compared with the scheduler the
library builds from it: ``transformers.get_scheduler`` with the Trainer's step counts (transformers/trainer.py,
``create_scheduler`` and the ``max_steps`` computation of ``_inner_training_loop``'s setup), and timm's
``create_scheduler_v2(**scheduler_kwargs(args))``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import warnings

import numpy as np
import pytest
import yaml
from transformers.optimization import get_scheduler
from transformers.training_args import TrainingArguments
from libs import sgd, timm_scheduler

import lrspec
from lrspec.importers._common import to_spec
from lrspec.importers.runs import hf_training_arguments_document, looks_like, timm_args_document


def _relative(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    return np.abs(got - ref) / np.abs(ref).max()


# ---------------------------------------------------------------- transformers TrainingArguments
def _training_arguments(**overrides) -> argparse.Namespace:
    """TrainingArguments' fields with their defaults and the given values, as ``to_json_string`` writes them.
    (Building the object itself imports transformers' reporting integrations, which need torchvision, which does not
    load beside this torch; the fields and the methods used here are the library's own.)"""
    fields = {f.name: f.default for f in dataclasses.fields(TrainingArguments)
              if f.default is not dataclasses.MISSING and isinstance(f.default, (int, float, str, bool, type(None)))}
    return argparse.Namespace(**{**fields, "output_dir": "run", **overrides})


def _hf_rates(args: argparse.Namespace, total: int) -> np.ndarray:
    optimizer = sgd(args.learning_rate)
    kwargs = dict(num_warmup_steps=TrainingArguments.get_warmup_steps(args, total), num_training_steps=total,
                  scheduler_specific_kwargs=args.lr_scheduler_kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheduler = get_scheduler(args.lr_scheduler_type, optimizer, **kwargs)
        out = []
        for _ in range(total + 5):
            out.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
    return np.array(out)


@pytest.mark.parametrize("kwargs,batches", [
    (dict(learning_rate=3e-4, lr_scheduler_type="cosine", warmup_steps=0.1, num_train_epochs=3,
          gradient_accumulation_steps=4), 250),
    (dict(learning_rate=1e-3, lr_scheduler_type="warmup_stable_decay", warmup_steps=30, max_steps=400,
          lr_scheduler_kwargs={"num_decay_steps": 100, "min_lr_ratio": 0.1, "decay_type": "1-sqrt"}), None),
    (dict(learning_rate=5e-5, lr_scheduler_type="polynomial", warmup_steps=12, num_train_epochs=2.5,
          lr_scheduler_kwargs={"power": 2.0, "lr_end": 1e-6}), 77),
    (dict(learning_rate=2e-4, lr_scheduler_type="inverse_sqrt", warmup_steps=40, max_steps=300), None),
])
def test_hf_training_arguments_json(kwargs, batches):
    args = _training_arguments(**kwargs)
    data = json.loads(json.dumps(vars(args)))
    assert looks_like(data) == "hf"
    doc, _ = hf_training_arguments_document(data, "training_args.json", batches)
    if args.max_steps > 0:
        total = args.max_steps
    else:  # Trainer: max(ceil(len_dataloader / accumulation), 1) updates per epoch, ceil(epochs * that) in all
        total = math.ceil(args.num_train_epochs * max(-(-batches // args.gradient_accumulation_steps), 1))
    ref = _hf_rates(args, total)
    got = to_spec(doc, "training_args.json").evaluate(np.arange(len(ref)))
    assert _relative(got, ref).max() <= 1e-12


def test_hf_without_max_steps_asks_for_the_dataloader_length():
    data = json.loads(json.dumps(vars(_training_arguments())))
    with pytest.raises(lrspec.LrspecError, match="the number of training steps is not in the file") as info:
        hf_training_arguments_document(data, "training_args.json")
    assert "--batches-per-epoch" in info.value.diagnostics[0].help


# ---------------------------------------------------------------- timm args.yaml
def _timm_args(**overrides) -> dict:
    """An args.yaml as train.py writes it: its argparse defaults (timm 1.0 train.py) with the given values."""
    args = dict(sched="cosine", epochs=300, decay_epochs=90, decay_milestones=[90, 180, 270], warmup_epochs=5,
                cooldown_epochs=0, patience_epochs=10, decay_rate=0.1, min_lr=0.0, warmup_lr=1e-5, warmup_prefix=False,
                lr_noise=None, lr_noise_pct=0.67, lr_noise_std=1.0, seed=42, lr_cycle_mul=1.0, lr_cycle_decay=0.5,
                lr_cycle_limit=1, lr_k_decay=1.0, sched_on_updates=False, lr=None, lr_base=0.1, lr_base_size=256,
                eval_metric="top1", model="resnet50", batch_size=128, opt="sgd")
    args.update(overrides)
    return yaml.safe_load(yaml.safe_dump(args))


@pytest.mark.parametrize("overrides,updates", [
    (dict(lr=0.016, sched="step", epochs=450, decay_epochs=2.4, decay_rate=0.97, warmup_epochs=3, warmup_lr=1e-6),
     None),  # the EfficientNet recipe
    (dict(lr=5e-4, sched="cosine", epochs=20, warmup_epochs=2, min_lr=1e-5, sched_on_updates=True), 37),
    (dict(lr=1e-3, sched="wsd", epochs=30, warmup_epochs=3, decay_epochs=0.25, min_lr=1e-6), None),
    (dict(lr=0.1, sched="multistep", epochs=100, decay_milestones=[30, 60, 90], warmup_epochs=0), None),
])
def test_timm_args_yaml(overrides, updates):
    args = _timm_args(**overrides)
    assert looks_like(args) == "timm"
    kwargs = timm_scheduler("scheduler_factory", "scheduler_kwargs")(argparse.Namespace(**args))
    optimizer = sgd(args["lr"])
    scheduler, _ = timm_scheduler("scheduler_factory", "create_scheduler_v2")(
        optimizer, **kwargs, updates_per_epoch=updates or 0)
    doc, _ = timm_args_document(args, "args.yaml", updates)
    spec = to_spec(doc, "args.yaml")
    n = (args["epochs"] + args["warmup_epochs"] + 5) * (updates or 1)
    ref = np.array([scheduler._get_lr(t)[0] for t in range(n)])
    assert _relative(spec.evaluate(np.arange(n)), ref).max() <= 1e-12
    assert spec.document.unit == ("step" if updates else "epoch")


def test_timm_args_without_lr_names_what_to_give():
    with pytest.raises(lrspec.LrspecError, match="the learning rate is not in the file") as info:
        timm_args_document(_timm_args(), "args.yaml")
    assert "--base-lr" in info.value.diagnostics[0].help


def test_timm_args_notes_what_is_not_carried_over():
    _, notes = timm_args_document(_timm_args(lr=0.1, cooldown_epochs=10, layer_decay=0.65), "args.yaml")
    assert any(n.startswith("cooldown_epochs = 10") for n in notes)
    assert any(n.startswith("layer_decay = 0.65") for n in notes)
