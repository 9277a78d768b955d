#!/usr/bin/env bash
# `prr lsp` with a real editor as its client: Neovim from Debian (installed here when
# missing) opens a failing manifest, waits for the diagnostics, compares them with
# `prr check --format json`, applies a code action and waits for the new judgement
# (.ci/nvim-lsp.lua).
# Usage: .ci/lsp.sh PATH/TO/prr
set -euo pipefail
cd "$(dirname "$0")/.."
prr=$(realpath "${1:?usage: .ci/lsp.sh PATH/TO/prr}")
start=$(date +%s)
if ! command -v nvim >/dev/null; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$work" init -q .
mkdir -p "$work/.github" "$work/services/pay"
echo "* @acme/payments" > "$work/.github/CODEOWNERS"
cp tests/fixtures/lsp/failing.toml "$work/services/pay/prr.toml"
as_of=2026-11-21
(cd "$work" && "$prr" check --manifest services/pay/prr.toml --as-of "$as_of" \
  --format json --output "$work/report.json") || [ $? -eq 1 ]

PRR_BIN="$prr" PRR_ROOT="$work" PRR_MANIFEST=services/pay/prr.toml PRR_REPORT="$work/report.json" \
  PRR_AS_OF="$as_of" timeout 120 nvim --headless --clean -u NONE -c "luafile .ci/nvim-lsp.lua"
echo "lsp: $(nvim --version | head -n 1) as the client ($(( $(date +%s) - start ))s)"
