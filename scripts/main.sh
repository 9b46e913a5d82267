#!/usr/bin/env bash
# The main job, offline on any machine: set up .venv (if needed), install the dataset, and run
# the whole benchmark over the four control answers with the offline similarity judge.
#   bash scripts/main.sh                           # dataset from the pinned upstream archive
#   bash scripts/main.sh --source ../shared/jasco  # or from a local copy (offline)
# The report lands in results/controls/ (report.txt, report.json, report.html).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/jasco data fetch "$@"
.venv/bin/jasco run --model reference,audio-only,speech-only,describe-only --judges similarity \
  --out results/controls --no-progress
