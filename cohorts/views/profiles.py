"""A participant's page for organisers, and "my profile" for everyone."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import services
from ..forms_roster import MyProfileForm, StatusChangeForm
from ..models import Enrolment
from ..permissions import edition_for

S = Enrolment.Status
# What each status button says on a participant's page, by the status it leads to (and from where).
BUTTON_LABELS = {
    S.ADMITTED: gettext_lazy("Admit by hand"),
    S.INVITED: gettext_lazy("Send the invitation"),
    S.ACTIVE: gettext_lazy("Back to active"),
    S.WITHDRAWN: gettext_lazy("Withdraw"),
    S.COMPLETED: gettext_lazy("Mark as completed"),
}


def _enrolment(edition, pk: int) -> Enrolment:
    """Only this edition's enrolments: an id from another edition is a 404."""
    return get_object_or_404(Enrolment.objects.filter(edition=edition).select_related("edition", "user"), pk=pk)


def _button_label(enrolment: Enrolment, to: str) -> str:
    if to == S.ADMITTED and enrolment.status == S.WITHDRAWN:
        return _("Reinstate")
    return str(BUTTON_LABELS[to])


@login_required
def participant_profile(request, slug, pk):
    edition = edition_for(request, slug, "cohorts.view_roster")
    enrolment = _enrolment(edition, pk)
    attendance = services.attendance_of(enrolment)
    held = [mark for event, mark in attendance if event.date <= timezone.localdate()]
    context = {
        "edition": edition,
        "enrolment": enrolment,
        "person": enrolment.user,
        "profile": services.profile_of(enrolment.user),
        "changes": enrolment.changes.select_related("by"),
        "attendance": attendance,
        "attendance_rate": services.attendance_rate(held.count(True), len(held)),
        "buttons": [(to, _button_label(enrolment, to)) for to in services.transitions_by_hand(enrolment)],
        "status_form": StatusChangeForm(),
    }
    return render(request, "cohorts/profile_participant.html", context)


@require_POST
@login_required
def participant_transition(request, slug, pk):
    edition = edition_for(request, slug, "cohorts.view_roster")
    enrolment = _enrolment(edition, pk)
    back = redirect("cohorts:participant_profile", slug=edition.slug, pk=enrolment.pk)
    form = StatusChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the buttons."))
        return back
    to, note = form.cleaned_data["to"], form.cleaned_data["note"]
    try:
        done = services.change_enrolment_status(enrolment, to, by=request.user, note=note)
    except services.InvalidTransition:
        # Most often a double click, or a colleague was quicker.
        enrolment.refresh_from_db(fields=["status"])
        messages.info(
            request, _("Nothing changed: the status is now “%(status)s”.") % {"status": enrolment.get_status_display()}
        )
    except ValueError:
        messages.error(request, _("Say why you admit this person by hand: it is kept in their history."))
    else:
        if done:
            enrolment.refresh_from_db(fields=["status"])
            messages.success(request, _("New status: %(status)s.") % {"status": enrolment.get_status_display()})
        else:
            messages.success(request, _("The invitation is being sent."))
    return back


@login_required
def my_profile(request):
    """Anyone logged in edits their own name, language and profile; not their email, grade, status or eligibility."""
    person = request.user
    if not person.has_perm("cohorts.edit_own_profile", person):
        raise PermissionDenied
    profile = services.profile_of(person)
    initial = {name: getattr(person, name) for name in services.OWN_ACCOUNT_FIELDS}
    initial.update({name: getattr(profile, name, "") for name in services.OWN_PROFILE_FIELDS})
    form = MyProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.update_own_profile(person, by=request.user, **form.cleaned_data)
        messages.success(request, _("Your profile was saved."))
        response = redirect("cohorts:my_profile")
        # The language cookie wins over the profile (LanguageMiddleware): make it follow the new choice.
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            person.preferred_language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        return response
    enrolments = person.enrolments.select_related("edition").order_by("-edition__year")
    return render(request, "cohorts/profile_mine.html", {"form": form, "person": person, "enrolments": enrolments})
