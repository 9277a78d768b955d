#!/usr/bin/env python3
"""Writes a synthetic fleet for `prr fleet`: one directory per service with its prr.toml.

    python3 bench/gen_fleet.py OUT [--services 10000] [--teams 300] [--seed 7]

Deterministic: the same seed gives the same files. The fleet has internal dependencies
(a few popular providers, so fan-in, single points of failure and SLO chains occur), and
services at every maturity level (some miss a runbook, an SLO, a load test or a review).
Dates are fixed relative to --as-of (default 2026-11-20), the date to judge it on.
"""
import argparse
import datetime
import os
import random

TEMPLATE = """[service]
name = "{name}"
description = "Synthetic service {name}"
tier = {tier}
lifecycle = "{lifecycle}"
owner = "@acme/{team}"

[oncall]
rotation = "https://pager.example/schedules/{team}"
escalation = "https://pager.example/escalation/{team}"

[docs]
{runbook}architecture = "https://wiki.example/{name}/design"

{slo}[error_budget]
policy = "freeze-features"
owner = "@acme/{team}"

[monitoring.golden_signals]
latency = "https://grafana.example/{name}/latency"
traffic = "https://grafana.example/{name}/traffic"
errors = "https://grafana.example/{name}/errors"
saturation = "https://grafana.example/{name}/saturation"

{deps}[release]
strategy = "canary"
rollback = "automated"

[testing]
unit = true
integration = true
system = true

[incidents]
tracker = "https://issues.example/{team}"
postmortems = "https://wiki.example/{team}/postmortems"

[capacity]
plan = "https://wiki.example/{name}/capacity"
load_tested = {load_tested}

[toil]
backlog = "https://issues.example/{team}/toil"

[reviews]
prr = {prr}
mttr_mttf = {mttr}
dependencies = {deps_review}
toil = {toil}
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--services", type=int, default=10000)
    parser.add_argument("--teams", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", default="2026-11-20")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    as_of = datetime.date.fromisoformat(args.as_of)

    def days_ago(low, high):
        return (as_of - datetime.timedelta(days=rng.randint(low, high))).isoformat()

    names = [f"svc-{i:05d}" for i in range(args.services)]
    # A few providers most services call: fan-in and single points of failure.
    popular = names[: max(1, args.services // 200)]
    for i, name in enumerate(names):
        team = f"team-{rng.randrange(args.teams):03d}"
        tier = rng.choice([1, 2, 2, 3, 3, 3, 4])
        lifecycle = "experimental" if tier == 4 else rng.choice(["production"] * 9 + ["beta"])
        target = {1: 99.95, 2: 99.9, 3: 99.5, 4: 99.0}[tier]
        slo = "" if rng.random() < 0.03 else (
            f'[[slo]]\nname = "availability"\nindicator = "non-5xx share"\n'
            f'target = {target}\nwindow = "28d"\n\n'
        )
        deps = ""
        for provider in rng.sample(popular, k=min(len(popular), rng.randint(0, 3))):
            if provider == name:
                continue
            sla = rng.choice([99.9, 99.95, 99.99])
            fallback = 'fallback = "serve from cache"\n' if rng.random() < 0.5 else ""
            deps += (
                f'[[dependency]]\nname = "{provider}"\ncritical = true\nsla = {sla}\n'
                f'owner = "@acme/platform"\ntimeout_ms = 200\nretries = 1\n{fallback}\n'
            )
        text = TEMPLATE.format(
            name=name,
            team=team,
            tier=tier,
            lifecycle=lifecycle,
            runbook="" if rng.random() < 0.05 else f'runbook = "https://wiki.example/{name}/runbook"\n',
            slo=slo,
            deps=deps,
            load_tested=days_ago(10, 400),
            prr=days_ago(30, 760),
            mttr=days_ago(1, 100),
            deps_review=days_ago(1, 190),
            toil=days_ago(1, 100),
        )
        directory = os.path.join(args.out, team, name)
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "prr.toml"), "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
