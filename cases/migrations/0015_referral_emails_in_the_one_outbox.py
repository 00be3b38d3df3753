"""Report shares keep their link's nonce (one link scheme); emails about referrals move to the
one outbox (notifications.OutboundEmail): unsent ones are carried over, then ReferralEmail goes."""

from django.db import migrations, models


def carry_unsent_emails(apps, schema_editor):
    ReferralEmail = apps.get_model("cases", "ReferralEmail")
    ReportShare = apps.get_model("cases", "ReportShare")
    OutboundEmail = apps.get_model("notifications", "OutboundEmail")
    for email in ReferralEmail.objects.filter(sent_at__isnull=True).select_related("referral"):
        referral = email.referral
        params = {}
        if email.kind == "status":
            params = {"status": email.status}
        elif email.kind == "report":
            if email.report_share_id is None or not email.nonce:
                continue
            # The share's token was derived from this nonce: the share keeps it now.
            ReportShare.objects.filter(pk=email.report_share_id).update(nonce=email.nonce)
            params = {"share": email.report_share_id}
        OutboundEmail.objects.create(
            kind=f"referrals.{email.kind}",
            key=f"referrals.{email.kind}:referral-email-{email.pk}",
            to_address=referral.patient_email
            if email.kind == "invitation"
            else referral.referrer_email,
            object_id=referral.pk,
            params=params,
            attempts=email.attempts,
            last_error=email.last_error,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0014_form_drafts_kept_across_idle_sign_out"),
        ("notifications", "0003_one_outbox"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportshare",
            name="nonce",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunPython(carry_unsent_emails, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="referralemail", name="cases_refer_sent_at_c2fe47_idx"),
        migrations.DeleteModel(name="ReferralEmail"),
    ]
