"""The paper's SALMONN: the 7B checkpoint by default, the checkpoint named in the model id, the
variant's LLM checked before loading, the handshake; all without weights (issue 10, section 6)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jasco.models.base import build_model
from jasco.models.types import ModelResult
from jasco.models.worker.process import WorkerError, workers_dir
from jasco.models.worker.salmonn import VARIANTS
from tests.model_helpers import jasco_request, load_worker_script


def _checkpoint(tmp_path: Path, name: str, content: bytes = b"weights") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_seven_b_is_the_default_and_named_by_its_checkpoint(tmp_path: Path) -> None:
    seven = build_model("salmonn", {"worker_python": sys.executable,
                                    "checkpoint": str(_checkpoint(tmp_path, "salmonn_7b_v0.pth"))})
    assert seven.describe()["model_id"] == "tsinghua-ee/SALMONN-7B:salmonn_7b_v0.pth"
    assert seven.spec.args[seven.spec.args.index("--variant") + 1] == "7b"  # type: ignore[attr-defined]
    thirteen = build_model("salmonn", {"worker_python": sys.executable, "variant": "13b",
                                       "checkpoint": str(_checkpoint(tmp_path, "salmonn_v1.pth"))})
    assert thirteen.describe()["model_id"] == "tsinghua-ee/SALMONN:salmonn_v1.pth"
    assert seven.describe()["revision"] != thirteen.describe()["revision"]
    with pytest.raises(ValueError, match="unknown variant '8b'; known: 7b, 13b"):
        build_model("salmonn", {"worker_python": sys.executable, "variant": "8b", "checkpoint": "x.pth"})
    with pytest.raises(ValueError, match=re.escape("pass checkpoint, the salmonn_7b_v0.pth of tsinghua-ee/SALMONN-7B")):
        build_model("salmonn", {"worker_python": sys.executable})


def test_the_revision_follows_the_weights_and_the_worker_options(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _checkpoint(tmp_path / "a", "salmonn_7b_v0.pth", b"one")
    second = _checkpoint(tmp_path / "b", "salmonn_7b_v0.pth", b"two")

    def revision(checkpoint: Path, *args: str) -> str:
        model = build_model("salmonn", {"worker_python": sys.executable, "checkpoint": str(checkpoint),
                                        "worker_args": list(args)})
        return str(model.describe()["revision"])

    assert revision(first) == revision(first)  # computed from files, no worker started
    assert revision(first) != revision(second)  # other weights under the same name
    assert revision(first) != revision(first, "--num-beams", "1")  # other decoding inside the worker
    assert revision(first).startswith("salmonn_7b_v0.pth:3:")


def test_the_worker_keeps_jascos_variant_table() -> None:
    worker = load_worker_script("salmonn_worker.py")
    assert {name: (v.release, v.checkpoint, v.llm, v.llm_hidden_size) for name, v in VARIANTS.items()} == {
        name: tuple(row) for name, row in worker.VARIANTS.items()}
    for variant in VARIANTS.values():
        assert worker.model_id(variant.name, f"/models/{variant.checkpoint}") == variant.model_id(variant.checkpoint)


@pytest.mark.parametrize(("variant", "hidden", "refused"), [("7b", 5120, True), ("13b", 4096, True),
                                                             ("7b", 4096, False)])
def test_the_worker_refuses_an_llm_of_the_other_size_before_loading(variant: str, hidden: int, refused: bool,
                                                                    tmp_path: Path) -> None:
    repo = tmp_path / "SALMONN"
    (repo / "models").mkdir(parents=True)
    (repo / "models" / "salmonn.py").write_text("raise SystemExit('the model stack was imported')\n")
    (repo / "configs").mkdir()
    (repo / "configs" / "decode_config.yaml").write_text("model: {}\n")
    llm = tmp_path / "llm"
    llm.mkdir()
    (llm / "config.json").write_text(json.dumps({"hidden_size": hidden}))
    checkpoint = _checkpoint(tmp_path, VARIANTS[variant].checkpoint)
    result = subprocess.run(
        [sys.executable, "-I", "-S", str(workers_dir() / "salmonn_worker.py"), "--variant", variant,
         "--repo", str(repo), "--checkpoint", str(checkpoint), "--whisper-path", str(tmp_path),
         "--beats-path", str(checkpoint), "--llama-path", str(llm)],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    if refused:
        assert result.returncode == 2, result.stderr
        assert f"hidden size {hidden}" in result.stderr and VARIANTS[variant].llm in result.stderr
    else:  # past the check, it goes on to import torch, which a bare python (-I -S) does not have
        assert "hidden size" not in result.stderr and "No module named" in result.stderr


FAKE_SALMONN = """
import importlib.util, sys
sys.path.insert(0, {workers!r})
import salmonn_worker as real
from _protocol import serve, stdout_to_stderr

args = sys.argv[1:]
variant = args[args.index("--variant") + 1] if "--variant" in args else "7b"
checkpoint = args[args.index("--checkpoint") + 1]
served = {served!r} or real.model_id(variant, checkpoint)
channel = stdout_to_stderr()
serve(channel, served, "rev", lambda request: "heard " + request["instruction"])
"""


def _fake_worker(tmp_path: Path, served: str = "") -> Path:
    script = tmp_path / "fake_salmonn.py"
    script.write_text(textwrap.dedent(FAKE_SALMONN.format(workers=str(workers_dir()), served=served)))
    return script


def test_the_handshake_checks_the_model_the_worker_serves(tmp_path: Path) -> None:
    import numpy as np

    request = jasco_request(0, "1-v1", "What are they doing?", np.zeros(16000, dtype=np.float32), 16000, None)
    checkpoint = str(_checkpoint(tmp_path, "salmonn_7b_v0.pth"))
    model = build_model("salmonn", {"worker_python": sys.executable, "checkpoint": checkpoint,
                                    "worker_script": str(_fake_worker(tmp_path)), "startup_timeout_s": 60})
    results: list[ModelResult] = []
    try:
        model.generate([request], results.append)
        assert [r.text for r in results] == ["heard What are they doing?"]
        assert model.describe()["worker_model"] == "tsinghua-ee/SALMONN-7B:salmonn_7b_v0.pth"
    finally:
        model.close()

    thirteen = str(_fake_worker(tmp_path, "tsinghua-ee/SALMONN:salmonn_v1.pth"))
    wrong = build_model("salmonn", {"worker_python": sys.executable, "checkpoint": checkpoint,
                                    "startup_timeout_s": 60, "worker_script": thirteen})
    with pytest.raises(WorkerError, match=re.escape("serves 'tsinghua-ee/SALMONN:salmonn_v1.pth', not "
                                                    "'tsinghua-ee/SALMONN-7B:salmonn_7b_v0.pth'")):
        wrong.start()
