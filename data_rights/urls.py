from django.urls import path

from . import views

app_name = "data_rights"

urlpatterns = [
    path("<str:reference>/access/", views.access_history, name="access-history"),
    path("<str:reference>/export.zip", views.case_export, name="case-export"),
    path("<str:reference>/delete/", views.deletion_request, name="deletion-request"),
]
