"""The training loop: one run folder per run, seeded, resumable, checkpoints that rebuild the
network on their own.

A run folder holds ``config.json`` (the resolved :class:`TrainConfig`), ``run.json`` (git
revision, clip counts, start time), ``history.jsonl`` (one line per epoch), ``checkpoint.pt``
(after every ``checkpoint_every`` epochs and at the end) and, for landmark models, ``pdm.npz``.
Each epoch reseeds its shuffling and dropout from ``seed + epoch``, so a run resumed from a
checkpoint ends with exactly the weights of an uninterrupted one.
"""

from __future__ import annotations

import dataclasses
import json
import math
import pickle
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from torch.utils.data import DataLoader
from tqdm import tqdm

from ..data.align import PHONE_SET
from .config import CHECKPOINT, TrainConfig, save_config
from .dataset import Clip, SegmentDataset, padded_audio
from .losses import gated_loss
from .networks import FaceNet, build_network
from .pdm import Pdm
from .real_mix import gate_rest

_MAY_CHANGE = frozenset({"epochs", "threads", "device"})  # on resume: nothing else


class FitError(RuntimeError):
    """A run that cannot start or resume (no clips, bad checkpoint, changed config)."""


@dataclasses.dataclass
class FitResult:
    """What :func:`fit` leaves behind: the run folder and the trained network (eval mode)."""

    run_dir: Path
    network: FaceNet
    history: list[dict[str, float]]
    pdm: Pdm | None


def _git(where: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", where, *args], capture_output=True, text=True, timeout=10)


def git_revision(repo: Path | None = None) -> str:
    """``HEAD``'s hash (``+dirty`` when the tree has changes), or ``unknown`` outside git."""
    where = str(repo or Path(__file__).resolve().parent)
    try:
        head = _git(where, "rev-parse", "HEAD")
        dirty = _git(where, "status", "--porcelain")
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    if head.returncode:
        return "unknown (no commit)"
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def new_run_dir(root: Path, name: str) -> Path:
    """A fresh ``root/YYYYmmdd-HHMMSS-name`` folder; never reuses (or deletes) an old run."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    for n in range(1, 1000):
        path = root / (f"{stamp}-{name}" if n == 1 else f"{stamp}-{name}-{n}")
        try:
            path.mkdir(parents=True)
        except FileExistsError:
            continue
        return path
    raise FitError(f"cannot create a new run folder under {root}")


def network_for(config: TrainConfig, out_dim: int) -> FaceNet:
    """The untrained network ``config`` describes, with ``out_dim`` outputs."""
    widths: dict[str, Any] = {}
    if config.architecture == "cnn" and config.width:
        widths["channels"] = tuple(config.width * 2**k for k in range(4))
    elif config.architecture == "mel-cnn" and config.width:
        widths["channels"] = config.width
    elif config.architecture == "sincnet":
        widths["taps"] = config.sinc_taps
        if config.width:
            widths["filters"] = config.width
        if config.gate_channels:
            widths["gate_channels"] = config.gate_channels
    if config.log_front:
        widths["log_front"] = True
        widths["log_floor"] = 10.0 ** (config.log_floor_db / 20.0)
    if config.voice_gate:
        widths["voice_gate"] = True
    if config.phone_head:
        widths["phones"] = len(PHONE_SET)
    return build_network(
        config.architecture,
        **widths,
        out_dim=out_dim,
        window_samples=config.window_samples,
        hop_samples=config.hop_samples,
        lookahead_samples=config.lookahead_samples,
        dropout=config.dropout,
    )


def _dataset(config: TrainConfig, clips: Sequence[Clip]) -> SegmentDataset:
    return SegmentDataset(
        clips,
        config.segment_frames,
        config.window_samples,
        config.hop_samples,
        config.lookahead_samples,
    )


def epoch_lr(config: TrainConfig, epoch: int) -> float:
    """The learning rate of ``epoch`` (0-based): ``config.lr``, or its cosine decay."""
    if config.lr_schedule == "cosine":
        return config.lr * 0.5 * (1.0 + math.cos(math.pi * epoch / config.epochs))
    return config.lr


def _epoch(
    network: FaceNet,
    loader: DataLoader[Any],
    config: TrainConfig,
    optimizer: Any = None,
    label: str = "",
    average: AveragedModel | None = None,
) -> float:
    network.train(optimizer is not None)
    device = next(network.parameters()).device
    total, count = 0.0, 0
    bar = tqdm(loader, desc=label, unit="batch", leave=False, disable=not label)
    with torch.set_grad_enabled(optimizer is not None):
        for batch in bar:
            audio, targets, valid = (t.to(device) for t in batch)
            loss = gated_loss(network, audio, targets, valid, config)
            if optimizer is not None:
                optimizer.zero_grad()
                loss.backward()
                if config.grad_clip > 0:  # one odd batch must not throw the weights away
                    torch.nn.utils.clip_grad_norm_(network.parameters(), config.grad_clip)
                optimizer.step()
                if average is not None:
                    average.update_parameters(network)
            total, count = total + loss.item() * len(audio), count + len(audio)
    return total / max(count, 1)


def save_checkpoint(
    path: Path,
    network: FaceNet,
    optimizer: Any,
    config: TrainConfig,
    epoch: int,
    history: list[dict[str, float]],
    pdm: Pdm | None,
    average: AveragedModel | None = None,
) -> None:
    """Everything to rebuild the network and to resume: architecture, model args, weights,
    optimizer state, config, epochs done, history, PDM (as tensors: loads with weights_only).
    With ``average``, ``model`` holds the averaged weights (the ones to export) and
    ``trained_model`` the optimizer's, with the average's step count, to resume from."""
    state = {
        "architecture": config.architecture,
        "model_args": network.args,
        "model": network.state_dict() if average is None else average.module.state_dict(),
        "optimizer": optimizer.state_dict(),
        "config": config.to_dict(),
        "epoch": epoch,
        "history": history,
        "pdm": None if pdm is None else {
            "mean": torch.from_numpy(pdm.mean), "basis": torch.from_numpy(pdm.basis),
            "variance_kept": pdm.variance_kept,
        },
    }  # fmt: skip
    if average is not None:
        state["trained_model"] = network.state_dict()
        state["averaged_steps"] = average.n_averaged
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)  # a crash mid-save leaves the previous checkpoint intact


def load_checkpoint(path: Path) -> tuple[FaceNet, dict[str, Any], Pdm | None]:
    """The network (eval mode), the raw checkpoint dict and the PDM; FitError naming the file."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        network = build_network(state["architecture"], **state["model_args"])
        network.load_state_dict(state["model"])
    except (
        OSError,
        RuntimeError,
        KeyError,
        ValueError,
        TypeError,
        EOFError,
        pickle.UnpicklingError,
    ) as exc:
        raise FitError(f"checkpoint {str(path)!r} is unusable: {exc}") from None
    saved = state["pdm"]
    pdm = None
    if saved is not None:
        pdm = Pdm(saved["mean"].numpy(), saved["basis"].numpy(), float(saved["variance_kept"]))
    return network.eval(), state, pdm


def fit(
    config: TrainConfig,
    train: Sequence[Clip],
    runs_root: Path,
    *,
    dev: Sequence[Clip] = (),
    pdm: Pdm | None = None,
    name: str = "run",
    resume: Path | None = None,
    extra: dict[str, Any] | None = None,
    progress: bool = False,
) -> FitResult:
    """Train ``config.architecture`` on ``train`` clips (targets already blendshapes or PDM
    coefficients) for ``config.epochs`` epochs in a new run folder under ``runs_root``, or
    continue the run folder ``resume`` up to ``config.epochs`` (only ``epochs``, ``threads``
    and ``device`` may change; with ``lr_schedule = "cosine"`` a new ``epochs`` also reshapes the
    decay of the epochs still to come).

    Runs on the calling thread; uses ``config.threads`` torch threads. ``progress`` shows a
    tqdm bar per epoch on stderr.
    """
    if not train:
        raise FitError("no training clips")
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)  # the initial weights
    # the gate's and the phone's target columns are not face outputs
    out_dim = int(train[0].targets.shape[1]) - bool(config.voice_gate) - bool(config.phone_head)
    network = network_for(config, out_dim).to(config.torch_device())
    if config.voice_gate:
        try:
            rest = gate_rest(train, out_dim)
        except ValueError as exc:
            raise FitError(str(exc)) from None
        network.get_buffer("rest").copy_(torch.from_numpy(rest))
    optimizer = torch.optim.Adam(
        network.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    average = None
    if config.ema_decay > 0:
        average = AveragedModel(
            network, multi_avg_fn=get_ema_multi_avg_fn(config.ema_decay), use_buffers=True
        )
    history: list[dict[str, float]] = []
    start = 0
    if resume is not None:
        run_dir = resume
        saved_net, state, pdm = load_checkpoint(resume / CHECKPOINT)
        # a key the run predates had its default then
        saved = {**TrainConfig().to_dict(), **state["config"]}
        changed = {
            k for k, v in config.to_dict().items() if k not in _MAY_CHANGE and saved.get(k) != v
        }
        if changed:
            raise FitError(f"cannot resume {str(resume)!r}: config changed in {sorted(changed)}")
        if average is not None:
            if "trained_model" not in state or "averaged_steps" not in state:
                raise FitError(f"cannot resume {str(resume)!r}: its checkpoint has no trained "
                               "weights beside the averaged ones")  # fmt: skip
            average.module.load_state_dict(saved_net.state_dict())
            average.n_averaged.fill_(state["averaged_steps"])
            network.load_state_dict(state["trained_model"])  # onto the run's device
        else:
            network.load_state_dict(saved_net.state_dict())  # onto the run's device
        optimizer.load_state_dict(state["optimizer"])
        start, history = int(state["epoch"]), list(state["history"])
        # epochs after the last checkpoint are redone: the file must forget them too
        lines = "".join(json.dumps(row) + "\n" for row in history)
        (run_dir / "history.jsonl").write_text(lines, encoding="utf-8")
    else:
        run_dir = new_run_dir(runs_root, name)
        run = {
            "git_revision": git_revision(),
            "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "train_clips": len(train),
            "dev_clips": len(dev),
            **(extra or {}),
        }
        (run_dir / "run.json").write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
        if pdm is not None:
            pdm.save(run_dir / "pdm.npz")
    save_config(config, run_dir / "config.json")
    train_set, dev_set = _dataset(config, train), _dataset(config, dev) if dev else None
    for epoch in range(start, config.epochs):
        torch.manual_seed(config.seed + epoch)
        shuffle = torch.Generator().manual_seed(config.seed + epoch)
        loader = DataLoader(train_set, config.batch_size, shuffle=True, generator=shuffle)
        for group in optimizer.param_groups:  # a function of the epoch: resumes exactly
            group["lr"] = epoch_lr(config, epoch)
        label = f"epoch {epoch + 1}/{config.epochs}" if progress else ""
        row = {
            "epoch": epoch + 1,
            "train_loss": _epoch(network, loader, config, optimizer, label, average),
        }
        exported = network if average is None else cast(FaceNet, average.module)
        if dev_set is not None:
            row["dev_loss"] = _epoch(exported, DataLoader(dev_set, config.batch_size), config)
        history.append(row)
        with (run_dir / "history.jsonl").open("a", encoding="utf-8") as out:
            out.write(json.dumps(row) + "\n")
        if (epoch + 1) % config.checkpoint_every == 0 or epoch + 1 == config.epochs:
            save_checkpoint(
                run_dir / CHECKPOINT, network, optimizer, config, epoch + 1, history, pdm, average
            )
    exported = network if average is None else cast(FaceNet, average.module)
    return FitResult(run_dir, exported.cpu().eval(), history, pdm)


def predict(network: FaceNet, clip: Clip) -> np.ndarray:
    """``(T, out_dim)`` float32: the network's output for every label frame of ``clip``."""
    audio = padded_audio(
        clip, network.window_samples, network.hop_samples, network.lookahead_samples
    )
    network.eval()
    device = next(network.parameters()).device
    with torch.no_grad():
        out = network.frames(torch.from_numpy(audio).unsqueeze(0).to(device))[0]
    return out[: len(clip.targets)].cpu().numpy()
