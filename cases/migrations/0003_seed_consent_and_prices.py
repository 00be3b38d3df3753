"""The consent texts (versions 1 and 2) and the price list. Both are edited in Django admin
afterwards."""

from django.db import migrations

from cases.seed import seed_consent_and_prices


def seed(apps, schema_editor):
    seed_consent_and_prices(
        apps.get_model("cases", "ConsentText"), apps.get_model("cases", "Price")
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
