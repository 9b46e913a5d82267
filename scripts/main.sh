#!/usr/bin/env bash
# The main job, offline on any machine: set up .venv (if needed), install the datasets, and run
#  1. JASCO over the four control answers with the offline similarity judge (results/controls/),
#  2. the speech-quality task on the speech-demo corpus (23 real clean recordings, 102 degraded
#     files) with the three offline predictors dnsmos, distillmos and signal (results/speech-quality/),
# then write results/index.html linking both reports.
#   bash scripts/main.sh                           # datasets from their pinned upstream sources
#   bash scripts/main.sh --source ../shared/jasco --speech-source ../shared/speech/clean   # offline
# Any other argument goes to `jasco data fetch` for JASCO's dataset (as before).
set -euo pipefail
cd "$(dirname "$0")/.."
speech_source=""
jasco_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --speech-source) speech_source="${2:?--speech-source needs a directory}"; shift 2 ;;
    --speech-source=*) speech_source="${1#*=}"; shift ;;
    *) jasco_args+=("$1"); shift ;;
  esac
done
bash scripts/setup.sh
.venv/bin/jasco data fetch "${jasco_args[@]}"
.venv/bin/jasco run --model reference,audio-only,speech-only,describe-only --judges similarity \
  --out results/controls --no-progress
speech_dir="${JASCO_SPEECH_DEMO_DIR:-$HOME/.cache/jasco/speech-demo-v1}"
.venv/bin/jasco data fetch --dataset speech-demo --dest "$speech_dir" ${speech_source:+--source "$speech_source"}
.venv/bin/jasco run --task speech-quality --data-dir "$speech_dir" --split DEMO_SIM --task-option families=mos \
  --model signal,dnsmos,distillmos --out results/speech-quality --no-progress
.venv/bin/python -m jasco.report.index_page results/index.html "JASCO: control answers=results/controls" \
  "Speech quality: offline predictors on the speech-demo corpus=results/speech-quality"
