from django.urls import URLPattern, URLResolver

app_name = "remoteaccess"

urlpatterns: list[URLPattern | URLResolver] = []
