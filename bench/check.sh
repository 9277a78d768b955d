#!/usr/bin/env bash
# The cost of one `prr check` where it runs: beside a lone manifest, inside a large
# repository, and from a directory full of unrelated files; and of a 10,000-manifest
# monorepo. The evidence stage reads only what the rules that apply need, from the
# manifest's own repository, so the first three should cost about the same.
#
#   bash bench/check.sh             # release build; needs hyperfine and GNU time
#
# Prints one line per case: mean and min wall time and mean user+system CPU time (hyperfine
# -N, 10 warm-ups, 100 runs; CPU time moves least when the machine is busy), and peak
# memory (GNU time). docs/performance.md records the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }
cargo build -q --release --locked
target_dir=${CARGO_TARGET_DIR:-target}
case $target_dir in /*) ;; *) target_dir="$PWD/$target_dir" ;; esac
prr="$target_dir/release/prr"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
as_of=2026-11-21

# A directory holding only the manifest.
mkdir -p "$work/alone"
cp examples/ready/prr.toml "$work/alone/prr.toml"

# A git repository of 20,000 files, the manifest in one service's directory among them.
python3 - "$work" <<'PY'
import os, sys
work = sys.argv[1]
repo = f"{work}/repo"
for i in range(20000):
    d = f"{repo}/src/mod{i // 100:03d}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/file{i:05d}.txt", "w") as f:
        f.write("x\n")
os.makedirs(f"{repo}/services/pay", exist_ok=True)
os.makedirs(f"{repo}/.git", exist_ok=True)
# 20,000 unrelated files where the command runs, with the manifest elsewhere.
for i in range(20000):
    d = f"{work}/home/junk{i // 100:03d}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/file{i:05d}.txt", "w") as f:
        f.write("x\n")
PY
(cd "$work/repo" && git init -q . && cp "$OLDPWD/examples/ready/prr.toml" services/pay/prr.toml)

# 10,000 manifests in one monorepo.
python3 - "$work" examples/ready/prr.toml <<'PY'
import os, sys
work, ready = sys.argv[1], open(sys.argv[2]).read()
for i in range(10000):
    d = f"{work}/mono/services/svc{i:05d}"
    os.makedirs(d)
    with open(f"{d}/prr.toml", "w") as f:
        f.write(ready.replace('name = "payments-api"', f'name = "svc-{i:05d}"', 1))
PY
(cd "$work/mono" && git init -q .)

measure() {
  local name=$1 dir=$2; shift 2
  local json="$work/$name.json"
  (cd "$dir" && hyperfine -N -w 10 -r "${RUNS:-100}" --export-json "$json" -i "$* " >/dev/null)
  local mean min
  mean=$(python3 -c "import json;r=json.load(open('$json'))['results'][0];print(f\"{r['mean']*1000:.1f}\")")
  min=$(python3 -c "import json;r=json.load(open('$json'))['results'][0];print(f\"{r['min']*1000:.1f}\")")
  local cpu
  cpu=$(python3 -c "import json;r=json.load(open('$json'))['results'][0];print(f\"{(r['user']+r['system'])*1000:.1f}\")")
  local kb
  kb=$(cd "$dir" && /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1)
  python3 -c "print(f'{\"$name\":<22} wall mean {$mean:>8} ms  min {$min:>8} ms  cpu {$cpu:>8} ms  peak {$kb / 1024:6.1f} MiB')"
}

echo "prr check, release build ($(nproc) cores)"
measure alone "$work/alone" "$prr" check --manifest prr.toml --as-of $as_of
measure in-20k-repository "$work/repo" "$prr" check --manifest services/pay/prr.toml --as-of $as_of
measure from-20k-unrelated "$work/home" "$prr" check --manifest "$work/alone/prr.toml" --as-of $as_of
RUNS=5 measure 10k-manifests "$work/mono" "$prr" check --manifest services --as-of $as_of --format "json=$work/mono.json"

# Every format of the 10,000-manifest run, once each: each stays linear in the services.
for format in human json sarif junit markdown github; do
  (cd "$work/mono" && /usr/bin/time -o "$work/time" -f "%e %M" "$prr" check --manifest services \
    --as-of $as_of --format "$format=$work/mono.$format" >/dev/null 2>&1) || true
  read -r seconds kb < <(tail -1 "$work/time")
  python3 -c "print(f'10k as {\"$format\":<10} wall {$seconds:>6} s  peak {$kb / 1024:6.1f} MiB')"
done
