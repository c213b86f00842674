"""The progress bar of eval, audit and diff: on an interactive standard error only, never under CI or when piped."""

from __future__ import annotations

import io

import pytest

import lrspec.eval.auditing
from lrspec.cli import _progress, main


class Terminal(io.StringIO):
    """A standard error that says it is a terminal (what a person running lrspec sees)."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def doc(tmp_path):
    path = tmp_path / "flat.yaml"
    path.write_text("lrspec: 1\nschedule: {type: expression, expr: '0.1 / (1 + t)'}\n")
    return str(path)


@pytest.fixture
def immediate(monkeypatch):
    """Show the bar from the first update (a test run is too quick for the half-second delay)."""
    monkeypatch.setattr(_progress, "DELAY", 0.0)
    monkeypatch.setattr(_progress, "INTERVAL", 0.0)
    monkeypatch.setattr(lrspec.eval.auditing, "AUDIT_BLOCK", 2)  # audit blocks of 2 * 65536 steps: several updates
    monkeypatch.delenv("CI", raising=False)


def test_eval_and_audit_show_a_bar_on_a_terminal(doc, tmp_path, monkeypatch, immediate, capsys):
    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    assert main(["eval", doc, "--steps", "300000", "-o", str(tmp_path / "lr.npy")]) == 0
    text = err.getvalue()
    assert "\reval [" in text and "100.0%" in text and text.endswith("\r\033[K")  # the bar is erased at the end
    err.truncate(0)
    err.seek(0)
    assert main(["audit", doc, "--steps", "600000"]) == 0
    text = err.getvalue()
    assert "\raudit [" in text and "100.0%" in text
    assert "count      600000" in capsys.readouterr().out  # the summary itself is untouched
    assert text.count("\raudit [") >= 4  # one update per block of 131072 steps
    err.truncate(0)
    err.seek(0)
    assert main(["diff", doc, doc, "--steps", "3000000"]) == 0
    assert err.getvalue().count("\rdiff [") == 3  # one update per chunk of 2**20 steps


def test_no_bar_under_ci_when_piped_or_beside_terminal_output(doc, tmp_path, monkeypatch, immediate):
    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    monkeypatch.setenv("CI", "true")
    assert main(["audit", doc, "--steps", "600000"]) == 0
    assert err.getvalue() == ""
    monkeypatch.delenv("CI")
    piped = io.StringIO()  # standard error redirected to a file or a pipe
    monkeypatch.setattr("sys.stderr", piped)
    assert main(["eval", doc, "--steps", "300000", "-o", str(tmp_path / "lr.csv")]) == 0
    assert piped.getvalue() == ""
    monkeypatch.setattr("sys.stderr", err)
    out = Terminal()  # the values go to the same terminal: a bar would garble them
    monkeypatch.setattr("sys.stdout", out)
    assert main(["eval", doc, "--steps", "300000"]) == 0
    assert err.getvalue() == "" and out.getvalue().count("\n") == 300001


def test_short_runs_show_nothing(doc, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    assert main(["audit", doc, "--steps", "1000"]) == 0  # done well within the half-second delay
    assert err.getvalue() == ""
