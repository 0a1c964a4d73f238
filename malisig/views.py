"""Site-wide pages: the home dashboard, help, health check, error pages."""

import logging
import sys

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from .middleware import DATABASE_ERRORS, database_unavailable
from .models import User

logger = logging.getLogger(__name__)


@require_POST
def set_language(request):
    """The switcher: remember the choice on this device, and on the account so emails follow it."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        User.objects.filter(pk=request.user.pk).update(preferred_language=language)
    return response


def home(request):
    if not request.user.is_authenticated:
        return render(request, "malisig/landing.html")
    context = {"all_editions": _all_editions() if request.user.is_staff else None}
    return render(request, "malisig/home.html", context)


def _all_editions():
    from cohorts.models import Edition

    return Edition.objects.select_related("school").order_by("-year", "school__acronym")


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says."""
    return redirect(static("favicon.svg"), permanent=True)


@login_required
def help_page(request):
    """How the platform works; it renders the base layout and static text (the bench's floor)."""
    return render(request, "malisig/help.html")


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("Health check: database unreachable")
        return False


def _broker_answers() -> bool:
    if not settings.REDIS_URL:
        return True  # tasks run eagerly in-process: no broker to reach
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping())
    except Exception:
        logger.exception("Health check: broker unreachable")
        return False


@never_cache
@require_GET
def healthz(request):
    """200 when the database and the broker answer, else 503; no details leak."""
    checks = {"database": _database_answers(), "broker": _broker_answers()}
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "unavailable"}
    body.update({name: "ok" if passed else "down" for name, passed in checks.items()})
    return JsonResponse(body, status=200 if healthy else 503)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    """500; 503 instead when the database cannot be reached (PostgreSQL restarting): see database_unavailable."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable(request)
    return render(request, "500.html", status=500)
