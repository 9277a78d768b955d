#!/usr/bin/env bash
# The pre-commit framework, for real: the hook definitions in .pre-commit-hooks.yaml are run
# by pre-commit itself over a manifest that fails the gate, and must refuse it
#   1. through `pre-commit try-repo` with no refs (nothing says what is pushed), and
#   2. on the first push of a new repository (pre-commit runs with --all-files and no refs),
#   3. with --fail-on new on the first push of a branch: compared with where it left the
#      remote's history, so that what main already fails does not block it.
# The `prr-check-system` variant is used, with the freshly built prr on PATH, so that the
# framework's handling is tested without a release build of the `language: rust` variant.
# Usage: .ci/precommit.sh PATH/TO/prr
set -euo pipefail
cd "$(dirname "$0")/.."
prr_dir=$(dirname "$(realpath "$1")")
venv=$PWD/.ci/tools/pre-commit-4.7.0
if [ ! -x "$venv/bin/pre-commit" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check pre-commit==4.7.0
fi
hooks_repo=$PWD
hooks_rev=$(git rev-parse HEAD)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PATH="$prr_dir:$venv/bin:$PATH" PRE_COMMIT_HOME="$work/cache"
export GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@example.invalid GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.invalid
unset GITHUB_ACTIONS

git init --quiet -b main "$work/service"
cp examples/unready/prr.toml "$work/service/prr.toml"
cat > "$work/service/.pre-commit-config.yaml" <<YAML
repos:
  - repo: $hooks_repo
    rev: $hooks_rev
    hooks:
      - id: prr-check-system
        args: [--as-of, "2026-11-21"]
YAML
git -C "$work/service" add -A
git -C "$work/service" commit --quiet -m "a service that is not ready"

status=0
echo "precommit: try-repo with no refs over a failing manifest"
set +e
(cd "$work/service" && pre-commit try-repo "$hooks_repo" prr-check-system --ref "$hooks_rev" \
    --hook-stage pre-push --all-files) > "$work/try.log" 2>&1
code=$?
set -e
if [ "$code" -eq 0 ] || ! grep -q "Failed" "$work/try.log" || ! grep -q "oncall.rotation" "$work/try.log"; then
    echo "precommit: try-repo passed a failing manifest, or printed no report (exit $code)" >&2
    cat "$work/try.log" >&2
    status=1
fi

echo "precommit: the first push of a new repository"
git init --quiet --bare "$work/remote.git"
git -C "$work/service" remote add origin "$work/remote.git"
(cd "$work/service" && pre-commit install --hook-type pre-push) > /dev/null
set +e
git -C "$work/service" push --quiet origin main > "$work/push.log" 2>&1
code=$?
set -e
if [ "$code" -eq 0 ] || [ -n "$(git -C "$work/remote.git" for-each-ref)" ] || ! grep -q "oncall.rotation" "$work/push.log"; then
    echo "precommit: the first push of a failing manifest went through, or printed no report (exit $code)" >&2
    cat "$work/push.log" >&2
    status=1
fi

echo "precommit: a ready manifest is pushed"
cp examples/ready/prr.toml "$work/service/prr.toml"
git -C "$work/service" commit --quiet -am "ready"
if ! git -C "$work/service" push --quiet origin main > "$work/push-ready.log" 2>&1; then
    echo "precommit: a ready manifest was refused" >&2
    cat "$work/push-ready.log" >&2
    status=1
fi

echo "precommit: --fail-on new on the first push of a branch"
cat > "$work/service/.pre-commit-config.yaml" <<YAML
repos:
  - repo: $hooks_repo
    rev: $hooks_rev
    hooks:
      - id: prr-check-system
        args: [--as-of, "2026-11-21", --fail-on, new]
        verbose: true   # show what the hook says when it passes too (the base it used)
YAML
# main already fails a rule (pushed past the hook), as when a rule is being rolled out.
grep -v '^runbook = ' examples/ready/prr.toml > "$work/service/prr.toml"
git -C "$work/service" commit --quiet -am "main has no runbook"
git -C "$work/service" push --quiet --no-verify origin main
git -C "$work/service" checkout --quiet -b docs
echo "a service" > "$work/service/README.md"
git -C "$work/service" add README.md
git -C "$work/service" commit --quiet -m "a readme"
if ! git -C "$work/service" push origin docs > "$work/push-new.log" 2>&1 \
    || ! grep -q "comparing refs/heads/docs with what origin has" "$work/push-new.log"; then
    echo "precommit: a new branch that adds no failure was refused, or named no base" >&2
    cat "$work/push-new.log" >&2
    status=1
fi
git -C "$work/service" checkout --quiet -b no-oncall main
grep -v '^rotation = ' "$work/service/prr.toml" > "$work/prr.toml" && mv "$work/prr.toml" "$work/service/prr.toml"
git -C "$work/service" commit --quiet -am "no rotation"
set +e
git -C "$work/service" push origin no-oncall > "$work/push-new-bad.log" 2>&1
code=$?
set -e
if [ "$code" -eq 0 ] || ! grep -q "oncall.rotation.*\[new\]\|\[new\].*oncall.rotation\|error\[oncall.rotation\]: \[new\]" "$work/push-new-bad.log" \
    || ! grep -q "comparing refs/heads/no-oncall with what origin has" "$work/push-new-bad.log"; then
    echo "precommit: a new branch that adds a failure went through, or named no base (exit $code)" >&2
    cat "$work/push-new-bad.log" >&2
    status=1
fi
exit "$status"
