"""The patient sees who viewed or downloaded their case and records, and when."""

from django.urls import reverse

from cases.models import Status


def test_the_patient_sees_staff_by_name_and_themselves_as_you(client, actors):
    case = actors.case(Status.IN_REVIEW)
    for user in (actors.cora, actors.dr_smith.user, actors.alice):
        client.force_login(user)
        client.get(reverse("cases:case-detail", args=[case.reference]))
    client.force_login(actors.alice)

    detail = client.get(reverse("cases:case-detail", args=[case.reference]))
    response = client.get(reverse("data_rights:access-history", args=[case.reference]))

    assert reverse("data_rights:access-history", args=[case.reference]) in detail.text
    who = [access.who for access in response.context["history"]]
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
