"""The patient's dashboard: their cases and those they act for, newest first, each with its
status, next step and what waits on them."""

from django.urls import reverse

from cases import services, state_machine
from cases.models import CaseFor, Status
from tests.factories import proxy_authority


def test_the_dashboard_lists_own_cases_and_those_acted_for_newest_first(client, actors):
    older = actors.case(Status.SUBMITTED, owner=actors.carol)
    authority = proxy_authority(actors.carol, "mum@example.org")
    newer = services.create_case(
        by=actors.carol, case_for=CaseFor.SOMEONE_ELSE, authority=authority
    )
    services.update_case(case=newer, by=actors.carol, patient_name="Mum Caregiver")
    client.force_login(actors.carol)

    page = client.get(reverse("cases:dashboard")).text

    assert page.index(newer.reference) < page.index(older.reference)
    assert "for <bdi>Mum Caregiver</bdi>" in page
    assert "People you act for" in page
    assert "mum@example.org" in page
    assert "A coordinator will check your case, records and cover next." in page


def test_what_waits_on_the_patient_is_listed_with_links(client, actors):
    needs_info = actors.case(Status.TRIAGE)
    state_machine.transition(needs_info, "request_patient_information", by=actors.cora)
    draft = services.create_case(by=actors.alice, case_for=CaseFor.SELF)
    client.force_login(actors.alice)

    page = client.get(reverse("cases:dashboard")).text

    assert "Answer the coordinator&#x27;s question" in page
    resume = reverse("cases:intake-resume", args=[draft.reference])
    assert f'href="{resume}">Finish your request and submit it' in page
    assert "Upload a medical record" in page  # the new draft has none


def test_a_patient_does_not_see_other_patients_cases(client, actors):
    case = actors.case(Status.SUBMITTED, owner=actors.bob)
    client.force_login(actors.alice)

    assert case.reference not in client.get(reverse("cases:dashboard")).text


def test_a_long_history_is_shown_a_page_at_a_time_newest_first(client, actors):
    from cases.views import DASHBOARD_PAGE_SIZE

    cases = [
        services.create_case(by=actors.alice, case_for=CaseFor.SELF)
        for _ in range(DASHBOARD_PAGE_SIZE + 2)
    ]
    client.force_login(actors.alice)

    first = client.get(reverse("cases:dashboard")).text
    second = client.get(reverse("cases:dashboard"), {"page": 2}).text

    assert cases[-1].reference in first and cases[2].reference in first
    assert cases[1].reference not in first and cases[0].reference not in first
    assert "Page 1 of 2" in first and 'href="?page=2">Older requests' in first
    assert cases[1].reference in second and cases[0].reference in second
    assert cases[-1].reference not in second
    assert 'href="?page=1">Newer requests' in second
    # A page number past the end, or not a number, shows a page that exists.
    assert cases[0].reference in client.get(reverse("cases:dashboard"), {"page": 99}).text
    assert cases[-1].reference in client.get(reverse("cases:dashboard"), {"page": "x"}).text
