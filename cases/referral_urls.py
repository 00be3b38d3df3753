from django.urls import path

from . import referral_views

app_name = "referrals"

urlpatterns = [
    path("", referral_views.source_list, name="source-list"),
    path("sources/<int:source_id>/revoke/", referral_views.source_revoke, name="source-revoke"),
    path("new/", referral_views.referral_enter, name="referral-enter"),
    path("refer/<str:token>/", referral_views.refer, name="refer"),
    path("invitation/<str:token>/", referral_views.invitation, name="invitation"),
    path("case/<str:reference>/", referral_views.case_referral, name="case-referral"),
    path("case/<str:reference>/share/", referral_views.report_share, name="report-share"),
]
