"""Moving to the one outbox loses no email still owed: unsent rows of the three old outboxes are
carried over (a referrer's report link keeps working), sent ones are left behind."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("notifications", "0002_notification_preferences"),
    ("records", "0003_records_request_duplicates_received"),
    ("cases", "0014_form_drafts_kept_across_idle_sign_out"),
]
AFTER = [
    ("notifications", "0003_one_outbox"),
    ("records", "0004_provider_emails_in_the_one_outbox"),
    ("cases", "0015_referral_emails_in_the_one_outbox"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_unsent_emails_of_the_old_outboxes_are_carried_over(actors):
    old = _migrate(BEFORE)
    try:
        now = timezone.now()
        User = old.get_model("accounts", "User")
        alice = User.objects.get(pk=actors.alice.pk)
        Case = old.get_model("cases", "Case")
        case = Case.objects.create(owner=alice, reference="SO-MIGRATE1", status="delivered")
        request = old.get_model("records", "RecordsRequest").objects.create(
            case=case,
            requested_by=alice,
            provider_name="Dr Ada Brown",
            provider_organisation="City Hospital",
            provider_email="records@city-hospital.example",
            records_wanted="MRI",
            nonce="a" * 64,
            token_hash="b" * 64,
            expires_at=now + timedelta(days=14),
        )
        ProviderEmail = old.get_model("records", "ProviderEmail")
        ProviderEmail.objects.create(records_request=request, kind="request", sent_at=now)
        ProviderEmail.objects.create(records_request=request, kind="reminder", attempts=2)
        referral = old.get_model("cases", "Referral").objects.create(
            reference="RF-MIGRATE1",
            referrer_name="Dr Ada Brown",
            referrer_email="ada.brown@hillside.example",
            patient_email="eve@example.org",
            nonce="c" * 64,
            token_hash="d" * 64,
            expires_at=now + timedelta(days=30),
        )
        share = old.get_model("cases", "ReportShare").objects.create(
            case=case, created_by=alice, token_hash="e" * 64, expires_at=now + timedelta(days=7)
        )
        ReferralEmail = old.get_model("cases", "ReferralEmail")
        ReferralEmail.objects.create(referral=referral, kind="invitation")
        ReferralEmail.objects.create(referral=referral, kind="status", status="triage")
        ReferralEmail.objects.create(
            referral=referral, kind="report", nonce="f" * 64, report_share=share
        )
        OldOutbound = old.get_model("notifications", "OutboundEmail")
        OldOutbound.objects.create(user=alice, template="case_update")

        new = _migrate(AFTER)

        OutboundEmail = new.get_model("notifications", "OutboundEmail")
        carried = {
            email.kind: email
            for email in OutboundEmail.objects.all()
            if email.kind != "case_update"
        }
        assert set(carried) == {
            "records.reminder",
            "referrals.invitation",
            "referrals.status",
            "referrals.report",
        }
        assert carried["records.reminder"].to_address == "records@city-hospital.example"
        assert carried["records.reminder"].object_id == request.pk
        assert carried["records.reminder"].attempts == 2
        assert carried["referrals.invitation"].to_address == "eve@example.org"
        assert carried["referrals.status"].params == {"status": "triage"}
        assert carried["referrals.report"].params == {"share": share.pk}
        assert new.get_model("cases", "ReportShare").objects.get().nonce == "f" * 64
        (update,) = OutboundEmail.objects.filter(kind="case_update")
        assert update.user_id == alice.pk and update.sent_at is None and update.key
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
