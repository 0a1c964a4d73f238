"""The jury's set-up: review settings and rubrics, conflicts of interest, assignment of jurors to groups.

Each action checks who acts (PermissionDenied), runs in a transaction and logs. Organisers configure
(submissions.configure_review); the chair (or an organiser) detects and decides conflicts and assigns
(submissions.chair_review); a juror declares their own conflicts (submissions.serve_on_jury).

A conflict of interest in a BLOCKING status (declared, detected and not yet decided, confirmed) keeps the juror
away from the group: never assigned automatically nor by hand. A declared or confirmed conflict also removes an
existing assignment (the conflict wins); a detected one only suspends it until the chair decides (rules.py already
shuts the doors), so dismissing a false alarm gives the juror their group back.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cohorts.models import Edition, EditionRole, Role
from groups.models import Group, Membership
from malisig.audit import announce
from malisig.models import User
from malisig.text import fold

from ..models import ConflictOfInterest, Criterion, DefenseScore, ReviewAssignment, ReviewSettings, Score, Submission
from ..rules import forget_jury_groups
from .results import results_changed
from .review import blind_numbers, jury_label, review_settings_for

logger = logging.getLogger(__name__)

CONFIGURE = "submissions.configure_review"
CHAIR = "submissions.chair_review"
SERVE = "submissions.serve_on_jury"
JURY_ROLES = (Role.JUROR, Role.JURY_CHAIR)
Status = ConflictOfInterest.Status

# Addresses anyone can open: sharing one says nothing about an institution.
WEBMAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.fr", "ymail.com", "rocketmail.com", "hotmail.com",
        "hotmail.fr", "outlook.com", "outlook.fr", "live.com", "live.fr", "msn.com", "icloud.com", "me.com",
        "aol.com", "protonmail.com", "proton.me", "gmx.com", "gmx.fr", "mail.com", "yandex.com", "zoho.com",
        "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr",
    }
)  # fmt: skip
# Reserved for documentation and tests (RFC 2606, RFC 6761): the demo's people all live at example.org.
RESERVED_DOMAINS = frozenset({"example.com", "example.org", "example.net", "localhost"})
RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost")

SETTINGS_FIELDS = (
    "aggregation", "reviewers_per_submission", "max_per_juror", "blind", "reviews_visible", "review_deadline",
    "document_weight", "defense_minutes",
)  # fmt: skip


class JuryRefused(Exception):
    """A set-up action refused for a reason the user can act on; `message` says it (nothing was saved)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _require(user: User, perm: str, edition: Edition) -> None:
    if not user.has_perm(perm, edition):
        raise PermissionDenied


def _forget(by: User, *jurors) -> None:
    """The current user's cached jury groups (rules.jury_groups_of) are stale once their rows change."""
    if any(juror is not None and juror.pk == by.pk for juror in jurors):
        forget_jury_groups(by)


def _lock(edition: Edition) -> ReviewSettings:
    # lock: the chair clicking "assign" twice, or two organisers saving, would otherwise interleave
    review_settings = review_settings_for(edition)
    return ReviewSettings.objects.select_for_update().get(pk=review_settings.pk)


# ---------------------------------------------------------------------------
# Settings and rubrics


def scored_criteria(criteria) -> set[int]:
    """Ids of the criteria (of `criteria`, a queryset) that already hold a score (a review's or the defense's)."""
    ids = list(criteria.values_list("pk", flat=True))
    scored = set(Score.objects.filter(criterion_id__in=ids, value__isnull=False).values_list("criterion_id", flat=True))
    scored |= set(DefenseScore.objects.filter(criterion_id__in=ids).values_list("criterion_id", flat=True))
    return scored


def annotate_scored(criteria):
    """The criteria with `scored`: True when a review or a defense score uses them (their scale is then fixed)."""
    return criteria.annotate(
        scored_in_review=Exists(Score.objects.filter(criterion=OuterRef("pk"), value__isnull=False)),
        scored_at_defense=Exists(DefenseScore.objects.filter(criterion=OuterRef("pk"))),
    )


@transaction.atomic
def save_review_settings(edition: Edition, values: dict, *, rubrics: dict, by: User) -> ReviewSettings:
    """Save the edition's review settings and its rubrics, all or nothing.

    `values`: the cleaned data of ReviewSettingsForm; `rubrics`: {Criterion.Rubric: a valid CriterionFormSet}.
    Refused (JuryRefused, nothing saved) when a criterion that holds scores would change scale or disappear, or
    when the document rubric would have no criterion that counts; checked again here under the lock.
    Writes: the ReviewSettings row, Criterion rows (new, changed, deleted).
    """
    _require(by, CONFIGURE, edition)
    review_settings = _lock(edition)
    for name in SETTINGS_FIELDS:
        if name in values:
            setattr(review_settings, name, values[name])
    review_settings.full_clean(exclude=["edition"])
    if review_settings.document_weight > 100:
        raise ValidationError({"document_weight": _("The weight of the document is a percentage: at most 100.")})
    review_settings.save()
    for rubric, formset in rubrics.items():
        _save_rubric(edition, rubric, formset)
    if not Criterion.objects.filter(edition=edition, rubric=Criterion.Rubric.DOCUMENT, informational=False).exists():
        raise JuryRefused(_("The document rubric needs at least one criterion that counts in the total."))
    logger.info("%s: review settings saved by %s", edition.slug, by)
    return review_settings


def _save_rubric(edition: Edition, rubric: str, formset) -> None:
    formset.instance = edition
    rows = formset.save(commit=False)
    touched = [row.pk for row in formset.deleted_objects]
    touched += [
        form.instance.pk
        for form in formset.forms
        if form.instance.pk and {"scale_min", "scale_max"} & set(form.changed_data)
    ]
    if touched:
        locked = scored_criteria(Criterion.objects.filter(edition=edition, pk__in=touched))
        if locked:
            names = Criterion.objects.filter(pk__in=locked).order_by("position", "pk")
            raise JuryRefused(
                _("%(criteria)s: reviews already hold scores on this scale; it can be neither changed nor deleted.")
                % {"criteria": ", ".join(str(criterion) for criterion in names)}
            )
    for row in formset.deleted_objects:
        row.delete()
    for row in rows:
        row.edition, row.rubric = edition, rubric
        row.save()


# ---------------------------------------------------------------------------
# Who is on the jury


def jurors_of(edition: Edition) -> list[User]:
    """The edition's jury (jurors and the chair), each once, with `is_chair` and `organisation`, in name order."""
    rows = (
        EditionRole.objects.filter(edition=edition, role__in=JURY_ROLES)
        .select_related("user__profile")
        .order_by("user__last_name", "user__first_name", "user__pk")
    )
    jurors: dict[int, User] = {}
    for row in rows:
        juror = jurors.setdefault(row.user_id, row.user)
        juror.is_chair = getattr(juror, "is_chair", False) or row.role == Role.JURY_CHAIR
        profile = getattr(juror, "profile", None)
        juror.organisation = profile.organisation if profile is not None else ""
    return list(jurors.values())


def groups_to_review(edition: Edition):
    """The edition's groups that have handed in a document (not withdrawn): those the jury reviews."""
    handed_in = Submission.objects.filter(group=OuterRef("pk")).exclude(state=Submission.State.WITHDRAWN)
    return (
        Group.objects.filter(edition=edition)
        .filter(Exists(handed_in))
        .select_related("stakeholder_type")
        .order_by("stakeholder_type__position", "name", "pk")
    )


def _is_juror_of(edition: Edition, juror: User) -> bool:
    return EditionRole.objects.filter(edition=edition, user=juror, role__in=JURY_ROLES).exists()


# ---------------------------------------------------------------------------
# Conflicts of interest


def organisation_key(text: str) -> str:
    """What two organisations are compared on: folded, spaces collapsed ("Orange  MALI" == "orange mali")."""
    return " ".join(fold(text or "").split())


def institutional_domain(email: str) -> str:
    """The email's domain when it says something about an institution; "" for webmail and reserved domains."""
    domain = (email or "").rpartition("@")[2].strip().lower().rstrip(".")
    if not domain or domain in WEBMAIL_DOMAINS or domain in RESERVED_DOMAINS or domain.endswith(RESERVED_SUFFIXES):
        return ""
    return domain


@dataclass
class _GroupTraits:
    organisations: dict[str, str] = field(default_factory=dict)  # key → as typed
    domains: set[str] = field(default_factory=set)
    members: set[int] = field(default_factory=set)


@transaction.atomic
def detect_conflicts(edition: Edition, *, by: User) -> list[ConflictOfInterest]:
    """Flag likely conflicts for the chair: a juror whose organisation (folded) or email domain (webmail and
    reserved domains ignored) equals a member's, or who is a member of the group.

    Never duplicates a row, never touches an existing one (a dismissed conflict stays dismissed, a declared one
    stays declared). The reason names the organisation or domain, never the member (blind review).
    Writes: ConflictOfInterest rows (status suggested, kind institutional or personal). Returns the new rows.
    """
    _require(by, CHAIR, edition)
    _lock(edition)
    traits: dict[int, _GroupTraits] = {}
    memberships = Membership.objects.filter(group__edition=edition).select_related("user__profile")
    for membership in memberships:
        group = traits.setdefault(membership.group_id, _GroupTraits())
        group.members.add(membership.user_id)
        profile = getattr(membership.user, "profile", None)
        if profile is not None and organisation_key(profile.organisation):
            group.organisations.setdefault(organisation_key(profile.organisation), profile.organisation.strip())
        if domain := institutional_domain(membership.user.email):
            group.domains.add(domain)
    existing = set(ConflictOfInterest.objects.filter(group__edition=edition).values_list("juror_id", "group_id"))
    # The reason is stored: written in the site's language (French first), whoever clicks.
    with translation.override(settings.LANGUAGE_CODE):
        found = _likely_conflicts(edition, traits, existing)
    created = ConflictOfInterest.objects.bulk_create(found)
    results_changed()  # bulk_create sends no signal
    announce(ConflictOfInterest, created, action="create", by=by)  # the audit log, likewise
    _forget(by, *(row.juror for row in created))
    logger.info("%s: %d likely conflicts detected by %s", edition.slug, len(created), by)
    return created


def _likely_conflicts(edition: Edition, traits: dict, existing: set) -> list[ConflictOfInterest]:
    found = []
    for juror in jurors_of(edition):
        organisation, domain = organisation_key(juror.organisation), institutional_domain(juror.email)
        for group_id, group in sorted(traits.items()):
            if (juror.pk, group_id) in existing:
                continue
            if juror.pk in group.members:
                kind, reason = ConflictOfInterest.Kind.PERSONAL, _("Member of this group.")
            elif organisation and organisation in group.organisations:
                kind = ConflictOfInterest.Kind.INSTITUTIONAL
                reason = _("Same organisation as a member: %(organisation)s.") % {
                    "organisation": group.organisations[organisation]
                }
            elif domain and domain in group.domains:
                kind = ConflictOfInterest.Kind.INSTITUTIONAL
                reason = _("Same email domain as a member: %(domain)s.") % {"domain": domain}
            else:
                continue
            found.append(
                ConflictOfInterest(juror=juror, group_id=group_id, kind=kind, status=Status.SUGGESTED, reason=reason)
            )
    return found


def _decide(conflict: ConflictOfInterest, status: str, by: User) -> ConflictOfInterest:
    edition = conflict.group.edition
    _require(by, CHAIR, edition)
    if conflict.juror_id == by.pk:
        raise JuryRefused(_("Someone else decides on a conflict of interest of your own."))
    conflict = ConflictOfInterest.objects.select_for_update().get(pk=conflict.pk)
    if conflict.status != Status.SUGGESTED:
        raise JuryRefused(
            _("This conflict is already decided: “%(status)s”.") % {"status": conflict.get_status_display()}
        )
    conflict.status, conflict.decided_by, conflict.decided_at = status, by, timezone.now()
    conflict.save(update_fields=["status", "decided_by", "decided_at"])
    return conflict


@transaction.atomic
def confirm_conflict(conflict: ConflictOfInterest, *, by: User) -> ConflictOfInterest:
    """The chair confirms a detected conflict: the juror leaves that group's review for good.

    Writes: the conflict (status, decided_*); deletes the juror's assignment to that group, if any.
    Raises PermissionDenied, JuryRefused (already decided, or the chair's own conflict).
    """
    conflict = _decide(conflict, Status.CONFIRMED, by)
    ReviewAssignment.objects.filter(group_id=conflict.group_id, juror_id=conflict.juror_id).delete()
    _forget(by, conflict.juror)
    logger.info("Conflict %s confirmed by %s", conflict.pk, by)
    return conflict


@transaction.atomic
def dismiss_conflict(conflict: ConflictOfInterest, *, by: User) -> ConflictOfInterest:
    """The chair dismisses a detected conflict (a false alarm): it is never flagged again, and an existing
    assignment of the juror to the group takes effect again. Writes: the conflict (status, decided_*)."""
    conflict = _decide(conflict, Status.DISMISSED, by)
    _forget(by, conflict.juror)
    logger.info("Conflict %s dismissed by %s", conflict.pk, by)
    return conflict


@transaction.atomic
def declare_conflict(group: Group, kind: str, reason: str, *, by: User) -> ConflictOfInterest:
    """A juror declares a conflict of interest with a group (or changes the kind and reason of one).

    The conflict wins: the juror's assignment to that group, if any, is deleted, and the chair sees the
    declaration on the jury page. Writes: one ConflictOfInterest row (status declared); deletes a ReviewAssignment.
    Raises PermissionDenied.
    """
    _require(by, SERVE, group.edition)
    _lock(group.edition)
    kind = ConflictOfInterest.Kind(kind)
    conflict, _created = ConflictOfInterest.objects.update_or_create(
        juror=by,
        group=group,
        defaults={
            "kind": kind,
            "status": Status.DECLARED,
            "reason": reason.strip()[:300],
            "decided_by": None,
            "decided_at": None,
        },
    )
    removed, _detail = ReviewAssignment.objects.filter(group=group, juror=by).delete()
    forget_jury_groups(by)
    logger.info("%s declared a conflict with group %s (assignment removed: %s)", by, group.pk, bool(removed))
    return conflict


def blocked_pairs(edition: Edition) -> set[tuple[int, int]]:
    """{(juror id, group id)} kept apart by a blocking conflict."""
    return set(
        ConflictOfInterest.objects.filter(group__edition=edition, status__in=ConflictOfInterest.BLOCKING).values_list(
            "juror_id", "group_id"
        )
    )


# ---------------------------------------------------------------------------
# Assignment


def loads_of(edition: Edition) -> dict[int, int]:
    """{juror id: number of groups assigned} in this edition."""
    loads: dict[int, int] = {}
    for juror_id in ReviewAssignment.objects.filter(group__edition=edition).values_list("juror_id", flat=True):
        loads[juror_id] = loads.get(juror_id, 0) + 1
    return loads


@transaction.atomic
def assign_juror(group: Group, juror: User, *, by: User) -> ReviewAssignment:
    """The chair assigns a juror to a group's document (they review each of its submissions).

    Refused (ValidationError) when the person is not on the edition's jury, has a conflict of interest with the
    group (declared, detected or confirmed), or already reviews the most documents a juror may.
    Assigning twice is harmless (the row is returned). Writes: one ReviewAssignment row.
    """
    edition = group.edition
    _require(by, CHAIR, edition)
    review_settings = _lock(edition)
    existing = ReviewAssignment.objects.filter(group=group, juror=juror).first()
    if existing is not None:
        return existing
    if not _is_juror_of(edition, juror):
        raise ValidationError(_("%(person)s is not on this edition's jury.") % {"person": juror})
    if (juror.pk, group.pk) in blocked_pairs(edition):
        raise ValidationError(
            _("%(person)s has a conflict of interest with this group and cannot review it.") % {"person": juror}
        )
    limit = review_settings.max_per_juror
    if limit is not None and loads_of(edition).get(juror.pk, 0) >= limit:
        raise ValidationError(
            _("%(person)s already reviews %(count)d documents, the most a juror may (see the review settings).")
            % {"person": juror, "count": limit}
        )
    assignment = ReviewAssignment.objects.create(group=group, juror=juror, assigned_by=by)
    _forget(by, juror)
    logger.info("%s assigned to group %s by %s", juror, group.pk, by)
    return assignment


@transaction.atomic
def unassign_juror(group: Group, juror: User, *, by: User) -> bool:
    """The chair takes a juror off a group's document (their reviews stay, out of reach while unassigned).
    Writes: deletes one ReviewAssignment row. Returns whether there was one."""
    _require(by, CHAIR, group.edition)
    _lock(group.edition)
    removed, _detail = ReviewAssignment.objects.filter(group=group, juror=juror).delete()
    _forget(by, juror)
    if removed:
        logger.info("%s unassigned from group %s by %s", juror, group.pk, by)
    return bool(removed)


@dataclass
class Understaffed:
    group: Group
    assigned: int
    wanted: int


@dataclass
class AutoAssignment:
    created: list[ReviewAssignment]
    understaffed: list[Understaffed]


@transaction.atomic
def auto_assign(edition: Edition, *, by: User) -> AutoAssignment:
    """Staff every group that handed in a document with `reviewers_per_submission` jurors (0: every juror without
    a conflict), balanced on load: each place goes to the least-loaded eligible juror (ties: the juror's id).

    Keeps existing assignments (they count towards the number wanted); never assigns a juror with a blocking
    conflict; never goes over `max_per_juror`. Groups are staffed in order, those with the fewest eligible jurors
    first (they have the least choice). Writes: ReviewAssignment rows. Returns them and the groups left short.
    """
    _require(by, CHAIR, edition)
    review_settings = _lock(edition)
    jurors = {juror.pk: juror for juror in jurors_of(edition)}
    groups = list(groups_to_review(edition))
    blocked = blocked_pairs(edition)
    loads = dict.fromkeys(jurors, 0)
    assigned: dict[int, set[int]] = {group.pk: set() for group in groups}
    for group_id, juror_id in ReviewAssignment.objects.filter(group__edition=edition).values_list(
        "group_id", "juror_id"
    ):
        loads[juror_id] = loads.get(juror_id, 0) + 1
        if group_id in assigned and (juror_id, group_id) not in blocked:
            assigned[group_id].add(juror_id)
    limit = review_settings.max_per_juror

    def eligible(group: Group) -> list[int]:
        return [
            juror_id
            for juror_id in jurors
            if juror_id not in assigned[group.pk] and (juror_id, group.pk) not in blocked
        ]

    def wanted(group: Group) -> int:
        per_group = review_settings.reviewers_per_submission
        return len(assigned[group.pk]) + len(eligible(group)) if per_group == 0 else per_group

    created, understaffed = [], []
    for group in sorted(groups, key=lambda group: (len(eligible(group)), group.pk)):
        target = wanted(group)
        candidates = sorted(eligible(group), key=lambda juror_id: (loads[juror_id], juror_id))
        for juror_id in candidates:
            if len(assigned[group.pk]) >= target:
                break
            if limit is not None and loads[juror_id] >= limit:
                continue
            created.append(ReviewAssignment(group=group, juror=jurors[juror_id], assigned_by=by))
            assigned[group.pk].add(juror_id)
            loads[juror_id] += 1
        if len(assigned[group.pk]) < target or target == 0:
            understaffed.append(Understaffed(group, len(assigned[group.pk]), max(target, 1)))
    ReviewAssignment.objects.bulk_create(created)
    results_changed()  # bulk_create sends no signal
    announce(ReviewAssignment, created, action="create", by=by)  # the audit log, likewise
    _forget(by, *jurors.values())
    logger.info("%s: %d assignments made automatically by %s", edition.slug, len(created), by)
    understaffed.sort(key=lambda row: (row.group.stakeholder_type.position, row.group.name, row.group.pk))
    return AutoAssignment(created=created, understaffed=understaffed)


# ---------------------------------------------------------------------------
# Reading: the chair's jury page and a juror's conflicts page (a constant number of queries each)


@dataclass
class JuryBoard:
    review_settings: ReviewSettings
    jurors: list  # User with is_chair, organisation, load, conflict_count
    groups: list  # Group with label, assigned [(juror, blocked)], assignable [juror]
    conflicts: list  # ConflictOfInterest with group.label
    understaffed: int


def group_labeller(edition: Edition, review_settings: ReviewSettings, show_names: bool):
    numbers = blind_numbers(edition) if review_settings.blind and not show_names else None

    def label(group: Group) -> str:
        return group.name if numbers is None else jury_label(group, review_settings, numbers)

    return label


def jury_board(edition: Edition, *, show_names: bool) -> JuryBoard:
    """What the chair's page shows: jurors and their load, the groups to review with their jurors and who else
    may take them, the conflicts. In blind review, groups are labelled "Document N" unless `show_names`
    (organisers and staff run the edition and know the groups anyway)."""
    review_settings = review_settings_for(edition)
    label = group_labeller(edition, review_settings, show_names)
    jurors = jurors_of(edition)
    groups = list(groups_to_review(edition))
    conflicts = list(
        ConflictOfInterest.objects.filter(group__edition=edition)
        .select_related("juror", "group__stakeholder_type", "decided_by")
        .order_by("status", "juror__last_name", "juror__first_name", "group__name", "pk")
    )
    blocked = {(row.juror_id, row.group_id): row for row in conflicts if row.is_blocking}
    pairs = list(ReviewAssignment.objects.filter(group__edition=edition).values_list("group_id", "juror_id"))
    loads: dict[int, int] = {}
    assigned: dict[int, set[int]] = {}
    for group_id, juror_id in pairs:
        loads[juror_id] = loads.get(juror_id, 0) + 1
        assigned.setdefault(group_id, set()).add(juror_id)
    counts: dict[int, int] = {}
    for row in conflicts:
        row.group.label = label(row.group)
        counts[row.juror_id] = counts.get(row.juror_id, 0) + 1
    for juror in jurors:
        juror.load, juror.conflict_count = loads.get(juror.pk, 0), counts.get(juror.pk, 0)
    limit = review_settings.max_per_juror
    per_group = review_settings.reviewers_per_submission
    understaffed = 0
    for group in groups:
        group.label = label(group)
        mine = assigned.get(group.pk, set())
        group.assigned = [(juror, blocked.get((juror.pk, group.pk))) for juror in jurors if juror.pk in mine]
        group.assignable = [
            juror
            for juror in jurors
            if juror.pk not in mine and (juror.pk, group.pk) not in blocked and (limit is None or juror.load < limit)
        ]
        group.effective = sum(1 for _juror, conflict in group.assigned if conflict is None)
        wanted = per_group or group.effective + len(group.assignable)
        group.short = group.effective < wanted or group.effective == 0
        understaffed += group.short
    return JuryBoard(review_settings, jurors, groups, conflicts, understaffed)


@dataclass
class ConflictSheet:
    review_settings: ReviewSettings
    groups: list  # Group with label, people [str], conflict, is_assigned


def conflict_sheet(edition: Edition, juror: User) -> ConflictSheet:
    """What a juror sees to declare conflicts: every group of the edition, who is in it, their own conflicts and
    assignments. In blind review a juror needs to know whom they might be judging, but not the names: the
    members' organisations only (sorted, each once), and the group's jury label."""
    review_settings = review_settings_for(edition)
    label = group_labeller(edition, review_settings, show_names=False)
    groups = list(
        Group.objects.filter(edition=edition)
        .select_related("stakeholder_type")
        .order_by("stakeholder_type__position", "name", "pk")
    )
    people: dict[int, list] = {}
    memberships = (
        Membership.objects.filter(group__edition=edition)
        .select_related("user__profile")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    for membership in memberships:
        profile = getattr(membership.user, "profile", None)
        organisation = (profile.organisation.strip() if profile is not None else "") or ""
        people.setdefault(membership.group_id, []).append((membership.user, organisation))
    conflicts = {row.group_id: row for row in ConflictOfInterest.objects.filter(juror=juror, group__edition=edition)}
    assigned = set(
        ReviewAssignment.objects.filter(juror=juror, group__edition=edition).values_list("group_id", flat=True)
    )
    for group in groups:
        group.label = label(group)
        members = people.get(group.pk, [])
        if review_settings.blind:
            group.people = sorted({organisation for _user, organisation in members if organisation}, key=fold)
        else:
            group.people = [f"{user} ({organisation})" if organisation else str(user) for user, organisation in members]
        group.conflict = conflicts.get(group.pk)
        group.is_assigned = group.pk in assigned
    return ConflictSheet(review_settings, groups)
