from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("case/<str:reference>/upload/", views.record_upload, name="record-upload"),
    path("<int:pk>/download/", views.record_download, name="record-download"),
]
