"""URLs of inspections in the portal, in Vietnamese as people read them."""

from django.urls import path

from inspections.views import activities, calendar, recommendations

app_name = "inspections"

urlpatterns = [
    path("kiem-tra/", activities.my_activities, name="activities"),
    path("kiem-tra/<int:pk>/", activities.activity_page, name="activity"),
    path("kiem-tra/<int:pk>/bang-kiem/", activities.checklist_page, name="checklist"),
    path("kiem-tra/<int:pk>/tra-loi/", activities.answer_sync, name="answer_sync"),
    path(
        "kiem-tra/tai-lieu/<int:document_id>/",
        activities.document_download,
        name="document",
    ),
    path(
        "kiem-tra/minh-chung/<int:submission_id>/",
        activities.answer_evidence,
        name="answer_evidence",
    ),
    path(
        "kiem-tra/khuyen-nghi/",
        recommendations.my_recommendations,
        name="recommendations",
    ),
    path(
        "kiem-tra/khuyen-nghi/<int:pk>/tra-loi/",
        recommendations.recommendation_respond,
        name="recommendation_respond",
    ),
    path("kiem-tra/lich/", calendar.calendar_page, name="calendar"),
    path("kiem-tra/lich/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
]
