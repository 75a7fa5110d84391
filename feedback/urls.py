"""URLs of member voice in the portal, in Vietnamese as members read them."""

from django.urls import path

from feedback.views import initiatives, surveys

app_name = "feedback"

urlpatterns = [
    path("sang-kien/", initiatives.my_initiatives_page, name="my_initiatives"),
    path("sang-kien/gui/", initiatives.initiative_submit, name="initiative_submit"),
    path("sang-kien/<int:pk>/", initiatives.initiative_page, name="initiative"),
    path(
        "sang-kien/tep/<int:attachment_id>/",
        initiatives.initiative_attachment,
        name="initiative_attachment",
    ),
    path("khao-sat/", surveys.survey_list, name="surveys"),
    path("khao-sat/<int:survey_id>/", surveys.survey_answer, name="survey_answer"),
    path("khao-sat/chung-toi-da-lam/", surveys.survey_actions, name="survey_actions"),
]
