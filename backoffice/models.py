"""What the coordinators' back office keeps: the SLA alerts already raised, and the metrics
snapshot the metrics page reads."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case


class SLAAlert(models.Model):
    """A reminder or an escalation sent because a case's step is near or past its service level.

    One of each kind per case and stage entry (the unique constraint makes the beat task safe to
    run twice): `stage` is a SERVICE_LEVELS step, or the waiting state for the patient's reminder.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        ESCALATION = "escalation", _("Escalation to coordinators")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sla_alerts")
    stage = models.CharField(max_length=20)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    stage_entered_at = models.DateTimeField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "stage", "kind", "stage_entered_at"],
                name="one_sla_alert_per_stage_entry",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on case {self.case_id} ({self.stage})"


class MetricsSnapshot(models.Model):
    """The metrics page's figures as computed at one moment (they read every case and step, so a
    beat task computes them every few minutes rather than each page view)."""

    computed_at = models.DateTimeField(db_index=True)
    figures = models.JSONField()
    seconds_taken = models.FloatField()
    # The last timeline step the step times had taken in (CaseFirstEntry), for the next refresh.
    events_through = models.BigIntegerField(default=0)
    # The outcome figures' counts for every choice of specialty and period
    # (outcomes.metrics.kept_counts), apart from `figures`: a page reads the one choice it shows
    # without the database parsing the rest of the figures a second time.
    outcome_counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"Metrics as of {self.computed_at:%Y-%m-%d %H:%M}"


class CaseFirstEntry(models.Model):
    """When a case first entered each state a timed step starts or ends in: what the step
    percentiles need, kept up to date by each metrics refresh from the timeline steps written
    since the last (so a refresh reads today's steps, not the whole history)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="+")
    submitted = models.DateTimeField(null=True)
    matching = models.DateTimeField(null=True)
    offered = models.DateTimeField(null=True)
    in_review = models.DateTimeField(null=True)
    opinion_submitted = models.DateTimeField(null=True)
    delivered = models.DateTimeField(null=True)
    # Each timed step's days in tenths of a day (rounded), once the case has taken it: what this
    # case adds to the step-time counts, so that a refresh takes out exactly what it put in.
    triage_tenths = models.IntegerField(null=True)
    matching_tenths = models.IntegerField(null=True)
    answer_tenths = models.IntegerField(null=True)
    review_tenths = models.IntegerField(null=True)
    quality_check_tenths = models.IntegerField(null=True)
    end_to_end_tenths = models.IntegerField(null=True)

    def __str__(self) -> str:
        return f"First entries of case {self.case_id}"


class StepTimeCount(models.Model):
    """How many cases took a timed step in each tenth of a day: the step percentiles read these
    few hundred rows, not every case. Kept by each metrics refresh as it takes in the timeline
    (a case's old times taken out, its new ones put in). An erased case keeps its times, as it
    keeps its first entries."""

    step = models.CharField(max_length=20)  # its key in backoffice.metrics.STEPS
    tenths = models.IntegerField()  # the step's days in tenths of a day, rounded
    cases = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["step", "tenths"], name="one_count_per_step_time")
        ]

    def __str__(self) -> str:
        return f"{self.cases} cases took {self.step} in {self.tenths / 10} days"
