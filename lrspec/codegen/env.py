"""The one Jinja environment of lrspec: templates from ``codegen_templates/``, strict.

Templates receive text their target's emitter has rendered from the lowered plan (numbers written with ``repr``
of a binary64, expressions from their tree), never a document's own text.
"""

from __future__ import annotations

import functools
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import jinja2

from .layout import layout

__all__ = ["environment", "render_template", "templates"]


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
    return jinja2.Environment(loader=_ResourceLoader(templates()), undefined=jinja2.StrictUndefined,
                              autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render_template(name: str, **context: Any) -> str:
    """Render a module template and lay out its blank lines (:mod:`lrspec.codegen.layout`)."""
    return layout(environment().get_template(name).render(**context))
