"""Reads about what went out: survey results for the dashboards."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from care.models import Agent
from inbox.models import ChannelAccount
from responses.models import FollowUp, Reply, SurveyAnswer

Trust = SurveyAnswer.Trust


@dataclass(frozen=True)
class SurveyCounts:
    sent: int
    answered: int
    average_satisfaction: float | None  # None: no answers yet
    satisfied: int  # answers of 4 or 5
    trust_more: int
    trust_same: int
    trust_less: int

    @property
    def response_rate(self) -> float | None:
        """Answered of sent, in %."""
        return round(100 * self.answered / self.sent, 1) if self.sent else None

    @property
    def csat(self) -> float | None:
        """CSAT: the share of answers scoring 4 or 5, in %."""
        return round(100 * self.satisfied / self.answered, 1) if self.answered else None


@dataclass(frozen=True)
class AgentSurveyCounts:
    agent: Agent | None  # None: the agent was deleted
    counts: SurveyCounts


@dataclass(frozen=True)
class SurveyResults:
    totals: SurveyCounts
    per_agent: list[AgentSurveyCounts] = field(default_factory=list)


def _aggregates() -> dict[str, Any]:
    return {
        "sent": Count("pk"),
        "answered": Count("answer"),
        "average_satisfaction": Avg("answer__satisfaction"),
        "satisfied": Count("answer", filter=Q(answer__satisfaction__gte=4)),
        "trust_more": Count("answer", filter=Q(answer__trust=Trust.MORE)),
        "trust_same": Count("answer", filter=Q(answer__trust=Trust.SAME)),
        "trust_less": Count("answer", filter=Q(answer__trust=Trust.LESS)),
    }


def _counts(row: dict[str, Any]) -> SurveyCounts:
    average = row["average_satisfaction"]
    return SurveyCounts(
        sent=row["sent"],
        answered=row["answered"],
        average_satisfaction=round(float(average), 2) if average is not None else None,
        satisfied=row["satisfied"],
        trust_more=row["trust_more"],
        trust_same=row["trust_same"],
        trust_less=row["trust_less"],
    )


def sent_follow_ups(
    *, since: datetime, until: datetime, channel: ChannelAccount | int | None = None
) -> QuerySet[FollowUp]:
    """Follow-ups sent in [since, until), answered or not, on one channel or all.

    Only those the platform took: a follow-up whose reply failed never reached the
    customer and would lower the response rate for nothing.
    """
    follow_ups = FollowUp.objects.filter(
        sent_at__gte=since,
        sent_at__lt=until,
        status__in=(FollowUp.Status.SENT, FollowUp.Status.ANSWERED),
        reply__status=Reply.Status.SENT,
    )
    if channel is not None:
        follow_ups = follow_ups.filter(conversation__channel_account=channel)
    return follow_ups


def survey_results(
    *, since: datetime, until: datetime, channel: ChannelAccount | int | None = None
) -> SurveyResults:
    """What customers said of the follow-ups sent in [since, until), in total and per
    agent who signed them. One cohort: the rate and scores are of those sent in the
    period, whenever the customer answered."""
    follow_ups = sent_follow_ups(since=since, until=until, channel=channel)
    totals = _counts(follow_ups.aggregate(**_aggregates()))
    rows = list(follow_ups.order_by().values("agent").annotate(**_aggregates()))
    agents = Agent.objects.in_bulk([row["agent"] for row in rows if row["agent"] is not None])
    per_agent = [AgentSurveyCounts(agents.get(row["agent"]), _counts(row)) for row in rows]
    per_agent.sort(key=lambda a: (a.agent is None, a.agent.display_name if a.agent else ""))
    return SurveyResults(totals=totals, per_agent=per_agent)
