"""A group's workspace: the document's sections, their editor, autosave, history, comments and status.

The save endpoint answers the editor (JSON) and the plain form (no JavaScript) alike:
  200 {"status": "saved", ...}       the text is the section's current version
  409 {"status": "conflict", ...}    someone saved since base_version: both texts, nothing written
  423 {"status": "closed", message}  the group may not write now (submitted, deadline passed, not open yet)
  403 {"status": "forbidden", ...}   not a writer of this group (mentor, organiser, another group)
  401 {"status": "login", ...}       the session ended
  400 {"status": "invalid", ...}     the request was not understood
Every JSON answer carries Cache-Control: no-store.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, TextField, Value, When
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cohorts.models import Edition
from groups.models import Group, Membership
from groups.rules import remember_publication
from malisig.ratelimit import rate_limited

from .. import services
from ..diff import word_diff
from ..forms import CommentForm, RestoreForm, SectionSaveForm, StatusForm
from ..models import Section, SectionVersion, Submission
from ..rules import remember_group_role
from ..services.workspace import latest_submission_state, workspace_sections

VIEW = "submissions.view_workspace"
WRITE = "submissions.write_sections"
COMMENT = "submissions.comment_sections"
HISTORY_PAGE_SIZE = 25


# ---------------------------------------------------------------------------
# Loading, always scoped: edition from the slug, group inside it, section inside the group
# ---------------------------------------------------------------------------
def _group_for(request, slug: str, group_pk: int, perm: str | None = VIEW, *, page: bool = False) -> Group:
    """The group of the address (404 if not in this edition), if the user holds `perm` on it (else 403; None: the
    caller checks). Two queries: the group with its edition, then what the permission rules read (_remember_role).
    `page`: a page of the workspace, which _access() will ask about; the group's query joins the settings it reads."""
    groups = Group.objects.select_related("edition__school", "stakeholder_type")
    if page:
        groups = groups.select_related("edition__assignment__settings")
    group = get_object_or_404(groups, edition__slug=slug, pk=group_pk)
    if page:
        try:
            group.assignment_settings = group.edition.assignment.settings
        except ObjectDoesNotExist:  # no assignment yet, or no settings: what settings_for() says with None
            group.assignment_settings = None
    _remember_role(request.user, group)
    if perm is not None and not request.user.has_perm(perm, group):
        raise PermissionDenied
    return group


def _remember_role(user, group: Group) -> None:
    """The user's role in the group and, for a member, whether the groups are published, read in one query and left
    where the permission rules look first (their per-request caches: submissions.rules.group_role_of() and
    groups.rules.groups_are_published()), which would otherwise read them in two."""
    if not user.is_authenticated:
        return
    row = (
        Membership.objects.filter(group=group, user=user.pk)
        .order_by("pk")
        .values_list("group_role", "group__edition__group_formation__published_at")
        .first()
    )
    remember_group_role(user, group, row[0] if row else None)
    if row:  # only members ask whether the groups are published
        remember_publication(group.edition, row[1] is not None)


def _section_for(group: Group, section_pk: int, *, editor: bool = True) -> Section:
    """The section of the address, in this group (404 otherwise); `editor`: with who edited it last."""
    sections = Section.objects.filter(group=group).select_related("template", *(["updated_by"] if editor else []))
    return get_object_or_404(sections, pk=section_pk)


def _access(request, group: Group) -> dict:
    """Whether this user may write now, and if not because the workspace is closed, why; the group's window."""
    user = request.user
    can_write, closed_message = False, ""
    settings = group.assignment_settings if hasattr(group, "assignment_settings") else services.settings_for(group)
    window = services.window_for(group, settings)
    latest = latest_submission_state(group)
    if user.has_perm(WRITE, group):
        try:
            services.require_writable(group, user, window=window, latest=latest)
            can_write = True
        except services.WorkspaceClosed as closed:
            closed_message = closed.message
    return {
        "can_write": can_write,
        "closed_message": closed_message,
        "can_comment": user.has_perm(COMMENT, group),
        "window": window,
        # The jury asked for changes: the page points at its feedback (on the submission's page).
        "revision_of": latest[0] if latest and latest[1] == Submission.State.CHANGES_REQUESTED else None,
    }


def _editor_labels() -> dict:
    """The editor's messages, translated here: the script reads them from a json_script block."""
    return {
        "saving": _("Saving…"),
        "saved": _("Saved at {time} by {name}"),
        "you": _("you"),
        "someone": _("someone"),
        "local": _("Saved on this device only — will be sent when the connection returns"),
        "conflict": _("Conflict: someone saved meanwhile"),
        "closed": _("{message} Your text is kept on this device."),
        "login": _("Your session has ended: log in again (in another tab); your text is kept on this device."),
        "error": _("Not saved ({message}). Your text is kept on this device."),
        "theirs": _("Saved by {name} (version {version}), read only"),
        "link": _("Address of the link (https://…)"),
        "image": _("Address of the image (https://…)"),
        "uploading": _("Uploading…"),
        "uploaded": _("“{name}” uploaded: describe it, then insert it."),
        "imageFailed": _("The image could not be added ({message})."),
        "imageOffline": _("Adding an image needs a connection: try again once online. Your text is kept."),
        "table": _("Rows × columns of the table (for example 3 × 4)"),
        "unsent": _("Typed on this device and never sent (the document can no longer be edited): copy it if needed."),
    }


def _page_context(request, group: Group, **extra) -> dict:
    return {
        "edition": group.edition,
        "group": group,
        "editor_labels": _editor_labels(),
        **_access(request, group),
        **extra,
    }


def _section_url(group: Group, section: Section, name: str = "section") -> str:
    return reverse(f"submissions:{name}", args=[group.edition.slug, group.pk, section.pk])


def _back(request, group: Group, section: Section):
    """After a form: the page it came from (a fixed choice, never an address from the request)."""
    if request.POST.get("next") == "workspace":
        return redirect(f"{reverse('submissions:workspace', args=[group.edition.slug, group.pk])}#section-{section.pk}")
    return redirect(_section_url(group, section))


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------
@never_cache
@login_required
@require_GET
def workspace(request, slug, group_pk):
    group = _group_for(request, slug, group_pk, page=True)
    sections = workspace_sections(group)
    context = _page_context(request, group, sections=sections, status_choices=Section.Status.choices)
    return render(request, "submissions/workspace.html", context)


@never_cache
@login_required
@require_GET
def section_detail(request, slug, group_pk, section_pk):
    group = _group_for(request, slug, group_pk, page=True)
    section = _section_for(group, section_pk)
    versions = list(section.versions.select_related("author").defer("html")[:5])
    comments = section.comments.select_related("author")
    context = _page_context(
        request, group, section=section, versions=versions, comments=comments,
        comment_form=CommentForm(action=_section_url(group, section, "section_comments")),
        status_choices=Section.Status.choices,
    )  # fmt: skip
    return render(request, "submissions/workspace_section.html", context)


@never_cache
@login_required
@require_GET
def section_history(request, slug, group_pk, section_pk):
    """The versions (who, when, words, origin) and what one of them changed from the one before."""
    group = _group_for(request, slug, group_pk, page=True)
    section = _section_for(group, section_pk, editor=False)
    number = request.GET.get("v", "")
    number = int(number) if number.isdigit() and len(number) < 10 else section.version
    # The shown version and the one before, for the diff: their texts come with the page's rows when they are on
    # it (the usual case: the latest version, first page), else from one more query. The other rows leave theirs.
    pair = [n for n in (number, number - 1) if 1 <= n <= section.version]  # versions are numbered 1..version
    text = Case(When(number__in=pair, then="html"), default=Value(""), output_field=TextField())
    with_text = section.versions.select_related("author").defer("html").annotate(text=text).order_by("-number")
    paginator = Paginator(with_text, HISTORY_PAGE_SIZE)
    paginator.count = section.version  # versions are numbered 1..version and never deleted: no COUNT query
    page = paginator.get_page(request.GET.get("page"))
    texts = {v.number: v for v in page.object_list if v.number in pair}  # reads the page (the template reuses it)
    if len(texts) < len(pair):
        texts.update({v.number: v for v in with_text.filter(number__in=pair)})
    shown = texts.get(number)
    if shown is not None:
        previous = texts.get(number - 1)
        shown.diff = word_diff(previous.text if previous else "", shown.text)
        shown.previous = previous
    context = _page_context(
        request, group, section=section, page=page, shown=shown, extra=f"v={number}",
    )  # fmt: skip
    return render(request, "submissions/workspace_history.html", context)


@login_required
@require_GET
def my_workspace(request, slug):
    """The participant's own group's document; without a group yet, the "my group" page says why."""
    edition = get_object_or_404(Edition, slug=slug)
    group_id = None
    if request.user.has_perm("groups.see_own_group", edition):  # a participant, once the groups are published
        group_id = (
            Membership.objects.filter(edition=edition, user=request.user).values_list("group_id", flat=True).first()
        )
    if group_id is None:
        return redirect("groups:my_group", slug=slug)
    return redirect("submissions:workspace", slug=slug, group_pk=group_id)


# ---------------------------------------------------------------------------
# Saving: JSON for the editor, a plain form without JavaScript
# ---------------------------------------------------------------------------
def _json(payload: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(payload, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _wants_json(request) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get("Accept", "")


def _save_data(request) -> dict | None:
    if request.content_type != "application/json":
        return request.POST
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("html", ""), str):
        return None
    return data


def _saved_payload(saved: services.Saved) -> dict:
    section = saved.section
    at = timezone.localtime(section.updated_at) if section.updated_at else None
    limit = section.template.word_limit
    return {
        "status": "saved",
        "version": saved.version,
        "words": saved.words,
        "limit": limit,
        "changed": saved.changed,
        "saved_at": at.isoformat() if at else None,
        "saved_at_label": formats.time_format(at, "TIME_FORMAT") if at else "",
        "saved_by": str(section.updated_by) if section.updated_by_id else "",
        "saved_by_id": section.updated_by_id,
    }


def _conflict_payload(conflict: services.Conflict) -> dict:
    return {
        "status": "conflict",
        "base_version": conflict.base_version,
        "their_version": conflict.their_version,
        "their_html": conflict.their_html,
        "their_author": str(conflict.their_author) if conflict.their_author else "",
        "your_html": conflict.your_html,
    }


@require_POST
@rate_limited("autosave")
def section_save(request, slug, group_pk, section_pk):
    as_json = _wants_json(request)
    if not request.user.is_authenticated:
        if as_json:
            return _json({"status": "login", "message": _("Your session has ended: log in again.")}, 401)
        return redirect_to_login(reverse("submissions:section", args=[slug, group_pk, section_pk]))
    try:
        group = _group_for(request, slug, group_pk, WRITE)
    except PermissionDenied:
        if as_json:
            return _json({"status": "forbidden", "message": _("Only the group's members edit its document.")}, 403)
        raise
    section = _section_for(group, section_pk)
    data = _save_data(request)
    form = SectionSaveForm(data, plain_text=not as_json) if data is not None else None
    if form is None or not form.is_valid():
        message = form.first_error() if form is not None else _("The text could not be read: reload the page.")
        if as_json:
            return _json({"status": "invalid", "message": message}, 400)
        messages.error(request, message)
        return _back(request, group, section)
    html, keep = form.cleaned_data["html"], form.cleaned_data["keep"]
    if keep == SectionSaveForm.KEEP_THEIRS:
        html = section.html
    elif keep == SectionSaveForm.KEEP_BOTH:
        html = section.html + html
    try:
        result = services.save_section(
            section, html, base_version=form.cleaned_data["base_version"], by=request.user,
            origin=form.cleaned_data["origin"],
        )  # fmt: skip
    except services.WorkspaceClosed as closed:
        if as_json:
            return _json({"status": "closed", "message": closed.message}, 423)
        messages.error(request, closed.message)
        return _back(request, group, section)
    if isinstance(result, services.Conflict):
        if as_json:
            return _json(_conflict_payload(result), 409)
        context = _page_context(request, group, section=section, conflict=result, next=request.POST.get("next"))
        response = render(request, "submissions/workspace_merge.html", context, status=409)
        add_never_cache_headers(response)
        return response
    if as_json:
        return _json(_saved_payload(result))
    messages.success(request, _("Saved (version %(version)s).") % {"version": result.version})
    limit = section.template.word_limit
    if limit and result.words > limit:
        messages.warning(
            request, _("%(words)s words, above the limit of %(limit)s.") % {"words": result.words, "limit": limit}
        )
    return _back(request, group, section)


# ---------------------------------------------------------------------------
# Other actions (forms; they work without JavaScript)
# ---------------------------------------------------------------------------
@require_POST
@login_required
def section_status(request, slug, group_pk, section_pk):
    group = _group_for(request, slug, group_pk, WRITE)
    section = _section_for(group, section_pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["status"][0])
        return _back(request, group, section)
    try:
        services.set_status(section, form.cleaned_data["status"], by=request.user)
    except services.WorkspaceClosed as closed:
        messages.error(request, closed.message)
    else:
        messages.success(
            request,
            _("“%(title)s” is now: %(status)s.")
            % {"title": section.template.tr.title, "status": section.get_status_display()},
        )
    return _back(request, group, section)


@require_POST
@login_required
def section_comments(request, slug, group_pk, section_pk):
    group = _group_for(request, slug, group_pk, COMMENT)
    section = _section_for(group, section_pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.add_comment(section, form.cleaned_data["text"], by=request.user)
        except ValueError:
            messages.error(request, _("The comment is empty."))
        else:
            messages.success(request, _("Comment added."))
    else:
        messages.error(request, form.errors["text"][0])
    return redirect(f"{_section_url(group, section)}#comments")


@require_POST
@login_required
def section_restore(request, slug, group_pk, section_pk):
    """An old version's text becomes the newest version (nothing in the history is removed)."""
    group = _group_for(request, slug, group_pk, WRITE)
    section = _section_for(group, section_pk)
    form = RestoreForm(request.POST)
    if not form.is_valid():
        raise Http404
    number = form.cleaned_data["number"]
    history = reverse("submissions:section_history", args=[slug, group.pk, section.pk])
    try:
        saved = services.restore_version(section, number, by=request.user)
    except SectionVersion.DoesNotExist as missing:
        raise Http404 from missing
    except services.WorkspaceClosed as closed:
        messages.error(request, closed.message)
        return redirect(f"{history}?v={number}")
    messages.success(
        request,
        _("Version %(old)s restored as version %(new)s.") % {"old": number, "new": saved.version},
    )
    return redirect(f"{history}?v={saved.version}")
