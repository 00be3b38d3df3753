"""Finding a case by its reference, the patient's name or email, or the specialist's name.

An exact reference is looked up on its unique index first; otherwise each kind of match is its
own indexed lookup (trigram indexes on PostgreSQL, see migration 0015) and the matching ids are
united, so no search reads every case.
"""

from django.db.models import Q

from cases.models import Case, ProxyAuthority
from cases.selectors import case_visible_to, cases_visible_to
from secondopinion.accounts.models import User
from secondopinion.audit.services import record_events
from secondopinion.prepared import Prepared

MAX_RESULTS = 50


def _matching_ids(query: str):
    """The ids of cases whose reference, patient, owner, proxy patient or specialist matches:
    one UNION of indexed lookups (an OR across the joined tables would scan every case)."""
    people = User.objects.filter(Q(email__icontains=query) | Q(full_name__icontains=query))
    authorities = ProxyAuthority.objects.filter(patient_email__icontains=query)
    on_case = Case.objects.filter(Q(reference__icontains=query) | Q(patient_name__icontains=query))
    return (
        on_case.values("pk")
        .union(Case.objects.filter(owner__in=people.values("pk")).values("pk"))
        .union(Case.objects.filter(proxy_authority__in=authorities.values("pk")).values("pk"))
        .union(Case.objects.filter(specialist__user__in=people.values("pk")).values("pk"))
    )


def _matching(shape: tuple[str, int], *, user_id: int, query: str):
    """The newest `most` visible matching cases. They are chosen on the case table alone (their
    LIMIT in a subquery) and only they are joined to the people they show: over the whole
    match the planner, expecting hundreds of rows where there are a few, merged the
    specialists' users in full (4 of the query's 12 ms at 1,000,000 cases)."""
    role, most = shape
    visible = cases_visible_to(User(pk=user_id, role=role))
    newest = ("-submitted_at", "-id")
    chosen = visible.filter(pk__in=_matching_ids(query)).order_by(*newest).values("pk")[:most]
    return visible.filter(pk__in=chosen).order_by(*newest)


# Compiled once per role (secondopinion.prepared): the query fills its LIKE patterns.
_MATCHING = Prepared(_matching)


def search_cases(*, query: str, by: User) -> list[Case]:
    """Cases the user may see that match `query`: the case whose reference it is, else those
    whose reference, patient or specialist it is part of (on trigram indexes), newest first.

    A search that shows any case is audited with the query's length, never its text (it may be
    a patient's name), in one INSERT for all the cases it shows.
    """
    query = query.strip()
    try:
        # A whole reference names one case (on the unique index): no partial match is sought,
        # as no name or address is spelt like a reference.
        results = [case_visible_to(by, query.upper())]
    except Case.DoesNotExist:
        shape = (by.role, MAX_RESULTS)
        results = _MATCHING.run(shape, user_id=by.pk, query=query) if by.is_active else []
    # Each case a search reveals is a read of it: the patient's access history shows it.
    if results:
        record_events(
            actor=by,
            action="case.search",
            objects=[(case, case.pk) for case in results],
            detail={"query_length": len(query), "results": len(results)},
        )
    return results


def case_id_for_reference(reference: str) -> int | None:
    """The id of the case with this reference (any state), for the audit viewer."""
    return (
        Case.objects.filter(reference=reference.strip().upper())
        .values_list("pk", flat=True)
        .first()
    )


def references_by_id(ids) -> dict[int, str]:
    return dict(Case.objects.filter(pk__in=set(ids)).values_list("pk", "reference"))
