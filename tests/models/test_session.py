"""Provider choice, thread settings and life without ONNX Runtime."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from talkrig.models.loader import ModelError, load_model
from talkrig.models.registry import Registry
from talkrig.models.session import CPU, CUDA, requested_providers


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, [CUDA, CPU]),
        ("cpu", [CPU]),
        ("CUDA", [CUDA, CPU]),
        (["cuda"], [CUDA, CPU]),
        (["cpu", "cuda"], [CPU, CUDA]),
        (["TensorrtExecutionProvider", "cuda"], ["TensorrtExecutionProvider", CUDA, CPU]),
    ],
)
def test_requested_providers_order_ends_with_cpu(
    given: str | list[str] | None, expected: list[str]
) -> None:
    assert requested_providers(given) == expected


@pytest.mark.parametrize("bad", ["tpu", ["cpu", "gpu0"], []])
def test_unknown_provider_is_a_model_error(bad: str | list[str]) -> None:
    with pytest.raises(ModelError, match="provider"):
        requested_providers(bad)


def test_cpu_provider_is_used_when_asked(tiny_model: Callable[..., Path]) -> None:
    with load_model(tiny_model(), providers="cpu") as model:
        assert model.provider == "CPUExecutionProvider"
        assert model.fallback is None


def test_cuda_request_falls_back_to_cpu_without_crashing(tiny_model: Callable[..., Path]) -> None:
    with load_model(tiny_model(), providers="cuda") as model:
        if model.provider == CUDA:  # a machine with a working onnxruntime-gpu
            assert model.fallback is None
        else:
            assert model.provider == CPU
            assert model.fallback is not None and CUDA in model.fallback


def test_default_providers_run_somewhere(tiny_model: Callable[..., Path]) -> None:
    with load_model(tiny_model()) as model:
        assert model.provider in (CUDA, CPU)
        assert model.fallback is None


@pytest.mark.parametrize("threads", [1, 2])
def test_threads_setting_reaches_the_session(tiny_model: Callable[..., Path], threads: int) -> None:
    with load_model(tiny_model(), providers="cpu", threads=threads) as model:
        assert model.threads == threads


def test_zero_threads_is_a_model_error(tiny_model: Callable[..., Path]) -> None:
    with pytest.raises(ModelError, match="threads"):
        load_model(tiny_model(), threads=0)


def test_missing_onnxruntime_says_which_extra(
    tiny_model: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tiny_model()
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # makes `import onnxruntime` fail
    with pytest.raises(ModelError, match=r"install `talkrig\[cpu\]` \(or `\[gpu\]` for CUDA\)"):
        load_model(path)
    [entry] = Registry([path.parent]).entries()
    assert entry.card is None and entry.error is not None and "talkrig[cpu]" in entry.error


def test_models_package_imports_without_onnxruntime_or_onnx() -> None:
    code = (
        "import sys; sys.modules['onnxruntime'] = None; sys.modules['onnx'] = None\n"
        "import talkrig.models.loader, talkrig.models.registry, talkrig.models.builders\n"
        "import talkrig.models.build_shipped, talkrig.models.faces\n"
        "print(talkrig.models.registry.DEFAULT_MODEL)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "talkrig-neutral"


def test_both_onnx_runtimes_installed_is_explained_with_the_fix() -> None:
    from talkrig.models.session import runtime_conflict

    assert runtime_conflict(lambda name: name in {"onnxruntime", "onnxruntime-gpu"}) is not None
    assert "pip uninstall" in (runtime_conflict(lambda name: True) or "")
    assert runtime_conflict(lambda name: name == "onnxruntime") is None
    assert runtime_conflict(lambda name: name == "onnxruntime-gpu") is None
