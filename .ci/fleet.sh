#!/usr/bin/env bash
# The fleet report checked by the real tools that read it: the review calendar parsed by
# PyPI's icalendar (RFC 5545), and the HTML report opened in Debian's headless Chromium,
# whose DOM must hold the service rows, the rollout preview and the graph.
#
#   bash .ci/fleet.sh [PRR]            # PRR: the binary (default target/debug/prr)
#
# Installs what it needs when missing: chromium (apt), icalendar (pinned, .ci/tools/fleet-py).
set -euo pipefail
cd "$(dirname "$0")/.."
prr=${1:-${CARGO_TARGET_DIR:-target}/debug/prr}
icalendar=icalendar==7.3.0
py=.ci/tools/fleet-py

if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ "$(cat "$py/.installed" 2>/dev/null)" != "$icalendar" ]; then
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    --upgrade --target "$py" "$icalendar"
  echo "$icalendar" > "$py/.installed"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fleet=tests/fixtures/fleet/small
"$prr" fleet "$fleet" --candidate tests/fixtures/fleet/candidate --as-of 2026-12-25 \
  --format "html=$work/fleet.html" --format "ics=$work/reviews.ics"

# The calendar: every event parses, with a date, a summary and a stable UID.
PYTHONPATH="$py" python3 - "$work/reviews.ics" <<'EOF'
import sys
import icalendar
with open(sys.argv[1], "rb") as f:
    calendar = icalendar.Calendar.from_ical(f.read())
events = list(calendar.walk("VEVENT"))
assert events, "the calendar has no event"
for event in events:
    assert event.get("UID"), event
    assert event.decoded("DTSTART"), event
    assert str(event.get("SUMMARY")), event
summaries = [str(e.get("SUMMARY")) for e in events]
assert "Toil review: ledger (@acme/ledger)" in summaries, summaries
print(f"fleet: the calendar parses: {len(events)} events")
EOF

# The HTML in a real browser: the DOM after the page's own script ran.
chrome() {
  /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d)" "$@" 2>/dev/null
}
chrome --dump-dom "file://$work/fleet.html" > "$work/dom.html"
for want in '<td>search</td>' '<td>ledger</td>' '<svg id="graph"' 'id="preview"' \
  '<td>docs.architecture</td>' 'ledger is a critical dependency of 3 tier-1/2 services'; do
  grep -qF "$want" "$work/dom.html" || { echo "fleet: the DOM lacks $want" >&2; exit 1; }
done
rows=$(sed -n '/id="services"/,/<\/table>/p' "$work/dom.html" | grep -c '<tr>')
[ "$rows" -eq 7 ] || { echo "fleet: the services table has $rows rows, not 7" >&2; exit 1; }
echo "fleet: Chromium's DOM has the 6 service rows, the preview and the graph"
