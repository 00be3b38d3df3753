"""This project's own apps, read from the settings: the checks that walk our code or our URLs
(authorization matrix, audit completeness) cover a new app without being told."""

from django.apps import apps
from django.conf import settings

# An app is ours when its top-level package is a folder of this repository.
OUR_APPS = tuple(
    config.name
    for config in apps.get_app_configs()
    if (settings.BASE_DIR / config.name.split(".")[0] / "__init__.py").is_file()
)
OUR_PACKAGES = tuple(sorted({f"{name.split('.')[0]}." for name in OUR_APPS}))
OUR_FOLDERS = tuple(sorted({name.split(".")[0] for name in OUR_APPS}))
