#!/usr/bin/env bash
# Contract test: the built `prr` publishes against Prism serving GitHub's own REST OpenAPI
# description (@octokit/openapi), with real webhook payloads (@octokit/webhooks-examples)
# as the events. Prism answers 422 to a request that breaks the description and logs the
# violation; either fails this test. Every kind of request prr makes is exercised: the
# comment list and create, the check run create and its annotation updates, the pull
# request of a fork's workflow_run, the manifest at its head commit, who the token
# comments as (`GET /user`), a rule pack through the contents API, the reviews and team
# memberships that waiver approvals read, and the incident and toil issues of the quarterly
# review.
# Usage: .ci/contract.sh PATH/TO/prr   (the tools come from .ci/tools.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
prr=$(realpath "$1")
tools=$PWD/.ci/tools/node_modules
work=$(mktemp -d)
prism_pid=
cleanup() {
    if [ -n "$prism_pid" ]; then
        kill "$prism_pid" 2>/dev/null || true
        wait "$prism_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Events: a real `pull_request` "opened" payload, and a real `workflow_run` "completed"
# one made into a fork's run (triggered by pull_request, `pull_requests` empty).
node -e '
const fs = require("fs");
const all = require(process.argv[1]);
const example = (name, pick) => all.find(e => e.name === name).examples.find(pick);
const pr = example("pull_request", e => e.action === "opened");
fs.writeFileSync(process.argv[2] + "/pull_request.json", JSON.stringify(pr));
const run = example("workflow_run", e => e.action === "completed");
run.workflow_run.event = "pull_request";
run.workflow_run.pull_requests = [];
fs.writeFileSync(process.argv[2] + "/workflow_run.json", JSON.stringify(run));
fs.writeFileSync(process.argv[2] + "/repository", pr.repository.full_name);
// The same pull request, its head the commit that the example review of the description approves,
// so that the team membership of its approver is asked for too.
const approved = JSON.parse(JSON.stringify(pr));
approved.pull_request.head.sha = process.argv[3];
fs.writeFileSync(process.argv[2] + "/pull_request_approval.json", JSON.stringify(approved));
' "$tools/@octokit/webhooks-examples/api.github.com/index.json" "$work" \
    "$(node -e 'console.log(require(process.argv[1]).components.examples["pull-request-review-items"].value[0].commit_id)' \
        "$tools/@octokit/openapi/generated/api.github.com.json")"

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
"$tools/.bin/prism" mock --host 127.0.0.1 --port "$port" \
    "$tools/@octokit/openapi/generated/api.github.com.json" > "$work/prism.log" 2>&1 &
prism_pid=$!
for _ in $(seq 1 240); do
    if grep -aq "Prism is listening" "$work/prism.log"; then break; fi
    if ! kill -0 "$prism_pid" 2>/dev/null; then
        tail -20 "$work/prism.log" >&2
        echo "contract: prism died" >&2
        exit 1
    fi
    sleep 0.5
done
grep -aq "Prism is listening" "$work/prism.log" || { echo "contract: prism did not start" >&2; exit 1; }
api="http://127.0.0.1:$port"

# The check can fail: a request that breaks the description is caught by the grep below.
node -e 'fetch(process.argv[1] + "/repos/a/b/check-runs", {method: "POST",
    headers: {"content-type": "application/json"}, body: "{\"name\": 1}"})
    .then(r => process.exit(r.status === 422 ? 0 : 1), () => process.exit(1))' "$api" \
    || { echo "contract: prism accepted an invalid request: the test would prove nothing" >&2; exit 1; }
logged=
for _ in $(seq 1 20); do
    if sed -n '/Prism is listening/,$p' "$work/prism.log" | grep -aq "did not pass the validation rules"; then
        logged=yes
        break
    fi
    sleep 0.2
done
[ -n "$logged" ] || { echo "contract: prism logged no violation for an invalid request" >&2; exit 1; }
# What prr sends is judged from here on.
seen=$(grep -ac '' "$work/prism.log")

status=0
# publish EVENT_NAME MAX_EXIT prr-args...: runs prr as a job of that event would.
publish() {
    local event_name=$1 max_exit=$2 code
    shift 2
    set +e
    env -u GITHUB_SHA -u PRR_RULES_TOKEN -u INPUT_TOKEN \
        GITHUB_ACTIONS=true \
        GITHUB_API_URL="$api" \
        GITHUB_REPOSITORY="$(cat "$work/repository")" \
        GITHUB_EVENT_NAME="$event_name" \
        GITHUB_EVENT_PATH="$work/${event_file:-$event_name}.json" \
        GITHUB_TOKEN=ghs_contract0test0token \
        GITHUB_RUN_ID=1 \
        GITHUB_STEP_SUMMARY="$work/summary.md" \
        GITHUB_OUTPUT="$work/output" \
        PRR_GITHUB_TIMEOUT=30 PRR_GITHUB_BACKOFF_MS=100 \
        "$prr" "$@" > "$work/stdout" 2> "$work/stderr"
    code=$?
    set -e
    sed 's/^/    /' "$work/stderr"
    if [ "$code" -gt "$max_exit" ]; then
        echo "contract: prr $* exited $code" >&2
        status=1
    fi
}

echo "contract: check --publish, failing then passing"
publish pull_request 1 check --manifest examples/unready/prr.toml --as-of 2026-11-21 \
    --format json="$work/report.json" --publish --publish-strict --comment always
publish pull_request 1 check --manifest examples/ready/prr.toml --as-of 2026-11-21 \
    --publish --publish-strict --comment always

echo "contract: over 100 findings (annotation updates) from the pull request's job"
# The unready example with 30 more critical dependencies that name no owner, SLA, timeout
# or retries: well over the 50 annotations one check-run request carries. (`prr publish`
# of an artifact judges the head commit itself, which Prism's example tree cannot hold, so
# the many findings come from `check --publish`.)
mkdir -p "$work/big"
cp examples/unready/prr.toml "$work/big/prr.toml"
for i in $(seq 1 30); do
  printf '\n[[dependency]]\nname = "extra-%s"\ncritical = true\n' "$i" >> "$work/big/prr.toml"
done
publish pull_request 1 check --manifest "$work/big/prr.toml" --as-of 2026-11-21 --publish --publish-strict

echo "contract: a fork's workflow_run judges the manifest at the head commit itself"
# Prism's example file is no manifest, so the judgement is "error"; what counts here is
# that reading it at the head SHA, and finding the pull request, were valid requests.
publish workflow_run 0 publish "$work/report.json" --manifest prr.toml --as-of 2026-11-21
# Without --manifest the root's is looked for in the commit's tree; Prism's example tree
# holds none, so nothing can be judged (exit 2 expected, the check run says why).
publish workflow_run 2 publish "$work/report.json" --as-of 2026-11-21

echo "contract: waiver approvals through the reviews and team-membership APIs"
mkdir -p "$work/pack"
printf '[pack]\nname = "acme"\nextends = ["builtin"]\nwaiver_approvers = "@acme/sre"\n' > "$work/pack/pack.toml"
event_file=pull_request_approval publish pull_request 0 check --manifest examples/ready/prr.toml --as-of 2026-11-21 \
    --rules "$work/pack" --base HEAD --format json
grep -q "\"rule\": \"waiver.approved\"" "$work/stdout" || { echo "contract: no waiver.approved result" >&2; status=1; }

echo "contract: a deploy reads the labels of its pull request and who applied them"
publish pull_request 1 check --manifest examples/ready/prr.toml --as-of 2026-11-21 --deploy \
    --format json

echo "contract: --rules github: through the contents API (Prism's example file is no pack: exit 2 expected)"
# Prism's example file is not a rule pack, so prr cannot judge (exit 2); what counts here
# is that its requests were valid. The pack path is one segment: prr sends a nested path
# with raw slashes, as GitHub wants (an encoded %2F fails with fine-grained tokens), and
# the description models {path} as a single segment that Prism cannot route otherwise.
publish pull_request 2 check --manifest examples/ready/prr.toml --as-of 2026-11-21 \
    --rules github:acme/prr-rules/acme@v3.1.0

echo "contract: review quarterly --incidents github: and the toil backlog through the issues listing"
# Prism answers with the description's example issue, which is a pull request (it has
# `pull_request`): skipped, so no incident is used and none is left out; what counts is that
# the listings' requests were valid and that their people (`octocat`) reach no output. The
# manifest's `toil.backlog` (https://github.com/acme/payments/labels/toil) is listed too.
publish pull_request 0 review quarterly --incidents github:acme/ops --manifest examples/ready/prr.toml \
    --quarter 2026Q3 --as-of 2026-11-21 --format json
grep -q '"incidents_used": 0' "$work/stdout" && grep -q '"left_out": \[\]' "$work/stdout" \
    && grep -q '"repository": "acme/payments"' "$work/stdout" \
    || { echo "contract: the example issue listing was not read as expected" >&2; cat "$work/stdout" >&2; status=1; }
if grep -qi octocat "$work/stdout" "$work/stderr"; then
    echo "contract: the review names a person from the issues" >&2
    status=1
fi

tail -n "+$((seen + 1))" "$work/prism.log" > "$work/requests.log"
requests=$(grep -ac "Request received" "$work/requests.log" || true)
echo "contract: prism received $requests requests"
for route in "get /repos/.*/issues/[0-9]*/comments" "post /repos/.*/issues/[0-9]*/comments" \
    "post /repos/.*/check-runs" "patch /repos/.*/check-runs/" "get /repos/.*/commits/.*/pulls" \
    "get /repos/acme/prr-rules/contents/" "get /repos/.*/contents/prr.toml" "get /repos/.*/git/trees/" "get /user" \
    "get /repos/.*/pulls/[0-9]*/reviews" "get /orgs/.*/teams/.*/memberships/" \
    "get /repos/acme/ops/issues " "get /repos/acme/payments/issues "; do
    if ! grep -aq "$route" "$work/requests.log"; then
        echo "contract: no request matched \`$route\`" >&2
        status=1
    fi
done
# Prism also checks its own example answers against the description, and some of those
# break it ("Violation: response..."): not prr's requests, so not counted.
if grep -aE "✖|did not pass|Violation|Invalid request|UNPROCESSABLE|NOT_ACCEPTABLE" "$work/requests.log" \
    | grep -v "Violation: response" >&2; then
    echo "contract: a request broke GitHub's OpenAPI description (prism's log above)" >&2
    status=1
fi
if [ "$status" -ne 0 ]; then tail -200 "$work/requests.log" >&2; fi
exit "$status"
