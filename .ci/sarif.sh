#!/usr/bin/env bash
# prr's SARIF, validated by Microsoft's SARIF validator (`sarif-multitool validate`, the npm
# package @microsoft/sarif-multitool) beyond the JSON Schema the tests check: SARIF from a
# manifest named by a relative path (URIs relative to %SRCROOT%) and by an absolute path
# outside the repository (absolute file: URIs, which may carry no uriBaseId: SARIF1004).
# The validator exits 0 whatever it finds, so its own SARIF output is read for errors.
# Usage: .ci/sarif.sh PATH/TO/prr
set -euo pipefail
cd "$(dirname "$0")/.."
prr=$(realpath "$1")
tools=$PWD/.ci/tools/sarif
version=5.7.0
if [ "$(cat "$tools/.installed" 2>/dev/null)" != "$version" ]; then
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
        "@microsoft/sarif-multitool@$version" "@microsoft/sarif-multitool-linux@$version"
    # Without its install script (not run: --ignore-scripts) the binary is not executable.
    chmod +x "$tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
    echo "$version" > "$tools/.installed"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Relative: from the repository root. Absolute: a copy outside any repository, named by its
# absolute path from a directory that does not contain it (report paths are relative to the
# root only for what is below it), as a user's `--manifest /home/me/svc/prr.toml` is.
"$prr" check --manifest examples/unready/prr.toml --as-of 2026-11-21 --format "sarif=$work/relative.sarif" || true
mkdir -p "$work/outside/svc" "$work/elsewhere"
cp examples/unready/prr.toml "$work/outside/svc/prr.toml"
(cd "$work/elsewhere" && "$prr" check --manifest "$work/outside/svc/prr.toml" --as-of 2026-11-21 \
    --format "sarif=$work/absolute.sarif") || true
grep -q '"uri": "file:///' "$work/absolute.sarif" || {
    echo "sarif: the absolute manifest path did not give an absolute file: URI" >&2
    exit 1
}

status=0
for log in relative absolute; do
    "$tools/node_modules/.bin/sarif-multitool" validate "$work/$log.sarif" \
        --output "$work/$log.validation.sarif" --log ForceOverwrite > "$work/$log.txt" 2>&1 || true
    if [ ! -s "$work/$log.validation.sarif" ]; then
        echo "sarif: the validator wrote no result for $log.sarif" >&2
        cat "$work/$log.txt" >&2
        status=1
        continue
    fi
    errors=$(node -e '
        const log = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        const results = log.runs.flatMap((run) => run.results || []);
        const errors = results.filter((r) => (r.level || "warning") === "error");
        for (const r of errors) console.error(`${r.ruleId}: ${r.message.text || ""}`);
        console.log(errors.length);
    ' "$work/$log.validation.sarif")
    if [ "$errors" != 0 ]; then
        echo "sarif: $log.sarif: $errors validation errors" >&2
        grep -E 'error SARIF' "$work/$log.txt" | head -5 >&2 || true
        status=1
    else
        echo "sarif: $log.sarif valid (sarif-multitool $version)"
    fi
done
exit "$status"
