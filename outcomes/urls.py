from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("<str:reference>/", views.after, name="after"),
    path("<str:reference>/questions/", views.question_add, name="question-add"),
    path("<str:reference>/follow-up/", views.follow_up_choice, name="follow-up-choice"),
    path("<str:reference>/decision/<slug:moment>/", views.decision, name="decision"),
    path("<str:reference>/check-in/<int:interval>/", views.check_in, name="check-in"),
]
