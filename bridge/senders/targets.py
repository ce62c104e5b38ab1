"""Target specs (``vmc://host:port``, ``csv:take.csv``, ...) → ready senders.

``make_target`` is the one reader of target specs (CLI arguments, saved settings): anything it
cannot honour (unknown scheme, bad host or port, unknown option, a listening port in use, a
recorder folder that does not exist) raises one ``TargetError`` naming the spec.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import SplitResult, parse_qsl, urlsplit

from talkrig.bridge.senders import ifacialmocap, livelink, unity_osc, vmc, vtubestudio
from talkrig.bridge.senders.base import Sender
from talkrig.bridge.senders.ports import port_number, url_port
from talkrig.bridge.senders.recorders import CsvRecorder, JsonlRecorder

SPEC_HELP = """\
unity://[host][:port][?avatar=ID]          TalkRig OSC for the Unity receiver (port 39541)
vmc://[host][:port][?names=pascal|camel]   VMC Marionette: VSeeFace, VNyan, Warudo (port 39539)
livelink://[host][:port][?subject=NAME&device=ID]   Unreal Live Link Face (port 11111)
ifacialmocap://[?listen=PORT&reply_port=PORT]       act as the iPhone app: answer triggers (49983)
ifacialmocap://host[:port][?version=v1|v2]          push iFacialMocap frames to a host (49983)
vtubestudio://[host][:port][?custom=1&discover=1&token_file=PATH]  VTube Studio API (8001)
csv:PATH   jsonl:PATH                                record every frame (never overwrites)
host defaults to 127.0.0.1."""

DEFAULT_HOST = "127.0.0.1"
_HOST_RE = re.compile(r"^[A-Za-z0-9._%:-]+$")  # names, IPv4, IPv6 (brackets already removed)


class TargetError(ValueError):
    """A target spec that cannot be turned into a working sender."""


def make_target(spec: str, *, avatar: str = "default") -> Sender:
    """Parse ``spec`` (syntax in ``SPEC_HELP``) and open the target (any thread; may bind).

    ``avatar`` is the avatar id a ``unity://`` target stamps on every frame (the spec's
    ``?avatar=`` wins); left at ``"default"`` each frame's own ``avatar`` is carried.
    Raises ``TargetError``.
    """
    try:
        return _make(spec.strip(), avatar)
    except TargetError:
        raise
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise TargetError(f"target {spec!r}: UDP port already in use ({exc})") from exc
        raise TargetError(f"target {spec!r}: {exc}") from exc
    except ValueError as exc:
        raise TargetError(f"target {spec!r}: {exc}") from exc


def _make(spec: str, avatar: str) -> Sender:
    head, sep, rest = spec.partition(":")
    if sep and head.lower() in _RECORDERS:
        if not rest.strip():
            raise ValueError(f"{head}: needs a file path, e.g. {head}:take.{head}")
        return _RECORDERS[head.lower()](spec, Path(rest))
    url = urlsplit(spec)
    scheme = url.scheme.lower()
    if scheme not in _NETWORK:
        known = ", ".join([*(f"{s}://" for s in _NETWORK), *(f"{s}:" for s in _RECORDERS)])
        raise ValueError(f"unknown target scheme {url.scheme or spec!r}; known: {known}")
    if not spec.lower().startswith(f"{scheme}://"):
        raise ValueError(f"expected {scheme}://host:port")
    if url.path not in ("", "/") or url.fragment or "@" in url.netloc:
        raise ValueError(f"expected {scheme}://host:port?option=value, got extra parts")
    return _NETWORK[scheme](spec, url, avatar)


def _options(url: SplitResult, allowed: tuple[str, ...]) -> dict[str, str]:
    pairs = parse_qsl(url.query, keep_blank_values=True, strict_parsing=True) if url.query else []
    options: dict[str, str] = {}
    for key, value in pairs:
        if key not in allowed:
            raise ValueError(f"unknown option {key!r}; allowed: {', '.join(allowed) or 'none'}")
        if key in options:
            raise ValueError(f"option {key!r} given twice")
        options[key] = value
    return options


def _host_port(url: SplitResult, default_port: int) -> tuple[str, int]:
    port = url_port(url)
    host = url.hostname or DEFAULT_HOST
    if not _HOST_RE.match(host):
        raise ValueError(f"malformed host {host!r}")
    return host, default_port if port is None else port


def _port_option(
    options: dict[str, str], key: str, default: int | None, *, listening: bool
) -> int | None:
    if key not in options:
        return default
    return port_number(options[key], f"{key}={options[key]}", listening=listening)


def _unity(spec: str, url: SplitResult, avatar: str) -> Sender:
    options = _options(url, ("avatar",))
    host, port = _host_port(url, unity_osc.DEFAULT_PORT)
    pinned = options.get("avatar", None if avatar == "default" else avatar)
    return unity_osc.UnityOscSender(spec, host, port, avatar=pinned)


def _vmc(spec: str, url: SplitResult, avatar: str) -> Sender:
    options = _options(url, ("names",))
    host, port = _host_port(url, vmc.DEFAULT_PORT)
    return vmc.VmcSender(spec, host, port, names=options.get("names", "pascal"))


def _livelink(spec: str, url: SplitResult, avatar: str) -> Sender:
    options = _options(url, ("subject", "device"))
    host, port = _host_port(url, livelink.DEFAULT_PORT)
    subject = options.get("subject", livelink.DEFAULT_SUBJECT)
    return livelink.LiveLinkSender(
        spec, host, port, subject=subject, device_id=options.get("device")
    )


def _ifacialmocap(spec: str, url: SplitResult, avatar: str) -> Sender:
    if url.netloc:
        options = _options(url, ("version",))
        host, port = _host_port(url, ifacialmocap.DEFAULT_PORT)
        version = options.get("version", "v1")
        return ifacialmocap.IFacialMocapPushSender(spec, host, port, version=version)
    options = _options(url, ("listen", "reply_port"))
    listen = _port_option(options, "listen", ifacialmocap.DEFAULT_PORT, listening=True)
    reply_port = _port_option(options, "reply_port", None, listening=False)
    assert listen is not None
    return ifacialmocap.IFacialMocapListener(spec, listen, reply_port=reply_port)


_NETWORK: dict[str, Callable[[str, SplitResult, str], Sender]] = {
    "unity": _unity,
    "vmc": _vmc,
    "livelink": _livelink,
    "ifacialmocap": _ifacialmocap,
    "vtubestudio": vtubestudio.from_url,
}
_RECORDERS: dict[str, Callable[[str, Path], Sender]] = {"csv": CsvRecorder, "jsonl": JsonlRecorder}
