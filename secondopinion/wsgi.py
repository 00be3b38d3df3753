"""WSGI entry point (gunicorn secondopinion.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secondopinion.settings")
application = get_wsgi_application()
