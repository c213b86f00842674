"""Numbers the command line echoes in its error messages are cut to about 20 characters (spec/targets.md#inputs):
``--steps 1e400`` names ``1000000000...0000 (401 digits)``, not 401 digits."""

from __future__ import annotations

from pathlib import Path

import pytest

from lrspec.cli import main


@pytest.fixture
def constant(tmp_path: Path) -> Path:
    path = tmp_path / "constant.yaml"
    path.write_text("lrspec: 1\nschedule: {type: constant, lr: 0.1}\n")
    return path


ARGS = [
    (["eval", "{f}", "--steps", "1e400"], "--steps", "1000000000...0000 (401 digits)"),
    (["eval", "{f}", "--start", "0", "--stop", "1e400"], "--stop", "1000000000...0000 (401 digits)"),
    (["eval", "{f}", "--start=-1e400", "--stop", "5"], "--start", "-1000000000...0000 (401 digits)"),
    (["eval", "{f}", "--start", "1e300", "--stop", "1e299"], "--stop", "1000000000...0000 (300 digits)"),
    (["eval", "{f}", "--steps", "5", "--stride=-1e400"], "--stride", "-1000000000...0000 (401 digits)"),
    (["audit", "{f}", "--steps", "1e999"], "--steps", "1000000000...0000 (1000 digits)"),
    (["audit", "{f}", "--steps=-1e400"], "--steps", "-1000000000...0000 (401 digits)"),
    (["conformance", "{f}", "--steps=-1e400"], "--steps", "-1000000000...0000 (401 digits)"),
    (["validate", "--check-range", "1e400", "{f}"], "--check-range", "1000000000...0000 (401 digits)"),
    (["eval", "{f}", "--steps", "1" * 300 + ".5"], "--steps", "'1111111111...11.5' (302 characters)"),
]


IDS = [" ".join(x for x in argv if x != "{f}")[:60] for argv, _, _ in ARGS]


@pytest.mark.parametrize("argv, option, shown", ARGS, ids=IDS)
def test_a_huge_number_is_echoed_shortened(capsys, constant, argv, option, shown):
    code = main([a.replace("{f}", str(constant)) for a in argv])
    _, err = capsys.readouterr()
    assert code == 2
    message = err.strip().splitlines()[-1]
    assert option in message and shown in message, message
    assert "0" * 21 not in err and "1" * 21 not in err
    assert len(message) < 200
