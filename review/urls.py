"""The review's pages, under /cases/ beside the case page they belong to."""

from django.urls import path

from . import translation_views, views

app_name = "review"

urlpatterns = [
    path("shared/<str:token>/", views.report_share, name="report-share"),
    path("<str:reference>/questions/ask/", views.information_request, name="information-request"),
    path("<str:reference>/questions/answer/", views.information_answer, name="information-answer"),
    path("<str:reference>/opinion/", views.opinion_edit, name="opinion-edit"),
    path("<str:reference>/workspace/", views.workspace, name="workspace"),
    path("<str:reference>/opinion/autosave/", views.opinion_autosave, name="opinion-autosave"),
    path("<str:reference>/opinion/return/", views.return_opinion, name="opinion-return"),
    path("<str:reference>/opinion/deliver/", views.deliver_opinion, name="opinion-deliver"),
    path(
        "<str:reference>/opinion/translation/",
        translation_views.translation_edit,
        name="opinion-translation",
    ),
    path("<str:reference>/follow-ups/ask/", views.follow_up_ask, name="follow-up-ask"),
    path(
        "<str:reference>/follow-ups/<int:follow_up_id>/answer/",
        views.follow_up_answer,
        name="follow-up-answer",
    ),
    path("<str:reference>/reports/share/", views.report_share_create, name="report-share-create"),
    path("<str:reference>/reports/<int:version>/", views.report_download, name="report-download"),
]
