#!/usr/bin/env bash
# Floods under the size limit: the ready example followed by 20,000 two-line waivers,
# 95,000 bare `[[waiver]]` headers, or 20,000 dependencies (each at most 1 MiB). For each
# format: the best of three wall times and the output's size against the input's.
# Usage: bash bench/floods.sh [PATH/TO/prr]   (default target/release/prr)
set -euo pipefail
cd "$(dirname "$0")/.."
prr=$(realpath "${1:-target/release/prr}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import sys
base = open("examples/ready/prr.toml").read().replace("#:schema ../../schemas/manifest.schema.json\n", "")
floods = {
    "waivers-20k": lambda i: '[[waiver]]\nrule = "r%05d"\n' % i,
    "bare-waivers-95k": lambda i: "[[waiver]]\n",
    "dependencies-20k": lambda i: '[[dependency]]\nname = "d%05d"\nowner = "a%05d@x"\n' % (i, i),
}
counts = {"waivers-20k": 20000, "bare-waivers-95k": 95000, "dependencies-20k": 20000}
for name, unit in floods.items():
    text = base + "".join(unit(i) for i in range(counts[name]))
    assert len(text) <= 1 << 20, name
    open(f"{sys.argv[1]}/{name}.toml", "w").write(text)
PY
printf "| input | size | format | time | output | output / input |\n|---|---:|---|---:|---:|---:|\n"
for input in "$work"/*.toml; do
    size=$(stat -c %s "$input")
    for format in human json sarif junit markdown github; do
        best=
        for _ in 1 2 3; do
            start=$(date +%s%N)
            "$prr" check --manifest "$input" --as-of 2026-11-21 --format "$format=$work/out" > /dev/null 2>&1 || true
            took=$(( ($(date +%s%N) - start) / 1000000 ))
            if [ -z "$best" ] || [ "$took" -lt "$best" ]; then best=$took; fi
        done
        out=$(stat -c %s "$work/out")
        printf "| %s | %d KB | %s | %d ms | %d KB | %s |\n" "$(basename "$input" .toml)" $((size / 1024)) \
            "$format" "$best" $((out / 1024)) "$(python3 -c "print(f'{$out / $size:.2f}x')")"
    done
done
