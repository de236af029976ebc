"""Each dashboard chart as CSV rows: what the chart draws, for the period asked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

# name -> (title, the section of docs/metrics.md that defines it)
CHARTS: dict[str, tuple[Any, str]] = {
    "first-response": (_("First response time"), "first-response-time"),
    "by-dimension": (
        _("Response times by channel, department, priority, agent, hour"),
        "first-response-time",
    ),
    "breaches": (_("SLA breaches"), "sla-attainment"),
    "backlog": (_("Backlog by age"), "backlog-and-unanswered"),
    "volume": (_("Messages in and out"), "volume"),
    "escalations": (_("Escalations by department"), "escalations"),
    "sentiment": (_("Sentiment of customers' messages"), "sentiment-trend"),
    "agents": (_("Per agent"), "per-agent"),
    "topics": (_("Topics against their usual level"), "early-warning"),
}


def rows(chart: str, figures: dict[str, Any]) -> tuple[list[str], Iterable[list[Any]]]:
    response, workload, quality = figures["response"], figures["workload"], figures["quality"]
    if chart == "first-response":
        distribution = response["distribution"]
        return ["bucket", "cases", "cases_previous_period"], (
            [label, now, before]
            for label, now, before in zip(
                distribution["labels"],
                distribution["current"],
                distribution["previous"],
                strict=True,
            )
        )
    if chart == "by-dimension":
        header = [
            "dimension",
            "value",
            "measure",
            "cases",
            "answered",
            "median_seconds",
            "p90_seconds",
        ]
        out = []
        for dimension, measures in response["by"].items():
            for measure, groups in measures.items():
                for g in groups:
                    out.append(
                        [
                            dimension,
                            g["label"],
                            measure,
                            g["cases"],
                            g["count"],
                            g["median"],
                            g["p90"],
                        ]
                    )
        return header, out
    if chart == "breaches":
        return ["conversation", "started_at", "clocks"], (
            [b["id"], b["started_at"], " ".join(str(c) for c in b["clocks"])]
            for b in response["breaches"]
        )
    if chart == "backlog":
        backlog = workload["backlog"]
        return ["age", "open_cases"], (
            [a, n] for a, n in zip(backlog["labels"], backlog["counts"], strict=True)
        )
    if chart == "volume":
        volume = workload["volume"]
        header = ["bucket", *[f"in: {s['label']}" for s in volume["inbound"]], "out"]
        return header, (
            [label, *[s["data"][i] for s in volume["inbound"]], volume["outbound"][i]]
            for i, label in enumerate(volume["labels"])
        )
    if chart == "escalations":
        return ["department", "open_now", "handed_back", "median_hand_back_seconds"], (
            [e["department"], e["open"], e["handed_back"], e["median_hand_back"]]
            for e in workload["escalations"]
        )
    if chart == "sentiment":
        s = quality["sentiment"]
        return ["bucket", "negative", "neutral", "positive"], (
            [label, s["negative"][i], s["neutral"][i], s["positive"][i]]
            for i, label in enumerate(s["labels"])
        )
    if chart == "agents":
        return [
            "agent",
            "initials",
            "replies",
            "first_responses",
            "frt_median_seconds",
            "csat_percent",
            "surveys",
        ], (
            [
                a["name"],
                a["initials"],
                a["replies"],
                a["first_responses"],
                a["frt_median"],
                a["csat"],
                a["surveys"],
            ]
            for a in quality["agents"]
        )
    if chart == "topics":
        return ["topic", "messages", "usual_level"], (
            [t["topic"], t["count"], t["usual"]] for t in figures["warning"]["topics"]
        )
    raise KeyError(chart)


def safe(row: list[Any]) -> list[Any]:
    """A cell a spreadsheet would run as a formula (a topic named "=cmd()") is quoted."""
    return ["'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in row]
