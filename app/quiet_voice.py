"""``QuietVoiceHint``: tell a user whose voice comes in too quiet for the mouth to open.

The engine's silence gate opens only above a fixed level (``PostConfig.gate_open_db``, RMS of a
40 ms frame). A quiet microphone can stay under it while the level meter plainly shows sound:
of FSDD's six speakers one records digits peaking at -32 to -45 dBFS, and on its quietest
takes the gate never opens (docs/model-studies.md, "Closing after speech"). The avatar then does
not move at all, which looks like a broken model. The remedy is the input gain, so say so.
"""

from __future__ import annotations

from collections import deque

HEARD_DB = -50.0  # a meter peak above this is sound coming in, not a quiet room
WINDOW_S = 4.0  # how long sound must come in without opening the mouth
HEARD_SHARE = 0.25  # of the window's ticks: a voice, not one knock on the desk
# The meter shows sample peaks, the gate frame RMS: on the loud frames of real speech (s1's
# held-out sentences, read speech, FSDD) the peak is 8.6 dB over the RMS, 6.7-11.9 dB between
# the clips' 5th and 95th percentile (docs/studies/gate_hold.py), so a voice whose peaks reach
# the gate's level + 12 dB opens it on nearly every loud frame.
PEAK_OVER_RMS_DB = 12.0

# The models open the mouth a little less for quieter voices: the default 12 % less at -20 dBFS
# peaks than at -3, 19 % less at -30 (docs/studies/input_level.py; the raw-waveform models
# SincNet and the paper CNN barely open below -20). So the hint names a level to aim for, not
# only the gate's.
AIM_DB = -10.0

MESSAGE = (
    "the input is heard but too quiet to move the mouth: raise the gain until speech peaks "
    "around {aim_db:.0f} dBFS on the meter (below about {meter_db:.0f} dBFS the mouth stays shut)"
)


class QuietVoiceHint:
    """Fed once per display tick; returns the hint once per quiet spell (GUI thread).

    Args:
        open_db: the silence gate's opening level (frame RMS, dBFS).
        window_s, heard_db, heard_share: sound above ``heard_db`` (meter peak, dBFS) in at least
            ``heard_share`` of the ticks of the last ``window_s`` seconds, and no voiced frame in
            them, makes a quiet spell.
    """

    def __init__(
        self,
        open_db: float,
        window_s: float = WINDOW_S,
        heard_db: float = HEARD_DB,
        heard_share: float = HEARD_SHARE,
    ) -> None:
        self.open_db = open_db
        self.window_s = window_s
        self.heard_db = heard_db
        self.heard_share = heard_share
        self._ticks: deque[tuple[float, bool, bool]] = deque()  # (time, heard, a frame came)
        self._last_voiced = float("-inf")
        self._said = False

    def update(self, now: float, peak_db: float, voiced: bool | None) -> str | None:
        """``peak_db``: the meter's level; ``voiced``: the newest frame's gate state, ``None``
        when no frame came this tick. The hint text when a quiet spell begins, else ``None``."""
        if voiced:
            self._last_voiced = now
            self._said = False  # the gain was raised or the voice got louder: watch again
        self._ticks.append((now, peak_db > self.heard_db, voiced is not None))
        while self._ticks and self._ticks[0][0] < now - self.window_s:
            self._ticks.popleft()
        if self._said or now - self._last_voiced < self.window_s:
            return None
        if now - self._ticks[0][0] < 0.9 * self.window_s:  # not watched long enough yet
            return None
        heard = sum(h for _, h, _ in self._ticks) / len(self._ticks)
        framed = sum(f for _, _, f in self._ticks) / len(self._ticks)
        if heard < self.heard_share or framed < self.heard_share:  # no frames: nothing to judge
            return None
        self._said = True
        return MESSAGE.format(aim_db=AIM_DB, meter_db=self.open_db + PEAK_OVER_RMS_DB)

    def reset(self) -> None:
        """Forget everything (a new stream, another device)."""
        self._ticks.clear()
        self._last_voiced = float("-inf")
        self._said = False
