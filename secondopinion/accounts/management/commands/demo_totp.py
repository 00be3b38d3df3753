from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from secondopinion.accounts.demo import current_totp_code
from secondopinion.accounts.models import User


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo account (development only)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        if settings.PRODUCTION:
            raise CommandError("demo_totp does not run in production.")
        user = User.objects.filter(email=email.lower()).first()
        if user is None:
            raise CommandError(f"No account with the email {email}.")
        self.stdout.write(current_totp_code(user))
