#!/usr/bin/env bash
# Install Debian's chromium for the HTML report's browser test, only when it is missing.
# Idempotent: does nothing when `chromium` is already on PATH. Needs root (or sudo) to install.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-browser.sh: chromium is missing and apt-get is not available; the browser test will be skipped off CI" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup-browser.sh: chromium is missing and we are not root; install it with 'apt-get install chromium'" >&2
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium >/dev/null
