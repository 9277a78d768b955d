#!/usr/bin/env bash
# Makes the release archives and SHA256SUMS; .github/workflows/release.yml runs it.
#
#   scripts/package.sh BINARIES OUT
#
# BINARIES holds one directory per target, bin-TARGET/prr (prr.exe on Windows), as the build
# jobs upload them. OUT receives prr-TARGET.tar.gz (prr-TARGET.zip on Windows), each holding
# prr-TARGET/ with the binary, README, licence, changelog, shell completions and the manual
# pages (man/man1/: prr.1 and one page per command, prr-check.1 and the others prr.1 lists),
# and SHA256SUMS. The completions and the pages are the same for every target, so the x86_64
# Linux binary (the host's) writes them once.
set -euo pipefail
targets=(
    x86_64-unknown-linux-musl
    aarch64-unknown-linux-musl
    x86_64-apple-darwin
    aarch64-apple-darwin
    x86_64-pc-windows-msvc
)
bins=$(realpath "$1")
mkdir -p "$2"
out=$(realpath "$2")
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

host="$bins/bin-x86_64-unknown-linux-musl/prr"
# Artifacts lose the executable bit on the way between jobs.
chmod +x "$host"
mkdir -p "$work/shared/completions"
"$host" completions bash > "$work/shared/completions/prr.bash"
"$host" completions zsh > "$work/shared/completions/_prr"
"$host" completions fish > "$work/shared/completions/prr.fish"
"$host" completions powershell > "$work/shared/completions/_prr.ps1"
"$host" man --out-dir "$work/shared/man/man1"
cp "$repo/README.md" "$repo/LICENSE" "$repo/CHANGELOG.md" "$work/shared/"

archives=()
for target in "${targets[@]}"; do
    top="prr-$target"
    mkdir -p "$work/$top"
    cp -R "$work/shared/." "$work/$top/"
    case "$target" in
        *-windows-*)
            cp "$bins/bin-$target/prr.exe" "$work/$top/"
            (cd "$work" && zip -q -r -X "$out/$top.zip" "$top")
            archives+=("$top.zip")
            ;;
        *)
            install -m 0755 "$bins/bin-$target/prr" "$work/$top/prr"
            tar -C "$work" --owner=0 --group=0 --numeric-owner -czf "$out/$top.tar.gz" "$top"
            archives+=("$top.tar.gz")
            ;;
    esac
done
# The two-space format `sha256sum --check` reads, and scripts/install.sh parses.
(cd "$out" && sha256sum "${archives[@]}" > SHA256SUMS)
cat "$out/SHA256SUMS"
