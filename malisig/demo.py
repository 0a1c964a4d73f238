"""The demo: MaliSIG's 2023 edition (DOMAIN.md), built idempotently on any configured database.

Every row is found by a natural key first, so a second run changes nothing; passwords are set
only when an account is created.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cockpit.models import CertificateRules
from cockpit.services.reminders import draft_group_reminder
from cohorts.importing.columns import guess_mapping
from cohorts.models import Edition, EditionRole, Masterclass, MessageTemplate, Phase, Role, School
from cohorts.services import activate_enrolment, grant_role, mark_email_verified
from cohorts.services.imports import run_import
from cohorts.services.outbox import save_template
from groups import services as group_services
from groups.models import Group, Membership
from malisig.demo_texts import CIVIL_SOCIETY, GOVERNMENT, PRIVATE_SECTOR, REVIEWS
from malisig.models import User
from submissions.documents import DocumentContent, SectionContent, build_presentation_starter
from submissions.models import Assignment, AssignmentSettings, Criterion, GroupFile, Question, Review, Submission
from submissions.services.assignment import create_default_structure
from submissions.services.files import upload_file
from submissions.services.jury import assign_juror
from submissions.services.review import criteria_of, latest_submission, start_review
from submissions.services.reviews import save_review
from submissions.services.submission import submit
from submissions.services.workspace import ensure_sections, save_section

DEMO_PASSWORD = "malisig-demo-2023"
EDITION_SLUG = "malisig-2023"
BAMAKO = ZoneInfo("Africa/Bamako")

FIRST_NAMES = [
    "Aïssata", "Sékou", "Fatoumata", "Moussa", "Oumar", "Mariam", "Boubacar", "Kadiatou", "Ibrahim",
    "Hawa", "Modibo", "Adama", "Awa", "Souleymane", "Djénéba", "Mamadou", "Rokia", "Bakary", "Assétou",
    "Cheick", "Salimata", "Youssouf", "Ténin", "Amadou", "Nana", "Issa", "Fanta", "Lassana", "Oumou",
    "Drissa", "Bintou", "Abdoulaye", "Kadidia", "Seydou", "Maïmouna", "Tiémoko", "Safiatou", "Yacouba",
    "Aminata", "Mahamadou", "Coumba", "Siaka", "Niélé", "Alassane", "Korotoumou",
]  # fmt: skip
LAST_NAMES = [
    "Traoré", "Keïta", "Coulibaly", "Diarra", "Touré", "Sidibé", "Konaté", "Dembélé", "Sangaré", "Cissé",
    "Maïga", "Diallo", "Sissoko", "Kanté", "Doumbia", "Camara", "Bagayoko", "Samaké", "Konaré", "Ouattara",
    "N'Diaye", "Guindo", "Dicko", "Tounkara", "Fofana", "Haïdara", "Kouyaté", "Bâ", "Sow", "Togola",
]  # fmt: skip


@dataclass(frozen=True)
class DemoPerson:
    email: str
    first_name: str
    last_name: str
    role: str
    is_staff: bool = False


STAFF = DemoPerson("admin@example.org", "Awa", "Sanogo", "", is_staff=True)
ORGANISERS = [
    DemoPerson("organisatrice@example.org", "Mariam", "Koné", Role.ORGANISER),
    DemoPerson("organisateur@example.org", "Sidiki", "Dao", Role.ORGANISER),
]
JURY = [
    DemoPerson("jury.presidente@example.org", "Kadiatou", "Sow", Role.JURY_CHAIR),
    DemoPerson("jury1@example.org", "Boubacar", "Maïga", Role.JUROR),
    DemoPerson("jury2@example.org", "Hawa", "N'Diaye", Role.JUROR),
    DemoPerson("jury3@example.org", "Ousmane", "Coulibaly", Role.JUROR),
]
PARTICIPANT_COUNT = 45
PASS_MARK = Decimal("10")
NOT_ELIGIBLE = [
    # (first name, last name, email, grade, completion date): kept visible as "not admitted"
    ("Mamadou", "Bagayoko", "mamadou.bagayoko@example.org", "8,5", "04/09/2023"),
    ("Rokiatou", "Dembélé", "rokiatou.dembele@example.org", "-", ""),
    ("Ibrahima", "Sow", "ibrahima.sow@example.org", "9,75", "06/09/2023"),
    ("Nènè", "Kanté", "nene.kante@example.org", "6", ""),
    ("Youssouf", "Maïga", "youssouf.maiga@example.org", "9,99", "05/09/2023"),
]
ORGANISATIONS = [
    ("Orange Mali", "Secteur privé"),
    ("AMRTP", "Gouvernement"),
    ("AGETIC", "Gouvernement"),
    ("ISOC Mali", "Société civile"),
    ("USTTB", "Milieu universitaire"),
    ("Moov Africa Malitel", "Secteur privé"),
    ("Ministère de la Communication et de l'Économie numérique", "Gouvernement"),
    ("Association des blogueurs du Mali", "Société civile"),
    ("Ecobank Mali", "Secteur privé"),
    ("Kabakoo Academies", "Secteur privé"),
    ("Studio Tamani", "Société civile"),
    ("MLIX (point d'échange Internet)", "Communauté technique"),
]
COUNTRIES = ["Mali"] * 7 + ["Sénégal", "Burkina Faso", "Guinée"]
FEMALE_FIRST_NAMES = {
    "Aïssata", "Fatoumata", "Mariam", "Kadiatou", "Hawa", "Awa", "Djénéba", "Rokia", "Assétou", "Salimata", "Ténin",
    "Nana", "Fanta", "Oumou", "Bintou", "Kadidia", "Maïmouna", "Safiatou", "Aminata", "Coumba", "Niélé", "Korotoumou",
}  # fmt: skip
EXPORT_HEADER = [
    "Prénom", "Nom", "Adresse de courriel", "Organisation", "Secteur", "Pays", "Genre", "Note finale",
    "Date d'achèvement",
]  # fmt: skip


def demo_participants() -> list[DemoPerson]:
    return [
        DemoPerson(
            f"participant{index + 1:02d}@example.org",
            FIRST_NAMES[index],
            LAST_NAMES[(index * 7) % len(LAST_NAMES)],
            Role.PARTICIPANT,
        )
        for index in range(PARTICIPANT_COUNT)
    ]


PHASES = [
    (Phase.Kind.ONLINE_COURSE, dt.date(2023, 7, 24), dt.date(2023, 9, 6), "https://learning.internetsociety.org/"),
    (Phase.Kind.WORKSHOP, dt.date(2023, 9, 19), dt.date(2023, 9, 20), ""),
    (Phase.Kind.MASTERCLASSES, dt.date(2023, 9, 21), dt.date(2023, 9, 23), ""),
    (Phase.Kind.GROUP_WORK, dt.date(2023, 9, 25), dt.date(2023, 10, 1), ""),
    (Phase.Kind.DEFENSE, dt.date(2023, 10, 5), dt.date(2023, 10, 5), ""),
]

MASTERCLASSES = [
    ("Qu'est-ce que la gouvernance de l'Internet ?", "What is Internet governance?"),
    ("Le modèle multipartite en pratique", "The multistakeholder model in practice"),
    ("Infrastructures : câbles, points d'échange et noms de domaine", "Infrastructure: cables, exchange points and domain names"),
    ("Droits humains en ligne et liberté d'expression", "Human rights online and freedom of expression"),
    ("Cybersécurité et confiance numérique", "Cybersecurity and digital trust"),
    ("Protection des données personnelles au Mali", "Personal data protection in Mali"),
    ("Économie numérique et inclusion financière", "Digital economy and financial inclusion"),
    ("Accès et connectivité des zones rurales", "Access and connectivity for rural areas"),
    ("Coupures d'Internet : mesurer, documenter, répondre", "Internet shutdowns: measuring, documenting, responding"),
    ("Les forums sur la gouvernance de l'Internet : IGF, AfIGF et forums nationaux", "Internet governance forums: IGF, AfIGF and national forums"),
]  # fmt: skip
SPEAKERS = [
    "Dr Oumar Sanogo", "Mme Fatou Diabaté", "M. Issiaka Berthé", "Me Rokiatou Tall", "M. Lamine Kané",
    "Dr Nafissatou Dembélé", "M. Yaya Coulibaly", "Mme Aïcha Touré", "M. Sory Ibrahima Keïta", "Mme Djeneba Sylla",
]  # fmt: skip

GROUPS_PER_TYPE = 2
GROUPS_SEED = 2023

ASSIGNMENT_TITLE = ("Les coupures d'Internet en période de crise", "Internet shutdowns in times of crisis")
ASSIGNMENT_STATEMENT = (
    "Lors de crises socio-politiques ou pendant les examens nationaux, plusieurs États coupent ou "
    "ralentissent l'accès à Internet, au nom de la sécurité ou de la lutte contre la fraude. En 2023, le "
    "Sénégal a restreint l'accès aux données mobiles pendant des manifestations ; l'Algérie le fait chaque "
    "année pendant le baccalauréat. Ces mesures touchent l'économie, l'éducation, la santé, la presse et "
    "les droits de chacun.\n\nChaque groupe joue le rôle de sa partie prenante et rédige un document "
    "argumenté qui prend position sur les cinq questions ci-dessous, puis le présente en public.",
    "During socio-political crises or national exams, several States cut or throttle Internet access, in "
    "the name of security or of fighting exam fraud. In 2023 Senegal restricted mobile data during protests; "
    "Algeria does so every year during the baccalaureate. These measures hit the economy, education, health, "
    "the press and everyone's rights.\n\nEach group plays its stakeholder and writes an argued document that "
    "takes a position on the five questions below, then presents it in public.",
)
QUESTIONS = [
    (
        "Ces coupures sont-elles légales et légitimes au regard des principes de la gouvernance de l'Internet ?",
        "Are these shutdowns legal and legitimate in the light of Internet-governance principles?",
        "Appuyez-vous sur le droit national, les textes internationaux et les principes d'ouverture et de participation.",
        "Draw on national law, international instruments and the principles of openness and participation.",
    ),
    (
        "Quels sont les enjeux de ces coupures ?",
        "What is at stake in these shutdowns?",
        "Enjeux économiques, sécuritaires, sociaux, politiques et techniques, vus par votre partie prenante.",
        "Economic, security, social, political and technical stakes, as your stakeholder sees them.",
    ),
    (
        "Quelles en sont les conséquences ?",
        "What are their consequences?",
        "Donnez des faits et des chiffres : pertes, services interrompus, personnes touchées.",
        "Give facts and figures: losses, interrupted services, people affected.",
    ),
    (
        "Comment se mettre à l'abri de ces coupures ?",
        "How can we protect ourselves from these shutdowns?",
        "Solutions techniques, juridiques et organisationnelles, réalistes au Mali.",
        "Technical, legal and organisational solutions that are realistic in Mali.",
    ),
    (
        "Faut-il agir, et comment ?",
        "Should we act, and how?",
        "Proposez des actions concrètes, qui les porte et avec quels partenaires.",
        "Propose concrete actions, who leads them and with which partners.",
    ),
]


def _person(person: DemoPerson, password_hash: str) -> tuple[User, bool]:
    """The demo account, given the demo password unless its owner already chose one."""
    user = User.objects.filter(email__iexact=person.email).first()
    if user is not None and user.has_usable_password():
        return user, False
    if user is not None:  # created by the course import, without a password, like any imported person
        user.password = password_hash
        user.save(update_fields=["password"])
        mark_email_verified(user)
        return user, True
    user = User.objects.create(
        email=person.email,
        password=password_hash,
        first_name=person.first_name,
        last_name=person.last_name,
        is_staff=person.is_staff,
        is_superuser=person.is_staff,
    )
    mark_email_verified(user)
    return user, True


def _edition() -> Edition:
    school, _ = School.objects.get_or_create(
        slug="malisig",
        defaults={
            "name": "École malienne sur la gouvernance de l'Internet",
            "acronym": "MaliSIG",
            "country": "Mali",
            "website": "https://isoc.ml/",
        },
    )
    edition, _ = Edition.objects.get_or_create(
        slug=EDITION_SLUG,
        defaults={
            "school": school,
            "year": 2023,
            "number": 4,
            "title": "MaliSIG 2023",
            "theme": "Gouvernance de l'Internet et développement accéléré du numérique",
            "venue": "SIDAN 2023, Bamako",
            "starts_on": PHASES[0][1],
            "ends_on": PHASES[-1][2],
            "status": Edition.Status.RUNNING,
            "pass_mark": PASS_MARK,
        },
    )
    for kind, starts_on, ends_on, link in PHASES:
        Phase.objects.get_or_create(
            edition=edition, kind=kind, defaults={"starts_on": starts_on, "ends_on": ends_on, "link": link}
        )
    for index, (title_fr, title_en) in enumerate(MASTERCLASSES):
        day = PHASES[2][1] + dt.timedelta(days=index // 4)
        starts_at = dt.datetime.combine(day, dt.time(9 + 2 * (index % 4), 0), tzinfo=BAMAKO)
        Masterclass.objects.get_or_create(
            edition=edition,
            title_fr=title_fr,
            defaults={"title_en": title_en, "speakers": SPEAKERS[index], "starts_at": starts_at, "place": "SIDAN"},
        )
    return edition


def _assignment(edition: Edition) -> Assignment:
    assignment, _ = Assignment.objects.get_or_create(
        edition=edition,
        defaults={
            "title_fr": ASSIGNMENT_TITLE[0],
            "title_en": ASSIGNMENT_TITLE[1],
            "statement_fr": ASSIGNMENT_STATEMENT[0],
            "statement_en": ASSIGNMENT_STATEMENT[1],
        },
    )
    for position, (text_fr, text_en, guidance_fr, guidance_en) in enumerate(QUESTIONS, start=1):
        Question.objects.get_or_create(
            assignment=assignment,
            position=position,
            defaults={"text_fr": text_fr, "text_en": text_en, "guidance_fr": guidance_fr, "guidance_en": guidance_en},
        )
    return assignment


def _groups(edition: Edition) -> None:
    """The groups come from the automatic assignment, as an organiser would form them, then are published.

    A second run places nobody (everyone has a group) and publishes nothing new. The demo's members count as told
    about their group: seeding prints no pile of placement emails.
    """
    group_services.apply(edition, groups_per_type=GROUPS_PER_TYPE, seed=GROUPS_SEED, by=None)
    for group in Group.objects.filter(edition=edition).exclude(
        memberships__group_role=Membership.GroupRole.COORDINATOR
    ):
        first = group.memberships.order_by("user__last_name", "user__first_name", "pk").first()
        if first is not None:
            group_services.make_coordinator(edition, first.user_id, by=None)
    Membership.objects.filter(edition=edition, notified_group=None).update(notified_group=F("group"))
    group_services.publish(edition, by=None)


def course_export() -> bytes:
    """The online course's results as French-locale Excel saves them: the demo cohort comes in through the import."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    for index, person in enumerate(demo_participants()):
        organisation, sector = ORGANISATIONS[index % len(ORGANISATIONS)]
        grade = f"{10 + (index * 7) % 10},{(index * 3) % 10}".replace(",0", "")
        completed = f"{1 + index % 6:02d}/09/2023"
        gender = "F" if person.first_name in FEMALE_FIRST_NAMES else "M"
        country = COUNTRIES[index % len(COUNTRIES)]
        row = [person.first_name, person.last_name, person.email, organisation, sector, country, gender, grade]
        writer.writerow([*row, completed])
    for index, (first_name, last_name, email, grade, completed) in enumerate(NOT_ELIGIBLE):
        organisation, sector = ORGANISATIONS[(index * 5) % len(ORGANISATIONS)]
        gender = "F" if first_name in {"Rokiatou", "Nènè"} else "M"
        writer.writerow([first_name, last_name, email, organisation, sector, "Mali", gender, grade, completed])
    return buffer.getvalue().encode("cp1252")


def _import_course_results(edition: Edition) -> None:
    export = io.BytesIO(course_export())
    run_import(edition, export, mapping=guess_mapping(EXPORT_HEADER), dry_run=False)


# The 2023 edition is historical, but the demo lets people try the workspace: it is open now (no opening date) and
# the deadline is two weeks after the first seeding. Late work stays accepted (flagged, no cut-off), so an old demo
# database can still be written in, just marked late.
DEADLINE_AFTER = dt.timedelta(days=14)
# (stakeholder type code, texts): the first group of each type, in name order ("Secteur privé A"...)
DRAFTS = [("private-sector", PRIVATE_SECTOR), ("government", GOVERNMENT), ("civil-society", CIVIL_SOCIETY)]


def _submission_settings(assignment: Assignment, organiser: User) -> None:
    AssignmentSettings.objects.get_or_create(
        assignment=assignment, defaults={"opens_at": None, "deadline": timezone.now() + DEADLINE_AFTER}
    )
    create_default_structure(assignment, by=organiser)


def _presentation(group: Group, sections, by: User) -> None:
    """The starter slides the workspace generates, uploaded as the group's presentation."""
    edition = group.edition
    content = DocumentContent(
        edition_title=edition.title,
        school_name=edition.school.name,
        assignment_title=edition.assignment.tr.title,
        group_name=group.name,
        stakeholder=group.stakeholder_type.tr.name if group.stakeholder_type_id else "",
        members=None,
        sections=[SectionContent(str(s.pk), s.template.tr.title, s.html) for s in sections],
        generated_at=timezone.now(),
    )
    data = ContentFile(build_presentation_starter(content), name="presentation-secteur-prive.pptx")
    upload_file(group, data, GroupFile.Role.PRESENTATION, by=by)


def _drafts(edition: Edition) -> None:
    """Written parts of the document, each by another member so the history shows several authors.

    The first private-sector group finishes, adds its slides and submits; the first government and civil-society
    groups are half-way (introduction and two parts). Only empty sections are written and a group that has
    submitted is left alone: a second run changes nothing.
    """
    for code, texts in DRAFTS:
        group = Group.objects.filter(edition=edition, stakeholder_type__code=code).order_by("name").first()
        if group is None or Submission.objects.filter(group=group).exists():
            continue
        members = [m.user for m in group.memberships.select_related("user").order_by("pk")]
        sections = ensure_sections(group)
        for index, (section, html) in enumerate(zip(sections, texts, strict=False)):
            if section.version == 0:
                save_section(section, html, base_version=0, by=members[index % len(members)])
        if len(texts) < len(sections):
            continue
        coordinator = group.memberships.get(group_role=Membership.GroupRole.COORDINATOR).user
        if not GroupFile.objects.filter(group=group, role=GroupFile.Role.PRESENTATION).exists():
            _presentation(group, ensure_sections(group), coordinator)
        submit(group, by=coordinator, declaration_accepted=True)


def _reviews(edition: Edition) -> None:
    """The submitted private-sector document is in review: three jurors assigned, two have submitted their review,
    the third has a draft (pending). Nothing is written again on a second run."""
    group = Group.objects.filter(edition=edition, stakeholder_type__code="private-sector").order_by("name").first()
    submission = latest_submission(group) if group is not None else None
    if submission is None:
        return
    chair = User.objects.get(email__iexact=JURY[0].email)
    jurors = [User.objects.get(email__iexact=person.email) for person in JURY[1:4]]
    for juror in jurors:
        assign_juror(group, juror, by=chair)
    if submission.state == Submission.State.SUBMITTED:
        submission = start_review(submission, by=chair)
    if Review.objects.filter(submission=submission).exists():
        return
    criteria = criteria_of(edition, Criterion.Rubric.DOCUMENT)
    for juror, review in zip(jurors, REVIEWS, strict=False):
        scores = {criterion.pk: pair for criterion, pair in zip(criteria, review["scores"], strict=False)}
        save_review(
            submission, by=juror, scores=scores, message=review["message"], private_note=review["note"], submit=True
        )
    first_two = {criterion.pk: pair for criterion, pair in zip(criteria[:2], REVIEWS[0]["scores"], strict=False)}
    save_review(submission, by=jurors[2], scores=first_two, submit=False)


@dataclass
class DemoSummary:
    edition: Edition
    created_users: int
    logins: list[tuple[str, str, str]]


WELCOME_TEMPLATE = {
    "name": "Bienvenue dans votre groupe",
    "subject_fr": "{edition} : votre groupe {group} vous attend",
    "body_fr": (
        "Bonjour {first_name},\n\nVous faites partie du groupe {group}. Votre document de position est à remettre "
        "avant le {deadline}.\n\nOuvrez l'espace de travail de votre groupe : {link}\n\nL'équipe de MaliSIG"
    ),
    "subject_en": "{edition}: your group {group} is waiting for you",
    "body_en": (
        "Hello {first_name},\n\nYou are a member of the group {group}. Your position document is due on "
        "{deadline}.\n\nOpen your group's workspace: {link}\n\nThe MaliSIG team"
    ),
}


def _cockpit(edition: Edition, organiser: User) -> None:
    """Certificate rules, a message template and, in the outbox, a reminder waiting for the organisers' review."""
    CertificateRules.objects.get_or_create(
        edition=edition,
        defaults={
            "min_attendance": 75,
            "signatory_name": f"{ORGANISERS[0].first_name} {ORGANISERS[0].last_name}",
            "signatory_title": "Coordinatrice de MaliSIG",
        },
    )
    if not MessageTemplate.objects.filter(edition=edition, name=WELCOME_TEMPLATE["name"]).exists():
        save_template(edition, by=organiser, **WELCOME_TEMPLATE)
    if not edition.messages.exists():
        draft_group_reminder(edition, by=organiser)


@transaction.atomic
def seed_demo() -> DemoSummary:
    edition = _edition()
    _assignment(edition)
    _import_course_results(edition)
    created = 0
    # One hash for every demo account: hashing is slow on purpose, and they share a password anyway.
    password_hash = make_password(DEMO_PASSWORD)
    _staff, was_created = _person(STAFF, password_hash)
    created += was_created
    people = ORGANISERS + JURY + demo_participants()
    for person in people:
        user, was_created = _person(person, password_hash)
        created += was_created
        if not EditionRole.objects.filter(edition=edition, user=user, role=person.role).exists():
            grant_role(edition, user, person.role, by=None)
        if person.role == Role.PARTICIPANT:
            activate_enrolment(edition, user)  # as if they accepted the invitation sent after the import
    _groups(edition)
    organiser = User.objects.get(email__iexact=ORGANISERS[0].email)
    _submission_settings(edition.assignment, organiser)
    _drafts(edition)
    _reviews(edition)
    _cockpit(edition, organiser)
    role_labels = dict(Role.choices)
    logins = [(STAFF.email, "Site staff", f"{STAFF.first_name} {STAFF.last_name}")]
    logins += [
        (person.email, str(role_labels[person.role]), f"{person.first_name} {person.last_name}")
        for person in ORGANISERS + JURY + demo_participants()[:2]
    ]
    return DemoSummary(edition=edition, created_users=created, logins=logins)
