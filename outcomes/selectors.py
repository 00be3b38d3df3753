"""Reading what happened after the opinion."""

from django.db.models import QuerySet

from cases.models import Case

from .models import CheckIn, Decision, FollowUpChoice, PatientQuestion


def decisions_for(case: Case) -> dict[str, Decision]:
    """The case's decisions by moment ("before", "after")."""
    return {decision.moment: decision for decision in Decision.objects.filter(case=case)}


def decision_for(case: Case, moment: str) -> Decision | None:
    return Decision.objects.filter(case=case, moment=moment).first()


def patient_questions_for(case: Case) -> QuerySet[PatientQuestion]:
    return PatientQuestion.objects.filter(case=case)


def check_ins_for(case: Case) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(case=case).order_by("interval_days")


def check_in_for(case: Case, interval_days: int) -> CheckIn | None:
    return CheckIn.objects.filter(case=case, interval_days=interval_days).first()


def follow_up_declined(case: Case) -> bool:
    return FollowUpChoice.objects.filter(case=case, declined=True).exists()
