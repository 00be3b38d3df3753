"""Django's makemessages with this project's defaults (README, Languages): the folders that are
not our code are skipped, obsolete messages are dropped, and each message names the files it
comes from without line numbers (a line moved in a template does not change the catalog).
`-d djangojs` makes the catalog of our own scripts (static/js) the same way."""

from django.core.management.commands import makemessages

# Installed packages, built files (collectstatic's) and run-time data: none of them holds our
# messages. vendor-shims are stand-ins for libraries' modules (static/js/vendor-shims), with no
# text a person reads.
NOT_OUR_CODE = [
    ".venv",
    "node_modules",
    "var",
    "staticfiles",
    "bench",
    "tests",
    "deploy",
    "vendor-shims",
]


class Command(makemessages.Command):
    def handle(self, *args, **options):
        options["ignore_patterns"] = [*options["ignore_patterns"], *NOT_OUR_CODE]
        options["no_obsolete"] = True
        options["add_location"] = "file"
        return super().handle(*args, **options)
