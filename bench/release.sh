#!/usr/bin/env bash
# Measures, in one run, what the release work is for (docs/performance.md, "Release"):
#   1. the binary's size and the whole-process `prr check` time with the release profile as
#      it was (codegen-units = 4, unwinding, symbols) and as it is (fat LTO, one codegen
#      unit, panic = abort, stripped), both built from this tree;
#   2. the action's install step (scripts/install.sh, as action.yml runs it) from a release
#      served on loopback by Python's http.server;
#   3. the time the action adds to a job with a prebuilt binary: the install step, then
#      action.yml's "Judge and publish" step, publishing to Prism serving GitHub's OpenAPI
#      description (the tools of .ci/tools.sh).
#
#   bash bench/release.sh [BEFORE AFTER]   # two prebuilt binaries instead of building them
#
# Needs hyperfine (Debian package), python3 with PyYAML (reads action.yml), node.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=$(mktemp -d)
server_pid=
prism_pid=
cleanup() {
    for pid in $server_pid $prism_pid; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
command -v hyperfine > /dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }

if [ $# -eq 2 ]; then
    before=$(realpath "$1")
    after=$(realpath "$2")
else
    # The profile before this change, by Cargo's environment overrides, in its own target
    # directory so that neither build undoes the other.
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=4 \
        CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_PANIC=unwind \
        cargo build -q --release --locked --bin prr --target-dir target/profile-before
    cargo build -q --release --locked --bin prr
    before=$repo/target/profile-before/release/prr
    after=$repo/target/release/prr
fi

echo "## binary size (bytes)"
printf 'before %s\nafter  %s\n' "$(wc -c < "$before")" "$(wc -c < "$after")"

echo "## prr check, whole process (examples/ready/prr.toml)"
args="check --manifest examples/ready/prr.toml --as-of 2026-11-21"
hyperfine -N --warmup 10 --runs 200 --export-markdown "$work/check.md" \
    -n before "$before $args" -n after "$after $args" > /dev/null
cat "$work/check.md"

# A release as the release workflow lays it out, with the "after" binary for this runner,
# and the action's tree at its tag with the committed checksums.
target=x86_64-unknown-linux-musl
mkdir -p "$work/release" "$work/stage/prr-$target" "$work/action/scripts" "$work/action/.github/release" "$work/runner"
cp "$after" "$work/stage/prr-$target/prr"
cp README.md LICENSE CHANGELOG.md "$work/stage/prr-$target/"
tar -C "$work/stage" -czf "$work/release/prr-$target.tar.gz" "prr-$target"
cp scripts/install.sh Cargo.lock "$work/action/"
mv "$work/action/install.sh" "$work/action/scripts/"
(cd "$work/release" && sha256sum ./*.tar.gz | sed 's#\./##' > "$work/action/.github/release/SHA256SUMS")
echo v0.2.0 > "$work/action/.github/release/tag"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$work/release" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do grep -q "port" "$work/server.log" && break; sleep 0.1; done
port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$work/server.log" | head -1)
echo "http://127.0.0.1:$port" > "$work/action/.github/release/download-url"

# The steps' shell, exactly as action.yml has it.
python3 - "$repo/action.yml" "$work" <<'PY'
import sys, yaml
action = yaml.safe_load(open(sys.argv[1]))
steps = {s["name"]: s for s in action["runs"]["steps"]}
for name, file in [("Install prr (release binary)", "install-step"), ("Judge and publish", "judge-step")]:
    open(f"{sys.argv[2]}/{file}", "w").write(steps[name]["run"])
# The judge step's environment with every input at its default, so that an input added to
# action.yml later is set here too; the lines below override what the bench chooses.
import re, shlex
inputs = action.get("inputs", {})
with open(f"{sys.argv[2]}/judge-env", "w") as out:
    for var, value in steps["Judge and publish"].get("env", {}).items():
        m = re.fullmatch(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", str(value))
        if m:
            default = str(inputs.get(m.group(1), {}).get("default", ""))
            if "${{" in default:  # the token: the bench's own GITHUB_TOKEN stands
                continue
            out.write(f"export {var}={shlex.quote(str(default))}\n")
PY
export GITHUB_ACTION_PATH=$work/action RUNNER_TEMP=$work/runner RUNNER_OS=Linux RUNNER_ARCH=X64
export GITHUB_OUTPUT=$work/output
echo "## the install step from the local server"
hyperfine --warmup 2 --runs 20 --prepare "rm -rf $work/runner/prr" --export-markdown "$work/install.md" \
    -n install "bash $work/install-step" > /dev/null
cat "$work/install.md"

# Prism serving GitHub's REST description, as .ci/contract.sh runs it.
bash .ci/tools.sh
tools=$repo/.ci/tools/node_modules
node -e '
const fs = require("fs");
const all = require(process.argv[1]);
const pr = all.find(e => e.name === "pull_request").examples.find(e => e.action === "opened");
fs.writeFileSync(process.argv[2] + "/pull_request.json", JSON.stringify(pr));
fs.writeFileSync(process.argv[2] + "/repository", pr.repository.full_name);
' "$tools/@octokit/webhooks-examples/api.github.com/index.json" "$work"
api_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
"$tools/.bin/prism" mock --host 127.0.0.1 --port "$api_port" \
    "$tools/@octokit/openapi/generated/api.github.com.json" > "$work/prism.log" 2>&1 &
prism_pid=$!
for _ in $(seq 1 240); do grep -aq "Prism is listening" "$work/prism.log" && break; sleep 0.5; done

export GITHUB_ACTIONS=true GITHUB_API_URL=http://127.0.0.1:$api_port GITHUB_EVENT_NAME=pull_request
export GITHUB_EVENT_PATH=$work/pull_request.json GITHUB_REPOSITORY=$(cat "$work/repository")
export GITHUB_TOKEN=ghs_bench0token GITHUB_RUN_ID=1 GITHUB_STEP_SUMMARY=$work/summary.md
# shellcheck source=/dev/null
source "$work/judge-env"
export PRR_MANIFEST=examples/ready/prr.toml PRR_RULES= PRR_FAIL_ON=error PRR_COMMENT=always
export PRR_CHECK_RUN=prr PRR_SUMMARY=true PRR_PUBLISH_REPORT=
cat > "$work/action-steps" <<EOF
bash $work/install-step > /dev/null
bash $work/judge-step > /dev/null 2>&1
EOF
bash "$work/action-steps" || { echo "the action's steps failed:" >&2; bash -x "$work/judge-step" >&2; exit 1; }
echo "## the action with a prebuilt binary: install (download, verify, unpack), check and publish"
hyperfine --warmup 1 --runs 10 --prepare "rm -rf $work/runner/prr" --export-markdown "$work/action.md" \
    -n action "bash $work/action-steps" > /dev/null
cat "$work/action.md"
requests=$(grep -ac 'Request received' "$work/prism.log" || true)
echo "requests prism received: $requests"
# A publish that reached nobody would make the time above meaningless.
[ "$requests" -gt 0 ] || { echo "the action's steps published nothing to Prism" >&2; exit 1; }
