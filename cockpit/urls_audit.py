"""URLs of the cockpit: audit."""

urlpatterns: list = []
