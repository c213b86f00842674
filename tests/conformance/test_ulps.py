"""How close the binary64 targets come to the reference: a few units in the last place of the largest value,
far inside the conformance bound of 1e-12 (spec/targets.md#conformance). A target that reassociates, fuses or
reorders the spec's operations shows up here first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import lrspec
from lrspec.codegen import generate
from lrspec.conformance import import_generated, reference

sys.path.insert(0, str(Path(__file__).resolve().parent))
from family import EXAMPLES, FAMILY  # noqa: E402

#: The bound, in units in the last place of the largest |lr| over the checked steps.
ULPS = 8
STEPS = np.concatenate([np.arange(1500), [2**24 + 1, 2**31 + 5, 10**12, 2**53]]).astype(np.int64)
DOCUMENTS = {p.stem: str(p) for p in EXAMPLES} | {k: {"lrspec": 1, "name": k, "schedule": v} for k, v in
                                                    FAMILY.items()}


def ulps(got: np.ndarray, ref: np.ndarray) -> float:
    """max |got - ref| over the finite reference values, in ulps of the largest of them; NaN and infinities
    must match exactly."""
    finite = np.isfinite(ref)
    assert np.array_equal(np.isnan(got), np.isnan(ref)), "NaN where the reference has none, or the reverse"
    assert np.array_equal(got[~finite & ~np.isnan(ref)], ref[~finite & ~np.isnan(ref)])
    if not finite.any():
        return 0.0
    peak = np.abs(ref[finite]).max()
    return float(np.abs(got[finite] - ref[finite]).max() / np.spacing(peak)) if peak else 0.0


def _reference(document) -> tuple[lrspec.Spec, np.ndarray]:
    spec = lrspec.load(document)
    return spec, reference(spec, STEPS)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_torch_and_tf_within_a_few_ulps(name):
    spec, ref = _reference(DOCUMENTS[name])
    torch_module = import_generated(generate(spec, "torch"), f"ulps_torch_{abs(hash(name))}")
    assert ulps(np.array([torch_module.lr_at(int(t)) for t in STEPS]), ref) <= ULPS
    tf_module = import_generated(generate(spec, "tf"), f"ulps_tf_{abs(hash(name))}")
    assert ulps(tf_module.lr_at(STEPS).numpy(), ref) <= ULPS


X64 = textwrap.dedent("""
    import json, sys
    import numpy as np
    import lrspec
    from lrspec.codegen import generate
    from lrspec.conformance import import_generated, reference
    steps = np.array(json.loads(sys.argv[2]), dtype=np.int64)
    out = {}
    for name, document in json.loads(sys.argv[1]).items():
        module = import_generated(generate(lrspec.load(document), "jax"), "ulps_jax")
        out[name] = np.asarray(module.schedule(steps), dtype=np.float64).tolist()
    print(json.dumps(out))
""")


def test_jax_with_x64_within_a_few_ulps():
    env = {**os.environ, "JAX_ENABLE_X64": "1"}
    documents = {k: (v if isinstance(v, dict) else str(v)) for k, v in DOCUMENTS.items()}
    run = subprocess.run([sys.executable, "-c", X64, json.dumps(documents), json.dumps(STEPS.tolist())], env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])  # Python's json reads NaN and Infinity back
    worst = {}
    for name, values in got.items():
        _, ref = _reference(DOCUMENTS[name])
        worst[name] = ulps(np.array(values, dtype=np.float64), ref)
    assert max(worst.values()) <= ULPS, {k: v for k, v in worst.items() if v > ULPS}
