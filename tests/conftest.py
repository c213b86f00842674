"""Options shared by every test directory: ``--fuzz-long`` runs the fuzzers with many more examples.

CI runs the fuzzers with a fixed, derandomized example budget (a few minutes in all); ``--fuzz-long``
multiplies each budget by ``FUZZ_LONG_SCALE`` and lets hypothesis draw fresh examples. The scale reaches the
test modules through the environment variable ``LRSPEC_FUZZ_SCALE`` (set it directly to choose another scale).
"""

from __future__ import annotations

import os

import pytest

FUZZ_LONG_SCALE = 20


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--fuzz-long", action="store_true", default=False,
                     help=f"run the fuzzers with {FUZZ_LONG_SCALE}x their CI example budget, not derandomized")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--fuzz-long"):
        os.environ["LRSPEC_FUZZ_SCALE"] = str(FUZZ_LONG_SCALE)


def fuzz_scale() -> int:
    """How many times the CI example budget the fuzzers run."""
    return max(1, int(os.environ.get("LRSPEC_FUZZ_SCALE", "1")))


@pytest.fixture(name="fuzz_scale")
def _fuzz_scale() -> int:
    return fuzz_scale()
