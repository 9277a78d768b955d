#!/usr/bin/env bash
# The release checks: the crate packages and builds from its packaged files alone
# (`cargo package --locked`), and what it ships is what the binary needs: no test fixture,
# snapshot or fuzz corpus, and no file over 100 KB.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

cargo package --locked --quiet
status=0
while IFS= read -r file; do
    case "$file" in
        tests/* | fuzz/* | benches/* | examples/* | bench/*)
            echo "release: the crate ships $file, which the binary does not need" >&2
            status=1
            ;;
    esac
    # Cargo writes some of the listed files itself (Cargo.toml.orig, .cargo_vcs_info.json).
    if [ -f "$file" ]; then
        size=$(wc -c < "$file")
        if [ "$size" -gt 102400 ]; then
            echo "release: the crate ships $file, $size bytes (over 100 KB)" >&2
            status=1
        fi
    fi
done < <(cargo package --locked --list --quiet)
[ "$status" = 0 ] || exit 1
echo "release: crate $(ls "${CARGO_TARGET_DIR:-target}"/package/prr-gate-*.crate | tail -1), $(cargo package --locked --list --quiet | wc -l) files, packaged in $(( $(date +%s) - start ))s"
