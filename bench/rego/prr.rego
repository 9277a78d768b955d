# A subset of the built-in pack written as Rego, for measuring regorus against prr on the
# same manifests: on-call, runbook, SLOs and tier floors, error budget, golden signals,
# critical dependencies, achievability, rollback, testing levels and PRR freshness.
package prr

import rego.v1

as_of := time.parse_ns("2006-01-02", "2026-11-21")

tier := object.get(input.service, "tier", 1)

floors := {1: 99.9, 2: 99.5, 3: 99.0}

day_ns := ((24 * 60) * 60) * 1000000000

deny contains "oncall.rotation: no rotation" if not input.oncall.rotation

deny contains "oncall.rotation: no escalation" if not input.oncall.escalation

deny contains "docs.runbook: no runbook" if not input.docs.runbook

deny contains "slo.defined: no SLO" if count(object.get(input, "slo", [])) == 0

deny contains msg if {
	some i, slo in input.slo
	not slo.window
	msg := sprintf("slo.defined: slo[%d] has no window", [i])
}

deny contains msg if {
	some slo in input.slo
	slo.target < floors[tier]
	msg := sprintf("slo.target-for-tier: %v below %v", [slo.target, floors[tier]])
}

deny contains "slo.error-budget-policy: no policy" if not input.error_budget.policy

deny contains "slo.error-budget-policy: no owner" if not input.error_budget.owner

deny contains msg if {
	some signal in ["latency", "traffic", "errors", "saturation"]
	not input.monitoring.golden_signals[signal]
	msg := sprintf("monitoring.golden-signals: no %s", [signal])
}

deny contains msg if {
	some i, dep in input.dependency
	dep.critical
	not dep.owner
	msg := sprintf("dependencies.critical-mitigation: dependency[%d] has no owner", [i])
}

hard_slas := [dep.sla / 100 | some dep in input.dependency; dep.critical; not dep.fallback; dep.sla]

deny contains msg if {
	count(hard_slas) > 0
	ceiling := product(hard_slas) * 100
	some slo in input.slo
	slo.target > ceiling
	msg := sprintf("slo.achievable: %v above %v", [slo.target, ceiling])
}

deny contains "release.rollback: no rollback" if not input.release.rollback

deny contains msg if {
	some level in ["unit", "integration", "system"]
	not input.testing[level]
	msg := sprintf("testing.levels: no %s testing", [level])
}

deny contains "review.prr-fresh: missing" if not input.reviews.prr

deny contains "review.prr-fresh: older than 730 days" if {
	reviewed := time.parse_ns("2006-01-02", input.reviews.prr)
	(as_of - reviewed) / day_ns > 730
}
