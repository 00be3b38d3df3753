"""Consent version 2: how follow-up check-in answers are used, and that follow-up can be declined."""

from django.db import migrations
from django.utils import timezone

from cases.seed import CONSENT_V2


def publish(apps, schema_editor):
    apps.get_model("cases", "ConsentText").objects.get_or_create(
        version=2, defaults={"body": CONSENT_V2, "published_at": timezone.now()}
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0016_opinion_doctor_questions")]

    operations = [migrations.RunPython(publish, migrations.RunPython.noop)]
