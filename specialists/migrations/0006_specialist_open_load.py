"""Each specialist's open load (cases under review plus open offers) stored on the specialist,
counted once here for the specialists already there; the services keep it from then on."""

from django.db import migrations, models

REVIEW_STATES = ("in_review", "info_requested", "opinion_submitted")


def count_loads(apps, schema_editor):
    Specialist = apps.get_model("specialists", "Specialist")
    Offer = apps.get_model("specialists", "Offer")
    Case = apps.get_model("cases", "Case")
    reviewing = Case.objects.filter(status__in=REVIEW_STATES, specialist__isnull=False)
    loads: dict[int, int] = {}
    for specialist_id, n in (
        reviewing.values_list("specialist_id").annotate(n=models.Count("pk")).order_by()
    ):
        loads[specialist_id] = loads.get(specialist_id, 0) + n
    for specialist_id, n in (
        Offer.objects.filter(status="open")
        .values_list("specialist_id")
        .annotate(n=models.Count("pk"))
        .order_by()
    ):
        loads[specialist_id] = loads.get(specialist_id, 0) + n
    for specialist_id, n in loads.items():
        Specialist.objects.filter(pk=specialist_id).update(open_load=n)


class Migration(migrations.Migration):
    dependencies = [
        ("specialists", "0005_language_waiver"),
        ("cases", "0018_search_trigram_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="specialist",
            name="open_load",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(count_loads, migrations.RunPython.noop),
    ]
