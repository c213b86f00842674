"""``lrspec plot``: lr(t) drawn to a PNG, SVG or PDF — linear, log or both axes side by side, several
schedules overlaid, warm-up ends, restarts and phase boundaries marked. matplotlib (the ``plot`` extra),
without a display: the figure is rendered straight to the file."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from ._common import EXIT_FAIL, EXIT_OK, RAW, Usage, add_range, load, step_range

if TYPE_CHECKING:
    from ..spec import Spec

__all__ = ["register", "render", "SIZE", "SIZE_BOTH", "DPI"]

#: Figure size in inches for one axis and for --both, and the resolution: 800 x 450 and 1300 x 450 pixels.
SIZE, SIZE_BOTH, DPI = (8.0, 4.5), (13.0, 4.5), 100
#: Points drawn per schedule at most; longer ranges are sampled evenly.
MAX_POINTS = 100_000
#: How each kind of event is marked: line style and colour.
MARKS = {"warm-up end": ("--", "tab:green"), "phase start": ("-.", "tab:purple"), "restart": (":", "0.45"),
         "end of cycles": (":", "tab:red")}
FORMATS = (".png", ".svg", ".pdf")

_EPILOG = """\
Draws lr(t) of each FILE on one figure (a legend names each schedule), with vertical lines where a
warm-up ends, a restart cycle begins and a sequence phase begins. The range defaults to the whole
schedule: past its end, or four cycles of a schedule that repeats forever. The format follows the
extension of -o (.png, .svg, .pdf); without -o the figure is written to NAME.png in the current
directory and the path is printed. Needs matplotlib: pip install 'lrspec[plot]'.

Example:
  lrspec plot examples/clr-triangular2.yaml
  lrspec plot examples/cosine-decay-*.yaml --both -o cosine.png
  lrspec plot schedule.yaml --steps 100000 --log -o lr.svg
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plot", formatter_class=RAW, epilog=_EPILOG, help="draw lr(t) to a PNG, SVG or PDF",
                       description="Plot one or more schedules, overlaid, to an image file.")
    p.add_argument("files", nargs="+", metavar="FILE", help="documents to draw ('-' for standard input, once)")
    p.add_argument("-o", "--output", metavar="OUT", default=None,
                   help="the image to write: .png, .svg or .pdf (default: NAME.png)")
    add_range(p, stride=False)
    scale = p.add_mutually_exclusive_group()
    scale.add_argument("--log", action="store_true", help="a logarithmic lr axis")
    scale.add_argument("--both", action="store_true", help="linear and logarithmic axes side by side")
    p.add_argument("--title", default=None, help="the figure title (default: the schedules' names)")
    p.add_argument("--no-marks", action="store_true", help="no lines at warm-up ends, restarts and phases")
    p.set_defaults(run=_cmd_plot, parser=p)


def _labels(specs: list[Spec], files: list[str]) -> list[str]:
    names = [s.name for s in specs]
    return [n if names.count(n) == 1 else f"{n} ({f})" for n, f in zip(names, files, strict=True)]


def _range(args: argparse.Namespace, specs: list[Spec]) -> range:
    if args.steps is not None or args.stop is not None:
        return step_range(args)
    from ._shape import window

    return range(0, max(window(s) for s in specs))


def render(specs: list[Spec], labels: list[str], steps: range, path: str, *, scales: tuple[str, ...] = ("linear",),
           title: str | None = None, marks: bool = True) -> None:
    """Draw the specs over ``steps`` on one axis per scale and save the figure to ``path``."""
    from matplotlib.figure import Figure

    from ._shape import shape_of

    stride = max(1, -(-len(steps) // MAX_POINTS))
    sampled = steps[::stride]
    if sampled[-1] != steps[-1]:  # always draw the last step
        sampled = list(sampled) + [steps[-1]]
    fig = Figure(figsize=SIZE_BOTH if len(scales) == 2 else SIZE, dpi=DPI, layout="constrained")
    axes = fig.subplots(1, len(scales), squeeze=False)[0]
    unit = specs[0].document.unit
    events: dict[str, set[int]] = {}
    if marks:
        for spec in specs:
            for t, kind in shape_of(spec).marks:
                if steps.start < t < steps.stop:
                    events.setdefault(kind, set()).add(t)
    curves = [spec.evaluate(sampled) for spec in specs]
    for ax, scale in zip(axes, scales, strict=True):
        for values, label in zip(curves, labels, strict=True):
            ax.plot(sampled, values, label=label, linewidth=1.6)
        for kind, ts in events.items():
            style, color = MARKS.get(kind, (":", "0.5"))
            for i, t in enumerate(sorted(ts)[:200]):
                ax.axvline(t, linestyle=style, color=color, linewidth=0.9, alpha=0.8, zorder=0,
                           label=kind if i == 0 else None)
        ax.set_yscale(scale)
        ax.set_xlim(steps.start, steps[-1])
        ax.set_xlabel(f"t ({unit}s)")
        ax.set_ylabel("learning rate" + (" (log)" if scale == "log" else ""))
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize="small", loc="best")
    fig.suptitle(title if title is not None else ", ".join(labels), fontsize="medium")
    fig.savefig(path, dpi=DPI)


def _default_output(specs: list[Spec]) -> str:
    return f"{specs[0].name if len(specs) == 1 else 'schedules'}.png"


def _cmd_plot(args: argparse.Namespace) -> int:
    if args.files.count("-") > 1:
        raise Usage("standard input ('-') can be read once")
    output = args.output
    if output is not None and os.path.splitext(output)[1].lower() not in FORMATS:
        raise Usage(f"-o must end in {', '.join(FORMATS)}, got {output!r}")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("lrspec: plot needs matplotlib, which is not installed; install it with: pip install 'lrspec[plot]'",
              file=sys.stderr)
        return EXIT_FAIL
    specs = [load(f) for f in args.files]
    steps = _range(args, specs)
    if len(steps) < 2:
        raise Usage("a plot needs at least 2 steps")
    path = output or _default_output(specs)
    scales: tuple[str, ...] = ("linear", "log") if args.both else (("log",) if args.log else ("linear",))
    try:
        render(specs, _labels(specs, args.files), steps, path, scales=scales, title=args.title,
               marks=not args.no_marks)
    except OSError as exc:
        print(f"lrspec: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAIL
    if output is None:
        print(f"lrspec: wrote {os.path.abspath(path)}", file=sys.stderr)
    return EXIT_OK


