"""Matching's licence index holds verified licences only, so that who is licensed where the
patient lives is read from the index alone (it replaces the index on every licence)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("specialists", "0002_seed_specialties")]

    operations = [
        migrations.RemoveIndex(model_name="licence", name="specialists_jurisdi_dc879c_idx"),
        migrations.AddIndex(
            model_name="licence",
            index=models.Index(
                condition=models.Q(("verified_at__isnull", False)),
                fields=["jurisdiction", "expires_on", "specialist"],
                name="licence_verified_here",
            ),
        ),
    ]
