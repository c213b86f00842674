"""Validation of node counters (spec/composition.md#node-counters) and of warm-ups towards the current rate."""

from __future__ import annotations

import pytest

import lrspec

_DECAY = {"type": "cosine", "initial_lr": 0.1, "decay_steps": 30}


@pytest.mark.parametrize("document,message", [
    ({"schedule": {**_DECAY, "unit": "epoch"}},
     r"schedule.unit: unit: epoch counts t // steps_per_epoch; give steps_per_epoch"),
    ({"schedule": {"type": "sequence", "phases": [{**_DECAY, "unit": "sample"}]}},
     r"schedule.phases\[0\].unit: unit: sample counts t \* samples_per_step; give samples_per_step"),
    ({"unit": "epoch", "steps_per_epoch": 10, "schedule": {**_DECAY, "unit": "epoch"}},
     r"schedule.unit: unit: epoch counts finer than the document, which counts epochs"),
    ({"schedule": {**_DECAY, "unit": "minute"}}, r"schedule.unit: "),
    ({"schedule": {**_DECAY, "warmup": {"steps": 5, "target_lr": "current"}}},
     r"schedule.warmup.target_lr: target_lr: current .* add prefix: false"),
    ({"schedule": {**_DECAY, "warmup": {"steps": 5, "target_lr": "now"}}},
     r"schedule.warmup.target_lr: must be a rate >= 0, 'start', 'end' or 'current'"),
])
def test_invalid_counters_name_the_field(document, message):
    with pytest.raises(lrspec.LrspecError, match=message):
        lrspec.load({"lrspec": 1, **document})


def test_a_unit_leaves_the_digest_of_documents_without_one_alone():
    plain = lrspec.load({"lrspec": 1, "schedule": _DECAY})
    assert plain.canonical_json() == ('{"lrspec":1,"schedule":{"decay_steps":30,"exponent":1.0,"initial_lr":0.1,'
                                      '"type":"cosine"},"unit":"step"}')
