"""Problems found in a document, and how they are shown to a person or a program.

A :class:`Diagnostic` is one problem at one place: ``file:line:col: path.to.field: message``.
Every user error lrspec reports is a list of them inside an :class:`LrspecError`; a :class:`SettingError` is one
about an environment variable. A problem that does not stop the work is a :class:`KernelCacheWarning`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

__all__ = ["Diagnostic", "LrspecError", "SettingError", "KernelCacheWarning", "format_path", "render_text",
           "render_json"]


@dataclass(frozen=True)
class Diagnostic:
    """One problem: where it is (file, 1-based line and column, field path) and what is wrong."""

    message: str
    path: str = ""
    file: str = "<string>"
    line: int | None = None
    column: int | None = None
    help: str | None = None
    excerpt: tuple[str, int] | None = field(default=None, compare=False)

    def location(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.location()}: {where}{self.message}"


class LrspecError(ValueError):
    """A document or an argument is invalid; ``diagnostics`` says where and why."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic | str):
        if isinstance(diagnostics, str):
            diagnostics = Diagnostic(diagnostics)
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class SettingError(LrspecError):
    """An environment variable has a value that cannot work here; the diagnostic's ``path`` names it."""


class KernelCacheWarning(UserWarning):
    """The kernel cache directory cannot be used; kernels are compiled in memory instead (slower, still exact)."""


def format_path(loc: tuple[str | int, ...]) -> str:
    """``('schedule', 'phases', 1, 'restarts')`` -> ``schedule.phases[1].restarts``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def render_text(diagnostics: list[Diagnostic], *, excerpts: bool = True) -> str:
    """One line per problem, with the source line and a caret under the column when known."""
    lines: list[str] = []
    for d in diagnostics:
        lines.append(str(d))
        if excerpts and d.excerpt is not None:
            text, caret = _window(*d.excerpt)
            lines.append(f"    {text}")
            lines.append(f"    {caret}^")
        if d.help:
            lines.append(f"  help: {d.help}")
    return "\n".join(lines)


def _window(text: str, col: int, width: int = 100) -> tuple[str, str]:
    """The excerpt cut to about ``width`` characters around ``col``, and the padding that puts a caret under it
    (tabs copied so that the caret lines up in a terminal)."""
    index = max(0, min(col - 1, len(text)))
    if len(text) > width:
        start = max(0, min(index - width // 2, len(text) - width))
        head, tail = ("..." if start > 0 else ""), ("..." if start + width < len(text) else "")
        text = head + text[start:start + width] + tail
        index = index - start + len(head)
    return text, "".join("\t" if c == "\t" else " " for c in text[:index])


def render_json(diagnostics: list[Diagnostic]) -> str:
    """The same problems as a JSON array of objects, for editors and CI annotations."""
    rows = []
    for d in diagnostics:
        row = asdict(d)
        row.pop("excerpt")
        rows.append(row)
    return json.dumps(rows, indent=2)
