"""fairseq's learning-rate schedulers (fairseq/optim/lr_scheduler/*.py) as core nodes."""

from __future__ import annotations

__all__: list[str] = []
