"""URLs of the cockpit: audit."""

from django.urls import path

from .views import audit

urlpatterns = [
    path("<slug:slug>/cockpit/journal/", audit.audit_log, name="audit_log"),
]
