from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


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
