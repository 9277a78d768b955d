#!/usr/bin/env bash
# Installs the tools the CI checks need into .ci/tools (git-ignored), at pinned versions,
# from the npm registry and PyPI. Idempotent: a second run with the same versions is a
# no-op.
set -euo pipefail
cd "$(dirname "$0")"
npm_packages=(
    @stoplight/prism-cli@5.16.0
    @octokit/openapi@23.0.2
    @octokit/webhooks-examples@7.6.1
    @action-validator/cli@0.6.0
    @octokit/graphql-schema@15.26.1
    graphql@16.15.0
)
zizmor=zizmor==1.32.0
stamp="tools/.installed"
want="${npm_packages[*]} $zizmor"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi
mkdir -p tools
# The install scripts of these packages are not needed (one only reports telemetry).
npm install --prefix tools --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
    "${npm_packages[@]}"
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    --upgrade --target tools/py "$zizmor"
echo "$want" > "$stamp"
