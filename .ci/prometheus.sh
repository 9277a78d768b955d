#!/usr/bin/env bash
# The Prometheus evidence against a real Prometheus: Debian's `prometheus` package (with
# promtool, which backfills the tests' TSDB). Installed when missing, then the tests that
# need it run with PRR_REQUIRE_TOOLS=1, so that a missing server fails instead of skipping. The budget
# test also renders the job summary as GitHub does (cmark-gfm, GitHub's renderer) and opens
# it in headless Chromium, so those are installed too.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v prometheus >/dev/null && command -v promtool >/dev/null || missing+=(prometheus)
command -v cmark-gfm >/dev/null || missing+=(cmark-gfm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
start=$(date +%s)
PRR_REQUIRE_TOOLS=1 cargo test --locked --test prometheus_evidence --test prometheus_faults --test budget
echo "ci: prometheus checks took $(( $(date +%s) - start ))s"
