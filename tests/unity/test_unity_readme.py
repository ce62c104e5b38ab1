"""The Unity package README a user follows alone: install lines that work, the quick start's
components, and the sample described as package.json and ``Samples~`` hold it."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "unity_package"
README = (PACKAGE / "README.md").read_text(encoding="utf-8")
MAIN_README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(text: str, title: str) -> str:
    """The section ``title`` (up to the next heading of its level), whitespace collapsed."""
    start = text.index(f"\n{title}\n")
    level = title.split()[0]
    end = re.search(rf"\n{level} ", text[start + len(title) + 2 :])
    found = text[start : start + len(title) + 2 + end.start()] if end else text[start:]
    return " ".join(found.split())  # one line: phrases may wrap anywhere


def _script_names(prefab: Path) -> set[str]:
    """Class names of the MonoBehaviours on ``prefab`` (script guid → ``.cs.meta`` → file)."""
    guids = set(re.findall(r"m_Script: \{fileID: 11500000, guid: (\w+)", prefab.read_text()))
    names = set()
    for meta in PACKAGE.rglob("*.cs.meta"):
        guid = re.search(r"^guid: (\w+)", meta.read_text(), re.M)
        if guid and guid.group(1) in guids:
            names.add(meta.name.removesuffix(".cs.meta"))
    assert len(names) == len(guids), f"{prefab.name}: a script guid matches no .cs.meta"
    return names


def test_both_install_ways_are_spelled_out() -> None:
    install = _section(README, "## Install")
    assert "Add package from disk" in install and "`unity_package/package.json`" in install
    assert (PACKAGE / "package.json").is_file()
    url = re.search(r"https://github\.com/<your fork>/talkrig\.git\?path=/unity_package", install)
    assert url, "the git URL with its <your fork> placeholder"
    assert "`<your fork>` is" in install  # the placeholder is explained, not left as a puzzle


def test_quick_start_adds_every_component_the_app_needs() -> None:
    quick = _section(README, "## Quick start (no code)")
    for menu in ("TalkRig ▸ TalkRig Receiver", "TalkRig ▸ Avatar Announcer",
                 "TalkRig ▸ Blendshape Driver"):  # fmt: skip
        assert menu in quick, menu
    for name in ("TalkRig Receiver", "Avatar Announcer", "Blendshape Driver"):
        menu = "TalkRig/" + name
        assert any(menu in p.read_text() for p in (PACKAGE / "Runtime").rglob("*.cs")), menu
    assert "Unity: default @ 39541" in quick  # the label the app's dropdown shows


def test_the_sample_is_described_as_it_is() -> None:
    sample = json.loads((PACKAGE / "package.json").read_text())["samples"][0]
    folder = PACKAGE / sample["path"]
    text = _section(README, "### The Demo face sample")
    assert sample["displayName"] in text and sample["path"] in text
    files = sorted(p.name for p in folder.iterdir() if p.suffix != ".meta")
    for name in files:
        assert f"`{name}`" in text, name
    assert "two files" in text and len(files) == 2
    (prefab,) = folder.glob("*.prefab")
    scripts = _script_names(prefab)
    assert scripts == {"DemoFace", "TalkRigReceiver", "BlendshapeDriver", "AvatarAnnouncer"}
    assert "four scripts" in text
    for script in scripts:
        assert f"`{script}`" in text, script


def test_main_readme_agrees_on_where_the_components_go() -> None:
    unity = _section(MAIN_README, "## Unity")
    assert "unity_package/package.json" in unity and "<your fork>" in unity
    assert "Avatar Announcer" in unity and "any GameObject" in unity
    assert "avatar's root" in unity
