"""Builds the Unity package's engine-free core and its NUnit tests with Mono, once per session."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO, need

PACKAGE = REPO / "unity_package"
HARNESS_SOURCE = Path(__file__).resolve().parent / "ReceiverHarness.cs"
# Debian's nunit-console 2.6.4 ships the framework under a 2.6.3-named folder.
NUNIT_FRAMEWORK = Path("/usr/lib/cli/nunit.framework-2.6.3/nunit.framework.dll")
BUILD_TIMEOUT_S = 60


@dataclass(frozen=True)
class Build:
    """Paths of the compiled assemblies (all in one folder, so Mono finds the references)."""

    folder: Path
    core: Path
    tests: Path
    harness: Path


def _mcs(out: Path, sources: list[Path], references: list[Path], target: str) -> None:
    cmd = ["mcs", f"-target:{target}", "-langversion:7", "-warnaserror+", f"-out:{out}"]
    cmd += [f"-r:{r}" for r in references] + [str(s) for s in sources]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    assert result.returncode == 0, f"mcs failed for {out.name}:\n{result.stdout}{result.stderr}"


@pytest.fixture(scope="session")
def mono_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Compile Runtime/Base (the core), Tests/Core (NUnit) and the console harness."""
    need(shutil.which("mcs") is not None, "mono-mcs not installed (apt-get install mono-mcs)")
    need(shutil.which("mono") is not None, "mono runtime not installed")
    folder = tmp_path_factory.mktemp("unity_core")
    core = folder / "TalkRig.Receiver.Base.dll"
    tests = folder / "TalkRig.Receiver.Base.Tests.dll"
    harness = folder / "ReceiverHarness.exe"
    _mcs(core, sorted((PACKAGE / "Runtime" / "Base").rglob("*.cs")), [], "library")
    if NUNIT_FRAMEWORK.is_file():
        test_sources = sorted((PACKAGE / "Tests" / "Core").rglob("*.cs"))
        _mcs(tests, test_sources, [core, NUNIT_FRAMEWORK], "library")
    _mcs(harness, [HARNESS_SOURCE], [core], "exe")
    return Build(folder, core, tests, harness)
