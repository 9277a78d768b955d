#!/usr/bin/env bash
# Measures `prr fleet github:ORG` on 10,000 repositories (docs/performance.md, "prr fleet
# github:ORG"): the wiremock run of tests/fleet_github.rs, GraphQL pages as GitHub shapes
# them, 100 requests. prr itself runs under GNU time (the test takes the binary from
# CARGO_BIN_EXE_prr), so its own wall time and peak memory are told apart from the mock's.
#
#   bash bench/fleet_github.sh [RUNS] [PROFILE]   # default 5 runs, the debug profile
#
# PROFILE `release` builds and measures the release binary (the test binary stays debug).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
profile=${2:-debug}
target=${CARGO_TARGET_DIR:-$PWD/target}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ "$profile" = release ]; then
  cargo build --locked --release --quiet
fi
cargo build --locked --quiet
test_binary=$(cargo test --locked --no-run --test fleet_github --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "fleet_github" and m.get("executable"):
        print(m["executable"])')
cat > "$work/prr" <<WRAP
#!/bin/sh
exec /usr/bin/time -a -o "$work/times" -f "%e %M %U %S" "$target/$profile/prr" "\$@"
WRAP
chmod +x "$work/prr"

for _ in $(seq "$runs"); do
  CARGO_BIN_EXE_prr="$work/prr" "$test_binary" --exact --quiet \
    ten_thousand_repositories_cost_one_request_per_hundred_and_each_is_listed > /dev/null
done
# One line per run: prr's wall seconds, peak resident KiB, user and system CPU seconds.
# CPU time is what to compare across runs on a shared machine: wall time waits for cores.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
wall=$(awk '{ print $1 }' "$work/times" | median)
range=$(awk '{ print $1 }' "$work/times" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }')
cpu=$(awk '{ print $3 + $4 }' "$work/times" | median)
peak=$(awk '{ print $2 }' "$work/times" | sort -n | tail -1)
echo "prr fleet github:acme ($profile), 10,000 repositories, 100 requests, $runs runs: median ${wall} s wall (${range} s), median ${cpu} s CPU, peak memory $((peak / 1024)) MiB"
