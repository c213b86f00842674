"""A kernel is compiled per document structure, not per document: numbers are data (spec/targets.md). Counted
with Numba's own dispatcher statistics in fresh processes, never timed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent('''
    import json, sys
    import numpy as np
    import lrspec
    from lrspec.eval import kernel_for

    def document(initial, final, steps, period, boundary):
        return {"lrspec": 1, "schedule": {"type": "sequence", "phases": [
            {"type": "cosine", "initial_lr": initial, "final_lr": final, "decay_steps": steps, "steps": boundary,
             "warmup": {"steps": 10}, "restarts": {"period": period, "period_mul": 2.0, "limit": 3}},
            {"type": "expression", "expr": f"{final} / (1 + t / {steps})"}]}}

    out = []
    modules = set()
    for args in json.loads(sys.argv[1]):
        spec = lrspec.load(document(*args))
        values = spec.evaluate(range(0, 3000)).tolist() + spec.evaluate(np.arange(0, 3000, 7)).tolist()
        kernel = kernel_for(spec)
        modules.add(id(kernel.module))
        fills = (kernel.fill_run64, kernel.fill_each)  # a run, and a short array
        out.append({"misses": sum(sum(f.stats.cache_misses.values()) for f in fills),
                    "hits": sum(sum(f.stats.cache_hits.values()) for f in fills),
                    "compiled": sum(len(f.signatures) for f in fills), "first": values[:3]})
    print(json.dumps({"runs": out, "modules": len(modules)}))
''')

#: Three documents of one structure: every number differs, the expression's literals too.
DOCS = [(0.1, 0.001, 400, 100, 1000), (0.5, 0.02, 250, 70, 1700), (0.03, 0.0, 999, 333, 2100)]


def _run(cache, docs):
    env = {**os.environ, "LRSPEC_CACHE_DIR": str(cache)}
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(docs)], env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_documents_that_differ_in_numbers_share_one_compiled_kernel(tmp_path):
    first = _run(tmp_path, DOCS)
    assert first["modules"] == 1  # one kernel module for the three documents
    runs = first["runs"]
    assert runs[0]["misses"] == 2 and runs[0]["compiled"] == 2  # compiled once, on the first document
    assert all(run["misses"] == runs[0]["misses"] and run["compiled"] == 2 for run in runs[1:])
    assert runs[0]["first"][0] == 0.0 and runs[1]["first"][0] == 0.0  # a warm-up from 0 in each
    assert runs[0]["first"] != runs[1]["first"]  # and the numbers are each document's own


def test_a_new_process_loads_the_structure_from_disk(tmp_path):
    _run(tmp_path, DOCS[:1])
    again = _run(tmp_path, [DOCS[2]])  # other numbers, same structure, fresh process
    assert again["runs"][0]["misses"] == 0 and again["runs"][0]["hits"] == 2
