from django.urls import URLPattern, URLResolver, path

from warden.remoteaccess import views

app_name = "remoteaccess"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.overview, name="overview"),
    path("events/", views.event_list, name="event_list"),
    path("settings/", views.settings_update, name="settings_update"),
    path(
        "alerts/<int:remote_alert_pk>/acknowledge/",
        views.alert_acknowledge,
        name="alert_acknowledge",
    ),
]
