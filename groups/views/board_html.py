"""The repeated parts of the formation screen, written in Python rather than by the template's loops.

A person without a group, a group's card with its figures and members, a group to choose: with thirty groups and fifty
people a page, the template engine's cost per variable and per {% blocktranslate %} was most of the page's time. The
strings are the template's (same msgids); every value is escaped, by format_html or escape().
"""

from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import services

_PK_MARK = 987654321

_PERSON = (
    '<li class="list-group-item py-1 px-2" data-person="{pk}">'
    '<input class="form-check-input me-1" type="checkbox" name="selected" value="{pk}" id="person-{pk}">'
    '<label class="form-check-label" for="person-{pk}">{name}</label>'
    '<div class="text-body-secondary">{details}</div></li>'
)
_MEMBER = (
    '<li data-person="{pk}">'
    '<input class="form-check-input me-1" type="checkbox" name="selected" value="{pk}" id="person-{pk}">'
    '<label for="person-{pk}">{name}</label>{organisation}{coordinator}{pinned}{withdrawn}</li>'
)
_CARD = (
    '<div class="col"><article class="card h-100" id="group-{pk}" data-group="{pk}" aria-labelledby="group-{pk}-title">'
    '<div class="card-body p-2 small">'
    '<h3 class="h6 mb-1" id="group-{pk}-title"><a href="{url}">{name}</a> '
    '<span class="badge text-bg-light border" data-testid="group-size">{size}</span>{state}</h3>'
    '<p class="mb-1 text-body-secondary">{role}{mentor}</p>'
    '<ul class="list-inline mb-1" data-testid="group-figures">{figures}</ul>'
    "{members}</div></article></div>"
)
_MEMBERS = (
    "<details{open}><summary>{title} ({size})</summary>"
    '<ul class="list-unstyled mb-0 mt-1" data-testid="members">{rows}</ul></details>'
)
_PIN_ICON = '<i class="bi bi-pin-angle-fill" aria-hidden="true"></i>'


def _people_html(people) -> str:
    """The people without a group of the page, as the list's items."""
    return mark_safe(  # noqa: S308 - every part is escaped by format_html or escape
        "".join(
            format_html(
                _PERSON,
                pk=person.user_id,
                name=person.name,
                details=" · ".join(
                    escape(str(text))
                    for text in (person.gender_label, person.country, person.organisation, person.sector)
                    if text
                ),
            )
            for person in people
        )
    )


def _members_html(card, labels: dict[str, str]) -> str:
    if not card.members:
        return format_html('<li class="text-body-secondary">{}</li>', labels["nobody"])
    coordinator = format_html(' <span class="badge text-bg-primary">{}</span>', labels["coordinator"])
    pinned = format_html(
        ' <i class="bi bi-pin-angle-fill" aria-hidden="true" title="{0}"></i><span class="visually-hidden">{0}</span>',
        labels["pinned"],
    )
    withdrawn = format_html(' <span class="badge text-bg-danger">{}</span>', labels["withdrawn"])
    return mark_safe(  # noqa: S308 - each member is made by format_html
        "".join(
            format_html(
                _MEMBER,
                pk=person.user_id,
                name=person.name,
                organisation=format_html(' <span class="text-body-secondary">· {}</span>', person.organisation)
                if person.organisation
                else "",
                coordinator=coordinator if person.is_coordinator else "",
                pinned=pinned if person.pinned else "",
                withdrawn="" if person.is_placeable else withdrawn,
            )
            for person in card.members
        )
    )


def _figures_html(card, genders: list[tuple[str, str]]) -> str:
    """A card's figures; `genders`: (code, label) in the order they are listed."""
    counts = card.genders
    figures = []
    if counts:
        figures.append(" · ".join(f"{label} {counts[code]}" for code, label in genders if code in counts))
    figures += [
        ngettext("%(count)s organisation", "%(count)s organisations", card.organisations)
        % {"count": card.organisations},
        ngettext("%(count)s country", "%(count)s countries", card.countries) % {"count": card.countries},
        ngettext("%(count)s from its own sector", "%(count)s from its own sector", card.own_sector)
        % {"count": card.own_sector},
    ]
    html = "".join(f'<li class="list-inline-item">{escape(figure)}</li>' for figure in figures)
    if card.pinned:
        pinned = ngettext("%(count)s pinned", "%(count)s pinned", card.pinned) % {"count": card.pinned}
        html += f'<li class="list-inline-item">{_PIN_ICON} {escape(pinned)}</li>'
    if card.not_placeable:
        withdrawn = ngettext("%(count)s withdrawn", "%(count)s withdrawn", card.not_placeable)
        html += f'<li class="list-inline-item text-danger">{escape(withdrawn % {"count": card.not_placeable})}</li>'
    return mark_safe(html)  # noqa: S308 - every text went through escape()


def _size_state_html(card) -> str:
    state = card.size_state
    if state == "under":
        return format_html(
            ' <span class="badge text-bg-warning">{}</span>', _("below %(minimum)s") % {"minimum": card.group.min_size}
        )
    if state == "over":
        return format_html(' <span class="badge text-bg-danger">{}</span>', _("above its maximum"))
    if state == "full":
        return format_html(' <span class="badge text-bg-secondary">{}</span>', _("full"))
    return ""


def _cards_html(board, slug: str, open_query: str) -> str:
    """The groups' cards: figures, and the members where the board shows them (else a link that opens them)."""
    prefix, suffix = reverse("groups:group_detail", args=[slug, _PK_MARK]).rsplit(str(_PK_MARK), 1)
    labels = {
        "members": _("Members"), "nobody": _("Nobody yet."), "show": _("Show the members"),
        "coordinator": _("Coordinator"), "pinned": _("Pinned"), "withdrawn": _("Withdrawn"),
    }  # fmt: skip
    query = f"{open_query}&" if open_query else ""
    genders = [(code, str(label)) for code, label in services.gender_labels().items() if code]  # "" is NO_GENDER
    cards = []
    for card in board.groups:
        group = card.group
        size = f"{card.size} / {group.max_size}" if group.max_size is not None else str(card.size)
        mentor = ""
        if group.mentor:
            name = group.mentor.get_full_name() or group.mentor.email
            mentor = format_html(" · {}", _("mentor: %(name)s") % {"name": name})
        if board.inline_members or group.pk == board.open_group:
            members = format_html(
                _MEMBERS,
                open=" open" if group.pk == board.open_group else "",
                title=labels["members"],
                size=card.size,
                rows=_members_html(card, labels),
            )
        elif card.size:
            members = format_html(
                '<a href="?{}ouvert={}#group-{}">{} ({})</a>', query, group.pk, group.pk, labels["show"], card.size
            )
        else:
            members = ""
        cards.append(
            format_html(
                _CARD,
                pk=group.pk,
                url=f"{prefix}{group.pk}{suffix}",
                name=group.name,
                size=size,
                state=_size_state_html(card),
                role=str(group.stakeholder_type),
                mentor=mentor,
                figures=_figures_html(card, genders),
                members=members,
            )
        )
    return mark_safe("".join(cards))  # noqa: S308 - each card is made by format_html


def _group_options_html(board) -> str:
    """The options of the group to place the ticked people in: name (size/maximum)."""
    return mark_safe(  # noqa: S308 - each option is made by format_html
        "".join(
            format_html(
                '<option value="{}">{} ({}{})</option>',
                card.group.pk,
                card.group.name,
                card.size,
                f"/{card.group.max_size}" if card.group.max_size is not None else "",
            )
            for card in board.groups
        )
    )


def board_html(board: services.FormationBoard, slug: str, *, open_query: str) -> dict[str, str]:
    """The formation template's snippets: `people_html`, `cards_html`, `group_options_html`.

    `open_query`: the page's query string without `ouvert`, kept by the links that open a group's members.
    """
    return {
        "people_html": _people_html(board.unassigned),
        "cards_html": _cards_html(board, slug, open_query),
        "group_options_html": _group_options_html(board),
    }
