#!/usr/bin/env bash
# The review pack in a real browser: headless Chromium from Debian parses the HTML pack and
# the test finds each team's SVG trend chart in the DOM it built.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null && [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
CI=true cargo test --locked --test reviews chromium
