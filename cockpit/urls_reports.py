"""URLs of the cockpit: reports."""

urlpatterns: list = []
