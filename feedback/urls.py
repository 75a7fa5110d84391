"""URLs of member voice in the member portal, in Vietnamese as members read them."""

from django.urls import path

from feedback.views import assistant

app_name = "feedback"

urlpatterns = [
    path("hoi-cong-doan/", assistant.ask, name="assistant"),
    path(
        "hoi-cong-doan/cau-hoi/<int:pk>/",
        assistant.question_page,
        name="assistant_question",
    ),
    path(
        "hoi-cong-doan/cau-hoi/<int:pk>/danh-gia/",
        assistant.question_feedback,
        name="assistant_feedback",
    ),
    path(
        "hoi-cong-doan/dieu/<int:pk>/", assistant.article_page, name="assistant_article"
    ),
]
