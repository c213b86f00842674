"""ultralytics' trainer schedule (ultralytics/engine/trainer.py) as core nodes."""

from __future__ import annotations

__all__: list[str] = []
