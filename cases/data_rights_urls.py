from django.urls import path

from . import data_rights_views

app_name = "data_rights"

urlpatterns = [
    path("<str:reference>/access/", data_rights_views.access_history, name="access-history"),
    path("<str:reference>/export.zip", data_rights_views.case_export, name="case-export"),
    path("<str:reference>/delete/", data_rights_views.deletion_request, name="deletion-request"),
]
