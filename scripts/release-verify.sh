#!/usr/bin/env bash
# The release's checks that need no network, run by .github/workflows/release.yml on the
# tagged commit (and by .ci/release.sh on made-up releases):
#
#   scripts/release-verify.sh TAG DIST BUILT_COMMIT
#
#   - TAG names the crate's version, and the CHANGELOG's top section is that version with
#     a date (not `Unreleased`);
#   - .github/release/tag is TAG, and the tagged tree differs from BUILT_COMMIT (the commit
#     release-prepare.yml built the archives from) in .github/release/ only;
#   - DIST (the archives release-prepare.yml built) is exactly what the tagged commit's
#     .github/release/SHA256SUMS lists: the same names, the same SHA-256. A file that differs
#     fails the release: nothing is published that the action would refuse.
#
# The checksums reach the action's tree in a reviewed commit before the tag exists, so no
# tag is ever moved, and whoever can replace a release asset later cannot change them.
set -euo pipefail
tag=$1
dist=$(realpath "$2")
built=$3
cd "$(dirname "$0")/.."
fail() {
    echo "::error::$1"
    exit 1
}

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
[ "$tag" = "v$version" ] || fail "the tag $tag does not name the crate's version $version"
top=$(grep -m1 '^## \[' CHANGELOG.md || true)
case "$top" in
    "## [$version] - "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]) ;;
    *) fail "the CHANGELOG's top section is '$top', not '## [$version] - YYYY-MM-DD': date it before preparing the release" ;;
esac

release=.github/release
[ -f "$release/SHA256SUMS" ] || fail "$release/SHA256SUMS is not in the tagged commit: tag the commit release-prepare.yml proposed"
[ "$(tr -d '[:space:]' < "$release/tag")" = "$tag" ] || fail "$release/tag names $(cat "$release/tag"), not $tag"
git cat-file -e "$built^{commit}" 2> /dev/null || fail "the built commit $built is not in this repository"
if ! git diff --quiet "$built" HEAD -- . ':(exclude).github/release'; then
    git diff --stat "$built" HEAD -- . ':(exclude).github/release' >&2
    fail "the tagged commit differs from the built commit $built outside .github/release: prepare the release again from the tagged source"
fi

listed=$(sed -En 's/^[0-9a-f]{64}  (.*)$/\1/p' "$release/SHA256SUMS" | sort)
[ -n "$listed" ] || fail "$release/SHA256SUMS lists no archive"
present=$(cd "$dist" && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%f\n' | sort)
[ "$listed" = "$present" ] || fail "the built archives ($(echo $present)) are not those $release/SHA256SUMS lists ($(echo $listed))"
if ! (cd "$dist" && sha256sum --check --strict --quiet) < "$release/SHA256SUMS"; then
    fail "an archive does not match the checksum committed at $tag: not releasing it"
fi
cp "$release/SHA256SUMS" "$dist/SHA256SUMS"
echo "release-verify: $tag: $(echo "$listed" | wc -l) archives match the committed checksums"
