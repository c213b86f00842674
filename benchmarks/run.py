"""lrspec against its peers, in one run on one machine; writes benchmarks/RESULTS.md.

    python benchmarks/run.py                       # the full run (about 15 minutes on 2 cores)
    python benchmarks/run.py --sizes 1e4 --audit-sizes 1e4 --reps 1 --budget 2 --out /tmp/r.md   # a smoke run

Every rate is steps per second, the median of ``--reps`` evaluations after a warm-up call; the warm-up's
extra time is the compile/trace column. Each peer is shown with the ratio lrspec / peer, lrspec's kernel
writing the same output dtype (float32 peers against lrspec's float32 output). Python stepping loops run
only at the sizes whose estimated time (from a short probe) fits ``--budget`` seconds, any other method
only where its time at the size below says it fits ``--vector-budget``; nothing is extrapolated.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Timing, cli_timings, load_average, machine, time_call, torch_step_costs  # noqa: E402

HERE = Path(__file__).resolve().parent
PROBE = 2000


def _size(text: str) -> int:
    return int(float(text))


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=_size, nargs="+", default=[10**6, 10**7, 10**8])
    p.add_argument("--audit-sizes", type=_size, nargs="+", default=[10**6, 10**7, 10**8, 10**9],
                   help="streaming audit sizes (the largest for the first spec only)")
    p.add_argument("--specs", nargs="+", default=["restarts", "triangular2", "four_phase"])
    p.add_argument("--reps", type=int, default=5, help="timed repetitions after the warm-up (default 5)")
    p.add_argument("--budget", type=float, default=60.0, help="seconds a stepping loop may take at one size")
    p.add_argument("--vector-budget", type=float, default=180.0,
                   help="seconds any other method may take at one size, estimated from the size below it")
    p.add_argument("--no-cli", action="store_true",
                   help="skip the command-line latencies (lrspec validate, eval, plot, ...) and torch step() timings")
    p.add_argument("--generated-steps", type=_size, default=10**7,
                   help="steps of the generated-code rows (benchmarks/generated.py); 0 skips them")
    p.add_argument("--array-steps", type=_size, default=10**7,
                   help="steps of the array, latency and audit rows (benchmarks/responsiveness.py); 0 skips them")
    p.add_argument("--dask-steps", type=_size, default=10**10,
                   help="steps of the Dask audit rows (benchmarks/dask_audit.py); 0 skips them")
    p.add_argument("--dask-workers", type=int, nargs="+", default=[1, 2, 4], help="Dask cluster sizes (default 1 2 4)")
    p.add_argument("--settle", type=float, default=1.0,
                   help="seconds of further calls after the warm-up of an array or audit row (default 1)")
    p.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    return p.parse_args(argv)


def _fmt_rate(rate: float) -> str:
    return f"{rate / 1e6:,.1f} M/s" if rate >= 1e5 else f"{rate / 1e6:.3f} M/s"


def _probe_ok(make: Any, n: int, reps: int, budget: float) -> tuple[bool, float]:
    run = make(PROBE)
    run()
    start = time.perf_counter()
    run()
    rate = PROBE / max(time.perf_counter() - start, 1e-9)
    return n / rate * (reps + 1) <= budget, rate


def bench_spec(name: str, args: argparse.Namespace, out: list[str]) -> dict[str, Any]:
    from peers import NEAREST, audit_row, methods, reference_rows

    rows, notes = methods(name)
    if name == args.specs[0]:
        rows += reference_rows()
    results: dict[tuple[str, str], dict[int, Timing | str]] = {}
    for n in args.sizes:
        for m in rows:
            cell: Timing | str
            done = [k / c.seconds for k, c in results.get((m.label, m.dtype), {}).items() if isinstance(c, Timing)]
            budget = args.budget if m.loop else args.vector_budget
            if m.loop or done:
                ok, rate = (n / done[-1] * (args.reps + 1) <= budget, done[-1]) if done else \
                    _probe_ok(m.make, n, args.reps, budget)
                if not ok:
                    cell = f"not run: {n / rate * (args.reps + 1):.0f} s > budget"
                    results.setdefault((m.label, m.dtype), {})[n] = cell
                    print(f"  {name:12} N={n:.0e} {m.label} [{m.dtype}]: {cell}", flush=True)
                    continue
            try:
                cell = time_call(m.make(n), args.reps)
            except Exception as exc:  # e.g. a framework running out of memory at 10**8: a cell, not a crash
                first = (str(exc).strip().splitlines() or [""])[0][:80].replace("|", "/")
                results.setdefault((m.label, m.dtype), {})[n] = f"failed: {type(exc).__name__} {first}"
                print(f"  {name:12} N={n:.0e} {m.label} [{m.dtype}]: failed: {type(exc).__name__}: {first}")
                continue
            results.setdefault((m.label, m.dtype), {})[n] = cell
            ref = results.get(("lrspec kernel", m.dtype if m.dtype in ("float32", "float64") else "float64"), {})
            ratio = ref.get(n)
            note = f"  lrspec/this {ratio.seconds and cell.seconds / ratio.seconds:.2f}x" \
                if isinstance(ratio, Timing) else ""
            print(f"  {name:12} N={n:.0e} {m.label} [{m.dtype}]: {_fmt_rate(n / cell.seconds)}"
                  f" (compile {cell.compile_seconds:.2f} s){note}", flush=True)
    audit = audit_row(name)
    sizes = args.audit_sizes if name == args.specs[0] else [s for s in args.audit_sizes if s < 10**9]
    audits: dict[int, tuple[Timing, int]] = {}
    for n in sizes:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        cell = time_call(audit.make(n), args.reps)
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        audits[n] = (cell, grown)
        print(f"  {name:12} N={n:.0e} streaming audit: {cell.seconds:.3f} s, {_fmt_rate(n / cell.seconds)}, "
              f"peak RSS +{grown / 1024:.1f} MiB", flush=True)
    _table(name, args, results, audits, notes, NEAREST[name], out)
    return {"results": results, "audits": audits}


def _table(name: str, args: argparse.Namespace, results: dict, audits: dict, notes: list[str], nearest: str,
           out: list[str]) -> None:
    from specs import SPECS

    out += [f"### {name}", "", f"`{SPECS[name]['schedule']}`", "", f"Nearest built-ins: {nearest}.", ""]
    head = "| method | output | " + " | ".join(f"N = {n:.0e}" for n in args.sizes) + " | compile/trace (s) |"
    out += [head, "|" + "---|" * (len(args.sizes) + 3)]
    for (label, dtype), cells in results.items():
        ref = results.get(("lrspec kernel", dtype if dtype in ("float32", "float64") else "float64"), {})
        parts = []
        compile_s = max((c.compile_seconds for c in cells.values() if isinstance(c, Timing)), default=0.0)
        for n in args.sizes:
            c = cells.get(n)
            if not isinstance(c, Timing):
                parts.append(c or "")
                continue
            text = _fmt_rate(n / c.seconds)
            r = ref.get(n)
            if isinstance(r, Timing) and label != "lrspec kernel":
                text += f" (lrspec {c.seconds / r.seconds:,.2f}×)"
            parts.append(text)
        out.append(f"| {label} | {dtype} | " + " | ".join(parts) + f" | {compile_s:.2f} |")
    for n, (c, grown) in audits.items():
        cell = f"{c.seconds:.3f} s = {_fmt_rate(n / c.seconds)}, peak RSS +{grown / 1024:.1f} MiB"
        out.append(f"| lrspec streaming audit, N = {n:.0e} | none | {cell} |" + " |" * (len(args.sizes) - 1)
                   + f" {c.compile_seconds:.2f} |")
    out += [""] + [f"- {note}" for note in notes] + [""]


def _rate(data: dict, label: str, dtype: str, n: int) -> float | None:
    cell = data["results"].get((label, dtype), {}).get(n)
    return n / cell.seconds if isinstance(cell, Timing) else None


def _targets(args: argparse.Namespace, data: dict[str, dict], tools: dict | None, steps: dict | None) -> list[str]:
    lines = ["## Targets (issue 5), from this run", "", "| target | measured | met |", "|---|---|---|"]

    def row(target: str, measured: str, ok: bool | None) -> None:
        lines.append(f"| {target} | {measured} | {'yes' if ok else ('no' if ok is not None else 'n/a')} |")

    first = args.specs[0]
    n = 10**7 if 10**7 in args.sizes else args.sizes[-1]
    d = data.get(first)
    if d:
        k32, k64 = _rate(d, "lrspec kernel", "float32", n), _rate(d, "lrspec kernel", "float64", n)
        fill = _rate(d, "fill a preallocated array (memory limit)", "float64", n)
        for which, label in (("nearest optax (restarts joined)", "optax nearest, jax.jit over an arange"),
                             ("optax one warmup+cosine cycle", "optax warmup_cosine_decay_schedule (one cycle), "
                                                               "jax.jit over an arange")):
            optax = _rate(d, label, "float32", n)
            if k32 and optax:
                row(f"{first}, N={n:.0e}: float32 kernel ≥ 1.5× {which}", f"{k32 / optax:.2f}×", k32 / optax >= 1.5)
            if k64 and optax:
                row(f"{first}, N={n:.0e}: float64 kernel ≥ 1.0× {which}", f"{k64 / optax:.2f}×", k64 / optax >= 1.0)
        if k64 and fill:
            row(f"{first}, N={n:.0e}: float64 kernel ≥ 40% of the fill rate", f"{100 * k64 / fill:.0f}%",
                k64 / fill >= 0.4)
        big = d["audits"].get(10**9)
        if big:
            row(f"{first}: streaming audit of 1e9 steps ≤ 4 s, constant memory",
                f"{big[0].seconds:.2f} s, peak RSS +{big[1] / 1024:.1f} MiB", big[0].seconds <= 4.0)
    for name, d in data.items():
        worst = None
        for label in ("generated torch scheduler, stepping loop", "torch nearest built-in, stepping loop",
                      "timm nearest, step(t) loop"):
            for m, cell in d["results"].get((label, "float64"), {}).items():
                k = _rate(d, "lrspec kernel", "float64", m)
                if isinstance(cell, Timing) and k:
                    ratio = k / (m / cell.seconds)
                    worst = ratio if worst is None else min(worst, ratio)
        if worst is not None:
            row(f"{name}: kernel ≥ 1000× every torch/timm stepping loop", f"smallest {worst:,.0f}×", worst >= 1000)
    if tools:
        row(f"lrspec validate on {tools['docs']} documents ≤ 1 s", f"{tools['validate']:.2f} s",
            tools["validate"] <= 1.0)
        row(f"lrspec eval --steps {tools['steps']} ≤ 2 s (cached)", f"{tools['eval_cached']:.2f} s",
            tools["eval_cached"] <= 2.0)
        row(f"lrspec eval --steps {tools['steps']} ≤ 10 s (uncached)", f"{tools['eval_cold']:.2f} s",
            tools["eval_cold"] <= 10.0)
    if steps:
        ratio = steps["generated"] / steps["CosineAnnealingLR"]
        row("generated torch step() ≤ 2× CosineAnnealingLR.step()",
            f"{steps['generated']:.1f} µs vs {steps['CosineAnnealingLR']:.1f} µs ({ratio:.2f}×)", ratio <= 2.0)
    return lines + [""]


def responsiveness(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The rows and targets of issue 14: arrays against optax, the command line after an edit, the audit against
    evaluating the same range, and the Dask audit against the local one."""
    import responsiveness as r

    body: list[str] = []
    lines = ["## Targets (issue 14), from this run", "", "| target | measured | met |", "|---|---|---|"]

    def row(target: str, ratio: float, ok: bool | None) -> None:
        lines.append(f"| {target} | {ratio:.2f}× | {'yes' if ok else ('no' if ok is not None else 'n/a')} |")

    n = args.array_steps
    if n:
        table, arrays = r.array_rows(n, settle=args.settle)
        body += [f"### Arrays of steps, N = {n:.0e}", "", *table]
        row(f"`evaluate(np.arange({n:.0e}))`, float64 ≥ 1.0× optax jit", arrays["np.arange(N) float64"],
            arrays["np.arange(N) float64"] >= 1.0)
        row(f"`evaluate(np.arange({n:.0e}), dtype=float32)` ≥ 1.5× optax jit", arrays["np.arange(N) float32"],
            arrays["np.arange(N) float32"] >= 1.5)
        row(f"`evaluate(range({n:.0e}))`, float64 ≥ 1.5× optax jit", arrays["range(N) float64"],
            arrays["range(N) float64"] >= 1.5)
        if not args.no_cli:
            table, cli = r.cli_rows()
            body += ["### Command-line latency", "", *table]
            row("`lrspec eval`, new numbers in a cached structure ≤ 1.2× a cached document", cli["ratio"],
                cli["ratio"] <= 1.2)
        audit_n = 10 * n
        names = tuple(name for name in ("restarts", "four_phase") if name in args.specs)
        table, audits = r.audit_rows(audit_n, settle=args.settle, names=names)
        body += [f"### Streaming audit against evaluation, N = {audit_n:.0e}", "", *table]
        for name, ratio in audits.items():
            row(f"{name}: `audit(0, {audit_n:.0e})` ≤ 1.3× `evaluate(range({audit_n:.0e}))`", ratio, ratio <= 1.3)
    if args.dask_steps:
        import dask_audit

        table, clusters = dask_audit.rows(args.dask_steps, tuple(args.dask_workers))
        body += [f"### Dask audit of {args.dask_steps:.0e} steps against the local audit", "",
                 "Every cluster's result equals the local audit's ([dask_audit.py](dask_audit.py)); × local is the "
                 "local audit's time over the cluster's.", "", *table, ""]
        for workers, ratio in clusters.items():
            target = "≥ 0.75× the local audit" if workers == 2 else "× the local audit (how it scales; no target)"
            row(f"Dask audit of {args.dask_steps:.0e} steps, {workers} single-threaded worker"
                f"{'s' if workers > 1 else ''}: {target}", ratio, ratio >= 0.75 if workers == 2 else None)
    return (lines + [""] if len(lines) > 4 else []), body


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    os.environ["LRSPEC_CACHE_DIR"] = tempfile.mkdtemp(prefix="lrspec-bench-cache-")  # compile times are real
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    started, load_before = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), load_average()
    body: list[str] = []
    data = {}
    for name in args.specs:
        print(f"{name}:", flush=True)
        data[name] = bench_spec(name, args, body)
    tools = None if args.no_cli else cli_timings()
    steps = None if args.no_cli else torch_step_costs(args.specs[0])
    generated: list[str] = []
    if args.generated_steps:  # before the Dask rows, whose worker processes may take a while to go
        from generated import rows

        generated = rows(args.generated_steps, args.reps)
    targets14, waits = responsiveness(args)
    text = ["# lrspec benchmark results", "",
            "Produced by `python benchmarks/run.py" + "".join(f" {a}" for a in sys.argv[1:])
            + "` (after `pip install -e .[bench]`); do not edit by hand.", "",
            f"- Run: {started}; load average (1/5/15 min) before {load_before}, after {load_average()}",
            *[f"- {line}" for line in machine()],
            f"- {args.reps} timed repetitions after one warm-up; rates are medians. "
            "`(lrspec k×)`: lrspec's kernel with the same output dtype is k times faster.", "",
            *_targets(args, data, tools, steps), *targets14,
            "What limits each target that is not met, with profiles, and what would close it: "
            "[LIMITS.md](LIMITS.md).", "", "## Rates", "", *body]
    if tools:
        text += ["## Command line", "",
                 f"- `lrspec validate` on {tools['docs']} documents: {tools['validate']:.2f} s wall",
                 f"- `lrspec eval {tools['eval_doc']} --steps {tools['steps']}` (CSV to a pipe): "
                 f"{tools['eval_cold']:.2f} s uncached, {tools['eval_cached']:.2f} s cached", ""]
    if steps:
        text += [f"- torch `step()`: generated scheduler {steps['generated']:.1f} µs, "
                 f"`CosineAnnealingLR` {steps['CosineAnnealingLR']:.1f} µs", ""]
    if waits:
        text += ["## Where users wait", "", *waits]
    if generated:
        text += [f"## Generated code against the libraries, N = {args.generated_steps:.0e}", "",
                 "Each side in a fresh process, median of the repetitions after a warm-up; memory is the growth of the "
                 "peak resident size during the timed calls ([generated.py](generated.py)).", "",
                 *generated, ""]
    args.out.write_text("\n".join(text), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
