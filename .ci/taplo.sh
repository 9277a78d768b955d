#!/usr/bin/env bash
# The `#:schema` line that `prr init --offline-schema` writes works in another tool: taplo
# (npm @taplo/cli, pinned, installed into .ci/tools/taplo) validates every example manifest
# through it, with no network, and finds a wrong type and an unknown key.
# Usage: .ci/taplo.sh PATH/TO/prr
set -euo pipefail
cd "$(dirname "$0")/.."
prr=$(realpath "${1:?usage: .ci/taplo.sh PATH/TO/prr}")
start=$(date +%s)

taplo_version=0.7.0
tools=.ci/tools/taplo
if [ "$(cat "$tools/.installed" 2>/dev/null)" != "$taplo_version" ]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
    "@taplo/cli@$taplo_version"
  echo "$taplo_version" > "$tools/.installed"
fi
taplo=$(realpath "$tools/node_modules/.bin/taplo")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo=$(pwd)
cd "$work"
git init -q .
mkdir -p services/new
"$prr" init --offline-schema --path services/new --name new --tier 1 --owner @acme/new >/dev/null
line=$(head -n 1 services/new/prr.toml)
if [ "$line" != "#:schema ../../.prr/manifest.schema.json" ]; then
  echo "taplo: prr init --offline-schema wrote \`$line\`" >&2
  exit 1
fi
# The copy is the schema prr prints and the repository publishes.
"$prr" schema manifest | cmp - .prr/manifest.schema.json
cmp "$repo/schemas/manifest.schema.json" .prr/manifest.schema.json

# Each example, beside the new manifest, with the line prr init wrote in place of its own.
checked=0
while IFS= read -r example; do
  name=$(echo "${example%/prr.toml}" | tr / -)
  mkdir -p "services/$name"
  { echo "$line"; grep -v '^#:schema' "$repo/$example"; } > "services/$name/prr.toml"
  "$taplo" check "services/$name/prr.toml" 2>/dev/null
  checked=$((checked + 1))
done < <(cd "$repo" && git ls-files 'examples/*prr.toml')
[ "$checked" -ge 4 ] || { echo "taplo: only $checked examples found" >&2; exit 1; }

# What taplo must refuse: a wrong type and an unknown key.
mkdir -p services/wrong-type services/unknown-key
sed 's/^tier = 1$/tier = "one"/' services/examples-ready/prr.toml > services/wrong-type/prr.toml
sed 's/^\[oncall\]$/colour = "red"\n\n[oncall]/' services/examples-ready/prr.toml \
  > services/unknown-key/prr.toml
for case in "wrong-type:is not of type \"integer\"" "unknown-key:'colour' was unexpected"; do
  dir=${case%%:*}
  expected=${case#*:}
  if output=$("$taplo" check "services/$dir/prr.toml" 2>&1); then
    echo "taplo: services/$dir/prr.toml passed:" >&2
    cat "services/$dir/prr.toml" >&2
    exit 1
  fi
  if ! grep -qF "$expected" <<< "$output"; then
    echo "taplo: services/$dir/prr.toml failed without saying $expected:" >&2
    echo "$output" >&2
    exit 1
  fi
done
echo "taplo: $checked examples valid through prr init's offline #:schema line; a wrong type and an unknown key refused ($(( $(date +%s) - start ))s)"
