"""`manage.py seed_scale --cases N`: realistic data at scale for the benchmarks (bench/scale_data.py).

Meant for a database of its own (`make bench` uses secondopinion_bench): it never runs in
production, and it refuses a database that holds a batch of another size unless told --reset.
"""

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = (
        "Write N cases across every state, with their record files (rows only), offers, "
        "messages, audit events, and one specialist per ten cases. Idempotent for the same N; "
        "an interrupted run is resumed from its last written chunk."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=20261126)
        parser.add_argument(
            "--reset",
            action="store_true",
            help="PostgreSQL only: drop every table of this database, migrate, then seed.",
        )
        parser.add_argument(
            "--add", action="store_true", help="Write another batch even if one is there."
        )

    def handle(self, *args, cases: int, seed: int, reset: bool, add: bool, **options):
        from bench import scale_data

        if settings.PRODUCTION:
            raise CommandError("seed_scale writes made-up patients; it does not run in production.")
        if cases < 20:
            raise CommandError("--cases must be at least 20.")
        if reset:
            if connection.vendor != "postgresql":
                raise CommandError("--reset drops the schema, on PostgreSQL only: delete the file.")
            with connection.cursor() as cursor:
                cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            call_command("migrate", verbosity=0)
        started = time.perf_counter()
        resumed = scale_data.resume(seed=seed, progress=self.stdout.write)
        if resumed is not None:
            self.stdout.write(
                f"Finished the interrupted batch {resumed.batch} in "
                f"{time.perf_counter() - started:.0f} s."
            )
            return
        batches = scale_data.seeded_batches()
        if batches and not add:
            names = ", ".join(name for _, name in batches)
            if len(batches) == 1 and f"({cases} cases)" in names:
                self.stdout.write(f"Already seeded: {names}. Nothing to do.")
                return
            raise CommandError(f"This database holds other data ({names}); use --reset.")
        actors = scale_data.seed(cases=cases, seed=seed, progress=self.stdout.write)
        self.stdout.write(
            f"Seeded {cases:,} cases in {time.perf_counter() - started:.0f} s "
            f"(batch {actors.batch}: patient {actors.patient.email}, case {actors.case.reference})."
        )
