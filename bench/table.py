"""The results: medians over the rounds, as one Markdown table."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from loadgen import Measurement

GENERATED = "generated"
# The largest acceptable loss of list throughput of jwt + redis against none/none.
COMPARE_TARGET_LOSS = 0.25


@dataclass
class Results:
    """Every measured run, by (endpoint, app), and the app's RSS sampled after each run."""

    runs: dict[tuple[str, str], list[Measurement]] = field(
        default_factory=lambda: defaultdict(list)
    )
    rss_mb: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    final_rss_mb: dict[str, float] = field(default_factory=dict)

    def add(self, endpoint: str, app: str, measurement: Measurement, rss_mb: float) -> None:
        self.runs[endpoint, app].append(measurement)
        self.rss_mb[endpoint, app].append(rss_mb)

    def median_rps(self, endpoint: str, app: str) -> float:
        return statistics.median(run.requests_per_second for run in self.runs[endpoint, app])


def ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}" if denominator else "n/a"


def table_row(results: Results, endpoint: str, app: str) -> str:
    runs = results.runs[endpoint, app]
    rps = results.median_rps(endpoint, app)
    generated = results.median_rps(endpoint, GENERATED)
    cells = [
        endpoint,
        app,
        f"{rps:,.0f}",
        f"{statistics.median(run.p50_ms for run in runs):.1f}",
        f"{statistics.median(run.p99_ms for run in runs):.1f}",
        ratio(generated, rps),
        str(sum(run.failures for run in runs)),
        f"{statistics.median(results.rss_mb[endpoint, app]):.0f}",
    ]
    return "| " + " | ".join(cells) + " |"


def format_table(results: Results, endpoints: list[str], apps: list[str]) -> str:
    """One row per endpoint and app, in the order given; apps not run on an endpoint are
    left out (the compared variant runs the list endpoint only)."""
    lines = [
        "| endpoint | app | req/s | p50 ms | p99 ms | generated ÷ app (req/s) "
        "| failed requests | RSS MB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for endpoint in endpoints:
        lines.extend(
            table_row(results, endpoint, app) for app in apps if results.runs[endpoint, app]
        )
    return "\n".join(lines)


def format_final_rss(results: Results) -> str:
    parts = [f"{app} {rss:.0f} MB" for app, rss in results.final_rss_mb.items()]
    return "Worker RSS after the run: " + ", ".join(parts)


def format_comparison(results: Results, variant_app: str, base_label: str, *, judged: bool) -> str:
    """The list throughput of a compared variant against the first; for jwt + redis against
    none/none (``judged``), whether the template's target is met."""
    base = results.median_rps("list", GENERATED)
    variant = results.median_rps("list", variant_app)
    change = variant / base - 1 if base else 0.0
    line = (
        f"list throughput of {variant_app} vs generated ({base_label}): "
        f"{variant:,.0f} vs {base:,.0f} req/s, {change:+.0%}"
    )
    if not judged:
        return line
    verdict = "met" if change >= -COMPARE_TARGET_LOSS else "NOT met"
    return f"{line} (target: a loss of at most {COMPARE_TARGET_LOSS:.0%}: {verdict})"
