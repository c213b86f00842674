"""lrspec plot: the written image has the promised size, and the curve's pixels are where lr(t) puts them."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lrspec.cli import main
from lrspec.cli.plot import DPI, SIZE, SIZE_BOTH

ROOT = Path(__file__).resolve().parents[2]
#: matplotlib's first two colours (tab:blue, tab:orange): the first and second schedule.
BLUE, ORANGE = (31, 119, 180), (255, 127, 14)


def write(tmp_path: Path, name: str, schedule: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"lrspec: 1\nname: {name}\nschedule: {schedule}\n")
    return path


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def mask(img: np.ndarray, color: tuple[int, int, int], tol: int = 40) -> np.ndarray:
    return np.abs(img - np.array(color)).sum(axis=2) < tol


def axes_boxes(img: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(left, right, top, bottom) pixel columns/rows of each axes frame: the long runs of dark spine pixels."""
    dark = img.sum(axis=2) < 200
    h, w = dark.shape
    rows = [r for r in range(h) if dark[r].sum() > 0.25 * w]
    cols = [c for c in range(w) if dark[:, c].sum() > 0.5 * h]
    top, bottom = min(rows), max(rows)
    groups: list[list[int]] = []
    for c in cols:  # spines come in pairs per axes: left and right
        if groups and c - groups[-1][-1] <= 2:
            groups[-1].append(c)
        else:
            groups.append([c])
    edges = [round(sum(g) / len(g)) for g in groups]
    return [(edges[i], edges[i + 1], top, bottom) for i in range(0, len(edges) - 1, 2)]


def expected_row(value: float, lo: float, hi: float, top: int, bottom: int) -> float:
    """matplotlib's default y margins: 5% of the data range above and below."""
    span = hi - lo
    y0, y1 = lo - 0.05 * span, hi + 0.05 * span
    return top + (y1 - value) / (y1 - y0) * (bottom - top)


def test_a_ramp_is_drawn_where_it_must_be(tmp_path):
    ramp = write(tmp_path, "ramp", "{type: expression, expr: '0.001 * t'}")
    out = tmp_path / "ramp.png"
    assert main(["plot", str(ramp), "--steps", "101", "-o", str(out)]) == 0
    img = pixels(out)
    assert img.shape[:2] == (SIZE[1] * DPI, SIZE[0] * DPI)  # 450 x 800
    (left, right, top, bottom), = axes_boxes(img)
    curve = mask(img, BLUE)
    checked = 0
    for frac in np.linspace(0.05, 0.95, 19):  # the line must pass through (t, 0.001 t) at every column checked
        col = round(left + frac * (right - left))
        t = 100 * (col - left) / (right - left)
        rows = np.nonzero(curve[top:bottom, col])[0] + top
        assert rows.size, f"no curve pixel in column {col} (t = {t:.1f})"
        assert abs(rows.mean() - expected_row(0.001 * t, 0.0, 0.1, top, bottom)) <= 3
        checked += 1
    assert checked == 19
    # and nothing of the curve's colour far from the line (the legend's sample line aside)
    legend_free = curve[top + 5:bottom - 5, left + 5:right - 5]
    assert legend_free.sum() < 40 * (right - left)


def test_overlay_both_axes_and_a_step_down(tmp_path):
    high_low = write(tmp_path, "high-low", "{type: piecewise_constant, boundaries: [50], values: [0.1, 0.001]}")
    flat = write(tmp_path, "flat", "{type: constant, lr: 0.01}")
    out = tmp_path / "both.png"
    assert main(["plot", str(high_low), str(flat), "--steps", "100", "--both", "-o", str(out)]) == 0
    img = pixels(out)
    assert img.shape[:2] == (SIZE_BOTH[1] * DPI, SIZE_BOTH[0] * DPI)  # 450 x 1300
    boxes = axes_boxes(img)
    assert len(boxes) == 2
    blue, orange = mask(img, BLUE), mask(img, ORANGE)
    (l1, r1, top, bottom), (l2, r2, _, _) = boxes
    # linear axis, data 0.001 .. 0.1: the first schedule at 0.1 left of t = 50 and at 0.001 right of it
    for t, value in ((10, 0.1), (40, 0.1), (60, 0.001), (90, 0.001)):
        col = round(l1 + t / 99 * (r1 - l1))
        rows = np.nonzero(blue[top:bottom, col])[0] + top
        assert rows.size and abs(rows.mean() - expected_row(value, 0.001, 0.1, top, bottom)) <= 3
    # log axis: 0.01 is halfway between 0.001 and 0.1 in log space, so the flat line sits at the middle
    col = round(l2 + 0.25 * (r2 - l2))
    rows = np.nonzero(orange[top:bottom, col])[0] + top
    assert rows.size and abs(rows.mean() - (top + bottom) / 2) <= 4


def test_marks_and_default_output(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["plot", str(ROOT / "examples" / "tanh-restarts-prefix.yaml")]) == 0
    err = capsys.readouterr().err
    written = tmp_path / "tanh-restarts-prefix.png"
    assert f"wrote {written}" in err
    img = pixels(written)
    (left, right, top, bottom), = axes_boxes(img)
    green = (img[..., 1] > img[..., 0] + 40) & (img[..., 1] > img[..., 2] + 40)  # the warm-up end: t = 5 of 0 .. 173
    col = round(left + 5 / 173 * (right - left))
    assert green[top:bottom, col - 2:col + 3].sum() > 0.2 * (bottom - top)  # a dashed line down the axes
    assert green[top:bottom, col + 10:right - 5].sum(axis=0).max() < 5  # no other vertical green line (legend aside)


@pytest.mark.parametrize("suffix,magic", [(".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_vector_formats(tmp_path, suffix, magic):
    out = tmp_path / f"lr{suffix}"
    assert main(["plot", str(ROOT / "examples" / "clr-triangular.yaml"), "-o", str(out)]) == 0
    assert out.read_bytes().startswith(magic)


def test_usage_errors(tmp_path, capsys):
    assert main(["plot", str(ROOT / "examples" / "clr-triangular.yaml"), "-o", str(tmp_path / "lr.gif")]) == 2
    assert "-o must end in .png, .svg, .pdf" in capsys.readouterr().err
    assert main(["plot", str(ROOT / "examples" / "clr-triangular.yaml"), "--log", "--both"]) == 2


def test_without_matplotlib_the_message_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed: import raises ImportError
    assert main(["plot", str(ROOT / "examples" / "clr-triangular.yaml"), "-o", str(tmp_path / "lr.png")]) == 1
    err = capsys.readouterr().err
    assert "pip install 'lrspec[plot]'" in err and "Traceback" not in err
    assert not (tmp_path / "lr.png").exists()
