#!/usr/bin/env bash
# The GitLab CI/CD component (templates/prr.yml), its catalog-less twin (gitlab-ci/prr.yml)
# and the example pipeline (examples/gitlab/.gitlab-ci.yml), run for real by
# gitlab-ci-local with the shell executor. The component installs prr as it would from a
# release: from a release of the freshly built binary, served on loopback, whose checksums
# are committed in the component's tagged tree.
#
#   bash .ci/gitlab.sh [PRR]            # PRR: the binary (default target/debug/prr)
#
# Installs what it needs when missing: gitlab-ci-local (npm, pinned, .ci/tools/gitlab),
# rsync (apt; gitlab-ci-local copies the project with it).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
prr=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/debug/prr}")
# 4.65.0: later releases need Node 22, and the machines have Node 20.
glci_version=gitlab-ci-local@4.65.0
tools=.ci/tools/gitlab

if ! command -v rsync > /dev/null; then
  apt-get update -qq > /dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rsync > /dev/null
fi
if [ "$(cat "$tools/.installed" 2> /dev/null)" != "$glci_version" ]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
    "$glci_version"
  echo "$glci_version" > "$tools/.installed"
fi
glci=$(realpath "$tools/node_modules/.bin/gitlab-ci-local")

work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2> /dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
git_() { git -c user.name=prr-ci -c user.email=ci@prr.invalid -c init.defaultBranch=main "$@"; }

# The release: this machine's archive holds the fresh binary, as the release workflow
# packs it (prr-TARGET/prr), served over loopback HTTP.
target=x86_64-unknown-linux-musl
case "$(uname -m)" in aarch64 | arm64) target=aarch64-unknown-linux-musl ;; esac
mkdir -p "$work/release/prr-$target"
cp "$prr" "$work/release/prr-$target/prr"
tar -czf "$work/release/prr-$target.tar.gz" -C "$work/release" "prr-$target"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/release" > /dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/prr-$target.tar.gz" && break
  sleep 0.1
done

# The component's project at a release tag: this commit plus the release files the
# release workflow commits (.github/release).
component="$work/component"
git clone -q "$repo" "$component"
mkdir -p "$component/.github/release"
(cd "$work/release" && sha256sum "prr-$target.tar.gz") > "$component/.github/release/SHA256SUMS"
echo v0.2.0 > "$component/.github/release/tag"
echo "http://127.0.0.1:$port" > "$component/.github/release/download-url"
git_ -C "$component" add -A
git_ -C "$component" commit -qm "release v0.2.0"
git_ -C "$component" tag v0.2.0
component_sha=$(git -C "$component" rev-parse HEAD)

# The project that includes it: this repository as gitlab.com/prr-gate/prr-gate, so that
# the example's component address is this project (gitlab-ci-local reads a component of the
# project itself at its commit from the working tree).
project="$work/project"
git clone -q "$repo" "$project"
git -C "$project" remote set-url origin https://gitlab.com/prr-gate/prr-gate.git
sed 's|/prr@v0.2.0$|/prr@$CI_COMMIT_SHA|' examples/gitlab/.gitlab-ci.yml > "$project/.gitlab-ci.yml"
grep -q 'prr@\$CI_COMMIT_SHA' "$project/.gitlab-ci.yml"
git_ -C "$project" add -A
git_ -C "$project" commit -qm "the example pipeline"

# gitlab-ci-local has no component context (GitLab 18.6 gives the component's commit and
# address to the job): the variables that take its place name the release above.
run() {
  (cd "$project" && "$glci" --force-shell-executor --shell-isolation \
    --variable "PRR_COMPONENT_SOURCE=file://$component" \
    --variable "PRR_ARGS=--as-of 2026-11-21" "$@")
}
check_artifacts() { # JOB VERDICT
  local dir="$project/.gitlab-ci-local/artifacts/$1"
  python3 - "$dir" "$2" << 'PY'
import json, sys, xml.etree.ElementTree as ET
from pathlib import Path
out, verdict = Path(sys.argv[1]), sys.argv[2]
report = json.loads((out / "prr-report.json").read_text())
assert report["verdict"] == verdict, (report["verdict"], verdict)
issues = json.loads((out / "gl-code-quality-report.json").read_text())
assert isinstance(issues, list)
failures = [r for r in report["results"] if r["status"] == "fail"]
assert len(issues) == len(failures), (len(issues), len(failures))
for issue in issues:
    for key in ("description", "check_name", "fingerprint", "severity"):
        assert isinstance(issue[key], str) and issue[key], issue
    assert issue["severity"] in ("info", "minor", "major", "critical", "blocker"), issue
    assert isinstance(issue["location"]["lines"]["begin"], int), issue
junit = ET.parse(out / "prr-junit.xml").getroot()
# One test case a rule, failed when a finding of it fails; a warning is a failure of type
# "warning", what blocks the gate of type "error".
kinds = [f.get("type") for f in junit.iter("failure")]
failing_rules = {(r["manifest"], r["rule"]) for r in failures}
assert len(kinds) == len(failing_rules), (kinds, failing_rules)
assert ("error" in kinds) == (verdict == "fail"), kinds
print(f"gitlab: {out.name}: verdict {verdict}, {len(issues)} Code Quality issues, {len(kinds)} JUnit failures")
PY
}

log="$work/pipeline.log"
set +e
run --variable "PRR_COMPONENT_REF=$component_sha" > "$log" 2>&1
status=$?
set -e
if [ "$status" -eq 0 ] || ! grep -q 'FAIL  *prr-unready' "$log" || ! grep -q 'PASS  *prr-ready' "$log"; then
  cat "$log" >&2
  echo "gitlab: the example pipeline should pass prr-ready and fail prr-unready (exit $status)" >&2
  exit 1
fi
# The jobs' verdicts are prr's: exit 1 for the gate that failed, not a job that broke.
for want in 'prr-unready.*prr: FAIL: the gate failed' 'prr-ready .*the gate passed'; do
  grep -q "$want" "$log" || { cat "$log" >&2; echo "gitlab: no line matches $want" >&2; exit 1; }
done
grep -q "Installed prr .*sha256" "$log" || { cat "$log" >&2; echo "gitlab: prr was not installed from the release" >&2; exit 1; }
check_artifacts prr-ready pass
check_artifacts prr-unready fail
echo "gitlab: the example pipeline ran: prr-ready passed, prr-unready failed its job"

# The catalog-less template, included at the tag as a file (the tag fetched by name).
cat > "$project/.gitlab-ci.yml" << 'YML'
include:
  - local: gitlab-ci/prr.yml
    inputs:
      ref: v0.2.0
      name: prr-unready
      manifest: examples/unready
YML
git_ -C "$project" commit -qam "the include template"
rm -rf "$project/.gitlab-ci-local"
set +e
run > "$log" 2>&1
status=$?
set -e
if [ "$status" -eq 0 ] || ! grep -q 'FAIL  *prr-unready' "$log"; then
  cat "$log" >&2
  echo "gitlab: gitlab-ci/prr.yml should fail prr-unready (exit $status)" >&2
  exit 1
fi
check_artifacts prr-unready fail

# A release archive that is not the one whose checksum the tag committed is refused.
echo tampered >> "$work/release/prr-$target.tar.gz"
rm -rf "$project/.gitlab-ci-local"
set +e
run > "$log" 2>&1
set -e
if ! grep -q "does not match the checksum committed" "$log"; then
  cat "$log" >&2
  echo "gitlab: a tampered release archive was not refused" >&2
  exit 1
fi
echo "gitlab: gitlab-ci/prr.yml ran at the tag, and a tampered archive was refused"
