"""`{% published_documents edition %}`: the published documents' section of the edition's public page (cohorts'
page, which knows nothing of submissions: the template asks, in one query)."""

from django import template

from ..services.publication import published_submissions

register = template.Library()


@register.inclusion_tag("submissions/published_on_edition.html")
def published_documents(edition):
    return {"edition": edition, "published": list(published_submissions(edition))}
