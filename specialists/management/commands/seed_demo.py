from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from secondopinion.accounts.demo import DEMO_PASSWORD, seed_demo_accounts
from specialists.demo import seed_demo_specialists


class Command(BaseCommand):
    help = (
        "Create the demo accounts listed in README and the demo specialists' profiles "
        "(idempotent). Refuses in production."
    )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo publishes passwords; it does not run in production.")
        users = seed_demo_accounts()
        seed_demo_specialists()
        self.stdout.write(f"Demo accounts ready (password {DEMO_PASSWORD!r}):")
        for user in users:
            self.stdout.write(f"  {user.role:<12} {user.email}")
