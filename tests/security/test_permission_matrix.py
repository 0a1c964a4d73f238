"""The permission matrix: for every URL pattern of the project and every role, what a GET and a POST get.

One table (MATRIX) declares, per URL pattern (its name, or its route when it has none), the expected outcome of a
GET and of a POST for each of the ten roles of ROLES; the Django admin and allauth's account pages are declared by
prefix (PREFIXES). A pattern without a row fails test_every_url_pattern_has_a_row; a row without a pattern fails
test_every_row_names_a_url_pattern. test_permission_matrix sends the 20 requests of each pattern and lists every
cell that differs. Three checks follow the table: an object of edition A is not found through edition B's address
(by B's organiser or by staff), group B's section or file not through group A's, and the public pages and the
jury's image addresses show nothing outside a published or submitted document.

The outcomes: OK (2xx, a redirect elsewhere than a login page, or 400/409/422: the request was let in and judged on
its content), LOGIN (a redirect to the site's or the admin's login page, or 401), DENIED (403 or 404), NOT_ALLOWED
(405), GONE (410). A POST is empty unless the row gives data that reaches past the form's validation to the
permission check; CSRF is not enforced by the test client. Every POST is rolled back, so no cell sees another's
effects.

The world (matrix_world.py) is built once for the module, inside a transaction rolled back at the end; each test
runs in a savepoint of it (pytest-django's db).
"""

import re
from dataclasses import dataclass
from http.cookies import SimpleCookie

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from malisig.celery import app as celery_app

from .matrix_world import ROLES, build_world

OK = "OK"
LOGIN = "LOGIN"
DENIED = "DENIED"
NOT_ALLOWED = "NOT_ALLOWED"
GONE = "GONE"
ERROR = "ERROR"  # 5xx: never expected

# ---------------------------------------------------------------------------
# Who is who (see matrix_world.py). Every URL argument points at edition A ("matrice-a") and, for a group, at
# group A ("Secteur privé A"), whose document is in review.
#   anonymous         nobody logged in
#   member            a member of group A (not its coordinator)
#   other_member      a member of group B, same edition
#   other_edition     a participant of edition B, in one of its groups
#   juror             a juror of edition A assigned to group A
#   conflicted_juror  a juror assigned to group A who declared a conflict of interest with it
#   chair             the jury chair of edition A
#   organiser         an organiser of edition A
#   other_organiser   an organiser of edition B (same school)
#   staff             site staff (is_staff, no admin permission granted; the rules give them every organiser's right)

LOGGED_IN = tuple(role for role in ROLES if role != "anonymous")
EDITION = ("member", "other_member", "juror", "conflicted_juror", "chair", "organiser", "staff")
ORGANISERS = ("organiser", "staff")
CHAIR = ("chair", "organiser", "staff")
JURY = ("juror", "conflicted_juror", "chair")
WORKSPACE = ("member", "organiser", "staff")  # who reads group A's workspace
READ_FOR_JURY = ("juror", "chair", "organiser", "staff")  # who reads group A's submission as the jury


def only(*roles, anonymous=LOGIN, others=DENIED) -> dict:
    """`roles` get OK, the anonymous visitor `anonymous`, everybody else `others`."""
    return {role: OK if role in roles else anonymous if role == "anonymous" else others for role in ROLES}


def every(outcome) -> dict:
    return dict.fromkeys(ROLES, outcome)


PUBLIC = every(OK)
NO_SUCH_METHOD = every(NOT_ALLOWED)
# login_required outside the method check: the anonymous visitor is sent to log in first.
LOGIN_THEN_405 = only(anonymous=LOGIN, others=NOT_ALLOWED)


@dataclass(frozen=True)
class Row:
    get: dict
    post: dict
    query: str = ""  # added to the address
    data: object = None  # the POST's body: a function of the world, or None for an empty POST
    checked: tuple[str, ...] = ROLES  # the roles whose cells the test sends (all but for the admin's prefix row)


MATRIX: dict[str, Row] = {
    # --- malisig: the site's own pages
    "home": Row(PUBLIC, PUBLIC),
    "help": Row(only(*LOGGED_IN), only(*LOGGED_IN)),
    "healthz": Row(PUBLIC, NO_SUCH_METHOD),
    "favicon.ico": Row(PUBLIC, PUBLIC),
    "set_language": Row(NO_SUCH_METHOD, PUBLIC),
    # --- cohorts: invitations (the link works once, for the invited email: anyone else logged in is told so, 410)
    "cohorts:invitation_accept": Row(only("anonymous", others=GONE), only("anonymous", others=GONE)),
    "cohorts:invitation_renewal": Row(NO_SUCH_METHOD, PUBLIC),
    # --- cohorts: public pages, one's own profile, the edition's home
    "cohorts:school_public": Row(PUBLIC, PUBLIC),
    "cohorts:edition_public": Row(PUBLIC, PUBLIC),
    "cohorts:sponsor_logo": Row(PUBLIC, NO_SUCH_METHOD),
    "cohorts:my_profile": Row(only(*LOGGED_IN), only(*LOGGED_IN)),
    "cohorts:edition_detail": Row(only(*EDITION), only(*EDITION)),
    # --- cohorts: the organisers' pages
    "cohorts:edition_settings": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cohorts:settings_phases": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cohorts:settings_masterclasses": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cohorts:settings_materials": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cohorts:settings_sponsors": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cohorts:edition_copy": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cohorts:import_start": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cohorts:import_detail": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cohorts:import_mapping": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cohorts:import_apply": Row(NO_SUCH_METHOD, only(*ORGANISERS)),
    "cohorts:import_rejected_csv": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cohorts:invitation_list": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cohorts:invitation_create": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cohorts:invitation_action": Row(NO_SUCH_METHOD, only(*ORGANISERS)),
    "cohorts:roster": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cohorts:participant_add": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cohorts:roster_action": Row(NO_SUCH_METHOD, only(*ORGANISERS)),
    "cohorts:roster_export": Row(only(*ORGANISERS), only(*ORGANISERS), query="format=csv"),
    "cohorts:participant_profile": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cohorts:participant_transition": Row(NO_SUCH_METHOD, only(*ORGANISERS)),
    "cohorts:attendance_list": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cohorts:attendance_from_masterclasses": Row(NO_SUCH_METHOD, only(*ORGANISERS)),
    "cohorts:attendance_take": Row(only(*ORGANISERS), only(*ORGANISERS)),
    # --- submissions: the assignment and group A's workspace (members write; organisers read and comment; staff
    # reads; nobody else sees it)
    "submissions:assignment_detail": Row(only(*EDITION), only(*EDITION)),
    "submissions:my_workspace": Row(only(*LOGGED_IN), LOGIN_THEN_405),  # a redirect to one's own group or page
    "submissions:workspace": Row(only(*WORKSPACE), LOGIN_THEN_405),
    "submissions:section": Row(only(*WORKSPACE), LOGIN_THEN_405),
    "submissions:section_save": Row(NO_SUCH_METHOD, only("member")),
    "submissions:section_history": Row(only(*WORKSPACE), LOGIN_THEN_405),
    "submissions:section_restore": Row(NO_SUCH_METHOD, only("member"), data=lambda w: {"number": "1"}),
    "submissions:section_comments": Row(NO_SUCH_METHOD, only("member", "organiser")),
    "submissions:section_status": Row(NO_SUCH_METHOD, only("member")),
    "submissions:settings_assignment": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "submissions:settings_structure": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "submissions:settings_deadlines": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "submissions:settings_extensions": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "submissions:offline_pack": Row(only(*WORKSPACE), LOGIN_THEN_405),
    "submissions:offline_pack_upload": Row(NO_SUCH_METHOD, only("member")),
    # --- submissions: group A's files (the jury reading its document gets the images its sections show)
    "submissions:group_files": Row(only(*WORKSPACE), only("member")),
    "submissions:group_images": Row(only(*WORKSPACE), only("member")),
    # The jury reads the submitted document's images through submissions:review_image, never the workspace's files.
    "submissions:group_file": Row(only(*WORKSPACE), LOGIN_THEN_405),
    "submissions:group_file_remove": Row(LOGIN_THEN_405, only("member")),
    # --- submissions: handing in (a member confirms; only the coordinator submits) and exports
    "submissions:submission": Row(only(*WORKSPACE), only("member"), data=lambda w: {"action": "confirm"}),
    "submissions:submission_detail": Row(only(*WORKSPACE), LOGIN_THEN_405),
    "submissions:export": Row(only(*WORKSPACE), LOGIN_THEN_405),
    # --- submissions: the jury's set-up (organisers configure; the chair composes the jury and rules on conflicts)
    "submissions:review_settings": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "submissions:jury_setup": Row(only(*CHAIR), LOGIN_THEN_405),
    "submissions:jury_detect": Row(LOGIN_THEN_405, only(*CHAIR)),
    "submissions:jury_conflict": Row(LOGIN_THEN_405, only(*CHAIR)),
    "submissions:jury_auto_assign": Row(LOGIN_THEN_405, only(*CHAIR)),
    "submissions:jury_assign": Row(
        LOGIN_THEN_405, only(*CHAIR), data=lambda w: {"group": w.kwargs["group_pk"], "juror": w.juror_pk}
    ),
    "submissions:jury_unassign": Row(
        LOGIN_THEN_405, only(*CHAIR), data=lambda w: {"group": w.kwargs["group_pk"], "juror": w.juror_pk}
    ),
    "submissions:jury_conflicts": Row(only(*JURY), only(*JURY)),
    # --- submissions: reviewing group A (the conflicted juror is kept out of everything about it)
    "submissions:juror_dashboard": Row(only(*JURY), LOGIN_THEN_405),
    "submissions:review_page": Row(only(*READ_FOR_JURY), only("juror")),
    # The assigned juror joins the discussion once their own review is submitted (the edition's default setting).
    "submissions:review_discussion": Row(LOGIN_THEN_405, only(*CHAIR), data=lambda w: {"text": "Qu'en pensez-vous ?"}),
    "submissions:review_file": Row(only(*READ_FOR_JURY), LOGIN_THEN_405),
    "submissions:review_image": Row(only(*READ_FOR_JURY), LOGIN_THEN_405),
    # --- submissions: the chair and the results
    "submissions:chair_dashboard": Row(only(*CHAIR), LOGIN_THEN_405),
    "submissions:chair_remind": Row(LOGIN_THEN_405, only(*CHAIR)),
    "submissions:chair_start_reviews": Row(LOGIN_THEN_405, only(*CHAIR)),
    "submissions:chair_round": Row(LOGIN_THEN_405, only(*CHAIR)),
    "submissions:chair_release_decisions": Row(LOGIN_THEN_405, only(*CHAIR)),
    "submissions:chair_decision": Row(only(*CHAIR), only(*CHAIR)),
    "submissions:results": Row(only(*CHAIR), LOGIN_THEN_405),
    "submissions:results_release_scores": Row(LOGIN_THEN_405, only(*ORGANISERS)),
    # --- submissions: the defense (the chair runs it; jurors score the groups they may judge)
    "submissions:defense_order": Row(only(*CHAIR), LOGIN_THEN_405),
    "submissions:defense_order_auto": Row(NO_SUCH_METHOD, only(*CHAIR)),
    "submissions:defense_scoring": Row(NO_SUCH_METHOD, only(*CHAIR)),
    "submissions:defense_move": Row(NO_SUCH_METHOD, only(*CHAIR)),
    "submissions:defense_start": Row(NO_SUCH_METHOD, only(*CHAIR)),
    "submissions:defense_stop": Row(NO_SUCH_METHOD, only(*CHAIR)),
    "submissions:defense_defended": Row(NO_SUCH_METHOD, only(*CHAIR)),
    "submissions:defense_screen": Row(only(*CHAIR), LOGIN_THEN_405),
    "submissions:defense_screen_state": Row(only(*CHAIR), LOGIN_THEN_405),
    "submissions:defense_questions": Row(only(*CHAIR), LOGIN_THEN_405),
    "submissions:defense_sheet": Row(only(*JURY), LOGIN_THEN_405),
    "submissions:defense_score_save": Row(NO_SUCH_METHOD, only("juror", "chair")),
    # --- submissions: publication (a member's own consent; organisers publish) and the comparisons
    "submissions:name_consent": Row(LOGIN_THEN_405, only("member"), data=lambda w: {"publish_name": "yes"}),
    "submissions:publication_manage": Row(only(*ORGANISERS), LOGIN_THEN_405),
    "submissions:publish_one": Row(LOGIN_THEN_405, only(*ORGANISERS)),
    "submissions:publish_all": Row(LOGIN_THEN_405, only(*ORGANISERS)),
    "submissions:comparison_jury": Row(only(*JURY, *ORGANISERS), LOGIN_THEN_405),
    "submissions:published_list": Row(PUBLIC, NO_SUCH_METHOD),
    "submissions:comparison_public": Row(PUBLIC, NO_SUCH_METHOD),
    "submissions:published_detail": Row(PUBLIC, NO_SUCH_METHOD),
    "submissions:published_pdf": Row(PUBLIC, NO_SUCH_METHOD),
    "submissions:published_image": Row(PUBLIC, NO_SUCH_METHOD),
    # --- groups: formation (organisers), a group's page, one's own group
    "groups:formation": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "groups:formation_action": Row(NO_SUCH_METHOD, only(*ORGANISERS)),
    "groups:automatic": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "groups:publication": Row(NO_SUCH_METHOD, only(*ORGANISERS)),
    "groups:types": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "groups:group_settings": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "groups:group_detail": Row(only(*WORKSPACE), only(*WORKSPACE)),
    "groups:my_group": Row(only(*EDITION), only(*EDITION)),
    # --- cockpit: the organisers' dashboard, messages, certificates, reports, audit log
    "cockpit:dashboard": Row(only(*ORGANISERS), LOGIN_THEN_405),
    # The school's statistics: whoever organises one of its editions (edition B is of the same school).
    "cockpit:statistics": Row(only(*ORGANISERS, "other_organiser"), LOGIN_THEN_405),
    "cockpit:outbox": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cockpit:outbox_action": Row(NO_SUCH_METHOD, only(*ORGANISERS)),
    "cockpit:message_compose": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cockpit:message_remind": Row(NO_SUCH_METHOD, only(*ORGANISERS)),
    "cockpit:message_templates": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cockpit:message_template_create": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cockpit:message_template_edit": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cockpit:message_detail": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cockpit:message_edit": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cockpit:verify_certificate_form": Row(PUBLIC, NO_SUCH_METHOD),
    "cockpit:verify_certificate": Row(PUBLIC, NO_SUCH_METHOD),
    "cockpit:certificates": Row(only(*ORGANISERS), only(*ORGANISERS)),
    "cockpit:certificates_issue": Row(LOGIN_THEN_405, only(*ORGANISERS)),
    "cockpit:certificate_revoke": Row(only(*ORGANISERS), only(*ORGANISERS)),
    # The certificate is the member's: theirs to download, and the edition's organisers'.
    "cockpit:certificate_download": Row(only("member", *ORGANISERS), LOGIN_THEN_405),
    "cockpit:my_certificates": Row(only(*EDITION), LOGIN_THEN_405),
    "cockpit:reports": Row(only(*ORGANISERS), LOGIN_THEN_405),
    "cockpit:report_build": Row(LOGIN_THEN_405, only(*ORGANISERS)),
    "cockpit:report_download": Row(only(*ORGANISERS), LOGIN_THEN_405),
    "cockpit:public_proceedings": Row(PUBLIC, NO_SUCH_METHOD),
    "cockpit:audit_log": Row(only(*ORGANISERS), only(*ORGANISERS)),
}


# ---------------------------------------------------------------------------
# Prefix rows: the Django admin and allauth's account pages, declared by rule rather than one row per pattern.


# Let into the admin, where Django's model permissions decide (a page, a refusal, a method not served).
ADMITTED = frozenset({OK, DENIED, NOT_ALLOWED})


# The admin lets in on one test (is_staff) on each of its ~200 patterns: one role of each kind is enough to check
# it, and keeps the matrix fast.
ADMIN_CHECKED = ("anonymous", "member", "organiser", "staff")


def admin_row(pattern) -> Row:
    """The admin: site staff only; everybody else is sent to the admin's login (its login and logout pages
    excepted)."""
    others = PUBLIC if pattern.key in ("admin:login", "admin:logout") else every(LOGIN)
    return Row({**others, "staff": ADMITTED}, {**others, "staff": ADMITTED}, checked=ADMIN_CHECKED)


# allauth's pages: public, except those about one's own account; a few only answer GET.
ACCOUNT_LOGGED_IN_ONLY = {
    "account_email",
    "account_change_password",
    "account_set_password",
    "account_reauthenticate",
    "account_request_reauthentication_code",
    "account_confirm_reauthentication_code",
    "account_confirm_login_code",  # without a login waiting for its code: back to the login page
}
ACCOUNT_GET_ONLY = {
    "account_inactive",
    "account_email_verification_sent",
    "account_reset_password_done",
    "account_reset_password_from_key_done",
}


def account_row(pattern) -> Row:
    if pattern.key == "account_confirm_email":  # the world's key is a wrong one: the page says so, a POST is a 404
        return Row(PUBLIC, every(DENIED))
    if pattern.key in ACCOUNT_LOGGED_IN_ONLY:
        return Row(only(*LOGGED_IN), only(*LOGGED_IN))
    if pattern.key in ACCOUNT_GET_ONLY:
        return Row(PUBLIC, NO_SUCH_METHOD)
    return Row(PUBLIC, PUBLIC)


PREFIXES = {"admin/": admin_row, "comptes/": account_row}


# ---------------------------------------------------------------------------
# The machinery: list the patterns, fill their arguments, send a request as a role, name the outcome.


@dataclass(frozen=True)
class Pattern:
    key: str  # "namespace:name", or the route for an unnamed pattern
    name: str | None
    route: str
    arguments: tuple[str, ...]


def _arguments(entry) -> tuple[str, ...]:
    return tuple(entry.pattern.regex.groupindex)


def url_patterns() -> list[Pattern]:
    """Every URL pattern of the project, walked recursively from the root resolver."""
    found = []

    def walk(entries, prefix, namespace, arguments):
        for entry in entries:
            if isinstance(entry, URLResolver):
                inner = entry.namespace and (f"{namespace}:{entry.namespace}" if namespace else entry.namespace)
                walk(entry.url_patterns, prefix + str(entry.pattern), inner or namespace, arguments + _arguments(entry))
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
                found.append(Pattern(name or route, name, route, arguments + _arguments(entry)))

    walk(get_resolver().url_patterns, "", None, ())
    return found


def row_for(pattern: Pattern) -> Row | None:
    if pattern.key in MATRIX:
        return MATRIX[pattern.key]
    for prefix, rule in PREFIXES.items():
        if pattern.route.startswith(prefix):
            return rule(pattern)
    return None


_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def address(pattern: Pattern, world, **overrides) -> str:
    values = dict(world.kwargs)
    if pattern.key in world.pks:
        values["pk"] = world.pks[pattern.key]
    if pattern.key in world.file_pks:
        values["file_pk"] = world.file_pks[pattern.key]
    values.update(overrides)
    if pattern.name is not None:
        return reverse(pattern.name, kwargs={argument: values[argument] for argument in pattern.arguments})
    route = _CONVERTER.sub(lambda match: str(values[match[1]]), pattern.route)
    route = _NAMED_GROUP.sub(lambda match: str(values[match[1]]), route)
    return "/" + route.replace("^", "").replace("$", "")


def outcome(response) -> str:
    status = response.status_code
    if status >= 500:
        return ERROR
    if status in (403, 404):
        return DENIED
    if status == 405:
        return NOT_ALLOWED
    if status == 410:
        return GONE
    if status == 401:
        return LOGIN
    if 300 <= status < 400:
        path = response.get("Location", "").split("?", 1)[0].removeprefix("http://testserver")
        return LOGIN if path in (resolve_url(settings.LOGIN_URL), reverse("admin:login")) else OK
    if status < 300 or status in (400, 409, 422):
        return OK
    return str(status)


class Visitor:
    """One role's browser: logged in once (the session row lives with the world); cookies reset before each request
    so that a logout, a language switch or a message left by a previous request changes nothing for the next."""

    def __init__(self, user):
        self.client = Client(raise_request_exception=False)
        self.session = None
        if user is not None:
            self.client.force_login(user)
            self.session = self.client.cookies[settings.SESSION_COOKIE_NAME].value

    def request(self, method: str, url: str, data: dict) -> str:
        self.client.cookies = SimpleCookie()
        if self.session:
            self.client.cookies[settings.SESSION_COOKIE_NAME] = self.session
        cache.clear()  # the rate limits count real visitors, not the matrix
        with transaction.atomic():
            response = self.client.get(url) if method == "GET" else self.client.post(url, data)
            if response.streaming:
                # Read to the end, as a WSGI server would: the test client then closes the response without
                # closing the database connection (closing it ourselves would, on PostgreSQL, mid-transaction).
                for _chunk in response.streaming_content:
                    pass
            result = outcome(response)
            # A POST's effects, allowed or not, never reach another cell; a GET keeps what it cached (a built PDF).
            if method == "POST" or result == ERROR:
                transaction.set_rollback(True)
        return result


# ---------------------------------------------------------------------------
# The world, once per module.


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("matrix-media")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, media_root):
    quick = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=media_root,
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    )
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    with django_db_blocker.unblock(), quick:
        outer = transaction.atomic()
        outer.__enter__()
        try:
            made = build_world()
            made.visitors = {role: Visitor(made.users.get(role)) for role in ROLES}
            yield made
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            celery_app.conf.task_always_eager = eager


@pytest.fixture(autouse=True)
def _world_media(settings, media_root):
    """tests/conftest.py gives each test its own MEDIA_ROOT: the world's files live in the module's."""
    settings.MEDIA_ROOT = media_root


# ---------------------------------------------------------------------------
# The tests.

PATTERNS = url_patterns()
CHECKED = [pattern for pattern in PATTERNS if row_for(pattern) is not None]


def test_every_url_pattern_has_a_row():
    missing = [f"{p.key} ({p.route})" for p in PATTERNS if row_for(p) is None]
    assert not missing, "\n".join(f"new URL {m} has no row in the permission matrix" for m in missing)


def test_every_row_names_a_url_pattern():
    keys = {pattern.key for pattern in PATTERNS}
    stale = sorted(set(MATRIX) - keys)
    assert not stale, f"rows of the permission matrix for URL patterns that no longer exist: {stale}"


def test_every_row_has_every_role():
    for key, row in MATRIX.items():
        assert set(row.get) == set(ROLES) == set(row.post), key


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", CHECKED, ids=[pattern.key for pattern in CHECKED])
def test_permission_matrix(world, pattern):
    row = row_for(pattern)
    url = address(pattern, world)
    data = row.data(world) if row.data else {}
    wrong = []
    target = f"{url}?{row.query}" if row.query else url
    for method, expected in (("GET", row.get), ("POST", row.post)):
        for role in row.checked:
            got = world.visitors[role].request(method, target, data)
            if not (got in expected[role] if isinstance(expected[role], frozenset) else got == expected[role]):
                wrong.append(f"  {method:4} {target} as {role}: expected {expected[role]}, got {got}")
    assert not wrong, f"{pattern.key}: {len(wrong)} cell(s) of the permission matrix differ\n" + "\n".join(wrong)


# ---------------------------------------------------------------------------
# Scoping: an object of edition A is not found through edition B's address, not even by B's organiser or by staff
# (querysets are scoped to the edition of the address, never Model.objects.get(pk=...) from the URL alone).

OBJECT_ARGUMENTS = {"pk", "group_pk", "section_pk", "file_pk", "conflict_pk", "event_pk"}
SCOPED = [p for p in PATTERNS if "slug" in p.arguments and OBJECT_ARGUMENTS & set(p.arguments)]


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", SCOPED, ids=[pattern.key for pattern in SCOPED])
def test_objects_of_one_edition_are_not_found_through_another(world, pattern):
    url = address(pattern, world, slug=world.other_edition.slug)
    row = row_for(pattern)
    data = row.data(world) if row.data else {}
    wrong = []
    for method in ("GET", "POST"):
        for role in ("other_organiser", "staff"):
            got = world.visitors[role].request(method, url, data)
            if got not in (DENIED, NOT_ALLOWED):
                wrong.append(f"  {method:4} {url} as {role}: expected DENIED, got {got}")
    assert not wrong, f"{pattern.key}: edition A's object reached through edition B\n" + "\n".join(wrong)


# Scoping inside an edition: group B's section or file is not found through group A's address, not even by those
# who may read group A (its member, its juror, the organiser).
INNER = [
    p
    for p in PATTERNS
    if "group_pk" in p.arguments and {"section_pk", "file_pk"} & set(p.arguments) and p.route.startswith("editions/")
]


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", INNER, ids=[pattern.key for pattern in INNER])
def test_objects_of_another_group_are_not_found_through_group_a(world, pattern):
    swapped = {k: v for k, v in world.group_b_objects.items() if k in pattern.arguments}
    if pattern.key in world.group_b_objects:
        swapped["file_pk"] = world.group_b_objects[pattern.key]
    url = address(pattern, world, **swapped)
    row = row_for(pattern)
    data = row.data(world) if row.data else {}
    wrong = []
    for method in ("GET", "POST"):
        for role in ("member", "juror", "organiser"):
            got = world.visitors[role].request(method, url, data)
            if got not in (DENIED, NOT_ALLOWED):
                wrong.append(f"  {method:4} {url} as {role}: expected DENIED, got {got}")
    assert not wrong, f"{pattern.key}: group B's object reached through group A\n" + "\n".join(wrong)


@pytest.mark.django_db
def test_the_public_pages_show_only_published_documents(world):
    """Group A's document is in review: its public addresses are not found, for anyone; nor is one of its images
    through group B's published document."""
    slug = world.edition.slug
    urls = [
        reverse("submissions:published_detail", args=[slug, world.in_review_pk]),
        reverse("submissions:published_pdf", args=[slug, world.in_review_pk]),
        reverse("submissions:published_image", args=[slug, world.in_review_pk, world.group_a_image_pk]),
        reverse("submissions:published_image", args=[slug, world.pks["submissions:published_image"],
                                                     world.group_a_image_pk]),
    ]  # fmt: skip
    wrong = [
        f"  GET {url} as {role}: got {got}"
        for url in urls
        for role in ("anonymous", "member", "organiser", "staff")
        if (got := world.visitors[role].request("GET", url, {})) != DENIED
    ]
    assert not wrong, "an unpublished document is shown on the public pages\n" + "\n".join(wrong)


@pytest.mark.django_db
def test_the_jury_gets_only_the_images_of_the_submitted_document(world):
    """An image of group A's workspace that no submitted section shows (uploaded after the submission) is the
    group's draft: its members and the organisers see it, the jury does not, through either address."""
    slug, group_pk = world.edition.slug, world.kwargs["group_pk"]
    expected = {**only("member", "organiser", "staff"), "anonymous": LOGIN}
    cells = [
        ("submissions:group_file", expected),
        ("submissions:review_image", only(anonymous=LOGIN)),
    ]
    wrong = []
    for name, row in cells:
        url = reverse(name, args=[slug, group_pk, world.draft_image_pk])
        for role in ROLES:
            got = world.visitors[role].request("GET", url, {})
            if got != row[role]:
                wrong.append(f"  GET {url} as {role}: expected {row[role]}, got {got}")
    assert not wrong, "the jury reaches an image outside the submitted document\n" + "\n".join(wrong)
