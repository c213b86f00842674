"""The audit on a real Dask cluster (two single-threaded worker processes) equals the local audit bit for bit, mean
included; partial audits merge in any order; the command line's --workers and --scheduler, and its usage errors."""

from __future__ import annotations

import io
import json
import logging
import random
import subprocess
import sys
from pathlib import Path

import pytest

import lrspec
from lrspec.cli import main
from lrspec.eval import kernel_for
from lrspec.eval.auditing import AUDIT_CHUNK, Part, audit_part, merge, split

distributed = pytest.importorskip("distributed")

NOISY = {"lrspec": 1, "name": "noisy", "schedule": {
    "type": "cosine", "initial_lr": 0.1, "final_lr": 0.001, "decay_steps": 2_000_000,
    "noise": {"distribution": "normal", "std": 0.1, "seed": 7}}}
RESTARTS = {"lrspec": 1, "name": "restarts", "schedule": {
    "type": "cosine", "initial_lr": 0.1, "final_lr": 0.0, "warmup": {"steps": 1000, "initial_lr": 0.0},
    "restarts": {"period": 100000, "period_mul": 2.0, "decay": 0.5}}}
POLE = {"lrspec": 1, "name": "pole", "schedule": {"type": "expression", "expr": "1 / (t - 5000)"}}  # inf at 5000
DOCS = [NOISY, RESTARTS, POLE]
#: Not a multiple of the chunk, and 2.5 million steps: with blocks of two chunks, 20 tasks per document.
START, STOP = 1234, 1234 + 2_500_000
BLOCK = 2 * AUDIT_CHUNK


@pytest.fixture(scope="module")
def local() -> list[lrspec.Audit]:
    """The reference: the local audits, run first so that the workers find every kernel compiled on disk."""
    return [lrspec.load(doc).audit(START, STOP) for doc in DOCS]


@pytest.fixture(scope="module")
def client(local):
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  scheduler_kwargs={"dashboard_address": ":0"}, silence_logs=logging.ERROR) as cluster:
        with distributed.Client(cluster, set_as_default=False) as client:
            yield client


def test_many_documents_in_small_blocks_equal_the_local_audit(client, local):
    audits = lrspec.audit_many([lrspec.load(NOISY), RESTARTS, json.dumps(POLE)], START, STOP, client, block=BLOCK)
    assert len(split(START, STOP, BLOCK)) == 20
    assert audits == local  # every field, mean included, bit for bit
    assert audits[2].nonfinite == 1 and audits[0].nonfinite == audits[1].nonfinite == 0


def test_workers_load_each_document_once_and_keep_it(client, local):
    digests = {lrspec.load(doc).digest() for doc in DOCS}

    def kept() -> dict[str, int]:
        from lrspec.distributed import _kernels

        return {digest: id(kernel) for digest, kernel in _kernels.items()}

    lrspec.audit_many(DOCS, START, STOP, client, block=BLOCK)
    before = client.run(kept)
    assert all(held and set(held) <= digests for held in before.values())
    lrspec.audit_many(DOCS, START, STOP, client, block=BLOCK)
    assert client.run(kept) == before  # the same kernels: nothing loaded again


def test_the_default_client_repeated_documents_and_the_default_block(client, local):
    with client.as_current():
        audits = lrspec.audit_many([RESTARTS, NOISY, RESTARTS], START, STOP)
    assert audits == [local[1], local[0], local[1]]


def test_a_range_that_needs_more_than_the_task_cap_gets_longer_tasks(client, monkeypatch):
    import lrspec.distributed

    monkeypatch.setattr(lrspec.distributed, "MAX_BLOCKS", 3)
    done = []
    audits = lrspec.audit_many([RESTARTS], 0, 1_000_000, client, block=AUDIT_CHUNK, progress=done.append)
    assert audits == [lrspec.load(RESTARTS).audit(0, 1_000_000)]
    assert len(done) == 3 and done[-1] == 1_000_000


def test_errors_before_any_task(client, monkeypatch):
    with pytest.raises(lrspec.LrspecError, match=r"schedule.lr: must be >= 0"):
        lrspec.audit_many([{"lrspec": 1, "schedule": {"type": "constant", "lr": -1}}], 0, 10, client)
    with pytest.raises(lrspec.LrspecError, match="need 0 <= start < stop"):
        lrspec.audit_many([RESTARTS], 10, 10, client)
    with pytest.raises(lrspec.LrspecError, match="block must be a positive integer"):
        lrspec.audit_many([RESTARTS], 0, 10, client, block=0)
    with pytest.raises(lrspec.LrspecError, match="no Dask client is active"):
        lrspec.audit_many([RESTARTS], 0, 10)
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    with pytest.raises(lrspec.LrspecError, match=r"pip install 'lrspec\[dask\]'"):
        lrspec.audit_many([RESTARTS], 0, 10, client)


def test_import_lrspec_stays_light():
    code = ("import sys, lrspec; lrspec.audit_many; "
            "print(sorted(m for m in ('distributed', 'dask', 'numba', 'numpy') if m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


# -- merging parts, without a cluster -----------------------------------------------------------------------------


def test_parts_merge_in_any_order(local):
    kernel = kernel_for(lrspec.load(NOISY))
    parts = [audit_part(kernel, lo, hi, origin=START, threads=1) for lo, hi in split(START, STOP, 3 * AUDIT_CHUNK)]
    for seed in range(3):
        random.Random(seed).shuffle(parts)
        assert merge(parts).audit() == local[0]


def test_part_sum_by_hand():
    one = 1 << 1074  # a total is the exact sum times 2**1074
    a = Part(start=0, stop=2, first=1.0, last=2.0, min=1.0, max=2.0, finite=2, nonfinite=0, total=3 * one,
             checksum=2**64 - 1)
    b = Part(start=2, stop=4, first=0.5, last=float("nan"), min=0.5, max=0.5, finite=1, nonfinite=1,
             total=one // 2, checksum=2)
    for merged in (a + b, b + a):
        audit = merged.audit()
        assert (audit.start, audit.stop, audit.count, audit.nonfinite) == (0, 4, 4, 1)
        assert (audit.min, audit.max, audit.first) == (0.5, 2.0, 1.0) and audit.last != audit.last
        assert audit.mean == 1.1666666666666667  # (1 + 2 + 0.5) / 3
        assert audit.checksum == "0000000000000001"  # modulo 2**64


def test_part_sums_are_exact_where_floats_would_cancel():
    parts = [Part(start=k, stop=k + 1, first=x, last=x, min=x, max=x, finite=1, nonfinite=0,
                  total=int(x) << 1074, checksum=0) for k, x in enumerate((1e16, 1.0, -1e16))]
    assert (1e16 + 1.0) - 1e16 == 0.0
    for order in ((0, 1, 2), (1, 0, 2), (2, 1, 0)):
        assert merge(parts[i] for i in order).audit().mean == 1 / 3  # (1e16 + 1 - 1e16) / 3


def test_an_overflowed_total_stays_infinite():
    inf = Part(start=0, stop=1, first=1.0, last=1.0, min=1.0, max=1.0, finite=1, nonfinite=0, total=float("inf"),
               checksum=0)
    one = Part(start=1, stop=2, first=1.0, last=1.0, min=1.0, max=1.0, finite=1, nonfinite=0, total=1 << 1074,
               checksum=0)
    assert (inf + one).audit().mean == (one + inf).audit().mean == float("inf")


# -- the command line ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("docs")
    paths = []
    for doc in DOCS:
        path = folder / f"{doc['name']}.json"
        path.write_text(json.dumps(doc))
        paths.append(str(path))
    return paths


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_cli_on_local_workers_prints_the_local_output(capsys, files, local):
    argv = ["audit", *files, "--start", str(START), "--stop", str(STOP), "--format", "json"]
    expected = _run(capsys, *argv)
    assert expected[0] == 1 and "pole.json: lr(t) is not finite" in expected[2]  # the pole fails the run
    assert [row["checksum"] for row in json.loads(expected[1])] == [audit.checksum for audit in local]
    assert _run(capsys, *argv, "--workers", "2") == expected


def test_cli_on_a_running_scheduler(capsys, client, files):
    argv = ["audit", *files, "--start", str(START), "--stop", str(STOP)]
    expected = _run(capsys, *argv)
    assert expected[0] == 1 and expected[1].count("\nfile ") == 2  # three blocks, a blank line between
    assert _run(capsys, *argv, "--scheduler", client.scheduler.address) == expected
    one = _run(capsys, "audit", files[1], "--steps", "300000", "--format", "json")
    assert one[0] == 0 and json.loads(one[1])["name"] == "restarts"  # one document: an object, as before
    assert _run(capsys, "audit", files[1], "--steps", "300000", "--format", "json", "--scheduler",
                client.scheduler.address) == one


@pytest.mark.parametrize("extra,message", [
    (["--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"], "not allowed with argument"),
    (["--workers", "0"], "--workers must be >= 1"),
    (["--workers", "two"], "must be an integer"),
    (["--scheduler", "nonsense"], "--scheduler: missing port number"),
    (["--scheduler", "http://127.0.0.1:8786"], "unknown address scheme"),
], ids=["both", "zero-workers", "not-a-number", "no-port", "scheme"])
def test_cli_usage_errors(capsys, files, extra, message):
    code, out, err = _run(capsys, "audit", files[1], "--steps", "10", *extra)
    assert (code, out) == (2, "") and message in err and "usage: lrspec audit" in err


def test_cli_without_the_extra_or_a_scheduler(capsys, files, monkeypatch):
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code, out, err = _run(capsys, "audit", files[1], "--steps", "10", "--scheduler", "tcp://127.0.0.1:1")
    assert (code, out) == (1, "") and err.startswith("lrspec: cannot connect to the Dask scheduler at tcp://127.0.0.1:1")
    assert len(err.strip().splitlines()) == 1
    monkeypatch.setitem(sys.modules, "distributed", None)
    code, out, err = _run(capsys, "audit", files[1], "--steps", "10", "--workers", "2")
    assert (code, out) == (2, "") and "pip install 'lrspec[dask]'" in err
    assert _run(capsys, "audit", files[1], "--steps", "10")[0] == 0  # a local audit never needs it


def test_cli_standard_input_once(capsys, files, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(Path(files[1]).read_bytes())))
    code, _, err = _run(capsys, "audit", "-", "-", "--steps", "10")
    assert code == 2 and "standard input ('-') can be read only once" in err
    code, out, _ = _run(capsys, "audit", "-", files[1], "--steps", "10")
    blocks = out.split("\n\n")
    assert code == 0 and blocks[0].startswith("file       <stdin>\n") and blocks[1].startswith(f"file       {files[1]}")
    assert blocks[0].splitlines()[1:] == blocks[1].splitlines()[1:]


def test_cli_help_names_the_cluster_options(capsys):
    code, out, _ = _run(capsys, "audit", "--help")
    assert code == 0 and "--scheduler ADDRESS" in out and "--workers N" in out and "lrspec[dask]" in out
