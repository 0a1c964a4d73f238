"""URLs of the cockpit: messages."""

urlpatterns: list = []
