"""Request plumbing: the language of each request, and the answer when the database cannot be reached."""

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.template import loader
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

# What psycopg raises, through Django, while PostgreSQL restarts, fails over or refuses connections.
DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


class LanguageMiddleware(LocaleMiddleware):
    """French unless the person chose otherwise: the switcher's cookie, then their profile.

    The browser's Accept-Language is ignored on purpose: many of our French-speaking users
    have phones set to English, and the school runs in French.
    """

    def process_request(self, request) -> None:
        translation.activate(self.chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()

    @staticmethod
    def chosen_language(request) -> str:
        available = dict(settings.LANGUAGES)
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if cookie in available:
            return cookie
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.preferred_language in available:
            return user.preferred_language
        return settings.LANGUAGE_CODE


def database_unavailable(request) -> HttpResponse:
    """503 with Retry-After while the database cannot be reached, built without a single query: no session, no
    user, no context processor (they would need the database too). JSON for the editor's endpoints (it keeps the text
    on the device and sends it again, as after a 429 or offline), else a plain page. Called by the 500 handler
    (malisig.views.server_error), which Django calls for an error raised by a view or by any middleware."""
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    with translation.override(language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE):
        message = _("The site is briefly unavailable. Nothing you saved is lost: try again in a minute.")
        accept = request.headers.get("Accept", "")
        if request.content_type == "application/json" or "application/json" in accept:
            payload = {"status": "unavailable", "message": message, "retry_after": RETRY_AFTER_SECONDS}
            response = JsonResponse(payload, status=503)
        else:
            context = {"message": message, "LANGUAGE_CODE": translation.get_language()}
            response = HttpResponse(loader.render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response
