#!/usr/bin/env bash
# Set up .venv (if needed) and run the main job.
#   bash scripts/main.sh                          # dataset from the pinned upstream archive
#   bash scripts/main.sh --source ../shared/jasco # or from a local copy (offline)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/jasco data fetch "$@"
.venv/bin/jasco expand --out results/items.csv
