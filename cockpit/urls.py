from django.urls import include, path

app_name = "cockpit"

# One URL module per feature, so each stays readable.
urlpatterns = [
    path("", include("cockpit.urls_dashboard")),
    path("", include("cockpit.urls_messages")),
    path("", include("cockpit.urls_certificates")),
    path("", include("cockpit.urls_reports")),
    path("", include("cockpit.urls_audit")),
]
