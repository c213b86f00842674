"""The ``lrspec`` command: validate, evaluate, audit, generate code, check conformance, print the schema; plot,
diff and explain schedules, start one from a template, import a Keras config.

Exit status: 0 success; 1 an invalid document, a non-finite audit, a failed conformance check, a file
that cannot be read or written, or a Dask scheduler that cannot be reached; 2 a usage error, or an environment
variable that cannot work (``NUMBA_THREADING_LAYER`` naming a layer Numba cannot start); 130 interrupted (Ctrl-C,
at any point, also during a compile); 141 the reader of standard output went away (broken pipe).

A kernel cache directory that cannot be used is one ``lrspec: warning: ...`` line on standard error; the
command goes on with kernels compiled in memory.

``lrspec validate`` only parses and checks documents: it never imports numpy, numba or jinja2, so it
is quick enough for pre-commit hooks and editors. Other commands import what they need lazily: ``lrspec audit``
imports dask.distributed (the ``dask`` extra) only with ``--scheduler`` or ``--workers``, to audit many documents or
very long ranges on a Dask cluster with the local audit's numbers bit for bit.
"""

from __future__ import annotations

import argparse
import atexit
import functools
import signal
import sys
import warnings

from .. import __version__
from ..diagnostics import KernelCacheWarning, LrspecError, SettingError, render_text
from . import audit, codegen, completion, diff, evaluate, explain, importing, init, plot, validate
from ._common import EXIT_BROKEN_PIPE, EXIT_FAIL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, RAW, Usage, silence_stdout

__all__ = ["main", "build_parser"]

_MAIN_EPILOG = """\
commands:
  validate   check documents and show every problem with its line and column
  eval       write lr(t) for a range of steps as CSV, JSON or .npy
  audit      summarize lr(t) over a range: min, max, mean, non-finite count, checksum
             (several documents; on a Dask cluster with --scheduler ADDRESS or --workers N)
  schema     print the JSON Schema of the format (for editors)
  normalize  print the core form of a document (library aliases desugared)
  generate   write PyTorch, TensorFlow/Keras or JAX code for a schedule
  conformance  check generated code against the reference evaluator
  plot       draw lr(t) to a PNG, SVG or PDF, several schedules overlaid
  diff       compare two schedules step by step (exit 1 when they differ)
  explain    describe a schedule in plain words, with the core form of aliases
  init       write a commented starter schedule.yaml
  import     turn a saved Keras schedule config into a document
  completion print a bash/zsh completion script

Example:
  lrspec validate examples/*.yaml
  lrspec eval examples/clr-triangular2.yaml --steps 10000 -o lr.csv
  lrspec audit examples/clr-triangular2.yaml --steps 1000000
  lrspec audit examples/*.yaml --steps 1e10 --workers 4
  lrspec init && lrspec explain schedule.yaml && lrspec plot schedule.yaml

Run 'lrspec COMMAND --help' for the options of a command.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lrspec", formatter_class=RAW, epilog=_MAIN_EPILOG,
        description="Learning-rate schedules as small validated documents, evaluated exactly.")
    parser.add_argument("--version", action="version", version=f"lrspec {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    validate.register(sub)
    evaluate.register(sub)
    audit.register(sub)
    codegen.register(sub)
    plot.register(sub)
    diff.register(sub)
    explain.register(sub)
    init.register(sub)
    importing.register(sub)
    completion.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (the console script passes it to ``sys.exit``)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else EXIT_USAGE)
    _ignore_interrupts_at_exit()
    shown = warnings.showwarning
    warnings.showwarning = _warning_line(shown)
    try:
        return args.run(args)
    except Usage as exc:
        try:
            args.parser.error(str(exc))
        except SystemExit as stop:
            return stop.code if isinstance(stop.code, int) else EXIT_USAGE
        return EXIT_USAGE
    except SettingError as exc:
        for d in exc.diagnostics:
            print(f"lrspec: {d.path}: {d.message}" + (f"\n  help: {d.help}" if d.help else ""), file=sys.stderr)
        return EXIT_USAGE
    except LrspecError as exc:
        sys.stdout.flush()
        print(render_text(exc.diagnostics), file=sys.stderr)
        return EXIT_FAIL
    except BrokenPipeError:
        silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print("lrspec: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:  # reading standard input, writing standard output
        print(f"lrspec: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAIL
    finally:
        warnings.showwarning = shown


@functools.cache
def _ignore_interrupts_at_exit() -> None:
    """Ignore SIGINT once the interpreter exits: the command is over, and CPython restores the default action before
    tearing its modules down (tenths of a second once Numba has run), where a Ctrl-C would kill it without a word."""
    atexit.register(signal.signal, signal.SIGINT, signal.SIG_IGN)


def _warning_line(shown):
    """``warnings.showwarning`` that prints lrspec's own warnings as one ``lrspec: warning:`` line."""
    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, KernelCacheWarning):
            print(f"lrspec: warning: {message}", file=sys.stderr)
        else:
            shown(message, category, filename, lineno, file, line)
    return show




if __name__ == "__main__":
    sys.exit(main())
