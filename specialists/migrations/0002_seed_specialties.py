"""The controlled list of specialties (specialists/seed.py); the admin keeps the list after."""

from django.db import migrations

from specialists.seed import seed_specialties


def seed(apps, schema_editor):
    seed_specialties(apps.get_model("specialists", "Specialty"))


class Migration(migrations.Migration):
    dependencies = [("specialists", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
