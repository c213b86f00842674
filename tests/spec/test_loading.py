"""Reading documents: YAML 1.2 core scalars, JSON, positions, and the API's three kinds of source."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import lrspec
from lrspec.loading import MAX_BYTES, MAX_DEPTH, MAX_INT_DIGITS, load_bytes, load_text


def test_scalars_follow_yaml_1_2_core():
    data = load_text("a: 1e-4\nb: 1E6\nc: yes\nd: on\ne: 0x1F\nf: 0o17\ng: ~\nh: True\ni: '1e-4'\nj: +.5\n").data
    assert data == {"a": 1e-4, "b": 1e6, "c": "yes", "d": "on", "e": 31, "f": 15, "g": None, "h": True,
                    "i": "1e-4", "j": 0.5}
    assert isinstance(data["b"], float)


def test_integral_floats_are_step_counts_and_fractions_are_not():
    spec = lrspec.load("lrspec: 1\nschedule: {type: cosine, initial_lr: 1, decay_steps: 1e2}\n")
    assert spec.document.schedule.decay_steps == 100
    assert spec.evaluate(50) == pytest.approx(0.5, abs=1e-16)
    with pytest.raises(lrspec.LrspecError, match=r"decay_steps: must be an integer >= 1 and <= 2\*\*53, got 100.5"):
        lrspec.load("lrspec: 1\nschedule: {type: cosine, initial_lr: 1, decay_steps: 100.5}\n")


def test_yes_is_a_string_not_a_boolean():
    with pytest.raises(lrspec.LrspecError) as info:
        lrspec.load("lrspec: 1\nschedule: {type: exponential, initial_lr: 1, decay_rate: 0.5, decay_steps: 2, "
                    "staircase: yes}\n")
    (diag,) = info.value.diagnostics
    assert diag.path == "schedule.staircase"
    assert diag.message == "must be true or false, got 'yes'"
    assert (diag.line, diag.column) == (2, 90)


def test_json_documents_have_positions_too():
    doc = {"lrspec": 1, "schedule": {"type": "constant", "lr": -1}}
    text = json.dumps(doc, indent=2)
    with pytest.raises(lrspec.LrspecError) as info:
        lrspec.load(text)
    (diag,) = info.value.diagnostics
    assert str(diag) == "<string>:5:11: schedule.lr: must be >= 0, got -1"
    assert lrspec.load(json.dumps({**doc, "schedule": {"type": "constant", "lr": 0.5}})).evaluate(3) == 0.5


def test_load_accepts_path_text_and_mapping(tmp_path):
    text = "lrspec: 1\nschedule: {type: constant, lr: 0.25}\n"
    path = tmp_path / "s.lrspec.yaml"
    path.write_text(text)
    for source in (path, str(path), text, {"lrspec": 1, "schedule": {"type": "constant", "lr": 0.25}}):
        assert lrspec.load(source).evaluate(0) == 0.25
    assert lrspec.load(path).name == "s"
    with pytest.raises(lrspec.LrspecError, match="no such file"):
        lrspec.load(str(tmp_path / "missing.yaml"))


def test_every_problem_is_reported_in_source_order():
    text = "lrspec: 1\nunit: days\nschedule:\n  type: cosine\n  initial_lr: -1\n  decay_steps: 0\n"
    with pytest.raises(lrspec.LrspecError) as info:
        lrspec.load(text)
    assert [(d.line, d.path) for d in info.value.diagnostics] == [
        (2, "unit"), (5, "schedule.initial_lr"), (6, "schedule.decay_steps")]


def test_deep_nesting_is_bounded_without_recursion():
    text = "[" * 10_000 + "]" * 10_000
    with pytest.raises(lrspec.LrspecError, match=f"nests deeper than {MAX_DEPTH} levels"):
        load_text(text)


def test_alias_bomb_is_refused_before_expansion():
    lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    with pytest.raises(lrspec.LrspecError, match="anchors"):
        load_text("\n".join(lines))


def test_scientific_notation_is_a_number_in_yaml_and_json_alike():
    written = ["1e-4", "1E-4", "1.0e-4", ".1e-3", "+1e-4", "1e+2", "1e2", "2.", "0.5E0"]
    for text in written:
        as_yaml = load_text(f"v: {text}\n").data["v"]
        as_json = load_text(f'{{"v": {text.lstrip("+")}}}', "x.json").data["v"]
        assert isinstance(as_yaml, float) and as_yaml == float(text), text
        if not text.endswith("."):  # '2.' is YAML, not JSON
            assert as_json == json.loads(f'{{"v": {text.lstrip("+")}}}'.replace(".1e", "0.1e"))["v"], text
    # what a JSON serializer writes for small rates reads back as the same binary64
    for rate in (1e-05, 3e-7, 1.5e-10, 2.5e+20):
        assert load_text(json.dumps({"v": rate}), "x.json").data == {"v": rate}
    spec = lrspec.load("lrspec: 1\nschedule: {type: constant, lr: 1e-4}\n")
    assert spec.document.schedule.lr == 0.0001


def test_yaml_1_1_words_and_forms_are_strings():
    data = load_text("a: yes\nb: no\nc: on\nd: off\ne: y\nf: n\ng: 1_000\nh: 0b101\ni: 1:30\nj: 010\nk: 0o10\n").data
    assert data == {"a": "yes", "b": "no", "c": "on", "d": "off", "e": "y", "f": "n", "g": "1_000", "h": "0b101",
                    "i": "1:30", "j": 10, "k": 8}


def test_integer_literals_are_exact_up_to_the_digit_limit():
    assert load_text("v: " + "9" * 400).data["v"] == 10**400 - 1
    assert load_text("v: -" + "0" * 10_000 + "12").data["v"] == -12  # leading zeros are not digits that count
    assert load_text("v: 0x" + "f" * 64).data["v"] == 16**64 - 1
    for text in ("9" * (MAX_INT_DIGITS + 1), "0x" + "f" * 4000, "0o" + "7" * 5000):
        with pytest.raises(lrspec.LrspecError, match=f"at most {MAX_INT_DIGITS} digits") as info:
            load_text("v: " + text)
        assert (info.value.diagnostics[0].line, info.value.diagnostics[0].column) == (1, 4)


def test_a_control_character_is_reported_at_its_position():
    with pytest.raises(lrspec.LrspecError) as info:
        load_text("lrspec: 1\nname: a\x1bb\n")
    (diag,) = info.value.diagnostics
    assert (diag.line, diag.column) == (2, 8)
    assert "U+001B is not allowed" in diag.message


def test_utf16_is_named():
    raw = "lrspec: 1\n".encode("utf-16")
    with pytest.raises(lrspec.LrspecError, match="UTF-16"):
        load_bytes(raw, "x.yaml")


# ---- hostile files, generated here (megabytes are not committed): each is refused or read within limits

def _hostile_files(directory: Path) -> dict[str, tuple[bytes, str]]:
    one_mib = MAX_BYTES
    laughs = ["lrspec: 1", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    laughs += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    return {
        "two-mib.yaml": (b"lrspec: 1\ndescription: " + b"x" * (2 * one_mib) + b"\n", "larger than 1048576 bytes"),
        "just-too-big.yaml": (b"#" * (one_mib + 1), "larger than 1048576 bytes"),
        "billion-laughs.yaml": ("\n".join(laughs).encode(), "anchors"),
        "flow-nesting.yaml": (b"[" * (one_mib // 2) + b"]" * (one_mib // 2 - 16), "nests deeper than 64"),
        "block-nesting.yaml": ("".join(" " * i + "k:\n" for i in range(1000)).encode()[:one_mib],
                               "nests deeper than 64"),
        "many-nodes.yaml": (b"lrspec: 1\nv: [" + b"1," * 200_000 + b"1]\n", "more than 100000 values"),
        "long-scalar.yaml": (b"lrspec: 1\nname: " + b"a" * (one_mib - 64) + b"\nschedule: {type: constant, lr: 1}\n",
                             "name: must be 1 to 128 letters"),
        "long-number.yaml": (b"lrspec: 1\nschedule: {type: constant, lr: 0." + b"1" * (one_mib - 64) + b"}\n",
                             ""),  # a valid document: 0.111... read in linear time
        "many-unknown-keys.yaml": (b"lrspec: 1\nschedule: {type: constant, lr: 1}\n"
                                   + b"".join(b"k%d: 1\n" % i for i in range(10_000)), "unknown field 'k0'"),
        "nul.yaml": (b"lrspec: 1\n" + b"\x00" * one_mib, "larger than 1048576 bytes"),
        "zeros.yaml": (b"\x00" * 1000, "NUL character"),
    }


_PROBE = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GiB of address space for everything
import lrspec
out = {}
for path in sys.argv[1:]:
    start = time.perf_counter()
    try:
        lrspec.load(path)
        message = ""
    except lrspec.LrspecError as exc:
        message = str(exc.diagnostics[0])
    out[path] = [message, time.perf_counter() - start]
print(json.dumps(out))
"""


def test_hostile_files_are_refused_within_time_and_memory_limits(tmp_path):
    files = _hostile_files(tmp_path)
    paths = []
    for name, (raw, _) in files.items():
        (tmp_path / name).write_bytes(raw)
        paths.append(str(tmp_path / name))
    if Path("/dev/zero").exists():  # a file that never ends: read up to the limit, not forever
        paths.append("/dev/zero")
    run = subprocess.run([sys.executable, "-c", _PROBE, *paths], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    results = json.loads(run.stdout)
    for name, (_, expected) in files.items():
        message, seconds = results[str(tmp_path / name)]
        assert expected in message if expected else message == "", (name, message)
        assert seconds < 10, (name, seconds)
    if "/dev/zero" in results:
        assert "larger than 1048576 bytes" in results["/dev/zero"][0]
