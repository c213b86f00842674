"""Compiled kernels are cached on disk: a second process loads them instead of compiling again; a damaged or
tampered kernel file is rewritten, and processes compiling the same kernel at once do not disturb each other."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

SPEC = """\
lrspec: 1
schedule:
  type: cosine
  initial_lr: 0.1
  final_lr: 0.0
  restarts: {period: 7, period_mul: 2, decay: 0.5}
  warmup: {steps: 3}
"""

PROBE = textwrap.dedent("""
    import json, sys
    import lrspec
    from lrspec.eval import kernel_for
    spec = lrspec.load(sys.argv[1])
    values = spec.evaluate(range(0, 50)).tolist()
    kernel = kernel_for(spec)
    print(json.dumps({"hits": sum(kernel.fill_run64.stats.cache_hits.values()),
                      "misses": sum(kernel.fill_run64.stats.cache_misses.values()), "values": values}))
""")


def _run(spec_path: Path, cache: Path) -> dict:
    env = {**os.environ, "LRSPEC_CACHE_DIR": str(cache)}
    out = subprocess.run([sys.executable, "-c", PROBE, str(spec_path)], env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def test_second_process_loads_the_cached_kernel(tmp_path):
    spec_path = tmp_path / "s.yaml"
    spec_path.write_text(SPEC)
    cache = tmp_path / "cache"
    first = _run(spec_path, cache)
    assert first["hits"] == 0 and first["misses"] == 1
    assert list((cache / "kernels").glob("k_*.py"))
    assert list((cache / "kernels" / "__pycache__").glob("*.nbi"))
    second = _run(spec_path, cache)
    assert second["hits"] == 1 and second["misses"] == 0
    assert second["values"] == first["values"]


def test_a_damaged_kernel_file_is_rewritten(tmp_path):
    spec_path = tmp_path / "s.yaml"
    spec_path.write_text(SPEC)
    cache = tmp_path / "cache"
    first = _run(spec_path, cache)
    (module,) = (cache / "kernels").glob("k_*.py")
    text = module.read_text()
    module.write_text(text[: len(text) // 2])  # truncated, as by a crash mid-write
    again = _run(spec_path, cache)
    assert again["values"] == first["values"]
    assert module.read_text() == text


def test_a_tampered_kernel_file_is_never_run(tmp_path):
    spec_path = tmp_path / "s.yaml"
    spec_path.write_text(SPEC)
    cache = tmp_path / "cache"
    first = _run(spec_path, cache)
    (module,) = (cache / "kernels").glob("k_*.py")
    text = module.read_text()
    marker = tmp_path / "ran"
    module.write_text(f"open({str(marker)!r}, 'w').close()\n" + text)  # same name, other content
    again = _run(spec_path, cache)
    assert again["values"] == first["values"]
    assert not marker.exists()
    assert module.read_text() == text


CONCURRENT = textwrap.dedent("""
    import json, sys, time
    import lrspec
    spec = lrspec.load(sys.argv[1])
    while time.time() < float(sys.argv[2]):  # both processes start compiling at the same moment
        time.sleep(0.001)
    print(json.dumps({"values": spec.evaluate(range(0, 3000, 7)).tolist()}))
""")


def test_two_processes_compiling_the_same_spec_at_once_both_succeed(tmp_path):
    spec_path = tmp_path / "s.yaml"
    spec_path.write_text("lrspec: 1\nschedule: {type: inverse_sqrt, initial_lr: 0.1, timescale: 9, shift: 1}\n")
    cache = tmp_path / "cache"
    start = f"{time.time() + 1.5}"
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, str(spec_path), start],
                              env={**os.environ, "LRSPEC_CACHE_DIR": str(cache), "PYTHONHASHSEED": str(seed)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for seed in (1, 2)]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]
        outs.append(json.loads(out))
    assert outs[0] == outs[1]
    # and a third process, loading what they cached, agrees bit for bit
    third = subprocess.run([sys.executable, "-c", CONCURRENT, str(spec_path), "0"], capture_output=True, text=True,
                           env={**os.environ, "LRSPEC_CACHE_DIR": str(cache)}, check=True)
    assert json.loads(third.stdout) == outs[0]
    assert len(list((cache / "kernels").glob("k_*.py"))) == 1
    assert not list((cache / "kernels").glob(".tmp-*"))


@pytest.mark.parametrize("damage", ["truncate-nbc", "garbage-nbi", "empty-nbi"])
def test_damaged_numba_cache_files_are_rebuilt(tmp_path, damage):
    spec_path = tmp_path / "s.yaml"
    spec_path.write_text("lrspec: 1\nschedule: {type: cosine, initial_lr: 0.5, decay_steps: 40}\n")
    cache = tmp_path / "cache"
    first = _run(spec_path, cache)
    suffix = ".nbc" if damage.endswith("nbc") else ".nbi"
    victims = sorted((cache / "kernels" / "__pycache__").glob(f"*{suffix}"))
    assert victims
    for victim in victims:
        data = victim.read_bytes()
        victim.write_bytes({"truncate-nbc": data[: len(data) // 2], "garbage-nbi": b"\x80\x04garbage" * 7,
                            "empty-nbi": b""}[damage])
    again = _run(spec_path, cache)  # raises if the process fails
    # cos(pi * 20 / 40) = 0: lr(20) = 0.5 * (1 + 0) / 2, written out by hand
    assert again["values"][20] == 0.25
    assert again["values"] == first["values"]
