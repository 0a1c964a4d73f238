"""Review addresses (filled by the review issue)."""

urlpatterns: list = []
