#!/usr/bin/env bash
# Measures whole-process wall time and peak memory of `prr check` against the peers a user
# would otherwise pick, on the same manifests, in one run, and prints the ratios.
#
#   bash bench/compare.sh            # installs the peers into bench/.tools on first use
#
# Peers: check-jsonschema (PyPI) validating the manifest against the same JSON Schema;
# checkov (PyPI) scanning the manifest as JSON (its own start-up and parsing: no
# equivalent custom checks, so its figure is a lower bound); regorus (crates.io, the Rego
# engine) evaluating bench/rego/prr.rego, a subset of the built-in pack written as Rego.
# Needs hyperfine and GNU time (Debian packages hyperfine and time).
set -euo pipefail
cd "$(dirname "$0")/.."
tools=bench/.tools
mkdir -p "$tools"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }
if [ ! -x "$tools/venv/bin/checkov" ]; then
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install -q checkov check-jsonschema
fi
if [ ! -x "$tools/bin/regorus" ]; then
  cargo install -q regorus --example regorus --root "$tools" --locked
fi
cargo build -q --release --locked
target_dir=${CARGO_TARGET_DIR:-target}
case $target_dir in /*) ;; *) target_dir="$PWD/$target_dir" ;; esac
prr="$target_dir/release/prr"

# The same manifest for every tool: TOML for prr and check-jsonschema, JSON for the others.
# It sits in a directory of its own, as a service's manifest does: prr reads the files of a
# manifest's directory and below, which must not be the 10,000 copies written next.
mkdir -p "$work/one"
cp examples/ready/prr.toml "$work/one/prr.toml"
python3 - "$work" <<'PY'
import json, os, sys, tomllib, datetime
work = sys.argv[1]
def plain(v):
    if isinstance(v, (datetime.date, datetime.datetime)): return v.isoformat()
    if isinstance(v, dict): return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list): return [plain(x) for x in v]
    return v
with open(f"{work}/one/prr.toml", "rb") as f:
    doc = plain(tomllib.load(f))
os.makedirs(f"{work}/json")
with open(f"{work}/json/prr.json", "w") as f:
    json.dump(doc, f)
for i in range(10000):
    d = f"{work}/many/svc{i:05d}"
    os.makedirs(d)
    with open(f"{d}/prr.json", "w") as f:
        doc["service"]["name"] = f"svc{i}"
        json.dump(doc, f)
PY

as_of=2026-11-21
declare -A cmd=(
  [prr]="$prr check --manifest $work/one/prr.toml --as-of $as_of"
  [check-jsonschema]="$tools/venv/bin/check-jsonschema --schemafile schemas/manifest.schema.json $work/json/prr.json"
  [checkov]="$tools/venv/bin/checkov -f $work/json/prr.json --framework json --quiet --compact --skip-download"
  [regorus]="$tools/bin/regorus eval -d bench/rego/prr.rego -i $work/json/prr.json data.prr.deny"
)
order=(prr check-jsonschema regorus checkov)

peak_mib() { /usr/bin/time -f %M bash -c "$1 >/dev/null 2>&1" 2>&1 | tail -n1 | awk '{printf "%.1f", $1/1024}'; }

printf '\n== one manifest (%s; %s, %s cores)\n' "examples/ready" "$(uname -m)" "$(nproc)"
declare -A mean
for name in "${order[@]}"; do
  hyperfine -N -i --warmup 2 --runs "$([ "$name" = checkov ] && echo 5 || echo 30)" \
    --export-json "$work/$name.json" "${cmd[$name]}" >/dev/null 2>&1
  mean[$name]=$(python3 -c "import json;print(json.load(open('$work/$name.json'))['results'][0]['mean'])")
  printf '%-18s %10.1f ms   peak %6s MiB   %8.1fx prr\n' "$name" \
    "$(python3 -c "print(${mean[$name]}*1000)")" "$(peak_mib "${cmd[$name]}")" \
    "$(python3 -c "print(${mean[$name]}/${mean[prr]})")"
done

printf '\n== 10,000 manifests\n'
many_prr="$prr check --manifest $work/many --as-of $as_of --format json --output $work/many.json"
many_cjs="$tools/venv/bin/check-jsonschema --schemafile schemas/manifest.schema.json $work/many/*/prr.json"
for pair in "prr|$many_prr" "check-jsonschema|$many_cjs"; do
  name=${pair%%|*}; command=${pair#*|}
  start=$(date +%s.%N)
  bash -c "$command" >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  printf '%-18s %10.2f s    peak %6s MiB\n' "$name" "$(python3 -c "print($end-$start)")" "$(peak_mib "$command")"
done
