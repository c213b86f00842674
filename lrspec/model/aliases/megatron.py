"""Megatron-LM's OptimizerParamScheduler (megatron/core/optimizer_param_scheduler.py) as core nodes."""

from __future__ import annotations

__all__: list[str] = []
