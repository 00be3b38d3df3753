from django.contrib import admin
from django.urls import include, path

from cases import views as case_views

from .health import healthz, readyz

# A database that went away gives a "try again" page (503), not the 500 page.
handler500 = "secondopinion.errors.server_error"
# An over-size request gets "more than we can take"; a bad Host or malformed one "bad request".
handler400 = "secondopinion.errors.bad_request"

urlpatterns = [
    path("", case_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("accounts/", include("allauth.urls")),
    path("account/", include("secondopinion.accounts.urls")),
    path("cases/", include("cases.urls")),
    path("cases/", include("review.urls")),
    path("cases/", include("messaging.urls")),
    path("coordinator/", include("backoffice.urls")),
    path("referrals/", include("referrals.urls")),
    path("audit/", include("backoffice.audit_urls")),
    path("my-data/", include("data_rights.urls")),
    path("records/", include("records.urls")),
    path("specialists/", include("specialists.urls")),
    path("after/", include("outcomes.urls")),
    path("notifications/", include("secondopinion.notifications.urls")),
    # Signing in to the admin is allauth's sign-in with MFA (accounts/admin_site.py).
    path("admin/", admin.site.urls),
]
