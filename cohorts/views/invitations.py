from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from malisig.ratelimit import rate_limited

from .. import services
from ..forms import AcceptInvitationForm, InvitationForm
from ..models import Invitation
from ..permissions import edition_for

INVITATIONS_PER_PAGE = 25


@login_required
def invitation_list(request, slug):
    edition = edition_for(request, slug, "cohorts.invite_to_edition")
    shown = request.GET.get("show", "waiting")
    context = {
        "edition": edition,
        "page": Paginator(services.invitations_to_show(edition, shown), INVITATIONS_PER_PAGE).get_page(
            request.GET.get("page")
        ),
        "shown": shown if shown in services.INVITATION_FILTERS else "waiting",
    }
    return render(request, "cohorts/invitation_list.html", context)


@login_required
@rate_limited("invitation")
def invitation_create(request, slug):
    edition = edition_for(request, slug, "cohorts.invite_to_edition")
    form = InvitationForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite(edition, by=request.user, **form.cleaned_data)
        except services.AlreadyHoldsRole:
            form.add_error("email", _("This person already holds this role in the edition."))
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("cohorts:invitation_list", slug=edition.slug)
    context = {"edition": edition, "form": form, "max_age_days": settings.INVITATION_MAX_AGE_DAYS}
    return render(request, "cohorts/invitation_create.html", context)


@require_POST
@login_required
@rate_limited("invitation")
def invitation_action(request, slug):
    """The buttons of the invitations table (one form for the whole table: light on slow phones)."""
    edition = edition_for(request, slug, "cohorts.invite_to_edition")
    action = "resend" if "resend" in request.POST else "revoke" if "revoke" in request.POST else None
    pk = request.POST.get(action or "", "")
    if action is None or not pk.isdigit():
        return redirect("cohorts:invitation_list", slug=slug)
    invitation = get_object_or_404(edition.invitations.select_related("edition"), pk=pk)
    if action == "resend":
        _resend(request, invitation)
    else:
        _revoke(request, invitation)
    return redirect(f"{reverse('cohorts:invitation_list', args=[slug])}?{request.GET.urlencode()}")


def _resend(request, invitation: Invitation) -> None:
    email = {"email": invitation.email}
    if invitation.accepted_at:
        messages.info(request, _("%(email)s has already accepted.") % email)
        return
    try:
        services.invite(invitation.edition, invitation.email, invitation.role, by=request.user)
        messages.success(request, _("A new link was sent to %(email)s.") % email)
    except services.AlreadyHoldsRole:
        messages.info(request, _("This person already holds this role in the edition."))


def _revoke(request, invitation: Invitation) -> None:
    invitation = services.revoke_invitation(invitation, by=request.user)
    email = {"email": invitation.email}
    if invitation.revoked_at:
        messages.success(request, _("The invitation for %(email)s was withdrawn.") % email)
    else:
        messages.info(request, _("%(email)s has already accepted.") % email)


def _problem_page(request, problem: services.InvitationProblem, token: str):
    accepted_by_visitor = request.user.is_authenticated and problem.invitation.accepted_by_id == request.user.pk
    if problem.reason == "used" and accepted_by_visitor:
        # A double click or a second visit by the person who accepted: take them where they were going.
        messages.info(request, _("You have already accepted this invitation."))
        return redirect(problem.invitation.edition.get_absolute_url())
    return render(request, "cohorts/invitation_problem.html", {"problem": problem, "token": token}, status=410)


def invitation_accept(request, token):
    try:
        invitation = services.read_invitation_token(token)
    except services.InvitationProblem as problem:
        return _problem_page(request, problem, token)
    if request.user.is_authenticated:
        return _accept_as_logged_in(request, token, invitation)
    if services.must_log_in_to_accept(invitation):
        return render(request, "cohorts/invitation_login.html", {"invitation": invitation})
    form = AcceptInvitationForm(
        request.POST or None,
        email=invitation.email,
        initial={"first_name": invitation.first_name, "last_name": invitation.last_name},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_account_from_invitation(
                token,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
            )
        except services.InvitationProblem as problem:
            return _problem_page(request, problem, token)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return _welcome(request, invitation)
    return render(request, "cohorts/invitation_accept.html", {"invitation": invitation, "form": form})


def _accept_as_logged_in(request, token, invitation):
    if request.method == "POST":
        try:
            services.accept_invitation(token, request.user)
        except services.InvitationProblem as problem:
            return _problem_page(request, problem, token)
        return _welcome(request, invitation)
    if request.user.email.lower() != invitation.email.lower():
        problem = services.InvitationProblem(
            "other_account",
            _("This invitation was sent to another email address. Log out, then open the link again."),
            invitation,
        )
        return _problem_page(request, problem, token)
    return render(request, "cohorts/invitation_confirm.html", {"invitation": invitation})


def _welcome(request, invitation):
    messages.success(
        request,
        _("Welcome to %(edition)s: you joined as %(role)s.")
        % {"edition": invitation.edition, "role": invitation.get_role_display()},
    )
    return redirect(invitation.edition.get_absolute_url())


@require_POST
def invitation_renewal(request, token):
    try:
        services.read_invitation_token(token)
    except services.InvitationProblem as problem:
        if problem.invitation is None or problem.reason == "used":
            raise PermissionDenied from None
        services.request_new_invitation(problem.invitation)
        context = {"problem": problem, "token": token, "asked": True}
        return render(request, "cohorts/invitation_problem.html", context)
    return redirect("cohorts:invitation_accept", token=token)
