"""URLs of the member portal, in Vietnamese as members read them."""

from django.urls import path

from members import views, views_notifications, views_privacy, views_programmes

app_name = "members"

urlpatterns = [
    path("kich-hoat/", views.activate, name="activate"),
    path("kich-hoat/da-gui/", views.activation_sent, name="activation_sent"),
    path("kich-hoat/<str:token>/", views.activate_confirm, name="activate_confirm"),
    path("ho-so/", views.profile, name="profile"),
    path("the-doan-vien/", views.ecard, name="ecard"),
    path("xac-thuc-the/<str:token>/", views.ecard_verify_page, name="ecard_verify"),
    path("than-nhan/", views.relative_list, name="relatives"),
    path("than-nhan/them/", views.relative_add, name="relative_add"),
    path("than-nhan/<int:pk>/sua/", views.relative_edit, name="relative_edit"),
    path("than-nhan/<int:pk>/xoa/", views.relative_delete, name="relative_delete"),
    path("thong-bao/", views_notifications.inbox, name="inbox"),
    path(
        "thong-bao/<int:pk>/doc/",
        views_notifications.notification_open,
        name="notification_open",
    ),
    path(
        "thong-bao/doc-het/",
        views_notifications.notifications_read_all,
        name="notifications_read_all",
    ),
    path(
        "thong-bao/cai-dat/",
        views_notifications.notification_settings_page,
        name="notification_settings",
    ),
    path("cham-lo/", views_programmes.programmes, name="programmes"),
    path("tu-van/", views_programmes.consultations, name="consultations"),
    path("tu-van/yeu-cau/", views_programmes.consultation_add, name="consultation_add"),
    path(
        "tu-van/<int:pk>/huy/",
        views_programmes.consultation_cancel_page,
        name="consultation_cancel",
    ),
    path("du-lieu-cua-toi/", views_privacy.my_data, name="my_data"),
    path(
        "du-lieu-cua-toi/tai-ve.<str:fmt>",
        views_privacy.my_data_download,
        name="my_data_download",
    ),
    path(
        "du-lieu-cua-toi/yeu-cau/",
        views_privacy.data_request_add,
        name="data_request_add",
    ),
    path(
        "du-lieu-cua-toi/dong-y/<str:purpose>/",
        views_privacy.consent_change,
        name="consent_change",
    ),
]
