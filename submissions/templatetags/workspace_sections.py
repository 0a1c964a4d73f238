"""A group's document, section by section, as the workspace and a section's page show it; the versions' table.

`{% load workspace_sections %}`, then:
  {% section_toc_item section %}              a line of the workspace's table of contents
  {% workspace_section section number %}      a section of the workspace: title, status, words, editor, links
  {% section_status section next %}           the status: a form for who may write, else `{% section_badge section %}`
  {% section_meta section %}                  words (against the limit), last edit
  {% section_editor section next %}           the editor (a plain form the script enhances), else the text
  {% version_rows versions shown %}           the rows of the versions' table
`next` is the page a form returns to ("workspace" or "section"); the forms post to the page's `section_url` when it
set one, and the editor's images come from its `images_url`, else both are reversed here.

Written in Python rather than as template partials: the workspace repeats them for every section of the document
and the history for every version, and there the template engine's cost per variable and tag (some 70 per
section) made most of the rendering time. The HTML is the one the templates wrote, character for character. Every
string still goes through gettext with the message ids the templates had, so the translations apply unchanged; as
in a template, a translation is trusted as it is and only the values put into a sentence are escaped (what
`{% blocktranslate %}` does). Each gettext() call takes its message as a literal, outside any f-string, so that
makemessages finds it.
"""

from html import escape

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils import dateformat, formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext, pgettext

from ..models import Section, SectionVersion

register = template.Library()

_BADGE_CLASSES = {Section.Status.READY: "text-bg-success", Section.Status.DRAFTING: "text-bg-warning"}
# Lazy labels, translated when shown (in the reader's language); a dictionary read costs less than get_FOO_display().
_STATUS_LABELS = dict(Section.Status.choices)
_ORIGIN_LABELS = dict(SectionVersion.Origin.choices)
_CSRF = CsrfTokenNode()


def _safe(html: str) -> SafeString:
    return mark_safe(html)  # noqa: S308 built here: every value from the data went through escape()


def _section_url(context, section: Section) -> str:
    url = context.get("section_url")
    if not url:
        edition, group = context["edition"], context["group"]
        url = reverse("submissions:section", args=[edition.slug, group.pk, section.pk])
    return url


def _images_url(context) -> str:
    url = context.get("images_url")
    if not url:
        edition, group = context["edition"], context["group"]
        url = reverse("submissions:group_images", args=[edition.slug, group.pk])
    return url


def _user_pk(context) -> str:
    user = context.get("user")
    return "" if user is None else escape(str(user.pk))


def _badge(section: Section) -> str:
    css = _BADGE_CLASSES.get(section.status, "text-bg-secondary")
    label = escape(str(_STATUS_LABELS.get(section.status, section.status)))
    return f'<span class="badge {css}" data-testid="section-status">{label}</span>\n'


def _status(context, section: Section, next: str, url: str, csrf: str) -> str:
    if not context.get("can_write"):
        return _badge(section) + "\n"
    options = "".join(
        f'<option value="{escape(str(value))}"{" selected" if value == section.status else ""}>'
        f"{escape(str(label))}</option>"
        for value, label in context["status_choices"]
    )
    pk = section.pk
    status_label = gettext("Status")
    apply = pgettext("section status", "Apply")
    return (
        f'\n<form method="post" action="{escape(url)}statut/" class="d-flex gap-1 align-items-center">\n'
        f'  {csrf}<input type="hidden" name="next" value="{escape(next)}">\n'
        f'  <label class="visually-hidden" for="status-{pk}">{status_label}</label>\n'
        f'  <select name="status" id="status-{pk}" class="form-select form-select-sm w-auto"'
        ' data-testid="status-select">\n'
        f"    {options}\n"
        "  </select>\n"
        '  <button class="btn btn-sm btn-outline-secondary" type="submit" data-testid="status-submit">'
        f"{apply}</button>\n"
        "</form>\n\n"
    )


def _meta(section: Section) -> str:
    limit = section.template.word_limit
    if section.updated_at:
        when = formats.date_format(timezone.template_localtime(section.updated_at), "SHORT_DATETIME_FORMAT")
        name = escape(str(section.updated_by)) if section.updated_by else gettext("someone")  # as `default:_("…")`
        sentence = gettext("last edited by %(name)s on %(when)s") % {"name": name, "when": escape(when)}
        last_edit = f'<span data-testid="last-edit">{sentence}</span>'
    else:
        last_edit = gettext("nothing written yet")
    over = "text-danger" if limit and section.words > limit else ""
    out_of = f" / {formats.localize(limit)}" if limit else ""
    words = gettext("words")
    return (
        '\n<p class="small text-body-secondary mb-1">\n'
        f'  <span data-role="words-box" class="{over}"><span data-role="words" data-testid="words">'
        f"{formats.localize(section.words)}</span>{out_of} {words}</span>\n"
        f"  · {last_edit}\n"
        "</p>\n"
    )


def _editor(context, section: Section, next: str, url: str, csrf: str) -> str:
    pk = section.pk
    if not context.get("can_write"):
        unsent = f' data-unsent-key="malisig:ws:{_user_pk(context)}:{pk}"' if context.get("closed_message") else ""
        # The stored HTML, sanitised when saved (save_section), shown as written.
        nothing = gettext("Nothing written yet.")
        text = section.html or f'<p class="text-body-secondary mb-0">{nothing}</p>'
        return f'\n<div class="ws-text border rounded p-2" data-testid="section-text"{unsent}>{text}</div>\n\n'
    limit = section.template.word_limit
    label = gettext("Text of “%(title)s”") % {"title": escape(str(section.template.tr.title))}
    hint = gettext("Type plain text (a blank line between paragraphs), or HTML.")
    save = gettext("Save")
    return (
        f'\n<form method="post" action="{escape(url)}enregistrer/" class="ws-editor" data-section="{pk}"'
        f' data-version="{section.version}" data-user="{_user_pk(context)}"'
        f' data-limit="{"" if limit is None else limit}" data-images="{escape(_images_url(context))}"'
        ' data-testid="editor">\n'
        f"  {csrf}\n"
        f'  <input type="hidden" name="next" value="{escape(next)}">\n'
        f'  <input type="hidden" name="base_version" value="{section.version}">\n'
        '  <input type="hidden" name="origin" value="typed">\n'
        f'  <label class="visually-hidden" id="label-{pk}" for="html-{pk}">{label}</label>\n'
        f'  <textarea class="form-control ws-source" id="html-{pk}" name="html" rows="10">{escape(section.html)}'
        "</textarea>\n"
        f'  <p class="form-text ws-nojs mb-1">{hint}</p>\n'
        '  <div class="d-flex flex-wrap align-items-center gap-2 mt-1">\n'
        f'    <button type="submit" class="btn btn-sm btn-primary" data-testid="save">{save}</button>\n'
        '    <span class="ws-state small" role="status" aria-live="polite" data-state="idle"'
        ' data-testid="save-state"></span>\n'
        "  </div>\n"
        "</form>\n\n"
    )


@register.simple_tag
def section_badge(section: Section) -> SafeString:
    return _safe(_badge(section))


@register.simple_tag(takes_context=True)
def section_status(context, section: Section, next: str = "") -> SafeString:
    return _safe(_status(context, section, next, _section_url(context, section), _CSRF.render(context)))


@register.simple_tag
def section_meta(section: Section) -> SafeString:
    return _safe(_meta(section))


@register.simple_tag(takes_context=True)
def section_editor(context, section: Section, next: str = "") -> SafeString:
    return _safe(_editor(context, section, next, _section_url(context, section), _CSRF.render(context)))


@register.simple_tag
def section_toc_item(section: Section) -> SafeString:
    words = gettext("words")
    return _safe(
        '<li class="list-group-item d-flex justify-content-between align-items-center gap-2 py-1">'
        f'<a class="me-auto" href="#section-{section.pk}">{escape(str(section.template.tr.title))}</a> '
        f'<span class="small text-body-secondary text-nowrap">{formats.localize(section.words)} {words}'
        f"</span> {_badge(section)}</li>"
    )


@register.simple_tag(takes_context=True)
def workspace_section(context, section: Section, number: int) -> SafeString:
    """A section of the workspace (`number`: its place in the document) with its links: alone, history, comments."""
    edition, group, pk = context["edition"], context["group"], section.pk
    url = reverse("submissions:section", args=[edition.slug, group.pk, pk])
    csrf = _CSRF.render(context)
    count = section.comment_count
    comments = ngettext("%(counter)s comment", "%(counter)s comments", count) % {"counter": formats.localize(count)}
    href = escape(url)
    alone, history = gettext("This section alone"), gettext("History")
    return _safe(
        f'\n<section id="section-{pk}" class="border-top pt-3 mb-4" aria-labelledby="title-{pk}" data-section-box'
        ' data-testid="section">\n'
        '  <div class="d-flex flex-wrap justify-content-between align-items-baseline gap-2 mb-1">\n'
        f'    <h2 class="h5 mb-0" id="title-{pk}">{formats.localize(number)}. '
        f"{escape(str(section.template.tr.title))}</h2>\n"
        f"    {_status(context, section, 'workspace', url, csrf)}\n"
        "  </div>\n"
        f"  {_meta(section)}\n"
        f"  {_editor(context, section, 'workspace', url, csrf)}\n"
        '  <p class="small mt-1 mb-0">\n'
        f'    <a href="{href}">{alone}</a>\n'
        f'    · <a href="{href}historique/">{history}</a>\n'
        f'    · <a href="{href}#comments">{comments}</a>\n'
        "  </p>\n"
        "</section>\n"
    )


@register.simple_tag(takes_context=True)
def version_rows(context, versions, shown=None) -> SafeString:
    """The rows of the versions' table (templates/submissions/_version_list.html): number (a link to what it
    changed), author, date, words, how it was made; `shown`'s row highlighted."""
    if not versions:
        none = gettext("No version yet.")
        return _safe(f'\n      <tr><td colspan="5" class="text-body-secondary">{none}</td></tr>\n    ')
    edition, group, section = context["edition"], context["group"], context["section"]
    url = escape(reverse("submissions:section_history", args=[edition.slug, group.pk, section.pk]))
    shown_number = getattr(shown, "number", None)
    someone = gettext("someone")
    when_format = formats.get_format("SHORT_DATETIME_FORMAT")  # what the `date` filter reads, looked up once
    rows = []
    for version in versions:
        number = version.number
        active = ' class="table-active"' if number == shown_number else ""
        author = escape(str(version.author)) if version.author else someone
        when = escape(dateformat.format(timezone.template_localtime(version.created_at), when_format))
        origin = escape(str(_ORIGIN_LABELS.get(version.origin, version.origin)))
        if version.restored_from:
            restored = gettext("from version %(number)s") % {"number": formats.localize(version.restored_from)}
            origin += f" ({restored})"
        rows.append(
            f'\n      <tr{active}>\n        <td><a href="{url}?v={number}">{number}</a></td>\n'
            f"        <td>{author}</td>\n        <td>{when}</td>\n        <td>{formats.localize(version.words)}</td>\n"
            f"        <td>{origin}</td>\n      </tr>\n    "
        )
    return _safe("".join(rows))
