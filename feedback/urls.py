"""URLs of member voice in the member portal, in Vietnamese as members read them."""

from django.urls import path

from feedback.views import surveys

app_name = "feedback"

urlpatterns = [
    path("khao-sat/", surveys.survey_list, name="surveys"),
    path("khao-sat/<int:survey_id>/", surveys.survey_answer, name="survey_answer"),
    path("khao-sat/chung-toi-da-lam/", surveys.survey_actions, name="survey_actions"),
]
