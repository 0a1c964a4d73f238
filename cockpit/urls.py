from django.urls import include, path  # noqa: F401 - each feature includes its urls_<feature>.py here

app_name = "cockpit"

urlpatterns: list = []
