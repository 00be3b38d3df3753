"""Specialty templates: the extra structured fields a coordinator defines per specialty (data,
not code), which fields a case's opinion asks, how an answer is checked, and the coordinator's
writes (add, remove)."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cases import permissions
from cases.models import Case
from secondopinion.audit.services import record_event
from secondopinion.errors import ApplicationError
from secondopinion.prepared import Prepared
from specialists import selectors as specialist_selectors
from specialists.models import Specialty

from .models import Opinion, SpecialtyField

# Selectors ---------------------------------------------------------------------------------------


def fields_for_case(case: Case) -> list[SpecialtyField]:
    """The extra fields the opinion on `case` asks, a specialty's in its order (one query: the
    specialties are the one the coordinator matched for, and its parent, else the reviewing
    specialist's own; specialists.selectors.review_specialties). The query is compiled once."""
    assigned = case.specialist_id is not None
    return _FIELDS_FOR_CASE.run(assigned, case_id=case.pk, specialist_id=case.specialist_id or 0)


def _fields_for_case(assigned: bool, *, case_id: int, specialist_id: int):
    # What review_specialties reads of a case is its id and its specialist's.
    case = Case(pk=case_id, specialist_id=specialist_id if assigned else None)
    specialties = specialist_selectors.review_specialties(case)
    return SpecialtyField.objects.filter(specialty__in=specialties).select_related("specialty")


_FIELDS_FOR_CASE = Prepared(_fields_for_case)


def all_fields() -> QuerySet[SpecialtyField]:
    """Every specialty's fields, for the coordinator's page."""
    return SpecialtyField.objects.select_related("specialty").order_by(
        "specialty__name", "order", "id"
    )


def answers_by_field(opinion: Opinion | None) -> dict[int, str]:
    """The stored answers, by field id (the form's initial values)."""
    if opinion is None:
        return {}
    return {item["field"]: item["value"] for item in opinion.specialty_answers or []}


# Checking answers --------------------------------------------------------------------------------


def checked_answers(fields: list[SpecialtyField], answers: dict[int, object]) -> list[dict]:
    """The answers as stored on the opinion (every field, in order, with its label), or an
    ApplicationError naming the field whose answer is not one the template allows. Empty answers
    are kept empty: a draft may be partial (submission asks for the required ones)."""
    known = {field.pk for field in fields}
    unknown = set(answers) - known
    if unknown:
        raise ValueError(f"Not fields of this case's specialty: {sorted(unknown)}")
    stored = []
    for field in fields:
        value = str(answers.get(field.pk) or "").strip()
        if value:
            value = _checked_value(field, value)
        stored.append({"field": field.pk, "label": field.label, "value": value})
    return stored


def _checked_value(field: SpecialtyField, value: str) -> str:
    if field.kind == SpecialtyField.Kind.NUMBER:
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ApplicationError(
                _("%(label)s: write a number.") % {"label": field.label}, field=field.form_name
            )
        return str(number)
    if field.kind == SpecialtyField.Kind.CHOICE and value not in field.choice_list:
        raise ApplicationError(
            _("%(label)s: choose one of the options given.") % {"label": field.label},
            field=field.form_name,
        )
    if len(value) > SpecialtyField.MAX_TEXT:
        raise ApplicationError(
            _("%(label)s must be %(max)d characters or fewer.")
            % {"label": field.label, "max": SpecialtyField.MAX_TEXT},
            field=field.form_name,
        )
    return value


def missing_required(opinion: Opinion, fields: list[SpecialtyField]) -> list[str]:
    """The labels of required fields the opinion leaves empty."""
    answered = {item["field"] for item in opinion.specialty_answers or [] if item["value"]}
    return [field.label for field in fields if field.required and field.pk not in answered]


# Services: the coordinator's template ------------------------------------------------------------


@transaction.atomic
def add_specialty_field(
    *,
    by,
    specialty: Specialty,
    label: str,
    kind: str,
    choices: str = "",
    required: bool = False,
    help_text: str = "",
    order: int = 0,
) -> SpecialtyField:
    permissions.require_coordinator(by)
    label = label.strip()
    if not label:
        raise ApplicationError(_("Give the field a label."), field="label")
    if kind not in SpecialtyField.Kind.values:
        raise ApplicationError(_("Choose what kind of answer the field takes."), field="kind")
    options = [line.strip() for line in choices.splitlines() if line.strip()]
    if kind == SpecialtyField.Kind.CHOICE and len(options) < 2:
        raise ApplicationError(
            _("A choice needs at least two options, one a line."), field="choices"
        )
    if SpecialtyField.objects.filter(specialty=specialty, label__iexact=label).exists():
        raise ApplicationError(
            _("%(specialty)s already has a field “%(label)s”.")
            % {"specialty": specialty, "label": label},
            field="label",
        )
    field = SpecialtyField.objects.create(
        specialty=specialty,
        label=label,
        kind=kind,
        choices="\n".join(options) if kind == SpecialtyField.Kind.CHOICE else "",
        required=required,
        help_text=help_text.strip(),
        order=order,
    )
    record_event(actor=by, action="specialty_field.add", obj=field)
    return field


@transaction.atomic
def remove_specialty_field(*, by, field: SpecialtyField) -> None:
    """Opinions already written keep their answers (stored with the label they had)."""
    permissions.require_coordinator(by)
    record_event(actor=by, action="specialty_field.remove", obj=field)
    field.delete()
