"""MMEngine's param_scheduler (mmengine/optim/scheduler/*.py) as core nodes."""

from __future__ import annotations

__all__: list[str] = []
