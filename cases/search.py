"""Finding a case by its reference, the patient's name or email, or the specialist's name."""

from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Q, Value, When

from secondopinion.audit.services import record_event

from .models import Case
from .selectors import cases_visible_to

MAX_RESULTS = 50


def search_cases(*, query: str, by) -> list[Case]:
    """Cases the user may see that match `query`, best matches (an exact reference) first.

    A search that shows any case is audited with the query's length, never its text (it may be
    a patient's name).
    """
    query = query.strip()
    matches = Q(reference__icontains=query) | Q(patient_name__icontains=query)
    # Part of an email finds it too: a coordinator on the phone often hears only "newpat...".
    matches |= Q(owner__email__icontains=query) | Q(owner__full_name__icontains=query)
    matches |= Q(proxy_authority__patient_email__icontains=query)
    matches |= Q(specialist__user__full_name__icontains=query)
    exact_reference_first = SqlCase(
        When(reference__iexact=query, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    results = list(
        cases_visible_to(by)
        .filter(matches)
        .order_by(exact_reference_first, "-submitted_at", "-id")[:MAX_RESULTS]
    )
    # Each case a search reveals is a read of it: the patient's access history shows it.
    for case in results:
        record_event(
            actor=by,
            action="case.search",
            obj=case,
            case_id=case.pk,
            detail={"query_length": len(query), "results": len(results)},
        )
    return results


def case_id_for_reference(reference: str) -> int | None:
    """The id of the case with this reference (any state), for the audit viewer."""
    return (
        Case.objects.filter(reference__iexact=reference.strip())
        .values_list("pk", flat=True)
        .first()
    )


def references_by_id(ids) -> dict[int, str]:
    return dict(Case.objects.filter(pk__in=set(ids)).values_list("pk", "reference"))
