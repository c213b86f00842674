"""Reading YAML and JSON documents into plain data, keeping the line and column of every value.

The document is built from PyYAML's event stream (an iterative parser, so deep nesting cannot
exhaust the Python stack) with YAML 1.2 core-schema scalars: ``1e-4`` is a number, ``yes`` and
``on`` are strings. Anchors, aliases, tags and duplicate keys are refused, and size, depth and
node count are bounded, so a hostile file costs bounded time and memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, LrspecError

__all__ = ["Loaded", "Position", "load_text", "load_path", "load_bytes", "MAX_BYTES", "MAX_DEPTH", "MAX_NODES",
           "MAX_INT_DIGITS"]

MAX_BYTES = 1 << 20
MAX_DEPTH = 64
MAX_NODES = 100_000

Loc = tuple[str | int, ...]

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")
#: Integer literals longer than this (significant decimal digits, or the same magnitude in hex or octal) are
#: refused while reading: beyond it Python's int/str conversions are quadratic (and refused by default), and
#: such a number is far outside binary64 anyway. Up to it the value is kept exact for the field's message.
MAX_INT_DIGITS = 4300
_MAX_INT = 10**MAX_INT_DIGITS


#: libyaml's event parser when PyYAML was built with it (about 10x faster), else the pure-Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Position:
    """1-based line and column of a value, and of its key when it sits in a mapping."""

    line: int
    column: int
    key_line: int | None = None
    key_column: int | None = None
    single_line_scalar: tuple[int, int] | None = None  # (line, column of the first character of text)


@dataclass
class Loaded:
    """A parsed document: plain data, positions by path, and the source for excerpts."""

    data: Any
    positions: dict[Loc, Position] = field(default_factory=dict)
    name: str = "<string>"
    text: str = ""

    def line_text(self, line: int) -> str:
        lines = self.__dict__.get("_lines")
        if lines is None:  # split once: a document with thousands of problems asks for thousands of lines
            lines = self.__dict__["_lines"] = self.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def diagnostic(self, loc: Loc, message: str, *, key: bool = False, offset: int | None = None,
                   help: str | None = None) -> Diagnostic:
        """A diagnostic at the nearest known position of ``loc`` (its key's position if ``key``)."""
        from .diagnostics import format_path

        probe = loc
        while probe not in self.positions and probe:
            probe = probe[:-1]
        pos = self.positions.get(probe)
        line = column = None
        if pos is not None:
            line, column = pos.line, pos.column
            if (key or probe != loc) and pos.key_line is not None:
                line, column = pos.key_line, pos.key_column
            if offset is not None and probe == loc and pos.single_line_scalar is not None:
                line, column = pos.single_line_scalar[0], pos.single_line_scalar[1] + offset - 1
        excerpt = (self.line_text(line), column) if line is not None else None
        return Diagnostic(message, format_path(loc), self.name, line, column, help, excerpt)


def _error(name: str, message: str, mark: Any | None = None, text: str = "") -> LrspecError:
    line = column = None
    excerpt = None
    if mark is not None:
        line, column = mark.line + 1, mark.column + 1
        lines = text.splitlines()
        if 0 < line <= len(lines):
            excerpt = (lines[line - 1], column)
    return LrspecError(Diagnostic(message, "", name, line, column, None, excerpt))


class _TooLong(ValueError):
    """An integer literal beyond MAX_INT_DIGITS; reported at the scalar by the reader."""


def _integer(digits: str, base: int, negative: bool = False) -> int:
    digits = digits.lstrip("0") or "0"
    if base == 10 and len(digits) > MAX_INT_DIGITS:
        raise _TooLong(len(digits))
    value = int(digits, base)  # linear time for bases 8 and 16
    if value >= _MAX_INT:
        raise _TooLong()
    return -value if negative else value


def _scalar(value: str, style: str | None) -> Any:
    if style:  # quoted or block scalars are always strings (libyaml says '' for plain, PyYAML None)
        return value
    if _NULL.match(value):
        return None
    if _TRUE.match(value):
        return True
    if _FALSE.match(value):
        return False
    if _INT.match(value):
        return _integer(value.lstrip("+-"), 10, value.startswith("-"))
    if _OCT.match(value):
        return _integer(value[2:], 8)
    if _HEX.match(value):
        return _integer(value[2:], 16)
    if _FLOAT.match(value):
        return float(value)
    if _INF.match(value):
        return float("-inf") if value.startswith("-") else float("inf")
    if _NAN.match(value):
        return float("nan")
    return value


def _read_scalar(event: Any, name: str, text: str) -> Any:
    try:
        return _scalar(event.value, event.style)
    except _TooLong:
        raise _error(name, f"an integer literal may have at most {MAX_INT_DIGITS} digits; lrspec numbers lie within "
                     "the binary64 range (about 1.8e308)", event.start_mark, text) from None


def _text_start(event: Any, text: str) -> tuple[int, int] | None:
    """Where the scalar's characters begin, when its source is one line without escapes."""
    start, end = event.start_mark, event.end_mark
    style = event.style or None
    if start.line != end.line or style not in (None, "'", '"'):
        return None
    if style == '"' and "\\" in text[start.index:end.index]:
        return None
    return start.line + 1, start.column + 1 + (0 if style is None else 1)


def load_text(text: str, name: str = "<string>") -> Loaded:
    """Parse one YAML (or JSON) document from ``text``; raise :class:`LrspecError` when it is malformed."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise _error(name, f"the document is larger than {MAX_BYTES} bytes")
    if "\x00" in text:
        raise _error(name, "the document contains a NUL character")
    try:
        return _build(text, name, _LOADER)
    except yaml.YAMLError:
        # libyaml found malformed YAML: PyYAML's own parser words it better and places tabs right
        return _build(text, name, yaml.SafeLoader)


def _build(text: str, name: str, loader: Any) -> Loaded:
    """The document from the parser's event stream; YAML errors of the fast parser propagate raw."""
    out = Loaded(None, {}, name, text)
    syntax = "JSON" if name.lower().endswith(".json") else "YAML"  # JSON is read as the YAML it is
    # Each open container: [container, loc, pending_key, pending_key_mark]
    stack: list[list[Any]] = []
    nodes = 0
    documents = 0

    def place(value: Any, event: Any, is_scalar: bool) -> Loc:
        mark = event.start_mark
        if not stack:
            out.data = value
            loc: Loc = ()
            out.positions[loc] = Position(mark.line + 1, mark.column + 1)
            return loc
        top = stack[-1]
        container, parent = top[0], top[1]
        if isinstance(container, list):
            loc = parent + (len(container),)
            container.append(value)
            out.positions[loc] = Position(mark.line + 1, mark.column + 1,
                                          single_line_scalar=_text_start(event, text) if is_scalar else None)
            return loc
        key, key_mark = top[2], top[3]
        loc = parent + (key,)
        container[key] = value
        top[2] = top[3] = None
        out.positions[loc] = Position(mark.line + 1, mark.column + 1, key_mark.line + 1, key_mark.column + 1,
                                      _text_start(event, text) if is_scalar else None)
        return loc

    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
                continue
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _error(name, "expected one document, found a second one ('---')", event.start_mark, text)
                if event.version not in (None, (1, 2)) or event.tags:
                    what = "%TAG" if event.tags else "%YAML {}.{}".format(*event.version)
                    raise _error(name, f"the directive {what} is not allowed; lrspec reads YAML 1.2 "
                                 "(only '%YAML 1.2' may be given)", event.start_mark, text)
                continue
            if isinstance(event, yaml.AliasEvent):
                raise _error(name, "YAML aliases ('*name') are not allowed in an lrspec document; "
                             "write the value out", event.start_mark, text)
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                stack.pop()
                continue
            nodes += 1
            if nodes > MAX_NODES:
                raise _error(name, f"the document has more than {MAX_NODES} values", event.start_mark, text)
            if getattr(event, "anchor", None):
                raise _error(name, "YAML anchors ('&name') are not allowed in an lrspec document",
                             event.start_mark, text)
            if getattr(event, "tag", None) not in (None, "!"):
                tag = "!!" + event.tag[18:] if event.tag.startswith("tag:yaml.org,2002:") else event.tag
                raise _error(name, f"YAML tags are not allowed in an lrspec document (found {tag!r}); "
                             "write plain values", event.start_mark, text)
            in_mapping = bool(stack) and isinstance(stack[-1][0], dict)
            if in_mapping and stack[-1][2] is None:
                # this event is a key
                if not isinstance(event, yaml.ScalarEvent):
                    raise _error(name, "a mapping key must be a plain string", event.start_mark, text)
                key = _read_scalar(event, name, text)
                if not isinstance(key, str):
                    raise _error(name, f"a mapping key must be a string, got {event.value}",
                                 event.start_mark, text)
                if key in stack[-1][0]:
                    raise _error(name, f"duplicate key {key!r} (each key may appear once)", event.start_mark, text)
                stack[-1][2], stack[-1][3] = key, event.start_mark
                continue
            if isinstance(event, yaml.ScalarEvent):
                place(_read_scalar(event, name, text), event, True)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    raise _error(name, f"the document nests deeper than {MAX_DEPTH} levels", event.start_mark, text)
                container: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
                loc = place(container, event, False)
                stack.append([container, loc, None, None])
    except yaml.MarkedYAMLError as exc:
        if loader is not yaml.SafeLoader:
            raise
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "malformed YAML"
        problem = problem.replace("'<stream end>'", "the end of the document")
        if "'\\t'" in problem:
            problem = "a tab character cannot indent or separate values; use spaces"
        raise _error(name, f"invalid {syntax}: {problem}", mark, text) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (control characters)
        if loader is not yaml.SafeLoader:
            raise
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        mark = yaml.Mark(name, exc.position, line - 1, column - 1, None, None)
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise _error(name, f"invalid {syntax}: the character U+{code:04X} is not allowed in a document "
                     "(control characters must be escaped in a double-quoted string)", mark, text) from None
    except yaml.YAMLError as exc:
        if loader is not yaml.SafeLoader:
            raise
        raise _error(name, f"invalid {syntax}: {exc}") from None
    if documents == 0:
        raise _error(name, "the document is empty")
    return out


def load_path(path: str | Path) -> Loaded:
    """Read and parse a file; unreadable files and non-UTF-8 bytes are reported, not raised raw."""
    name = str(path)
    try:
        with open(path, "rb") as stream:  # read one byte past the limit, never more (a device never ends)
            raw = stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise LrspecError(Diagnostic("no such file", "", name)) from None
    except IsADirectoryError:
        raise LrspecError(Diagnostic("is a directory, not a document", "", name)) from None
    except OSError as exc:
        raise LrspecError(Diagnostic(f"cannot read the file: {exc.strerror}", "", name)) from None
    return load_bytes(raw, name, "file")


def load_bytes(raw: bytes, name: str, what: str = "input") -> Loaded:
    """Parse a document from bytes: at most MAX_BYTES, UTF-8 (a leading byte-order mark is dropped)."""
    if len(raw) > MAX_BYTES:
        raise LrspecError(Diagnostic(f"the {what} is larger than {MAX_BYTES} bytes", "", name))
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LrspecError(Diagnostic(f"the {what} is UTF-16 (it starts with a UTF-16 byte-order mark); "
                                     "save it as UTF-8", "", name, 1, 1))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise LrspecError(Diagnostic(f"the {what} is not valid UTF-8 (byte 0x{raw[exc.start]:02x})", "",
                                     name, line, column)) from None
    return load_text(text, name)
