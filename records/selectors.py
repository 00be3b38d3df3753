"""Reading record files, scoped to the cases a user may see."""

from django.db.models import QuerySet

from cases.selectors import cases_visible_to

from .models import RecordFile


def records_for_case(case) -> QuerySet[RecordFile]:
    return RecordFile.objects.filter(case=case).select_related("uploaded_by")


def records_visible_to(user) -> QuerySet[RecordFile]:
    return RecordFile.objects.filter(case__in=cases_visible_to(user)).select_related("case")
