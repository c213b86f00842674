"""The one Jinja environment of lrspec: templates from ``codegen_templates/``, strict, with literal filters.

Templates see the plan and these filters only; every number reaches the output through ``num``
(``repr`` of a binary64) or ``int``, every expression through ``expr`` (rendered from its tree).
"""

from __future__ import annotations

import functools
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import jinja2

from ..expr import Expr
from ..expr.dialects import DIALECTS
from ..expr.render import render
from .layout import layout

__all__ = ["environment", "num", "templates"]


def num(value: float) -> str:
    """A binary64 literal that reads back to exactly ``value`` (negative values parenthesised)."""
    text = repr(float(value))
    if text in ("inf", "-inf", "nan"):
        raise ValueError(f"non-finite literal {text} cannot be generated")
    return f"({text})" if text.startswith("-") else text


def integer(value: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return str(value)


def _expr(tree: Expr, dialect: str) -> str:
    return render(tree, DIALECTS[dialect])


def templates() -> Traversable:
    """The shipped templates, read through ``importlib.resources`` so a wheel, a zip or an editable
    install all work (a path from ``str()`` of a namespace or zipped package is no directory)."""
    return resources.files("lrspec.codegen_templates")


class _ResourceLoader(jinja2.BaseLoader):
    """Loads templates from a :class:`Traversable`, never from a filesystem path."""

    def __init__(self, root: Traversable) -> None:
        self._root = root

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, None, Any]:
        entry = self._root.joinpath(template)
        if "/" in template or "\\" in template or not entry.is_file():
            raise jinja2.TemplateNotFound(template)
        return entry.read_text(encoding="utf-8"), None, lambda: True


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=_ResourceLoader(templates()),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(num=num, int=integer, expr=_expr)
    env.globals.update(isinstance=isinstance, str=str, len=len, enumerate=enumerate, zip=zip)
    return env


def render_template(name: str, **context: Any) -> str:
    """Render a module template and lay out its blank lines (:mod:`lrspec.codegen.layout`)."""
    return layout(environment().get_template(name).render(**context))
