"""lrspec completion: the bash script parses, and completes commands, options, choices and file names."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from lrspec.cli import main

ROOT = Path(__file__).resolve().parents[2]


def complete(script: str, *words: str) -> list[str]:
    """What bash offers for the last of ``words`` (the words typed so far, 'lrspec' first)."""
    line = " ".join(f"'{w}'" for w in words)
    code = f'{script}\nCOMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _lrspec; printf "%s\\n" "${{COMPREPLY[@]}}"'
    done = subprocess.run(["bash", "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return [w for w in done.stdout.splitlines() if w]


def test_bash_completion(capsys):
    assert shutil.which("bash"), "bash is needed to test the bash completion script"
    assert main(["completion", "bash"]) == 0
    text = capsys.readouterr().out
    subprocess.run(["bash", "-n"], input=text, text=True, check=True)  # it parses
    assert complete(text, "lrspec", "ex") == ["explain"]
    assert sorted(complete(text, "lrspec", "init", "--template", "s")) == ["sgdr", "step-decay"]
    assert complete(text, "lrspec", "plot", "--bo") == ["--both"]
    assert sorted(complete(text, "lrspec", "explain", "examples/clr-tri")) == ["examples/clr-triangular.yaml",
                                                                              "examples/clr-triangular2.yaml"]
    assert complete(text, "lrspec", "completion", "z") == ["zsh"]
