"""Render the README gallery: one picture per example family, drawn by ``lrspec plot`` from examples/.

Run from anywhere after changing an example or the plot style, then review and commit the PNGs:

    python scripts/render_gallery.py

Every example must belong to a family below; the script stops if one does not, so that a new example
is never left out of the gallery.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
GALLERY = ROOT / "docs" / "gallery"

#: picture name -> (the examples it overlays, extra plot arguments). Families whose cycles differ by
#: orders of magnitude get their own picture, or the short cycles would fill the plot as a solid band.
FAMILIES: dict[str, tuple[list[str], list[str]]] = {
    "clr-short-cycles": (["clr-triangular", "clr-exp-range"], ["--steps", "200"]),
    "clr-tutorial": (["clr-triangular2", "clr-super-convergence"], []),
    "cosine-decay": (["cosine-decay-alpha", "cosine-decay-alpha0", "cosine-decay-small"], []),
    "tanh-restarts": (["tanh-restarts-overlay", "tanh-restarts-prefix"], []),
    "warmup-sustain-step-decay": (["warmup-sustain-step-decay"], []),
}


def main() -> int:
    examples = {p.stem for p in EXAMPLES.glob("*.yaml")}
    covered = {name for members, _ in FAMILIES.values() for name in members}
    if examples != covered:
        print(f"examples without a family: {sorted(examples - covered)}; "
              f"families naming missing examples: {sorted(covered - examples)}", file=sys.stderr)
        return 1
    GALLERY.mkdir(parents=True, exist_ok=True)
    for picture, (members, extra) in FAMILIES.items():
        files = [str(EXAMPLES / f"{name}.yaml") for name in members]
        out = GALLERY / f"{picture}.png"
        subprocess.run([sys.executable, "-m", "lrspec", "plot", *files, "--both", "--title", picture, *extra,
                        "-o", str(out)], check=True)
        print(out.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
