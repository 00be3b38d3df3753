from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    # The patient's files.
    path("case/<str:reference>/", views.case_records, name="case-records"),
    path("case/<str:reference>/upload/", views.record_upload, name="record-upload"),
    path("<int:pk>/download/", views.record_download, name="record-download"),
    path("<int:pk>/preview/", views.record_preview, name="record-preview"),
    # The viewers: a record (or its DICOM series) on a page, and its bytes with byte ranges (or
    # for a huge image, those of its reduced copy).
    path("<int:pk>/view/", views.record_view, name="record-view"),
    path("<int:pk>/inline/", views.record_inline, name="record-inline"),
    path("<int:pk>/reduced/", views.record_reduced, name="record-reduced"),
    path("<int:pk>/describe/", views.record_describe, name="record-describe"),
    # Resumable uploads (tus): created for a case or a provider's request, then continued by id.
    path("case/<str:reference>/uploads/", views.upload_create, name="tus-create"),
    path("uploads/<str:upload_id>/", views.upload_detail, name="tus-upload"),
    # Records requests to providers.
    path("case/<str:reference>/requests/new/", views.request_create, name="request-create"),
    path("requests/<int:pk>/resend/", views.request_resend, name="request-resend"),
    path("requests/", views.request_list, name="request-list"),
    # The provider's side: no account, the emailed link is the key.
    path("from-provider/<str:token>/", views.provider_link, name="provider-link"),
    path("from-provider/", views.provider_upload, name="provider-upload"),
    path("from-provider-uploads/", views.provider_upload_create, name="provider-tus-create"),
    path("from-provider-finish/", views.provider_finish, name="provider-finish"),
]
