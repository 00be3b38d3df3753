"""Emails to providers move to the one outbox (notifications.OutboundEmail): unsent ones are
carried over, then ProviderEmail goes."""

from django.db import migrations


def carry_unsent_emails(apps, schema_editor):
    ProviderEmail = apps.get_model("records", "ProviderEmail")
    OutboundEmail = apps.get_model("notifications", "OutboundEmail")
    unsent = ProviderEmail.objects.filter(sent_at__isnull=True).select_related("records_request")
    for email in unsent:
        OutboundEmail.objects.create(
            kind=f"records.{email.kind}",
            key=f"records.{email.kind}:provider-email-{email.pk}",
            to_address=email.records_request.provider_email,
            object_id=email.records_request_id,
            attempts=email.attempts,
            last_error=email.last_error,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0003_records_request_duplicates_received"),
        ("notifications", "0003_one_outbox"),
    ]

    operations = [
        migrations.RunPython(carry_unsent_emails, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="provideremail", name="records_pro_sent_at_98c679_idx"),
        migrations.DeleteModel(name="ProviderEmail"),
    ]
