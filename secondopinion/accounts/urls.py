from django.urls import path
from django.views.i18n import JavaScriptCatalog

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("language", views.choose_language, name="language"),
    # Our JavaScript's texts in the page's language (locale/*/LC_MESSAGES/djangojs.po) with
    # gettext, ngettext and interpolate, loaded by base.html before our scripts. Under /account/
    # so that staff who have yet to set up two-factor sign-in get it too (StaffMFAMiddleware).
    # Only our catalog: no installed app's (the admin's) texts are sent with every page.
    path(
        "javascript-catalog",
        JavaScriptCatalog.as_view(domain="djangojs", packages=["secondopinion.accounts"]),
        name="javascript-catalog",
    ),
]
