#!/usr/bin/env bash
# The GitLab component's install step (templates/prr.yml and gitlab-ci/prr.yml run this
# file from the component's own tree, fetched at the commit the pipeline included).
#
# At a release tag it is the action's install (scripts/install.sh): the prebuilt binary,
# checked against the checksums committed in the component's tagged tree, never against a
# file downloaded from the same place as the archive. At a branch ref there is no committed
# release, and the component's own source is built with cargo (the default image has it).
#
#   bash scripts/gitlab-install.sh HOME     # installs HOME/prr/bin/prr
#
# PRR_RELEASE_URL overrides the committed download URL (a mirror; the checksums still come
# from the tree). Exit 2 when prr cannot be installed.
set -euo pipefail

home=${1:?usage: gitlab-install.sh HOME}
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$home"
case "$(uname -s)" in
    Linux) os=Linux ;;
    Darwin) os=macOS ;;
    *) os=$(uname -s) ;;
esac
case "$(uname -m)" in
    x86_64 | amd64) arch=X64 ;;
    aarch64 | arm64) arch=ARM64 ;;
    *) arch=$(uname -m) ;;
esac
out="$home/install.out"
: > "$out"
# install.sh speaks the GitHub runner's names; these are the same facts.
GITHUB_ACTION_PATH="$src" RUNNER_OS="$os" RUNNER_ARCH="$arch" RUNNER_TEMP="$home" \
    GITHUB_OUTPUT="$out" bash "$src/scripts/install.sh"
if grep -qx 'installed=true' "$out"; then
    exit 0
fi
if ! command -v cargo > /dev/null; then
    echo "prr: this component ref is no release tag, so prr is built from source, and this image has no cargo: use the default image (inputs.image) or a release tag" >&2
    exit 2
fi
# The release profile's whole-program optimisation is for the published binaries; a
# one-off build in a job would spend minutes on it for no gain a gate notices.
CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install --locked --quiet --path "$src" --root "$home/prr"
