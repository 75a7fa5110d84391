"""URLs of the member portal, in Vietnamese as members read them."""

from django.urls import path

from members.views import consultations, notifications, privacy, programmes, register

app_name = "members"

urlpatterns = [
    path("kich-hoat/", register.activate, name="activate"),
    path("kich-hoat/da-gui/", register.activation_sent, name="activation_sent"),
    path("kich-hoat/<str:token>/", register.activate_confirm, name="activate_confirm"),
    path("ho-so/", register.profile, name="profile"),
    path("the-doan-vien/", register.ecard, name="ecard"),
    path("xac-thuc-the/<str:token>/", register.ecard_verify_page, name="ecard_verify"),
    path("than-nhan/", register.relative_list, name="relatives"),
    path("than-nhan/them/", register.relative_add, name="relative_add"),
    path("than-nhan/<int:pk>/sua/", register.relative_edit, name="relative_edit"),
    path("than-nhan/<int:pk>/xoa/", register.relative_delete, name="relative_delete"),
    path("thong-bao/", notifications.inbox, name="inbox"),
    path(
        "thong-bao/<int:pk>/doc/",
        notifications.notification_open,
        name="notification_open",
    ),
    path(
        "thong-bao/doc-het/",
        notifications.notifications_read_all,
        name="notifications_read_all",
    ),
    path(
        "thong-bao/cai-dat/",
        notifications.notification_settings_page,
        name="notification_settings",
    ),
    path(
        "thong-bao/thiet-bi/dang-ky/",
        notifications.push_subscribe,
        name="push_subscribe",
    ),
    path(
        "thong-bao/thiet-bi/huy/",
        notifications.push_unsubscribe,
        name="push_unsubscribe",
    ),
    path(
        "thong-bao/thiet-bi/<int:pk>/xoa/",
        notifications.push_device_remove,
        name="push_device_remove",
    ),
    path("cham-lo/", programmes.programmes, name="programmes"),
    path("tu-van/", consultations.consultations, name="consultations"),
    path("tu-van/yeu-cau/", consultations.consultation_add, name="consultation_add"),
    path(
        "tu-van/<int:pk>/huy/",
        consultations.consultation_cancel_page,
        name="consultation_cancel",
    ),
    path("du-lieu-cua-toi/", privacy.my_data, name="my_data"),
    path(
        "du-lieu-cua-toi/tai-ve.<str:fmt>",
        privacy.my_data_download,
        name="my_data_download",
    ),
    path(
        "du-lieu-cua-toi/yeu-cau/",
        privacy.data_request_add,
        name="data_request_add",
    ),
    path(
        "du-lieu-cua-toi/dong-y/<str:purpose>/",
        privacy.consent_change,
        name="consent_change",
    ),
]
