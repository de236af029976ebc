"""Rollups the dashboard reads instead of scanning every message (docs/metrics.md).

Derived data only: `care.metrics.rollups` writes every row from the messages, the
conversations and their events, and can rebuild any range from scratch.
"""

from __future__ import annotations

from django.db import models


class CaseFact(models.Model):
    """One counted case: when the customer first wrote, the first answer, the resolution,
    in calendar and business seconds, and the dimensions the dashboard groups by."""

    conversation = models.OneToOneField(
        "inbox.Conversation", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    channel_account_id = models.IntegerField()
    department_id = models.IntegerField(null=True)
    priority = models.PositiveSmallIntegerField()
    # Who wrote the first answer (None: an answer posted outside care, or none yet).
    responder_id = models.IntegerField(null=True)
    started_at = models.DateTimeField()
    local_hour = models.PositiveSmallIntegerField()  # of started_at, in TIME_ZONE
    first_response_at = models.DateTimeField(null=True)
    first_response_seconds = models.FloatField(null=True)
    first_response_business_seconds = models.FloatField(null=True)
    resolved_at = models.DateTimeField(null=True)
    resolution_seconds = models.FloatField(null=True)
    resolution_business_seconds = models.FloatField(null=True)
    answer_breached = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(default=False)
    reopens = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["started_at"], name="fact_started_idx"),
            models.Index(fields=["resolved_at"], name="fact_resolved_idx"),
            # The dashboard's list of breaches: a few rows among many.
            models.Index(
                fields=["-started_at"],
                name="fact_breached_idx",
                condition=models.Q(answer_breached=True) | models.Q(resolution_breached=True),
            ),
        ]

    def __str__(self) -> str:
        return f"case #{self.conversation_id}"


class VolumeHour(models.Model):
    """Messages received in one hour (UTC), per channel, direction, sentiment and author."""

    hour = models.DateTimeField()
    channel_account_id = models.IntegerField()
    direction = models.CharField(max_length=8)
    sentiment = models.CharField(max_length=8, blank=True)
    agent_id = models.IntegerField(null=True)  # outbound: who wrote it
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["hour"], name="volume_hour_idx")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h {self.direction} {self.count}"


class VolumeDay(models.Model):
    """The `VolumeHour` rows of one local day (TIME_ZONE) added up: what charts of more
    than two days read, 24 times fewer rows."""

    day = models.DateField()
    channel_account_id = models.IntegerField()
    direction = models.CharField(max_length=8)
    sentiment = models.CharField(max_length=8, blank=True)
    agent_id = models.IntegerField(null=True)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day"], name="volume_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.direction} {self.count}"


class TopicHour(models.Model):
    """Customer messages received in one hour (UTC) per topic."""

    hour = models.DateTimeField()
    topic_id = models.IntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["hour"], name="topic_hour_idx")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h topic {self.topic_id}: {self.count}"


class DurationDay(models.Model):
    """One local day's cases of one measure, in one clock, per group (the whole day, each
    channel, department, priority, first responder and hour): counts, and the durations'
    buckets (`care.metrics.durations`). First response: the cases that started that day;
    resolution: those resolved that day. A range's figures add up its days."""

    day = models.DateField()
    measure = models.CharField(max_length=16)  # first_response | resolution
    clock = models.CharField(max_length=8)  # business | calendar
    # Per group, in row order: [dimension, key] ("all", None for the whole day) ...
    groups = models.JSONField()
    # ... and [cases, measured, flagged, reopened].
    tallies = models.JSONField()
    cells = models.BinaryField()  # durations.encode: (group row, bucket, count) triples
    longest = models.FloatField(null=True)  # seconds: the upper end of the last bucket

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["measure", "clock", "day"], name="duration_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.measure} ({self.clock})"


class RollupState(models.Model):
    """How far the rollups are known to be current (one row)."""

    name = models.CharField(max_length=32, unique=True)
    covered_until = models.DateTimeField()
    refreshed_at = models.DateTimeField()
    last_duration_ms = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} current until {self.covered_until:%Y-%m-%d %H:%M:%S}"
