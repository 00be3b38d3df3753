"""The patient sees who viewed or downloaded their case and records, and when."""

from django.urls import reverse

from cases.models import Status
from data_rights.services import ACCESS_HISTORY_PAGE_SIZE
from secondopinion.audit.services import record_event


def test_the_patient_sees_staff_by_name_and_themselves_as_you(client, actors):
    case = actors.case(Status.IN_REVIEW)
    for user in (actors.cora, actors.dr_smith.user, actors.alice):
        client.force_login(user)
        client.get(reverse("cases:case-detail", args=[case.reference]))
    client.force_login(actors.alice)

    detail = client.get(reverse("cases:case-detail", args=[case.reference]))
    response = client.get(reverse("data_rights:access-history", args=[case.reference]))

    assert reverse("data_rights:access-history", args=[case.reference]) in detail.text
    who = [access.who for access in response.context["history"].accesses]
    assert "Cora Coordinator (coordinator)" in who
    assert "Dr Sarah Smith (specialist)" in who
    assert "You" in who
    assert "Viewed the case" in response.text


def test_another_patient_and_staff_get_404(client, actors):
    case = actors.case(Status.IN_REVIEW)
    for user in (actors.bob, actors.cora, actors.dr_smith.user):
        client.force_login(user)
        response = client.get(reverse("data_rights:access-history", args=[case.reference]))
        assert response.status_code == 404


def test_a_long_history_is_shown_a_page_at_a_time_newest_first(client, actors):
    case = actors.case(Status.IN_REVIEW)
    for _ in range(ACCESS_HISTORY_PAGE_SIZE + 3):
        record_event(actor=actors.cora, action="case.view", obj=case, case_id=case.pk)
    record_event(actor=actors.dr_smith.user, action="record.download", obj=case, case_id=case.pk)
    client.force_login(actors.alice)
    url = reverse("data_rights:access-history", args=[case.reference])

    first = client.get(url)
    history = first.context["history"]
    older = client.get(url, {"before": history.older})
    back = client.get(url, {"after": older.context["history"].newer})

    assert len(history.accesses) == ACCESS_HISTORY_PAGE_SIZE
    assert history.accesses[0].what == "Downloaded a record"  # the newest first
    assert history.newer is None and f"before={history.older}" in first.text
    assert len(older.context["history"].accesses) == 4
    assert older.context["history"].older is None
    assert [a.at for a in back.context["history"].accesses] == [a.at for a in history.accesses]
