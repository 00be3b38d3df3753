"""Uploads record how far their running hash goes (`hashed_offset`): until now it always went
as far as the offset, so uploads in flight start with the two equal."""

from django.db import migrations, models
from django.db.models import F


def hashed_as_far_as_stored(apps, schema_editor):
    Upload = apps.get_model("records", "Upload")
    Upload.objects.exclude(hash_state=None).update(hashed_offset=F("offset"))


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0002_reduced_copy_for_the_viewer"),
    ]

    operations = [
        migrations.AddField(
            model_name="upload",
            name="hashed_offset",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.RunPython(hashed_as_far_as_stored, migrations.RunPython.noop),
    ]
