#!/usr/bin/env bash
# The action's install step (action.yml runs this file, and so does tests/install.rs).
#
# At a release tag the action's own tree holds .github/release/SHA256SUMS, committed by the
# release workflow (.github/workflows/release.yml) to the commit that the tag names. The
# archive comes from the release's download URL and is checked against that committed
# checksum, never against a file downloaded from the same place as the archive: whoever can
# replace a release asset cannot also change a tagged commit of the action that the
# workflow pins. At a branch ref there is no committed release, and the action builds its
# own source instead (the next steps of action.yml).
#
# Environment: GITHUB_ACTION_PATH (the action's tree), RUNNER_OS, RUNNER_ARCH and
# RUNNER_TEMP (set by every runner), GITHUB_OUTPUT; PRR_RELEASE_URL overrides the committed
# download URL (a mirror of the release; the checksums still come from the action's tree).
# Installs $RUNNER_TEMP/prr/bin/prr and writes `installed=true|false` and `lock-hash` to
# GITHUB_OUTPUT. Exit 2 when the release cannot be installed.
set -euo pipefail

fail() {
    echo "::error::$1"
    exit 2
}

sha256() {
    if command -v sha256sum > /dev/null; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

action=${GITHUB_ACTION_PATH:?the action path is not set}
release="$action/.github/release"
output=${GITHUB_OUTPUT:-/dev/null}
# The source build's cache key (actions/cache cannot hash files outside the workspace).
echo "lock-hash=$(sha256 "$action/Cargo.lock")" >> "$output"

if [ ! -f "$release/SHA256SUMS" ]; then
    echo "::notice::prr is built from source because this action ref is not a release tag; this is slower (minutes, then cached). Use a release tag, e.g. prr-gate/prr-gate@v0.2.0, to install a prebuilt binary in seconds."
    echo "installed=false" >> "$output"
    exit 0
fi

tag=$(tr -d '[:space:]' < "$release/tag")
case "$tag" in
    v[0-9]*) ;;
    *) fail "the action's .github/release/tag does not name a release: '$tag'" ;;
esac
url=${PRR_RELEASE_URL:-$(tr -d '[:space:]' < "$release/download-url")}
case "$url" in
    https://*) ;;
    # The test serves the release from loopback; anything else must be https.
    http://127.0.0.1:* | http://localhost:*) ;;
    *) fail "the release URL '$url' is not https" ;;
esac

# What the release offers, from the committed checksums: the names are the archives.
available=$(sed -En 's/^[0-9a-f]{64}  prr-(.*)\.(tar\.gz|zip)$/\1/p' "$release/SHA256SUMS" | sort | tr '\n' ' ')
target=
archive_ext=tar.gz
case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) target=x86_64-unknown-linux-musl ;;
    Linux/ARM64) target=aarch64-unknown-linux-musl ;;
    macOS/X64) target=x86_64-apple-darwin ;;
    macOS/ARM64) target=aarch64-apple-darwin ;;
    Windows/X64) target=x86_64-pc-windows-msvc archive_ext=zip ;;
esac
archive="prr-$target.$archive_ext"
expected=$(sed -En "s/^([0-9a-f]{64})  ${archive//./\\.}\$/\1/p" "$release/SHA256SUMS")
if [ -z "$target" ] || [ -z "$expected" ]; then
    fail "prr $tag has no prebuilt binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}; the release has these targets: ${available% }. Use a branch ref of the action to build from source."
fi

dir="${RUNNER_TEMP:?RUNNER_TEMP is not set}/prr"
work=$(mktemp -d "${RUNNER_TEMP}/prr-download.XXXXXX")
trap 'rm -rf "$work"' EXIT
curl --fail --silent --show-error --location --retry 3 --proto '=https,http' \
    -o "$work/$archive" "$url/$archive" \
    || fail "could not download $url/$archive"
actual=$(sha256 "$work/$archive")
if [ "$actual" != "$expected" ]; then
    fail "$archive from $url does not match the checksum committed in the action at $tag (expected sha256 $expected, got $actual); refusing to install it"
fi

mkdir -p "$work/unpacked" "$dir/bin"
if [ "$archive_ext" = zip ]; then
    if command -v unzip > /dev/null; then
        unzip -q "$work/$archive" -d "$work/unpacked"
    else
        7z x -y -bd -o"$work/unpacked" "$work/$archive" > /dev/null
    fi
    binary=prr.exe
else
    tar -xzf "$work/$archive" -C "$work/unpacked"
    binary=prr
fi
[ -f "$work/unpacked/prr-$target/$binary" ] || fail "$archive holds no prr-$target/$binary"
mv -f "$work/unpacked/prr-$target/$binary" "$dir/bin/$binary"
chmod +x "$dir/bin/$binary"
echo "Installed $("$dir/bin/$binary" --version) ($target, sha256 $actual)"
echo "installed=true" >> "$output"
