"""URLs of the cockpit: dashboard."""

urlpatterns: list = []
