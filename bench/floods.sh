#!/usr/bin/env bash
# Floods under the size limit: the ready example followed by 20,000 two-line waivers,
# 95,000 bare `[[waiver]]` headers, or 20,000 dependencies (each at most 1 MiB). For each
# format: the best of three wall times and the output's size against the input's.
# Then the floods of Decision 19 (below), each at four doubling sizes.
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

# Floods of what a pull request controls beyond the manifest (Decision 19): a YAML string
# alias bomb through an import and through the Kubernetes evidence, many 1 MiB imports,
# 1 MiB of unknown tables in every format, and 100,000 incident rows. Each at four sizes,
# doubling, for the curve in docs/performance.md ("Floods"): wall time, peak memory
# (`/usr/bin/time -v`) and output size.
python3 - "$prr" "$work" <<'PY'
import os, re, shutil, subprocess, sys
prr, work = sys.argv[1], sys.argv[2]
root = os.getcwd()
ready = open("examples/ready/prr.toml").read().replace("#:schema ../../schemas/manifest.schema.json\n", "")
slo = open("tests/fixtures/imports/payments/slo/availability.yaml").read()

def measure(args, cwd, out, env=None):
    full = dict(os.environ, NO_COLOR="1", **(env or {}))
    full.pop("GITHUB_ACTIONS", None)
    run = subprocess.run(["/usr/bin/time", "-v", prr] + args, cwd=cwd, env=full,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", run.stderr)
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr).group(1))
    size = os.path.getsize(out) if out and os.path.exists(out) else len(run.stdout)
    return run.returncode, seconds, rss, size

def bomb(head, under, aliases):
    text = f'{head}  {under}: {{blob: &blob "{"x" * 200_000}"}}\nspec:\n  copies:\n'
    return text + "    - *blob\n" * aliases

def tree_size(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)

print("\n| case | input | exit | time | peak memory | output |\n|---|---:|---:|---:|---:|---:|")
def row(case, input_bytes, result):
    code, seconds, rss, size = result
    print(f"| {case} | {input_bytes / 1024:.0f} KB | {code} | {seconds * 1000:.0f} ms | {rss / 1024:.0f} MB | {size / 1024:.1f} KB |")

for aliases in (1250, 2500, 5000, 10000):
    d = f"{work}/import-bomb-{aliases}"
    shutil.copytree("tests/fixtures/imports/payments", d)
    open(f"{d}/slo/bomb.yaml", "w").write(bomb("apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: bomb\n", "annotations", aliases))
    row(f"alias bomb, import ({aliases} aliases)", os.path.getsize(f"{d}/slo/bomb.yaml"),
        measure(["check", "--as-of", "2026-11-21", "--manifest", "prr.toml", "--format", f"json={d}/out.json"], d, f"{d}/out.json"))

for aliases in (1250, 2500, 5000, 10000):
    d = f"{work}/k8s-bomb-{aliases}"
    os.makedirs(f"{d}/deploy")
    open(f"{d}/prr.toml", "w").write(ready)
    open(f"{d}/deploy/bomb.yaml", "w").write(bomb("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: pay\n", "labels", aliases))
    row(f"alias bomb, Kubernetes ({aliases} aliases)", os.path.getsize(f"{d}/deploy/bomb.yaml"),
        measure(["check", "--as-of", "2026-11-21", "--manifest", "prr.toml", "--format", f"json={d}/out.json"], d, f"{d}/out.json"))

for files in (5, 10, 20, 40):
    d = f"{work}/imports-{files}"
    shutil.copytree("tests/fixtures/imports/payments", d)
    for f in range(files):
        parts, size, i = [], 0, 0
        while True:
            doc = slo.replace("name: availability", "name: f%02d-s%05d" % (f, i), 1)
            if size + len(doc) + 4 > 1 << 20:
                break
            parts.append(doc); size += len(doc) + 4; i += 1
        open(f"{d}/slo/flood-{f:02d}.yaml", "w").write("---\n".join(parts))
    row(f"{files} x 1 MiB imports", tree_size(f"{d}/slo"),
        measure(["check", "--as-of", "2026-11-21", "--manifest", "prr.toml", "--format", f"json={d}/out.json"], d, f"{d}/out.json"))

for tables in (12500, 25000, 50000, 100000):
    path = f"{work}/unknown-{tables}.toml"
    open(path, "w").write(ready + "".join(f"[u{i:05d}]\n" for i in range(tables)))
    for fmt in ("human", "json", "sarif", "junit", "markdown", "github"):
        out = f"{work}/unknown-{tables}.{fmt}"
        row(f"{tables} unknown tables, {fmt}", os.path.getsize(path),
            measure(["check", "--as-of", "2026-11-21", "--manifest", path, "--format", f"{fmt}={out}"], root, out))

for rows in (12500, 25000, 50000, 100000):
    path = f"{work}/incidents-{rows}.csv"
    with open(path, "w") as f:
        f.write("id,service,severity,started,resolved\n")
        for i in range(rows):
            day = 1 + i % 28
            f.write(f"INC-{i:06d},ledger,SEV{1 + i % 4},2026-08-{day:02d}T10:00:00Z,2026-08-{day:02d}T11:30:00Z\n")
    out = f"{work}/review-{rows}.json"
    row(f"{rows} incident rows, review", os.path.getsize(path),
        measure(["review", "quarterly", "--quarter", "2026Q3", "--as-of", "2026-11-21",
                 "--manifest", "tests/fixtures/reviews/services", "--incidents", path, "--format", f"json={out}"],
                root, out, {"PRR_MAX_FILE_BYTES": str(16 << 20)}))
PY
