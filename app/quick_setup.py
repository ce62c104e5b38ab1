"""Quick setup: the receiving apps a user names (not protocols), each with its target spec on
the default port and one sentence on what to switch on at that end. No Qt here; the menu that
offers them is in :mod:`talkrig.app.quick_setup_menu`."""

from __future__ import annotations

from dataclasses import dataclass

from talkrig.bridge.senders import ifacialmocap, livelink, unity_osc, vmc, vtubestudio


@dataclass(frozen=True)
class Preset:
    """One receiving app: the menu label, the target spec to add, what to do in that app."""

    label: str
    spec: str
    advice: str


PRESETS: tuple[Preset, ...] = (
    Preset(
        "VSeeFace (VMC)",
        f"vmc://127.0.0.1:{vmc.DEFAULT_PORT}",
        f"In VSeeFace open Settings → General settings and turn on the OSC/VMC receiver on port "
        f"{vmc.DEFAULT_PORT}.",
    ),
    Preset(
        "VNyan (VMC)",
        f"vmc://127.0.0.1:{vmc.DEFAULT_PORT}",
        f"In VNyan turn on receiving VMC data (VMC / OSC settings) on port {vmc.DEFAULT_PORT}.",
    ),
    Preset(
        "Warudo (VMC)",
        f"vmc://127.0.0.1:{vmc.DEFAULT_PORT}",
        f"In Warudo pick VMC as the face tracking in the setup and keep port {vmc.DEFAULT_PORT}.",
    ),
    Preset(
        "VTube Studio (plugin API)",
        f"vtubestudio://127.0.0.1:{vtubestudio.DEFAULT_PORT}",
        f"In VTube Studio's settings turn on “Start API (allow plugins)” on port "
        f"{vtubestudio.DEFAULT_PORT}, then click Allow when TalkRig asks to connect.",
    ),
    Preset(
        "iFacialMocap receiver on this PC",
        f"ifacialmocap://127.0.0.1:{ifacialmocap.DEFAULT_PORT}",
        f"In the receiving app (VSeeFace, VNyan, Warudo, VMagicMirror) choose iFacialMocap as "
        f"the face tracker; TalkRig stands in for the iPhone and sends to UDP "
        f"{ifacialmocap.DEFAULT_PORT} here.",
    ),
    Preset(
        "Unity (TalkRig Receiver)",
        f"unity://127.0.0.1:{unity_osc.DEFAULT_PORT}",
        f"In Unity add TalkRig ▸ TalkRig Receiver (port {unity_osc.DEFAULT_PORT}) and a "
        f"BlendshapeDriver to your avatar, then press Play.",
    ),
    Preset(
        "Unreal (Live Link Face)",
        f"livelink://127.0.0.1:{livelink.DEFAULT_PORT}",
        f"In Unreal enable the Live Link and Apple ARKit Face Support plugins, then pick the "
        f"subject “{livelink.DEFAULT_SUBJECT}” in Window → Virtual Production → Live Link "
        f"(port {livelink.DEFAULT_PORT}).",
    ),
)
