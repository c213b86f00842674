"""fvcore's ParamSchedulers (fvcore/common/param_scheduler.py) and detectron2's LR schedulers as core nodes."""

from __future__ import annotations

__all__: list[str] = []
