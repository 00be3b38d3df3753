"""Installs the admin site that needs two-factor sign-in (admin_site.py) as `admin.site`."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "secondopinion.accounts.admin_site.SecondOpinionAdminSite"
