"""A case's audit trail newest first from one index (case, time, id): the access history and
the viewer's case filter page through it by keyset. The index on case alone is dropped (the new
one serves every lookup by case)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_refuse_truncate"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["case_id", "-at", "-id"], name="audit_case_at_id"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="case_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
    ]
