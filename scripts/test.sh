#!/usr/bin/env bash
# Set up .venv (if needed) and run the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup-browser.sh || echo "scripts/setup-browser.sh failed: the HTML report browser test needs chromium" >&2
exec .venv/bin/python -m pytest "$@"
