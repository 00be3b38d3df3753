"""One outbox for every email: a kind, a key per logical email, a user or a bare address, and the
ids the kind's compose function needs. Rows already queued keep going (their key is their id)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def key_existing_rows(apps, schema_editor):
    OutboundEmail = apps.get_model("notifications", "OutboundEmail")
    for email in OutboundEmail.objects.filter(key__isnull=True).only("pk"):
        OutboundEmail.objects.filter(pk=email.pk).update(key=f"outbox:{email.pk}")


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_notification_preferences"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="outboundemail", old_name="template", new_name="kind"),
        migrations.AddField(
            model_name="outboundemail",
            name="dropped_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="outboundemail",
            name="key",
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.RunPython(key_existing_rows, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="outboundemail",
            name="key",
            field=models.CharField(max_length=200, unique=True),
        ),
        migrations.AddField(
            model_name="outboundemail",
            name="object_id",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="outboundemail",
            name="params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="outboundemail",
            name="to_address",
            field=models.EmailField(blank=True, max_length=254),
        ),
        migrations.AlterField(
            model_name="outboundemail",
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="outboundemail", name="kind", field=models.CharField(max_length=64)
        ),
    ]
