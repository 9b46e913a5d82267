"""The worker runner and protocol against real worker processes (no model: the echo adapter)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from jasco.core.audio import load_audio
from jasco.models.base import MODELS as ADAPTERS
from jasco.models.catalog import MODELS as _catalog  # noqa: F401
from jasco.models.conversation import user_text
from jasco.models.types import ChatRequest as InferRequest
from jasco.models.types import ModelResult
from jasco.models.worker.model import WorkerModel as WorkerAdapter
from jasco.models.worker.process import WorkerError, workers_dir
from jasco.models.worker.protocol import PROTOCOL_VERSION, WorkerProtocolError, parse_hello, parse_response
from jasco.models.worker.shipped import worker_adapter
from jasco.tasks.jasco.samples import load_items
from tests.model_helpers import jasco_request

REPO = Path(__file__).resolve().parents[1]
GENERIC = workers_dir() / "jasco_adapter_worker.py"


@pytest.fixture(scope="module")
def requests_(upstream_dir: Path) -> list[InferRequest]:
    wanted = {1: 5, 2: 4, 47: 3}  # item count per clip; clip 47 is the 48 kHz one
    items = [item for item in load_items(upstream_dir) if item.instruction.variant <= wanted.get(item.clip.clip_id, 0)]
    out = []
    for index, item in enumerate(items):
        audio = load_audio(item.clip.audio_path, item.clip.clip_id)
        out.append(jasco_request(index, item.item_id, item.prompt, audio.samples, audio.sample_rate,
                                 item.clip.audio_path))
    return out


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return env


def echo_worker(*options: str, **kwargs: object) -> WorkerAdapter:
    args = ["--adapter", "testing-echo"] + [f"--option={o}" for o in options]
    return worker_adapter(name="echo", worker_script=str(GENERIC), worker_args=args, env=_env(),
                          startup_timeout_s=60, model_id="jasco/echo", **kwargs)  # type: ignore[arg-type]


def run(adapter: WorkerAdapter, requests: list[InferRequest]) -> dict[int, tuple[str | None, str | None]]:
    results: dict[int, tuple[str | None, str | None]] = {}

    def on_result(result: ModelResult) -> None:
        index, text, error = result.index, result.text, result.error
        assert index not in results, f"row {index} answered twice"
        assert (text is None) != (error is None)
        results[index] = (text, error)

    adapter.generate(requests, on_result)
    assert sorted(results) == sorted(r.index for r in requests)
    return results


def test_round_trip_matches_in_process_adapter(requests_: list[InferRequest]) -> None:
    adapter = echo_worker()
    try:
        described = adapter.describe()
        assert described["model_id"] == "jasco/echo" and adapter._process is None  # describing starts nothing
        results = run(adapter, requests_)
        described = adapter.describe()
        assert described["worker_model"] == "jasco/echo" and described["worker_revision"] == "1"
        assert described["worker_protocol"] == PROTOCOL_VERSION
    finally:
        adapter.close()
    local = ADAPTERS.load("testing-echo")()
    for request in requests_:
        text, error = results[request.index]
        assert error is None
        assert text == local.answer(request)  # the worker read the same audio and instruction
    # the 48 kHz clip was resampled by the worker just as in-process
    assert any(r.item_id.startswith("47-") for r in requests_)


def test_error_response_fails_only_that_row(requests_: list[InferRequest]) -> None:
    bad = requests_[2].item_id
    adapter = echo_worker(f"fail_on={bad}")
    try:
        results = run(adapter, requests_)
        assert adapter.restarts == 0
    finally:
        adapter.close()
    assert results[2][0] is None and f"simulated failure on item {bad}" in str(results[2][1])
    assert all(results[r.index][1] is None for r in requests_ if r.index != 2)


def _reverse_worker(tmp_path: Path) -> Path:
    """A worker that collects requests in threes and answers each group in reverse order."""
    script = tmp_path / "reverse_worker.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(workers_dir())!r})
        from _protocol import stdout_to_stderr
        channel = stdout_to_stderr()
        print("noise on stdout must not break the protocol")
        channel.send({{"type": "hello", "protocol": {PROTOCOL_VERSION}, "model": "rev", "revision": "0"}})
        group = []
        while True:
            message = channel.receive()
            if message is None or message["type"] == "shutdown":
                break
            group.append(message)
            if len(group) == 3:
                for request in reversed(group):
                    channel.send({{"type": "response", "id": request["id"], "text": request["item_id"]}})
                group = []
        for request in reversed(group):
            channel.send({{"type": "response", "id": request["id"], "text": request["item_id"]}})
    """))
    return script


def test_responses_out_of_order_are_matched_by_id(tmp_path: Path, requests_: list[InferRequest]) -> None:
    adapter = worker_adapter(name="rev", worker_script=str(_reverse_worker(tmp_path)), max_in_flight=3,
                             timeout_s=5)
    order: list[int] = []
    try:
        adapter.generate(requests_[:9], lambda result: order.append(result.index))
        results = run(adapter, requests_[:9])
    finally:
        adapter.close()
    assert order == [2, 1, 0, 5, 4, 3, 8, 7, 6]  # the worker really answered out of order
    for request in requests_[:9]:
        assert results[request.index] == (request.item_id, None)


def test_crash_mid_run_errors_the_row_restarts_and_goes_on(requests_: list[InferRequest]) -> None:
    crash = requests_[3].item_id
    adapter = echo_worker(f"crash_on={crash}", max_restarts=2)
    try:
        results = run(adapter, requests_)
        assert adapter.restarts == 1
    finally:
        adapter.close()
    text, error = results[3]
    assert text is None and error is not None
    assert "worker echo (jasco_adapter_worker.py" in error and "exited with code 3" in error
    assert f"item {crash}" in error and f"simulated crash on item {crash}" in error  # stderr tail
    assert all(results[r.index][1] is None and results[r.index][0] for r in requests_ if r.index != 3)


def test_restarts_are_bounded(requests_: list[InferRequest]) -> None:
    crashes = [requests_[1].item_id, requests_[2].item_id]
    adapter = echo_worker(f"crash_on={','.join(crashes)}", max_restarts=1)
    try:
        results = run(adapter, requests_[:6])
    finally:
        adapter.close()
    assert results[0][1] is None
    assert "exited with code 3" in str(results[1][1]) and "exited with code 3" in str(results[2][1])
    for index in (3, 4, 5):
        assert results[index][0] is None
        assert "already restarted 1 times (max_restarts=1)" in str(results[index][1])


def test_hanging_worker_times_out_and_is_replaced(requests_: list[InferRequest]) -> None:
    adapter = echo_worker(f"hang_on={requests_[1].item_id}", timeout_s=3)
    started = time.monotonic()
    try:
        results = run(adapter, requests_[:4])
    finally:
        adapter.close()
    assert time.monotonic() - started < 60
    assert "sent no answer within 3 s (killed)" in str(results[1][1])
    assert all(results[i][1] is None for i in (0, 2, 3))


def test_worker_that_dies_before_hello_raises_with_stderr(tmp_path: Path) -> None:
    script = tmp_path / "broken.py"
    script.write_text("import sys\nsys.stderr.write('ImportError: no module named salmonn\\n')\nsys.exit(7)\n")
    adapter = worker_adapter(name="broken", worker_script=str(script), startup_timeout_s=30)
    with pytest.raises(WorkerError, match=r"exited with code 7 before its hello(.|\n)*no module named salmonn"):
        adapter.start()


def test_protocol_messages_are_validated() -> None:
    with pytest.raises(WorkerProtocolError, match="protocol version 99"):
        parse_hello({"type": "hello", "protocol": 99, "model": "m", "revision": "r"})
    with pytest.raises(WorkerProtocolError, match="exactly one"):
        parse_response({"type": "response", "id": "1", "text": "a", "error": "b"})
    assert parse_response({"type": "response", "id": "1", "error": "boom"}) == ("1", None, "boom")


def test_shipped_workers_need_their_python() -> None:
    with pytest.raises(ValueError, match="worker_python"):
        ADAPTERS.load("salmonn")()
    adapter = ADAPTERS.load("ltu-as")(worker_python=sys.executable, checkpoint="/x/ltu_as.bin")
    assert adapter.spec.script.endswith("ltu_as_worker.py") and Path(adapter.spec.script).is_file()
    assert adapter.spec.args[:2] == ["--checkpoint", "/x/ltu_as.bin"]


SHIPPED = {"salmonn": "salmonn_worker.py", "ltu-as": "ltu_as_worker.py", "wavllm": "wavllm_worker.py"}


@pytest.mark.parametrize("script", [*SHIPPED.values(), "jasco_adapter_worker.py"])
def test_worker_scripts_parse_arguments_with_the_standard_library_only(script: str) -> None:
    """-I -S: no site-packages at all (no jasco, numpy or torch), as in a foreign environment."""
    result = subprocess.run([sys.executable, "-I", "-S", str(workers_dir() / script), "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout and "--checkpoint" in result.stdout


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_registered_worker_reports_a_bad_setup_before_loading(name: str, tmp_path: Path) -> None:
    """The registered adapter starts its shipped script in a bare python (a wrapper running
    ``python -I -S``); the script checks its paths before importing its model stack, exits, and
    the runner raises with the worker's own message."""
    bare = tmp_path / "bare-python"
    bare.write_text(f'#!/bin/sh\nexec {sys.executable} -I -S "$@"\n')
    bare.chmod(0o755)
    missing = tmp_path / "no-such-checkpoint.pt"
    required = {"salmonn": "--repo {d} --whisper-path {d} --beats-path {d} --llama-path {d}",
                "ltu-as": "--repo {d} --base-model {d} --whisper-feature-checkpoint {d}",
                "wavllm": "--fairseq {d}"}[name].format(d=tmp_path)
    adapter = ADAPTERS.load(name)(worker_python=str(bare), checkpoint=str(missing), worker_args=required,
                                  startup_timeout_s=60)
    assert Path(adapter.spec.script).name == SHIPPED[name]
    with pytest.raises(WorkerError, match=r"exited with code 2 before its hello(.|\n)*does not exist"):
        adapter.start()


def test_protocol_helper_imports_without_site_packages() -> None:
    code = (f"import sys; sys.path.insert(0, {str(workers_dir())!r}); "
            "import _protocol; print(_protocol.PROTOCOL_VERSION)")
    result = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == str(PROTOCOL_VERSION), result.stderr


def _script(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return str(path)


def test_stray_stdout_from_a_worker_without_the_helper_is_ignored(tmp_path: Path,
                                                                  requests_: list[InferRequest]) -> None:
    script = _script(tmp_path, "chatty.py", f"""
        import json, sys
        print("loading weights... 100%")  # no stdout_to_stderr(): this lands in the protocol stream
        print(json.dumps({{"type": "hello", "protocol": {PROTOCOL_VERSION}, "model": "chatty", "revision": "1"}}))
        sys.stdout.flush()
        for line in sys.stdin:
            message = json.loads(line)
            if message["type"] == "shutdown":
                break
            print("generating...")
            print(json.dumps({{"type": "response", "id": message["id"], "text": message["instruction"][:10]}}))
            sys.stdout.flush()
    """)
    adapter = worker_adapter(name="chatty", worker_script=script, timeout_s=10)
    try:
        results = run(adapter, requests_[:3])
        assert any("stray stdout line ignored" in line for line in adapter._process.tail)  # type: ignore[union-attr]
    finally:
        adapter.close()
    assert [results[i] for i in range(3)] == [(user_text(r)[:10], None) for r in requests_[:3]]


def test_wrong_protocol_version_is_refused(tmp_path: Path) -> None:
    script = _script(tmp_path, "future.py", """
        import json
        print(json.dumps({"type": "hello", "protocol": 99, "model": "m", "revision": "r"}), flush=True)
        input()
    """)
    adapter = worker_adapter(name="future", worker_script=script, startup_timeout_s=30)
    with pytest.raises(WorkerError, match=f"protocol version 99, jasco speaks {PROTOCOL_VERSION}"):
        adapter.start()


def test_worker_that_died_between_calls_is_restarted(requests_: list[InferRequest]) -> None:
    adapter = echo_worker(max_restarts=1)
    try:
        first = run(adapter, requests_[:2])
        assert adapter._process is not None
        adapter._process.popen.kill()
        adapter._process.popen.wait()
        second = run(adapter, requests_[2:4])
        assert adapter.restarts == 1
    finally:
        adapter.close()
    assert all(error is None for _, error in [*first.values(), *second.values()])


def test_worker_hears_the_requests_samples_so_silence_differs(requests_: list[InferRequest]) -> None:
    """The audio check (real vs silent copies of the same file) must work through a worker."""
    chosen = requests_[:2]
    silent = [r.with_audio(0, r.audios[0].silenced(), index=10 + r.index) for r in chosen]
    adapter = echo_worker()
    try:
        results = run(adapter, [*chosen, *silent])
        leftovers = os.listdir(adapter._audio_dir.name) if adapter._audio_dir else []
    finally:
        adapter.close()
    for real, quiet in zip(chosen, silent, strict=True):
        assert results[real.index][0] != results[quiet.index][0]
        assert f"rms=0.000000 n={real.audios[0].samples.size}" in str(results[quiet.index][0])
    assert leftovers == []  # each request's WAV is deleted once answered
