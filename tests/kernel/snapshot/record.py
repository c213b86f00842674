"""Record the reference kernel's values before the single lowering replaces the per-target templates.

Run once from the commit before the change (``python tests/kernel/snapshot/record.py``); the test in
``tests/kernel/test_lowering_snapshot.py`` then holds every later kernel to these bits. The snapshot is the
one allowed exception to "expected values never come from the code under test", and goes once the lowering
has landed in every target.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TESTS = HERE.parents[1]
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(TESTS / "conformance"))

#: Dense steps 0..DENSE-1, then these large steps and their neighbours.
DENSE = 4096
LARGE = [2**24 - 1, 2**24, 2**24 + 1, 2**31 - 1, 2**31, 2**31 + 5, 10**12, 10**12 + 1, 2**53 - 1, 2**53]
#: Steps whose values are stored in full (hex), so a mismatch says where.
SAMPLED = [0, 1, 2, 9, 10, 11, 49, 50, 99, 100, 101, 199, 200, 299, 300, 301, 499, 500, 999, 1000, 1499, 1500,
           2047, 4095, *LARGE]
FUZZ_DOCUMENTS = 12


def steps() -> np.ndarray:
    return np.concatenate([np.arange(DENSE, dtype=np.int64), np.array(LARGE, dtype=np.int64)])


def digest(values: np.ndarray) -> str:
    """sha256 of the values as little-endian binary64, every NaN as the one quiet NaN (its sign and payload
    are not part of a value: spec/numerics.md)."""
    canonical = np.where(np.isnan(values), np.nan, values).astype("<f8")
    return hashlib.sha256(canonical.tobytes()).hexdigest()


def fuzz_documents() -> list[dict]:
    """Documents drawn from the spec fuzzer's strategy with a fixed seed, kept as data."""
    from hypothesis import HealthCheck, given, seed, settings
    from hypothesis import strategies as st
    from spec_strategies import node

    drawn: list[dict] = []

    @seed(20261203)
    @settings(max_examples=FUZZ_DOCUMENTS, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(node(max_depth=1), min_size=4, max_size=5))
    def draw(nodes):
        phases = [{**n, "steps": 300} for n in nodes[:-1]] + [nodes[-1]]
        drawn.append({"lrspec": 1, "name": f"fuzz-{len(drawn)}", "schedule": {"type": "sequence", "phases": phases}})

    draw()
    return drawn[:FUZZ_DOCUMENTS]


def documents() -> dict[str, dict | str]:
    from family import EXAMPLES, FAMILY

    docs: dict[str, dict | str] = {f"example:{p.name}": str(p.relative_to(TESTS.parent)) for p in EXAMPLES}
    docs.update({f"family:{k}": {"lrspec": 1, "name": k, "schedule": v} for k, v in FAMILY.items()})
    docs.update({f"fuzz:{d['name']}": d for d in fuzz_documents()})
    return docs


def record_one(source: dict | str) -> dict:
    import lrspec

    spec = lrspec.load(source if isinstance(source, dict) else TESTS.parent / source)
    at = steps()
    values = spec.evaluate(at)
    entry = {"document": source, "digest": digest(values),
             "sampled": {str(t): float(values[np.searchsorted(at, t)]).hex() for t in SAMPLED}}
    if spec.momentum is not None:
        entry["momentum_digest"] = digest(spec.momentum.evaluate(at))
    return entry


def main() -> None:
    out = {name: record_one(src) for name, src in documents().items()}
    (HERE / "pre_lowering.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"recorded {len(out)} documents")


if __name__ == "__main__":
    main()
