"""Messages: compose, the outbox (drafts waiting for review, then the history), a message's deliveries, templates."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cohorts.models import Message, MessageRecipient, MessageTemplate
from cohorts.permissions import edition_for
from cohorts.services import outbox

from ..forms_messages import MessageForm, TemplateForm
from ..services import reminders, segments

PERM = "cockpit.send_messages"
HISTORY_PER_PAGE = 20
RECIPIENTS_PER_PAGE = 100
PREVIEWED = 3
R = MessageRecipient.State


def _with_counts(queryset):
    return queryset.annotate(
        total=Count("recipients"),
        sent_count=Count("recipients", filter=Q(recipients__state=R.SENT)),
        failed_count=Count("recipients", filter=Q(recipients__state=R.FAILED)),
    )


@login_required
def outbox_page(request, slug):
    edition = edition_for(request, slug, PERM)
    drafts = list(edition.messages.filter(state=Message.State.DRAFT).select_related("created_by"))
    history = _with_counts(
        edition.messages.exclude(state__in=[Message.State.DRAFT, Message.State.DISCARDED]).select_related("sent_by")
    ).order_by("-queued_at", "-pk")
    context = {
        "edition": edition,
        "drafts": drafts,
        "page": Paginator(history, HISTORY_PER_PAGE).get_page(request.GET.get("page")),
    }
    return render(request, "cockpit/messages_outbox.html", context)


def _preview(edition, form: MessageForm) -> tuple[list, int]:
    """The first recipients' copies, rendered as they will be sent, and how many recipients there are."""
    recipients = segments.resolve(edition, form.segment)
    draft = Message(edition=edition, **form.texts())
    return [(recipient, *outbox.render_for(draft, recipient)) for recipient in recipients[:PREVIEWED]], len(recipients)


def _compose(request, edition, form: MessageForm, message: Message | None, **extra):
    """Shared by compose and edit: "preview" shows the first copies, "save" keeps the draft for the outbox."""
    context = {"edition": edition, "form": form, "message": message, "placeholders": outbox.PLACEHOLDERS, **extra}
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            context["preview"], context["recipient_count"] = _preview(edition, form)
            return render(request, "cockpit/messages_compose.html", context)
        fields = {"segment": form.segment, "segment_label": form.segment_label, **form.texts()}
        try:
            if message is None:
                outbox.create_draft(edition, by=request.user, template=form.cleaned_data.get("template"), **fields)
            else:
                outbox.edit_draft(message, by=request.user, **fields)
        except ValidationError as error:
            form.add_error(None, error)
        except outbox.OutboxError as error:
            messages.error(request, str(error))
            return redirect("cockpit:outbox", slug=edition.slug)
        else:
            messages.success(request, _("The message waits in the outbox: review it, then send it."))
            return redirect("cockpit:outbox", slug=edition.slug)
    return render(request, "cockpit/messages_compose.html", context)


@login_required
def message_compose(request, slug):
    edition = edition_for(request, slug, PERM)
    templates = list(MessageTemplate.objects.filter(edition=edition))
    initial = {}
    chosen = request.GET.get("template", "")
    template = next((t for t in templates if str(t.pk) == chosen), None)
    if template is not None:
        initial = {"template": template.pk, **{name: getattr(template, name) for name in outbox.TEXT_FIELDS}}
    form = MessageForm(request.POST or None, edition=edition, initial=initial)
    return _compose(request, edition, form, None, templates=templates, chosen_template=template)


@login_required
def message_edit(request, slug, pk):
    edition = edition_for(request, slug, PERM)
    message = get_object_or_404(edition.messages.select_related("edition"), pk=pk)
    if message.state != Message.State.DRAFT:
        messages.info(request, _("This message has already been sent or discarded."))
        return redirect("cockpit:message_detail", slug=slug, pk=message.pk)
    initial = {"segment": segments.code_of(message.segment), **{n: getattr(message, n) for n in outbox.TEXT_FIELDS}}
    form = MessageForm(request.POST or None, edition=edition, initial=initial)
    return _compose(request, edition, form, message)


@require_POST
@login_required
def outbox_action(request, slug):
    """The outbox's buttons: send the selected drafts, send them all, or discard one."""
    edition = edition_for(request, slug, PERM)
    drafts = edition.messages.filter(state=Message.State.DRAFT).select_related("edition")
    if request.POST.get("discard", "").isdigit():
        message = get_object_or_404(drafts, pk=request.POST["discard"])
        if outbox.discard_message(message, by=request.user):
            messages.success(request, _("The message was discarded."))
        return redirect("cockpit:outbox", slug=slug)
    if "send_all" in request.POST:
        chosen = list(drafts.order_by("created_at", "pk"))
    elif "send_selected" in request.POST:
        ids = [pk for pk in request.POST.getlist("selected") if pk.isdigit()]
        chosen = list(drafts.filter(pk__in=ids).order_by("created_at", "pk"))
    else:
        chosen = []
    if not chosen:
        messages.info(request, _("No draft was selected."))
        return redirect("cockpit:outbox", slug=slug)
    result = segments.queue_drafts(edition, chosen, by=request.user)
    for message, count in result.sent:
        messages.success(
            request,
            _("“%(subject)s” is on its way to %(count)s recipients.") % {"subject": message.subject_fr, "count": count},
        )
    for message, reason in result.refused:
        messages.error(
            request, _("“%(subject)s” was not sent: %(reason)s") % {"subject": message.subject_fr, "reason": reason}
        )
    return redirect("cockpit:outbox", slug=slug)


@require_POST
@login_required
def message_remind(request, slug):
    """A draft reminder to the groups without a submission, prefilled, to review before sending."""
    edition = edition_for(request, slug, PERM)
    message = reminders.draft_group_reminder(edition, by=request.user)
    messages.success(request, _("A reminder is ready: review it, then send it from the outbox."))
    return redirect("cockpit:message_edit", slug=slug, pk=message.pk)


@login_required
def message_detail(request, slug, pk):
    edition = edition_for(request, slug, PERM)
    message = get_object_or_404(_with_counts(edition.messages.select_related("created_by", "sent_by")), pk=pk)
    shown = request.GET.get("state", "")
    recipients = message.recipients.order_by("pk")
    if shown in R.values:
        recipients = recipients.filter(state=shown)
    else:
        shown = ""
    counts = dict(message.recipients.values_list("state").annotate(n=Count("pk")).order_by())
    context = {
        "edition": edition,
        "message": message,
        "counts": [(state, label, counts.get(state, 0)) for state, label in R.choices],
        "shown": shown,
        "page": Paginator(recipients, RECIPIENTS_PER_PAGE).get_page(request.GET.get("page")),
    }
    return render(request, "cockpit/messages_detail.html", context)


@login_required
def template_list(request, slug):
    edition = edition_for(request, slug, PERM)
    context = {"edition": edition, "templates": MessageTemplate.objects.filter(edition=edition)}
    return render(request, "cockpit/messages_templates.html", context)


@login_required
def template_edit(request, slug, pk=None):
    edition = edition_for(request, slug, PERM)
    template = get_object_or_404(MessageTemplate.objects.filter(edition=edition), pk=pk) if pk else None
    form = TemplateForm(request.POST or None, edition=edition, instance=template)
    if request.method == "POST" and form.is_valid():
        try:
            outbox.save_template(
                edition, by=request.user, template=template, name=form.cleaned_data["name"], **form.texts()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The template was saved."))
            return redirect("cockpit:message_templates", slug=slug)
    context = {"edition": edition, "form": form, "template": template, "placeholders": outbox.PLACEHOLDERS}
    return render(request, "cockpit/messages_template_edit.html", context)
