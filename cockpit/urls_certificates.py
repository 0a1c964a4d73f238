"""URLs of the cockpit: certificates."""

urlpatterns: list = []
