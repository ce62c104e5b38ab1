"""Networks: output shapes, and window vs whole-utterance (fully-convolutional) consistency."""

from __future__ import annotations

import math

import pytest
import torch

from talkrig.models.contract import HOP_SAMPLES, WINDOW_SAMPLES
from talkrig.training.learning.frontends import LogMagnitude, LogMelDeltas
from talkrig.training.learning.networks import NETWORKS, ConvNet, build_network

FRAMES = 6


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)


def _utterance(frames: int = FRAMES, batch: int = 2) -> torch.Tensor:
    return 0.1 * torch.randn(batch, WINDOW_SAMPLES + (frames - 1) * HOP_SAMPLES)


@pytest.mark.parametrize("kind", sorted(NETWORKS))
@pytest.mark.parametrize("out_dim", [52, 20])
def test_output_shapes(kind: str, out_dim: int) -> None:
    net = build_network(kind, out_dim=out_dim).eval()
    with torch.no_grad():
        assert net(torch.zeros(3, WINDOW_SAMPLES)).shape == (3, out_dim)
        assert net.frames(_utterance()).shape == (2, FRAMES, out_dim)
    assert net.args["out_dim"] == out_dim


@pytest.mark.parametrize("kind", sorted(NETWORKS))
def test_window_output_equals_the_matching_frame_of_the_whole_utterance(kind: str) -> None:
    net = build_network(kind, out_dim=52).eval()
    audio = _utterance()
    with torch.no_grad():
        whole = net.frames(audio)  # (B, T, 52)
        for t in range(FRAMES):
            window = audio[:, t * HOP_SAMPLES : t * HOP_SAMPLES + WINDOW_SAMPLES]
            torch.testing.assert_close(net(window), whole[:, t], atol=1e-5, rtol=1e-4)
    # the frames really differ: the test above could fail
    assert (whole[:, 0] - whole[:, -1]).abs().max() > 1e-4


@pytest.mark.parametrize("kind", ["cnn", "sincnet"])
def test_a_log_front_keeps_the_window_equal_to_its_frame(kind: str) -> None:
    net = build_network(kind, out_dim=8, log_front=True).eval()
    assert any(isinstance(m, LogMagnitude) for m in net.modules())
    audio = _utterance()
    with torch.no_grad():
        whole = net.frames(audio)
        for t in range(FRAMES):
            window = audio[:, t * HOP_SAMPLES : t * HOP_SAMPLES + WINDOW_SAMPLES]
            torch.testing.assert_close(net(window), whole[:, t], atol=1e-5, rtol=1e-4)
    again = build_network(kind, **net.args).eval()  # a checkpoint rebuilds it with the front
    again.load_state_dict(net.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(again.frames(audio), whole)


@pytest.mark.parametrize("kind", ["cnn", "sincnet"])
def test_a_log_front_turns_a_gain_into_an_offset(kind: str) -> None:
    """What the log front hands on for 20 dB less input is the same minus log(10) wherever the
    signal is far above the floor: a microphone's gain becomes one offset."""
    net = build_network(kind, out_dim=8, log_front=True).eval()
    front = next(m for m in net.modules() if isinstance(m, LogMagnitude))
    seen: list[torch.Tensor] = []
    front.register_forward_hook(lambda _m, _i, out: seen.append(out))
    audio = 5.0 * _utterance(frames=1, batch=1)
    with torch.no_grad():
        net(audio), net(0.1 * audio)
    loud, quiet = seen
    strong = loud > math.log(0.05)  # the quiet one at least 50 times the floor
    assert int(strong.sum()) > 100
    shift = (loud - quiet)[strong]
    torch.testing.assert_close(shift, torch.full_like(shift, math.log(10.0)), atol=0.025, rtol=0)


def test_cnn_sees_only_its_window() -> None:
    """Changing audio after the window of frame 0 leaves frame 0 alone, but moves frame 1."""
    net = ConvNet(out_dim=4).eval()
    audio = _utterance(frames=2, batch=1)
    changed = audio.clone()
    changed[:, WINDOW_SAMPLES:] += 0.5
    with torch.no_grad():
        before, after = net.frames(audio), net.frames(changed)
    torch.testing.assert_close(before[:, 0], after[:, 0])
    assert (before[:, 1] - after[:, 1]).abs().max() > 1e-4


def test_checkpoint_args_rebuild_the_same_network() -> None:
    net = build_network("sincnet", out_dim=8, lookahead_samples=640).eval()
    again = build_network("sincnet", **net.args).eval()
    again.load_state_dict(net.state_dict())
    x = _utterance(frames=1, batch=1)
    with torch.no_grad():
        torch.testing.assert_close(net(x), again(x))
    assert again.lookahead_samples == 640


def test_lstm_features_have_three_blocks_of_bands() -> None:
    feats = LogMelDeltas(bands=40)(torch.randn(2, WINDOW_SAMPLES))
    assert feats.shape == (2, (WINDOW_SAMPLES - 400) // 160 + 1 - 8, 120)
    # silence: flat log-Mel, so both differences vanish
    flat = LogMelDeltas(bands=40)(torch.zeros(1, WINDOW_SAMPLES))
    assert flat[..., 40:].abs().max() < 1e-6


def test_bad_geometry_and_names_are_refused() -> None:
    with pytest.raises(ValueError, match="must divide the hop"):
        ConvNet(out_dim=52, strides=(4, 4, 4, 4))
    with pytest.raises(ValueError, match="unknown architecture 'transformer'"):
        build_network("transformer", out_dim=52)
