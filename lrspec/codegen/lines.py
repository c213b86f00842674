"""Layout of generated Python lines: atoms, and long statements split as black would split them.

A statement longer than the page is cut at the commas of its outermost call, one argument per line, or before the
operators of lowest precedence, one operand per line, inside brackets; each piece is laid out the same way.
"""

from __future__ import annotations

import re

__all__ = ["atom", "closing", "lay_out", "NAME", "WIDTH"]

#: The page width of generated code (the project's line length).
WIDTH = 120
#: A (dotted) name.
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_OPERATORS = ((" + ", " - "), (" * ", " / ", " // ", " % "))


def closing(text: str, start: int) -> int:
    """The index of the bracket that closes the one at ``start``."""
    depth = 0
    for k in range(start, len(text)):
        depth += text[k] in "(["
        depth -= text[k] in ")]"
        if depth == 0:
            return k
    return len(text)


def atom(text: str) -> str:
    """``text`` parenthesised unless it is a name, a non-negative number, or a chain of calls and subscripts."""
    try:
        if float(text) >= 0 and not text.startswith(("+", "-")):
            return text
    except ValueError:
        pass
    match = NAME.match(text)
    if match is not None:
        k = match.end()
    elif text.startswith("("):
        k = closing(text, 0) + 1
    else:
        return f"({text})"
    while k < len(text):
        if text[k] in "([":
            k = closing(text, k) + 1
        elif text[k] == "." and (match := NAME.match(text, k + 1)) is not None:
            k = match.end()
        else:
            return f"({text})"
    return text


def _split(text: str, separators: tuple[str, ...]) -> list[tuple[str, str]]:
    """(separator, piece) pairs of ``text`` cut at each separator outside brackets (the first separator is "")."""
    pieces, depth, start, before, k = [], 0, 0, "", 0
    while k < len(text):
        if text[k] in "([":
            depth += 1
        elif text[k] in ")]":
            depth -= 1
        elif depth == 0:
            sep = next((s for s in separators if text.startswith(s, k)), None)
            if sep is not None:
                pieces.append((before, text[start:k]))
                before, start = sep.strip(" ,"), k + len(sep)
                k += len(sep)
                continue
        k += 1
    pieces.append((before, text[start:]))
    return pieces


def _lay(text: str, indent: str, head: str = "", tail: str = "", enclosed: bool = False) -> list[str]:
    """``head + text + tail`` at ``indent``, split over lines where it is longer than the page; ``enclosed``:
    inside brackets already, where a line may break before an operator."""
    line = f"{indent}{head}{text}{tail}"
    if len(line) <= WIDTH:
        return [line]
    inner = indent + "    "
    open_at = text.find("(")
    if open_at > 0 and NAME.fullmatch(text[:open_at]) and closing(text, open_at) == len(text) - 1:
        out = [f"{indent}{head}{text[:open_at + 1]}"]
        for _, arg in _split(text[open_at + 1:-1], (", ",)):
            out.extend(_lay(arg, inner, tail=",", enclosed=True))
        return out + [f"{indent}){tail}"]
    if text.startswith("(") and closing(text, 0) == len(text) - 1:
        return [f"{indent}{head}("] + _lay(text[1:-1], inner, enclosed=True) + [f"{indent}){tail}"]
    for operators in _OPERATORS:
        terms = _split(text, operators)
        if len(terms) == 1:
            continue
        if not enclosed:
            return [f"{indent}{head}("] + _lay(text, inner, enclosed=True) + [f"{indent}){tail}"]
        out = []
        for k, (op, term) in enumerate(terms):
            out.extend(_lay(term, indent, head=head if k == 0 else f"{op} ",
                            tail=tail if k == len(terms) - 1 else "", enclosed=True))
        return out
    return [line]


def lay_out(source: str) -> str:
    """Each long ``name = value`` or ``return value`` line of emitted functions laid out by :func:`_lay`."""
    out = []
    for line in source.splitlines():
        indent = line[:len(line) - len(line.lstrip())]
        body = line.strip()
        match = re.match(r"(return |[a-z_][a-z0-9_]* = )(.*)$", body)
        if match is None:
            out.append(line)
            continue
        value = match.group(2)
        if value.startswith("(") and closing(value, 0) == len(value) - 1:
            value = value[1:-1]
        out.extend(_lay(value, indent, head=match.group(1)))
    return "\n".join(out)
