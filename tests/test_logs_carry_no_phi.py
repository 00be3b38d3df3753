"""Log output of a whole journey never contains the patient's health information or identity."""

import logging

from django.urls import reverse

from cases.models import Status
from secondopinion.notifications import services as notification_services
from secondopinion.notifications.models import OutboundEmail


def test_the_journey_logs_nothing_that_identifies_the_patient_or_their_health(
    client, actors, caplog
):
    caplog.set_level(logging.DEBUG)
    case = actors.case(Status.DELIVERED)
    for email in OutboundEmail.objects.all():
        notification_services.send_outbound_email(email_id=email.pk)
    for user in (actors.alice, actors.cora, actors.dr_smith.user):
        client.force_login(user)
        client.get(reverse("cases:case-detail", args=[case.reference]))
    client.get(reverse("cases:case-detail", args=["SO-NONE-NONE"]))  # a 404 is logged too

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged  # the journey did log (so the check below means something)
    for phi in (
        case.title,
        case.diagnosis,
        case.question,
        case.treating_doctor,
        actors.alice.full_name,
        actors.alice.email,
        "carcinoma",
    ):
        assert phi not in logged
