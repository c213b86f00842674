"""``lrspec generate`` and ``lrspec conformance``: framework code from a spec, and proof that it agrees."""

from __future__ import annotations

import argparse
import sys

from ..spec import shown
from ._common import EXIT_FAIL, EXIT_OK, RAW, Usage, integer, load, out, write_file

_GENERATE_EPILOG = """\
The module imports only the target framework (and numpy or the standard library), never lrspec:
  torch  lr_at(step) and an LRScheduler subclass: sched = ClassName(optimizer); sched.step() after
         each optimizer.step(); mode="multiplier" scales each param group's initial rate instead
  tf     a keras LearningRateSchedule: ClassName()(step) on a scalar or a vector of steps
  jax    schedule(count), a pure function usable as an optax learning_rate
The same spec and lrspec version always give the same bytes; the header names the spec's hash.

Example:
  lrspec generate examples/clr-triangular2.yaml --target torch -o clr_schedule.py
  lrspec generate schedule.yaml --target jax --class-name WarmupCosine
"""

_CONFORMANCE_EPILOG = """\
Generates the code for each target, imports it with the real framework and compares it with the
reference evaluator at steps 0 .. N-1 and at large steps (2**24 + 1, 2**31 - 1, 2**31 + 5, 10**12, 2**53
where the target's counter allows). Tolerance (spec/targets.md): float64 targets within 1e-12 of the
largest |lr|; float32 targets within 2e-7 of it plus 1e-6 relative. Exit status 1 when a target fails.
By default every target whose framework is installed is checked.

Example:
  lrspec conformance schedule.yaml
  lrspec conformance schedule.yaml --target torch --steps 100000
"""

TARGETS = ("torch", "tf", "jax")
_FRAMEWORK = {"torch": "torch", "tf": "tensorflow", "jax": "jax"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", formatter_class=RAW, epilog=_GENERATE_EPILOG,
                       help="write PyTorch, TensorFlow/Keras or JAX code for a schedule",
                       description="Render a schedule into a self-contained module for a framework.")
    p.add_argument("file", metavar="FILE", help="the document ('-' for standard input)")
    p.add_argument("--target", required=True, choices=TARGETS, help="the framework")
    p.add_argument("-o", "--output", metavar="OUT", default=None, help="write to OUT instead of standard output")
    p.add_argument("--class-name", metavar="NAME", default=None,
                   help="name of the generated class (default: from the spec's name)")
    p.set_defaults(run=_cmd_generate, parser=p)

    p = sub.add_parser("conformance", formatter_class=RAW, epilog=_CONFORMANCE_EPILOG,
                       help="check generated code against the reference evaluator",
                       description="Check that the generated code of each target computes the spec.")
    p.add_argument("file", metavar="FILE", help="the document ('-' for standard input)")
    p.add_argument("--target", action="append", choices=TARGETS, default=None,
                   help="a target to check (repeatable; default: every installed framework)")
    p.add_argument("--steps", type=integer, default=2000, metavar="N", help="dense steps 0 .. N-1 (default 2000)")
    p.set_defaults(run=_cmd_conformance, parser=p)


def _cmd_generate(args: argparse.Namespace) -> int:
    from ..codegen import generate

    source = generate(load(args.file), args.target, args.class_name)
    if args.output in (None, "-"):
        out(source)
        return EXIT_OK
    return write_file(args.output, "w", lambda stream: stream.write(source))


def _installed(target: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(_FRAMEWORK[target]) is not None


def _cmd_conformance(args: argparse.Namespace) -> int:
    if args.steps < 1:
        raise Usage(f"--steps must be >= 1, got {shown(args.steps)}")
    spec = load(args.file)
    targets = args.target or [t for t in TARGETS if _installed(t)]
    missing = [t for t in targets if not _installed(t)]
    if missing:
        raise Usage(f"not installed: {', '.join(_FRAMEWORK[t] for t in missing)}")
    if not targets:
        raise Usage("none of torch, tensorflow, jax is installed")

    from ..conformance import check, default_steps, max_step

    rows = []
    for target in targets:
        report = check(spec, target, default_steps(args.steps, max_step(target)))
        rows.append(report)
    out(f"{'target':<8} {'precision':<9} {'steps':>7} {'max abs err':>12} {'max rel err':>12}  result\n")
    for r in rows:
        out(f"{r.target:<8} {r.precision:<9} {r.steps:>7} {r.max_abs:>12.3e} {r.max_rel:>12.3e}  "
            f"{'pass' if r.passed else 'FAIL'}\n")
    failed = [r for r in rows if not r.passed]
    for r in failed:
        print(f"{r.target}: {r.detail}", file=sys.stderr)
    return EXIT_FAIL if failed else EXIT_OK
