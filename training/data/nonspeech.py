"""Sounds that are not a voice: instrumental music, noise, keyboard clicks and fan hum.

An avatar must rest while the game music plays, the fan runs or the streamer types; speech over a
music bed must still move it. Nothing here is downloaded: music is written as MIDI (mido) with
random melodies, chords, bass and drums and rendered by FluidSynth with a General MIDI soundfont
(Debian ``fluidsynth`` + ``timgm6mb-soundfont``); noise, clicks and hum come from numpy.

Three disjoint sets: ``train`` (negatives and music beds for training), ``dev`` (what ``talkrig
train judge --dev`` scores, for choosing recipes) and ``judge`` (what ``talkrig train judge``
scores). They differ in seeds *and* in instruments, so a model cannot pass the judge by having
heard its pieces.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from scipy import signal

from talkrig.models.contract import SAMPLE_RATE

SOUNDFONTS = (
    Path("/usr/share/sounds/sf2/TimGM6mb.sf2"),
    Path("/usr/share/sounds/sf2/default-GM.sf2"),
    Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
)
# General MIDI programs (0-based): melody, chords and bass instruments for each set
TRAIN_PROGRAMS = {
    "melody": (0, 4, 11, 24, 40, 56, 65, 73, 80),
    "chords": (0, 16, 19, 48, 52, 88, 89),
    "bass": (32, 33, 38),
}
JUDGE_PROGRAMS = {
    "melody": (1, 25, 41, 57, 66, 71, 81),
    "chords": (2, 17, 49, 50, 90),
    "bass": (34, 35, 39),
}
# the development split's (judge --dev): other instruments again, and no choir or voice-like pad
DEV_PROGRAMS = {
    "melody": (6, 26, 42, 58, 68, 72, 82),
    "chords": (3, 18, 51, 92),
    "bass": (36, 37),
}
PROGRAMS = {"train": TRAIN_PROGRAMS, "dev": DEV_PROGRAMS, "judge": JUDGE_PROGRAMS}
SEEDS = {"train": 1, "dev": 3, "judge": 7}
NOISE_DBFS = -30.0  # the level for noise
_SCALE = (0, 2, 4, 5, 7, 9, 11)  # major; minor pieces shift the root


class NonSpeechError(RuntimeError):
    """FluidSynth or a soundfont is missing, or rendering failed (the message says which)."""


def soundfont() -> Path:
    """The first General MIDI soundfont installed, or NonSpeechError saying what to install."""
    for path in SOUNDFONTS:
        if path.is_file():
            return path
    raise NonSpeechError(
        "no General MIDI soundfont found: apt-get install fluidsynth timgm6mb-soundfont"
    )


def _midi(rng: np.random.Generator, seconds: float, programs: Mapping[str, Sequence[int]]) -> bytes:
    """A random piece as a Standard MIDI File: melody, block chords, bass and a drum kit."""
    import mido

    bpm = float(rng.uniform(80, 150))
    ticks = 480
    beats = int(seconds * bpm / 60.0) + 1
    root = 48 + int(rng.integers(12))
    song = mido.MidiFile(ticks_per_beat=ticks)
    meta = mido.MidiTrack()
    meta.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm)))
    song.tracks.append(meta)

    def track(
        channel: int, program: int | None, notes: list[tuple[float, float, int, int]]
    ) -> None:
        events: list[tuple[int, bool, int, int]] = []
        for start, length, pitch, velocity in notes:
            on = int(start * ticks)
            events += [
                (on, True, pitch, velocity),
                (on + max(1, int(length * ticks)), False, pitch, 0),
            ]
        events.sort(key=lambda e: (e[0], e[1]))
        out = mido.MidiTrack()
        if program is not None:
            out.append(mido.Message("program_change", channel=channel, program=program))
        now = 0
        for tick, is_on, pitch, velocity in events:
            kind = "note_on" if is_on else "note_off"
            out.append(
                mido.Message(kind, channel=channel, note=pitch, velocity=velocity, time=tick - now)
            )
            now = tick
        song.tracks.append(out)

    degrees = [int(d) for d in rng.choice([0, 3, 4, 5], size=beats // 4 + 1)]
    chords, bass, melody, drums = [], [], [], []
    for bar, degree in enumerate(degrees):
        base = root + _SCALE[degree % 7]
        for note in (0, 4 if degree in (0, 3, 4) else 3, 7):
            chords.append((bar * 4.0, 3.9, base + 12 + note, 60))
        for beat in range(4):
            bass.append((bar * 4.0 + beat, 0.9, base - 12 + (7 if beat == 2 else 0), 80))
            drums.append((bar * 4.0 + beat, 0.2, 36 if beat % 2 == 0 else 38, 90))
            drums.append((bar * 4.0 + beat + 0.5, 0.1, 42, 60))
    t = 0.0
    while t < beats:
        length = float(rng.choice([0.25, 0.5, 0.5, 1.0, 1.5]))
        pitch = root + 24 + _SCALE[int(rng.integers(7))] + 12 * int(rng.integers(0, 2))
        melody.append((t, length * 0.95, pitch, int(rng.integers(70, 110))))
        t += length
    track(0, int(rng.choice(programs["melody"])), melody)
    track(1, int(rng.choice(programs["chords"])), chords)
    track(2, int(rng.choice(programs["bass"])), bass)
    if rng.random() < 0.8:
        track(9, None, drums)
    with tempfile.TemporaryFile() as handle:
        song.save(file=handle)
        handle.seek(0)
        return handle.read()


def render_midi(midi: bytes, seconds: float) -> np.ndarray:
    """``(n,)`` float32 16 kHz mono: ``midi`` rendered by FluidSynth, cut to ``seconds``."""
    exe = shutil.which("fluidsynth")
    if exe is None:
        raise NonSpeechError("fluidsynth is not installed: apt-get install fluidsynth")
    with tempfile.TemporaryDirectory() as folder:
        mid, wav = Path(folder) / "piece.mid", Path(folder) / "piece.wav"
        mid.write_bytes(midi)
        command = [
            exe,
            "-ni",
            "-g",
            "0.6",
            "-r",
            str(SAMPLE_RATE),
            "-F",
            str(wav),
            str(soundfont()),
            str(mid),
        ]
        done = subprocess.run(command, capture_output=True, timeout=120, check=False)
        if done.returncode != 0 or not wav.is_file():
            raise NonSpeechError(
                f"fluidsynth failed: {done.stderr.decode(errors='replace')[-300:]}"
            )
        with wave.open(str(wav), "rb") as handle:
            channels, width = handle.getnchannels(), handle.getsampwidth()
            raw = handle.readframes(handle.getnframes())
    if width != 2:
        raise NonSpeechError(f"fluidsynth wrote {8 * width}-bit audio, expected 16-bit")
    audio = np.frombuffer(raw, "<i2").reshape(-1, channels).mean(axis=1) / 32768.0
    out = np.zeros(int(seconds * SAMPLE_RATE), np.float32)
    out[: min(len(out), len(audio))] = audio[: len(out)]
    return out


def music(rng: np.random.Generator, seconds: float, split: str = "train") -> np.ndarray:
    """A random instrumental piece, peak-normalised to 0.7."""
    programs = PROGRAMS[split]
    audio = render_midi(_midi(rng, seconds, programs), seconds)
    return (audio * 0.7 / (float(np.abs(audio).max()) + 1e-9)).astype(np.float32)


def _at_dbfs(audio: np.ndarray, dbfs: float) -> np.ndarray:
    rms = float(np.sqrt(np.mean(audio**2))) + 1e-12
    return np.clip(audio * 10.0 ** (dbfs / 20.0) / rms, -1.0, 1.0).astype(np.float32)


def noise(
    rng: np.random.Generator, seconds: float, colour: int, dbfs: float = NOISE_DBFS
) -> np.ndarray:
    """White (0), pink (1) or brown (2) noise at ``dbfs`` RMS."""
    n = int(seconds * SAMPLE_RATE)
    white = rng.normal(size=n)
    if colour:
        spectrum = np.fft.rfft(white)
        f = np.maximum(np.fft.rfftfreq(n), 1.0 / n)
        white = np.fft.irfft(spectrum / f ** (colour / 2.0), n=n)
    return _at_dbfs(white, dbfs)


def keyboard(rng: np.random.Generator, seconds: float, peak_dbfs: float = -12.0) -> np.ndarray:
    """Typing: key-down and key-up clicks (short band-passed noise bursts) in bursts of words."""
    n = int(seconds * SAMPLE_RATE)
    out = np.zeros(n)
    band = signal.butter(
        2, [float(rng.uniform(800, 2000)), 7000], "bandpass", fs=SAMPLE_RATE, output="sos"
    )
    t = float(rng.uniform(0.0, 0.3))
    while t < seconds - 0.1:
        for delay, level in ((0.0, 1.0), (float(rng.uniform(0.06, 0.12)), 0.5)):
            start = int((t + delay) * SAMPLE_RATE)
            length = int(rng.uniform(0.004, 0.012) * SAMPLE_RATE)
            burst = rng.normal(size=length) * np.exp(-np.arange(length) / (length / 4))
            out[start : start + length] += level * float(rng.uniform(0.5, 1.0)) * burst[: n - start]
        t += float(rng.uniform(0.08, 0.25)) if rng.random() > 0.15 else float(rng.uniform(0.4, 1.0))
    out = signal.sosfilt(band, out)
    return (out * 10.0 ** (peak_dbfs / 20.0) / (float(np.abs(out).max()) + 1e-12)).astype(
        np.float32
    )


def hum(rng: np.random.Generator, seconds: float, dbfs: float = NOISE_DBFS) -> np.ndarray:
    """A fan or mains hum: a few harmonics of 50/60 Hz or a blade rate, over low-passed noise."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    base = float(rng.choice([50.0, 60.0, rng.uniform(80.0, 200.0)]))
    tone = sum(
        rng.uniform(0.2, 1.0) / k * np.sin(2 * np.pi * base * k * t + rng.uniform(0, 6.3))
        for k in range(1, 6)
    )
    low = signal.butter(2, float(rng.uniform(300, 1200)), "lowpass", fs=SAMPLE_RATE, output="sos")
    air = signal.sosfilt(low, rng.normal(size=len(t)))
    return _at_dbfs(tone + float(rng.uniform(0.5, 2.0)) * air / (np.std(air) + 1e-12), dbfs)


def nonspeech_set(split: str, seconds: float = 8.0, pieces: int = 4) -> dict[str, np.ndarray]:
    """Named non-speech clips of ``seconds``: ``pieces`` music pieces, white/pink/brown noise at
    -30 dBFS, keyboard typing and fan hum. ``split`` (``train``, ``dev`` or ``judge``) picks the
    seeds and the instruments."""
    if split not in SEEDS:
        raise ValueError(f"split must be one of {', '.join(SEEDS)}, not {split!r}")
    rng = np.random.default_rng(SEEDS[split])
    clips = {f"music-{k}": music(rng, seconds, split) for k in range(pieces)}
    for colour, name in enumerate(("white", "pink", "brown")):
        clips[f"noise-{name}"] = noise(rng, seconds, colour)
    clips["keyboard"] = keyboard(rng, seconds)
    clips["fan-hum"] = hum(rng, seconds)
    return clips


def mix_under(speech: np.ndarray, bed: np.ndarray, below_db: float) -> np.ndarray:
    """``speech`` with ``bed`` (looped or cut to length) ``below_db`` dB under the speech's
    active level (its loudest half of 40 ms frames), clipped to [-1, 1]."""
    bed = np.resize(bed, len(speech))
    frames = speech[: len(speech) // 640 * 640].reshape(-1, 640)
    power = np.mean(frames**2, axis=1) if len(frames) else np.array([np.mean(speech**2)])
    active = float(np.mean(np.sort(power)[len(power) // 2 :])) + 1e-12
    scale = np.sqrt(active / (float(np.mean(bed**2)) + 1e-12) / 10.0 ** (below_db / 10.0))
    return np.clip(speech + scale * bed, -1.0, 1.0).astype(np.float32)
