"""A specialist's verification is derived from their licences (verified, not expired), no longer
stored: the flag and its date go. Nothing to carry: every verified flag was set with a verified
licence, which still says so."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("specialists", "0006_specialist_open_load"),
    ]

    operations = [
        migrations.RemoveField(model_name="specialist", name="is_verified"),
        migrations.RemoveField(model_name="specialist", name="verified_at"),
    ]
