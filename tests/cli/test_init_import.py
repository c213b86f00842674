"""lrspec init (starter documents) and lrspec import (Keras configs) from the command line."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path

import pytest

import lrspec
from lrspec.cli import main
from lrspec.starters import STARTERS, starter_text

ROOT = Path(__file__).resolve().parents[2]


def test_every_starter_is_listed_shipped_and_valid():
    shipped = {p.name[:-5] for p in resources.files("lrspec.starters").iterdir() if p.name.endswith(".yaml")}
    assert shipped == set(STARTERS)
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "*.yaml" in config["package-data"]["lrspec.starters"]  # in the wheel, not only in the checkout
    for name in STARTERS:
        text = starter_text(name, "lrspec.schema.json")
        assert text.startswith("# yaml-language-server: $schema=lrspec.schema.json\n")
        assert sum(line.lstrip().startswith("#") or " # " in line for line in text.splitlines()) >= 4  # commented
        assert lrspec.load(text).name == name


def test_init_writes_the_starter_and_the_schema(tmp_path, capsys):
    out = tmp_path / "cfg" / "schedule.yaml"
    out.parent.mkdir()
    assert main(["init", "--template", "wsd", "-o", str(out)]) == 0
    assert "next: lrspec explain" in capsys.readouterr().err
    spec = lrspec.load(out)
    # warm-up 2% of 50000 = 1000 steps to 3e-4, hold until 40000, then linear to 0 over 10000 steps
    assert spec.evaluate(500) == pytest.approx(1.5e-4, rel=1e-12)
    assert spec.evaluate(30_000) == 3e-4
    assert spec.evaluate(45_000) == pytest.approx(1.5e-4, rel=1e-12)
    assert spec.evaluate(50_000) == 0.0
    schema = json.loads((tmp_path / "cfg" / "lrspec.schema.json").read_text())
    assert schema["$schema"].startswith("https://json-schema.org/")
    # never overwrite by accident
    assert main(["init", "-o", str(out)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["init", "-o", str(out), "--force", "--template", "sgdr"]) == 0
    assert lrspec.load(out).name == "sgdr"


def test_init_list_and_stdout(capsys):
    assert main(["init", "--list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in STARTERS)
    assert main(["init", "-t", "one-cycle", "-o", "-"]) == 0
    assert lrspec.load(capsys.readouterr().out).document.schedule.type == "one_cycle"


def test_import_a_bare_keras_config(tmp_path, capsys):
    # ExponentialDecay and InverseTimeDecay share their keys; the default op name tells them apart
    config = tmp_path / "keras.json"
    config.write_text(json.dumps({"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5,
                                  "staircase": False, "name": "ExponentialDecay"}))
    assert main(["import", str(config)]) == 0
    spec = lrspec.load(capsys.readouterr().out)
    assert spec.document.schedule.type == "keras.ExponentialDecay"
    for t in (0, 5, 10, 37):
        assert spec.evaluate(t) == pytest.approx(0.1 * 0.5 ** (t / 10), rel=1e-14)


@pytest.mark.parametrize("config,message", [
    ({"class_name": "MyWarmup", "config": {"peak": 0.1}}, "cannot import keras schedule MyWarmup"),
    ({"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, "staircase": False, "name": "mine"},
     "ExponentialDecay and InverseTimeDecay have the same parameters"),
    ([1, 2], "a schedule config or run file is a mapping"),
])
def test_import_refusals_are_clear(tmp_path, capsys, config, message):
    path = tmp_path / "keras.json"
    path.write_text(json.dumps(config))
    assert main(["import", str(path), "-o", str(tmp_path / "out.yaml")]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.startswith(f"{path}: ")
    assert not (tmp_path / "out.yaml").exists()


def test_import_a_missing_file(tmp_path, capsys):
    assert main(["import", str(tmp_path / "nope.json")]) == 1
    assert "cannot read it" in capsys.readouterr().err


def test_every_command_help_has_an_example(capsys):
    from lrspec.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert main([name, "--help"]) == 0
        assert "Example:" in capsys.readouterr().out, name
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"lrspec {lrspec.__version__}"


def test_import_lrspec_and_validate_stay_light():
    import subprocess
    import sys

    # the importers load on first use, and validate stays light with the new commands registered
    example = ROOT / "examples" / "clr-triangular.yaml"
    code = ("import sys, lrspec; lrspec.from_torch; from lrspec.cli import main; "
            f"assert main(['validate', {str(example)!r}]) == 0; "
            "heavy = [m for m in ('numpy', 'numba', 'jinja2', 'matplotlib', 'torch', 'keras') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_precommit_hook_validates_schedule_files():
    import re

    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook, = (h for h in hooks if h["id"] == "lrspec-validate")
    assert hook["entry"] == "lrspec validate" and hook["language"] == "python"
    pattern = re.compile(hook["files"])
    for name in ("schedule.yaml", "configs/schedule.yml", "a/b.lrspec.yaml", "x.lrspec.json"):
        assert pattern.search(name), name
    for name in ("config.yaml", "my_schedule.yaml", "schedule.yaml.bak", ".pre-commit-config.yaml"):
        assert not pattern.search(name), name


def test_import_a_timm_args_yaml_and_its_notes(tmp_path, capsys):
    import yaml

    path = tmp_path / "args.yaml"
    path.write_text(yaml.safe_dump({"sched": "step", "epochs": 450, "decay_epochs": 2.4, "decay_rate": 0.97,
                                    "warmup_epochs": 3, "warmup_lr": 1e-6, "lr": 0.016, "cooldown_epochs": 10}))
    out = tmp_path / "schedule.yaml"
    assert main(["import", str(path), "-o", str(out)]) == 0
    text = out.read_text()
    assert "# note: cooldown_epochs = 10 not carried over" in text
    spec = lrspec.load(str(out))
    assert spec.document.unit == "epoch" and spec.document.schedule.type == "timm.StepLRScheduler"
    assert spec.evaluate(24) == pytest.approx(0.016 * 0.97 ** 10, rel=1e-14)  # 3 warm-up epochs are not a prefix


def test_import_an_hf_training_arguments_json_asks_for_what_it_lacks(tmp_path, capsys):
    path = tmp_path / "training_args.json"
    path.write_text(json.dumps({"learning_rate": 3e-4, "lr_scheduler_type": "linear", "warmup_steps": 10,
                                "max_steps": -1, "num_train_epochs": 2, "gradient_accumulation_steps": 1}))
    assert main(["import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "the number of training steps is not in the file" in err and "--batches-per-epoch" in err
    assert main(["import", str(path), "--batches-per-epoch", "50"]) == 0
    spec = lrspec.load(capsys.readouterr().out)
    assert spec.document.schedule.num_training_steps == 100
    assert spec.evaluate(10) == pytest.approx(3e-4, rel=1e-14)
