"""The UPM package's structure: what Unity needs to import it that no compiler checks here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from talkrig.models import arkit
from tests.unity.conftest import PACKAGE

UNITY_ASSEMBLIES = {"UnityEngine.TestRunner", "UnityEditor.TestRunner"}


def _package() -> dict[str, object]:
    data = json.loads((PACKAGE / "package.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _assets() -> list[Path]:
    """Every file and folder that needs a ``.meta``: all but ``Samples~`` itself, whose content
    Unity copies into Assets/ on import (with its metas, so the prefab keeps its scripts)."""
    out = []
    for path in sorted(PACKAGE.rglob("*")):
        rel = path.relative_to(PACKAGE)
        if path.suffix == ".meta" or (rel.parts[0].endswith("~") and len(rel.parts) == 1):
            continue
        out.append(path)
    return out


def _asmdefs() -> dict[str, dict[str, object]]:
    found = {}
    for path in PACKAGE.rglob("*.asmdef"):
        data = json.loads(path.read_text(encoding="utf-8"))
        found[data["name"]] = {**data, "_path": path}
    return found


def test_manifest_fields() -> None:
    data = _package()
    assert data["name"] == "com.talkrig.receiver"
    assert re.fullmatch(r"\d+\.\d+\.\d+", str(data["version"]))
    assert re.fullmatch(r"20\d\d\.\d", str(data["unity"]))
    assert data["displayName"] and data["description"] and data["license"] == "MIT"
    for name in ("README.md", "CHANGELOG.md", "LICENSE.md"):
        assert (PACKAGE / name).is_file(), name
    assert f"## [{data['version']}]" in (PACKAGE / "CHANGELOG.md").read_text(encoding="utf-8")


def test_every_sample_path_exists() -> None:
    samples = _package()["samples"]
    assert isinstance(samples, list) and samples
    for sample in samples:
        folder = PACKAGE / sample["path"]
        assert folder.is_dir(), f"package.json sample {sample['displayName']!r}: {folder} missing"
        assert sample["path"].startswith("Samples~/"), "samples live in the hidden Samples~ folder"
        assert any(folder.glob("*.prefab")) or any(folder.glob("*.unity")), folder


def test_every_asset_has_a_meta_with_a_unique_guid() -> None:
    guids: dict[str, Path] = {}
    for asset in _assets():
        meta = asset.with_name(asset.name + ".meta")
        assert meta.is_file(), (
            f"{asset.relative_to(PACKAGE)} has no .meta (Unity ignores it in a git package)"
        )
        guid = re.search(r"^guid: ([0-9a-f]{32})$", meta.read_text(encoding="utf-8"), re.M)
        assert guid, f"{meta} has no guid"
        assert guid.group(1) not in guids, f"{meta} repeats the guid of {guids.get(guid.group(1))}"
        guids[guid.group(1)] = asset
    for meta in PACKAGE.rglob("*.meta"):
        assert meta.with_suffix("").exists(), f"{meta} belongs to nothing"


def test_sample_prefab_references_real_scripts_and_fields() -> None:
    scripts = {}
    for meta in PACKAGE.rglob("*.cs.meta"):
        guid = re.search(r"^guid: (\w+)$", meta.read_text(encoding="utf-8"), re.M)
        assert guid
        scripts[guid.group(1)] = meta.with_suffix("")
    for prefab in PACKAGE.rglob("*.prefab"):
        for block in prefab.read_text(encoding="utf-8").split("--- !u!114 ")[1:]:
            guid = re.search(r"m_Script: \{fileID: 11500000, guid: (\w+), type: 3\}", block)
            assert guid and guid.group(1) in scripts, (
                f"{prefab.name}: unknown script in {block[:80]}"
            )
            source = scripts[guid.group(1)].read_text(encoding="utf-8")
            for field in re.findall(r"^  (_\w+):", block, re.M):
                assert re.search(rf"\b{field}\b", source), (
                    f"{prefab.name}: {field} not in {guid.group(1)}"
                )


def test_assembly_definitions() -> None:
    asmdefs = _asmdefs()
    base = asmdefs["TalkRig.Receiver.Base"]
    assert base["noEngineReferences"] is True
    assert asmdefs["TalkRig.Receiver.Editor"]["includePlatforms"] == ["Editor"]
    for name, data in asmdefs.items():
        for ref in data["references"]:  # type: ignore[attr-defined]
            assert ref in asmdefs or ref in UNITY_ASSEMBLIES, f"{name} references unknown {ref}"
    base_dir = Path(str(base["_path"])).parent
    for source in base_dir.rglob("*.cs"):
        text = source.read_text(encoding="utf-8")
        assert "UnityEngine" not in text and "UnityEditor" not in text, source


@pytest.mark.parametrize("folder", ["Runtime/Base", "Tests/Core"])
def test_core_stays_csharp7(folder: str) -> None:
    """Mono's mcs (and old Unity) stop at C# 7: no switch expressions, `using var`, records."""
    for source in (PACKAGE / folder).rglob("*.cs"):
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"\busing var\b|\bswitch\s*\{|\brecord\s+\w+|\binit;", text), source


def test_csharp_arkit_table_matches_python() -> None:
    source = (PACKAGE / "Runtime" / "Base" / "ArkitNames.cs").read_text(encoding="utf-8")
    table = source[source.index("Names =") : source.index("};")]
    assert tuple(re.findall(r'"(\w+)"', table)) == arkit.NAMES
