#!/usr/bin/env bash
# The action's install step (action.yml runs this file, and so does tests/install.rs).
#
# At a release tag the action's own tree holds .github/release/SHA256SUMS, proposed by
# .github/workflows/release-prepare.yml and committed (reviewed) before the tag was made on
# that commit; release.yml publishes only archives that match it (docs/releasing.md). The
# archive comes from the release's download URL and is checked against that committed
# checksum, never against a file downloaded from the same place as the archive: whoever can
# replace a release asset cannot also change a tagged commit of the action that the
# workflow pins. At a branch ref there is no committed release, and on a runner the release
# has no binary for (Windows ARM64, say), the action builds its own source instead (the next
# steps of action.yml), with a notice, once it has checked that cargo is there and at least
# the crate's rust-version.
#
# Environment: GITHUB_ACTION_PATH (the action's tree), RUNNER_OS, RUNNER_ARCH and
# RUNNER_TEMP (set by every runner), GITHUB_OUTPUT; PRR_RELEASE_URL overrides the committed
# download URL (a mirror of the release; the checksums still come from the action's tree).
# Installs $RUNNER_TEMP/prr/bin/prr and writes `installed=true|false` and `lock-hash` to
# GITHUB_OUTPUT. Exit 2 when the release cannot be installed, or a source build is needed
# and cargo is missing or too old.
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

# The source build comes next in action.yml: say why, and refuse now (rather than minutes
# into a failing build) when cargo is missing or older than the crate's rust-version.
build_from_source() {
    local need have
    need=$(sed -En 's/^rust-version *= *"([0-9.]+)".*/\1/p' "$action/Cargo.toml" | head -1)
    if ! have=$(cargo --version 2> /dev/null); then
        fail "$1; building it from source needs cargo (Rust ${need:-stable} or newer), and cargo is not on this runner. Install Rust first (rustup, or a setup step such as dtolnay/rust-toolchain)."
    fi
    have=$(echo "$have" | sed -En 's/^cargo ([0-9]+\.[0-9]+(\.[0-9]+)?).*/\1/p')
    if [ -n "$need" ] && { [ -z "$have" ] || ! version_at_least "$have" "$need"; }; then
        fail "$1; building it from source needs cargo $need or newer, and this runner has ${have:-an unknown version}. Update Rust first (rustup update stable)."
    fi
    echo "::notice::$1; prr is built from source with cargo $have, which is slower (minutes, then cached)."
    echo "installed=false" >> "$output"
    exit 0
}

# Whether dotted version $1 is at least $2 (1.85 = 1.85.0).
version_at_least() {
    local IFS=.
    local -a have=($1) need=($2)
    local i
    for i in 0 1 2; do
        if [ "${have[i]:-0}" -gt "${need[i]:-0}" ]; then return 0; fi
        if [ "${have[i]:-0}" -lt "${need[i]:-0}" ]; then return 1; fi
    done
    return 0
}

if [ ! -f "$release/SHA256SUMS" ]; then
    build_from_source "this action ref is not a release tag (use one, e.g. prr-gate/prr-gate@v0.2.0, to install a prebuilt binary in seconds)"
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
    build_from_source "prr $tag has no prebuilt binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?} (the release has these targets: ${available% })"
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
