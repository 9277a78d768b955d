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

# The release's verification (scripts/release-verify.sh, which release.yml runs on a tag)
# on a made-up release in a throwaway clone: it passes archives that match the committed
# checksums, and fails a swapped archive, a tag that is not the version, and a tagged tree
# that differs from the built one outside .github/release/.
verify_dir=$(mktemp -d)
trap 'rm -rf "$verify_dir"' EXIT
git clone --quiet . "$verify_dir/repo"
(
    cd "$verify_dir/repo"
    export GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@example.invalid GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.invalid
    version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
    sed -i "0,/^## \[$version\] - .*/s//## [$version] - 2027-01-15/" CHANGELOG.md
    git commit --quiet -am "date the release"
    built=$(git rev-parse HEAD)
    mkdir -p "$verify_dir/dist" .github/release
    for target in x86_64-unknown-linux-musl x86_64-pc-windows-msvc; do
        echo "archive of $target" > "$verify_dir/dist/prr-$target.tar.gz"
    done
    (cd "$verify_dir/dist" && sha256sum prr-* > SHA256SUMS)
    cp "$verify_dir/dist/SHA256SUMS" .github/release/SHA256SUMS
    echo "v$version" > .github/release/tag
    echo "1 $built" > .github/release/build
    git add .github/release
    git commit --quiet -m "v$version: checksums"
    expect_fail() {
        if bash scripts/release-verify.sh "$@" > "$verify_dir/out" 2>&1; then
            echo "release: release-verify.sh passed what it must refuse ($*)" >&2
            cat "$verify_dir/out" >&2
            exit 1
        fi
        grep -q '::error::' "$verify_dir/out"
    }
    bash scripts/release-verify.sh "v$version" "$verify_dir/dist" "$built"
    expect_fail "v9.9.9" "$verify_dir/dist" "$built"
    echo "swapped" > "$verify_dir/dist/prr-x86_64-pc-windows-msvc.tar.gz"
    expect_fail "v$version" "$verify_dir/dist" "$built"
    grep -q 'does not match the checksum committed' "$verify_dir/out"
    echo "archive of x86_64-pc-windows-msvc" > "$verify_dir/dist/prr-x86_64-pc-windows-msvc.tar.gz"
    echo "// changed after the build" >> src/lib.rs
    git commit --quiet -am "a change the archives were not built from"
    expect_fail "v$version" "$verify_dir/dist" "$built"
    grep -q 'differs from the built commit' "$verify_dir/out"
)
echo "release: release-verify.sh passes a matching release and refuses a swapped archive, a wrong tag and a changed source"
