"""Does a voice gate that opens less readily buy back the non-speech figure a run lost?

    python docs/studies/gate_offset.py RUN OFFSET OUT.onnx DATA S1
    # RUN: a fit's run folder of a gated blendshape model; OUT.onnx: where the export goes;
    # DATA: the shared data folder (the judge's); S1: prepare's folder of GRID s1 (data/grid_s1)

Exports ``RUN`` as ``talkrig train export --neutral-rest --gate-offset OFFSET`` (the face is
``rest + σ(logit − OFFSET) · (face − rest)``), then runs ``talkrig train judge`` on it and
writes its figures beside it (``OUT.json``). The offset moves the gate's threshold after
training, so no run is needed to try one.
"""

from __future__ import annotations

import sys
from pathlib import Path

from talkrig.training.cli import main as train


def run(run_dir: Path, offset: str, out: Path, data: Path, s1: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    status = train([
        "train", "export", str(run_dir), "--out", str(out), "--name", out.stem,
        "--training-data", f"a study export of {run_dir.name}", "--license", "study only",
        "--neutral-rest", "--gate-offset", offset,
    ])  # fmt: skip
    if status:
        sys.exit(status)
    judged = ["train", "judge", str(out), "--data", str(data), "--s1", str(s1)]
    sys.exit(train([*judged, "--json", str(out.with_suffix(".json"))]))


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    run_dir, offset, out, data, s1 = sys.argv[1:]
    run(Path(run_dir), offset, Path(out), Path(data), Path(s1))
