"""The stakeholder roles a SIG usually plays, offered to every new edition (organisers edit them afterwards)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class DefaultType:
    code: str
    name_fr: str
    name_en: str
    brief_fr: str
    brief_en: str
    sectors: str
    offered_first: bool  # created with every edition; the others are added on request


DEFAULT_TYPES = (
    DefaultType(
        "government",
        "Gouvernement",
        "Government",
        "Vous représentez l'État : sécurité publique, ordre, respect de la loi et des engagements internationaux.",
        "You represent the State: public safety, order, the rule of law and international commitments.",
        "gouvernement, government, ministère, ministry, administration, public, état, state, régulat, regulat",
        True,
    ),
    DefaultType(
        "private-sector",
        "Secteur privé",
        "Private Sector",
        "Vous représentez les entreprises : opérateurs, banques, commerce en ligne, start-up et leurs clients.",
        "You represent business: operators, banks, online trade, start-ups and their customers.",
        "privé, private, entreprise, business, commerce, industr, opérateur, operator",
        True,
    ),
    DefaultType(
        "civil-society",
        "Société civile",
        "Civil Society",
        "Vous représentez les citoyens, les associations, les médias et les défenseurs des droits.",
        "You represent citizens, associations, the media and rights defenders.",
        "société civile, civil society, association, ong, ngo, média, media, presse",
        True,
    ),
    DefaultType(
        "technical-community",
        "Communauté technique",
        "Technical Community",
        "Vous représentez ceux qui font fonctionner l'Internet : registres, points d'échange, ingénieurs, "
        "organismes de normalisation.",
        "You represent those who keep the Internet running: registries, exchange points, engineers, standards bodies.",
        "technique, technical, ingénie, engineer, registre, registry",
        False,
    ),
    DefaultType(
        "academia",
        "Milieu universitaire",
        "Academia",
        "Vous représentez la recherche et l'enseignement : universités, chercheurs, étudiants.",
        "You represent research and teaching: universities, researchers, students.",
        "universit, academ, recherche, research, étudiant, student, école, school",
        False,
    ),
)
