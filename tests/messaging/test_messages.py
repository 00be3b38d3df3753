"""Per-case messages between the patient's side, the assigned specialist and coordinators: who may
take part, unread counts, audit, and emails that never carry the text."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Status
from messaging import selectors as messaging_selectors
from messaging import services as messaging_services
from messaging.models import Message
from secondopinion.audit.models import AuditEvent
from secondopinion.notifications.models import Notification, OutboundEmail
from tests.records.files import WINDOWS_PROGRAM, distinct_pdf

SECRET = "My biopsy from Mercy Hospital shows something else"


def test_the_patient_and_the_specialist_exchange_messages_with_unread_counts(client, actors):
    case = actors.case(Status.IN_REVIEW)
    client.force_login(actors.alice)
    response = client.post(
        reverse("messaging:case-messages", args=[case.reference]), {"body": SECRET}
    )
    assert response.status_code == 302

    assert messaging_selectors.unread_message_count(case, actors.dr_smith.user) == 1
    assert messaging_selectors.unread_message_count(case, actors.alice) == 0  # her own
    client.force_login(actors.dr_smith.user)
    page = client.get(reverse("cases:case-detail", args=[case.reference])).text
    assert "Messages (1 unread)" in page
    page = client.get(reverse("messaging:case-messages", args=[case.reference])).text
    assert SECRET in page
    assert messaging_selectors.unread_message_count(case, actors.dr_smith.user) == 0

    actions = list(AuditEvent.objects.filter(case_id=case.pk).values_list("action", flat=True))
    assert "message.post" in actions and "message.read" in actions
    notice = Notification.objects.get(user=actors.dr_smith.user, message__contains="message")
    assert SECRET not in notice.message


def test_a_message_to_a_case_the_user_has_no_part_in_is_404(client, actors):
    case = actors.case(Status.IN_REVIEW)
    url = reverse("messaging:case-messages", args=[case.reference])
    for outsider in (actors.bob, actors.carol, actors.dr_jones.user):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, {"body": "Hello"}).status_code == 404
    assert not Message.objects.exists()


def test_a_specialist_takes_part_only_after_accepting(client, actors):
    case = actors.case(Status.OFFERED)
    client.force_login(actors.dr_smith.user)

    response = client.post(
        reverse("messaging:case-messages", args=[case.reference]), {"body": "Hi"}
    )

    assert response.status_code == 404


def test_a_huge_message_is_refused_clearly_and_the_draft_kept(client, actors):
    case = actors.case(Status.IN_REVIEW)
    client.force_login(actors.alice)
    huge = "Words and more words. " * 272 + "Last"  # 5,988 characters

    response = client.post(
        reverse("messaging:case-messages", args=[case.reference]), {"body": huge}
    )

    assert response.status_code == 200
    assert "Your message must be 5000 characters or fewer (it has 5988)." in response.text
    assert huge in response.text
    assert not Message.objects.exists()


def test_message_emails_never_include_the_text(actors, mailoutbox):
    from secondopinion.notifications.services import send_outbound_email

    case = actors.case(Status.IN_REVIEW)
    messaging_services.post_message(case=case, by=actors.alice, body=SECRET)
    for email in OutboundEmail.objects.all():
        send_outbound_email(email_id=email.pk)

    assert mailoutbox
    for sent in mailoutbox:
        text = f"{sent.subject}\n{sent.body}"
        for phi in (SECRET, "Mercy", case.reference, case.diagnosis, case.title):
            assert phi not in text


def test_the_patient_attaches_a_record_to_a_message_and_the_specialist_can_open_it(client, actors):
    case = actors.case(Status.IN_REVIEW)
    url = reverse("messaging:case-messages", args=[case.reference])
    client.force_login(actors.alice)

    response = client.post(
        url,
        {
            "body": "Here is the biopsy report you asked about.",
            "file": SimpleUploadedFile("biopsy.pdf", distinct_pdf("biopsy"), "application/pdf"),
        },
    )

    assert response.status_code == 302
    message = Message.objects.get()
    record = message.attachments.get()
    assert record.case == case and record.original_name == "biopsy.pdf"  # a record of the case
    client.force_login(actors.dr_smith.user)
    page = client.get(url).text
    assert "biopsy.pdf" in page
    assert reverse("records:record-download", args=[record.pk]) in page


def test_a_refused_attachment_refuses_the_message_and_keeps_what_was_written(client, actors):
    case = actors.case(Status.IN_REVIEW)
    client.force_login(actors.alice)
    body = "The program my hospital gave me"
    records_before = case.records.count()

    response = client.post(
        reverse("messaging:case-messages", args=[case.reference]),
        {"body": body, "file": SimpleUploadedFile("scan.pdf", WINDOWS_PROGRAM, "application/pdf")},
    )

    assert response.status_code == 200
    assert "“scan.pdf” is not a file type we accept." in response.text
    assert body in response.text
    assert not Message.objects.exists()
    assert case.records.count() == records_before


def test_only_the_patients_side_is_offered_attachments(client, actors):
    case = actors.case(Status.IN_REVIEW)
    url = reverse("messaging:case-messages", args=[case.reference])
    client.force_login(actors.dr_smith.user)
    assert 'type="file"' not in client.get(url).text

    client.post(url, {"body": "Noted", "file": SimpleUploadedFile("x.pdf", distinct_pdf("x"))})

    assert not Message.objects.get().attachments.exists()  # the field is not theirs: ignored
