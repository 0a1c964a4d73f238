"""Messages built from a translatable template and values, translated when shown rather than when built."""

from django.utils.functional import lazy


def _format(message, params: dict) -> str:
    return str(message) % params


_format_lazy = lazy(_format, str)


def lazy_message(message, **params) -> str:
    """`message % params`, evaluated in the language active when the message is displayed or stored.

    Rejections are built in a Celery task but read by an organiser who may have chosen the other language.
    """
    return _format_lazy(message, params)
