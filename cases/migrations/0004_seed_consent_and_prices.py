"""The first consent text and the price list. Both are edited in Django admin afterwards."""

from django.db import migrations

from cases.seed import seed_consent_and_prices


def seed(apps, schema_editor):
    seed_consent_and_prices(
        apps.get_model("cases", "ConsentText"), apps.get_model("cases", "Price")
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_intake_consent_coverage")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
