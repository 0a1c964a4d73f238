from django.conf import settings


def absolute_url(path: str) -> str:
    """Links in emails: SITE_URL from the environment (e.g. https://malisig.example.org)."""
    return settings.SITE_URL.rstrip("/") + path
