"""lrspec: learning-rate schedules as small validated documents, evaluated exactly and rendered to any framework.

>>> import lrspec
>>> spec = lrspec.load("examples/clr-triangular2.yaml")
>>> spec.evaluate(range(0, 4000, 938))  # doctest: +SKIP
"""

from .diagnostics import Diagnostic, LrspecError

__version__ = "0.1.0"

__all__ = ["load", "Spec", "Audit", "LrspecError", "Diagnostic", "from_keras", "from_torch", "from_timm",
           "audit_many", "__version__"]

_IMPORTERS = ("from_keras", "from_torch", "from_timm")
_SPEC = ("load", "Spec", "Audit")


def __getattr__(name: str) -> object:
    """The models, importers and the Dask audit load on first use, so that ``import lrspec`` stays light (and the
    ``lrspec`` command can take Ctrl-C before anything heavy loads)."""
    if name in _SPEC:
        from . import spec

        return getattr(spec, name)
    if name in _IMPORTERS:
        from . import importers

        return getattr(importers, name)
    if name == "audit_many":
        from .distributed import audit_many

        return audit_many
    raise AttributeError(f"module 'lrspec' has no attribute {name!r}")
