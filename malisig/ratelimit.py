"""One small rate limiter for our own views (allauth limits login and password reset itself).

A fixed window per (scope, user), or per IP address for an anonymous request, counted in Django's cache: Redis in
production, so every web process shares the counters. The limits are in settings.RATE_LIMITS, "amount/period"
with the period as 30s, 1m, 10m, 1h or 1d (each overridable through the environment, see settings.py):

    @rate_limited("autosave")
    def section_save(request, ...): ...

Over the limit the view is not called: 429 with Retry-After, as JSON for the editor's endpoints (the editor keeps the
text on the device and retries later, like a 5xx) or as a page. Only the listed methods count (POST by default), so
reading a page never uses up the allowance. If the cache fails, the request goes through and a warning is logged:
a broken Redis must not stop anyone from saving their text.
"""

import functools
import logging
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.template import engines
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")

PAGE = """{% extends "base.html" %}{% block head_title %}{{ title }}{% endblock %}{% block content %}
<h1 class="h3">{{ title }}</h1><p>{{ message }}</p>
<a class="btn btn-outline-primary" href="{{ back }}">{{ back_label }}</a>{% endblock %}"""


@dataclass(frozen=True)
class Rate:
    amount: int
    period: int  # seconds


def parse_rate(text: str) -> Rate:
    """ "120/1m" -> Rate(120, 60); "30/10m" -> Rate(30, 600); "5/m" -> Rate(5, 60)."""
    match = RATE.match(text or "")
    if not match:
        raise ImproperlyConfigured(f"A rate limit looks like 120/1m or 30/10m, not {text!r}")
    amount, count, unit = match.groups()
    return Rate(int(amount), int(count or 1) * UNITS[unit])


def rate_for(scope: str) -> Rate | None:
    text = getattr(settings, "RATE_LIMITS", {}).get(scope)
    return parse_rate(text) if text else None


def client_ip(request) -> str:
    """The address allauth uses too (ALLAUTH_TRUSTED_PROXY_COUNT decides whether X-Forwarded-For is trusted)."""
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request)
    except (ImproperlyConfigured, PermissionDenied):
        return request.META.get("REMOTE_ADDR") or "unknown"


def who(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


def hit(scope: str, identity: str, rate: Rate, now: float | None = None) -> tuple[bool, int]:
    """Count one request; (allowed, seconds until the window ends). Fails open when the cache does."""
    now = time.time() if now is None else now
    window = int(now // rate.period)
    retry_after = max(1, int((window + 1) * rate.period - now))
    key = f"ratelimit:{scope}:{identity}:{rate.period}:{window}"
    try:
        cache.add(key, 0, timeout=rate.period + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=rate.period + 5)
            count = 1
    except Exception:
        logger.warning("Rate limit %s not checked: the cache is unavailable", scope, exc_info=True)
        return True, 0
    return count <= rate.amount, retry_after


def _same_site_referer(request) -> str | None:
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, require_https=request.is_secure()):
        return referer
    return None


def too_many_requests(request, retry_after: int = 60, *, json: bool = False) -> HttpResponse:
    message = _("Too many requests in a short time. Wait a moment, then try again.")
    if json:
        # "status"/"message" for the section editor, "error" for the image dialog: the editor keeps the text on the
        # device and sends it again later.
        payload = {"status": "rate_limited", "message": message, "error": message, "retry_after": retry_after}
        response = JsonResponse(payload, status=429)
        response["Cache-Control"] = "no-store"
    else:
        context = {
            "title": _("Please wait a moment"),
            "message": message,
            "back": _same_site_referer(request) or reverse("home"),
            "back_label": _("Try again"),
        }
        page = engines["django"].from_string(PAGE).render(context, request)
        response = HttpResponse(page, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def handler429(request, exception=None) -> HttpResponse:
    """For allauth (password reset, login): set `handler429 = "malisig.ratelimit.handler429"` in the root URLconf."""
    return too_many_requests(request)


def wants_json(request) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get("Accept", "")


def rate_limited(scope: str, *, methods: tuple[str, ...] = ("POST",), json: bool | None = None):
    """Limit a view by settings.RATE_LIMITS[scope], counted per user (per IP when anonymous), on `methods` only.

    The refusal is JSON when `json` is True, a page when False, and with None as the request asks (Accept or a JSON
    body): the section editor gets JSON, the same form without JavaScript a page."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            rate = rate_for(scope) if request.method in methods else None
            if rate is not None:
                allowed, retry_after = hit(scope, who(request), rate)
                if not allowed:
                    logger.info("Rate limit %s reached by %s", scope, who(request))
                    as_json = wants_json(request) if json is None else json
                    return too_many_requests(request, retry_after, json=as_json)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
