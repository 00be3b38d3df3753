from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("", views.source_list, name="source-list"),
    path("sources/<int:source_id>/revoke/", views.source_revoke, name="source-revoke"),
    path("new/", views.referral_enter, name="referral-enter"),
    path("refer/<str:token>/", views.refer, name="refer"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("case/<str:reference>/", views.case_referral, name="case-referral"),
    path("case/<str:reference>/share/", views.report_share, name="report-share"),
]
