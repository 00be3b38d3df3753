from django.contrib import admin
from django.urls import include, path

from cases import views as case_views

from .health import healthz

admin.site.site_header = "Second Opinion administration (superusers only)"

urlpatterns = [
    path("", case_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("cases/", include("cases.urls")),
    path("records/", include("records.urls")),
    path("notifications/", include("secondopinion.notifications.urls")),
    path("admin/", admin.site.urls),
]
