"""The demo groups' drafts on Internet shutdowns, written for the demo (not taken from the seed document).

One HTML text per part of the default structure: Introduction, the five questions in order, Conclusion.
"""

PRIVATE_SECTOR = [
    # Introduction
    "<p>Pour une entreprise malienne, Internet n'est plus un simple outil : c'est l'infrastructure sur laquelle "
    "reposent les paiements, la relation avec les clients, la logistique et une bonne partie de l'emploi des "
    "jeunes. Opérateurs de télécommunications, banques, fintechs, commerçants en ligne, centres d'appels et "
    "jeunes pousses du numérique dépendent tous, chaque heure, d'une connexion stable.</p>"
    "<p>Ces dernières années, plusieurs pays de la sous-région ont suspendu ou bridé l'accès au réseau pendant "
    "des manifestations ou des examens. Le secteur privé, qui exploite les réseaux et en vit, se trouve alors "
    "dans une position délicate : tenu d'obéir aux injonctions des autorités, mais premier à en payer le prix, "
    "et comptable de la confiance de ses clients.</p>"
    "<p>Dans ce document, nous examinons d'abord la légalité et la légitimité de ces coupures, puis leurs enjeux "
    "et leurs conséquences pour l'économie. Nous proposons ensuite des moyens de s'en protéger et des actions "
    "concrètes que les entreprises peuvent porter avec les autres parties prenantes.</p>",
    # Q1: legality and legitimacy
    "<p>La Constitution malienne garantit la liberté d'expression et d'opinion, et le Mali a ratifié le Pacte "
    "international relatif aux droits civils et politiques ainsi que la Charte africaine des droits de l'homme "
    "et des peuples. Aucune loi nationale ne prévoit explicitement la coupure générale d'Internet : les ordres "
    "adressés aux opérateurs s'appuient le plus souvent sur des dispositions générales relatives à l'ordre "
    "public, sans décision écrite ni publique.</p>"
    "<p>De notre point de vue, une restriction ne peut être acceptable que si elle remplit trois conditions "
    "reconnues en droit international :</p>"
    "<ul><li><strong>Légalité</strong> : une base légale claire, accessible et prévisible ;</li>"
    "<li><strong>Nécessité</strong> : un but légitime précis, qu'aucun moyen moins intrusif ne permet "
    "d'atteindre ;</li>"
    "<li><strong>Proportionnalité</strong> : une mesure limitée dans le temps, dans l'espace et dans les "
    "services visés, soumise au contrôle d'un juge.</li></ul>"
    "<p>Une coupure totale, qui frappe des millions d'usagers pour viser quelques contenus, ne remplit presque "
    "jamais la condition de proportionnalité. Elle contredit aussi les principes de la gouvernance de "
    "l'Internet : un réseau ouvert, interopérable, et des décisions prises en concertation avec ceux qui le "
    "font vivre.</p>",
    # Q2: what is at stake
    "<p>Pour les entreprises, l'enjeu premier est la <strong>continuité de l'activité</strong>. Une heure sans "
    "réseau bloque les transferts d'argent mobile, les terminaux de paiement, les réservations et les "
    "commandes. Au-delà de la perte immédiate, c'est la prévisibilité qui disparaît : personne n'investit "
    "volontiers dans un pays où le service peut s'arrêter sans préavis.</p>"
    "<p>Nous identifions quatre enjeux principaux :</p>"
    "<ol><li><strong>Économique</strong> : croissance du numérique, recettes fiscales, emplois des jeunes ;</li>"
    "<li><strong>Juridique</strong> : responsabilité des opérateurs vis-à-vis de leurs clients et de leurs "
    "contrats de service ;</li>"
    "<li><strong>Réputationnel</strong> : l'image du Mali auprès des investisseurs et des partenaires "
    "étrangers ;</li>"
    "<li><strong>Sécuritaire</strong> : la sécurité publique invoquée par l'État, que nous ne contestons pas, "
    "mais qui peut être servie par d'autres moyens.</li></ol>"
    "<p>Enfin, les opérateurs sont placés entre deux obligations contradictoires : respecter leur licence, qui "
    "les oblige à exécuter les réquisitions, et honorer leurs engagements envers les abonnés. Sans règles "
    "claires, ce conflit se règle au détriment de tous.</p>",
    # Q3: consequences
    "<p>Les conséquences se font sentir bien au-delà des entreprises du numérique. Le tableau ci-dessous résume "
    "ce que nos membres observent lors d'une coupure de plusieurs jours.</p>"
    "<table><thead><tr><th>Acteur</th><th>Effet observé</th></tr></thead><tbody>"
    "<tr><td>Opérateurs</td><td>Chute du trafic de données et des recettes, plaintes des abonnés</td></tr>"
    "<tr><td>Banques et fintechs</td><td>Transferts et paiements mobiles suspendus, retards de salaires</td></tr>"
    "<tr><td>Commerce en ligne</td><td>Commandes perdues, stocks immobilisés, clients qui se tournent vers "
    "l'étranger</td></tr>"
    "<tr><td>Indépendants et PME</td><td>Travail à distance impossible, contrats internationaux "
    "annulés</td></tr></tbody></table>"
    "<p>Selon les estimations publiées par des observatoires spécialisés, une journée de coupure nationale "
    "coûte à un pays de la taille du Mali plusieurs millions de dollars. Ces chiffres ne comptent pas les pertes "
    "invisibles : les projets d'investissement reportés, les start-up qui s'installent ailleurs, la confiance "
    "des clients qui ne revient pas.</p>"
    "<p>La coupure a aussi un coût social : des familles qui ne reçoivent plus l'argent envoyé par la diaspora, "
    "des élèves privés de ressources en ligne, des centres de santé qui ne peuvent plus transmettre leurs "
    "données.</p>",
    # Q4: protecting ourselves
    "<p>Aucune solution ne supprime le risque, mais plusieurs mesures en réduisent fortement l'impact. Sur le "
    "plan <strong>technique</strong>, les entreprises peuvent :</p>"
    "<ul><li>prévoir des modes dégradés hors ligne (caisses qui enregistrent et synchronisent plus tard, USSD "
    "et SMS pour les paiements) ;</li>"
    "<li>diversifier leurs accès : plusieurs fournisseurs, liaisons satellitaires de secours pour les services "
    "critiques ;</li>"
    "<li>héberger localement, par exemple via le point d'échange national, les services qui n'ont pas besoin "
    "de sortir du pays.</li></ul>"
    "<p>Sur le plan <strong>juridique et contractuel</strong>, les opérateurs devraient exiger que toute "
    "réquisition soit écrite, motivée et limitée dans le temps, et publier chaque année un rapport de "
    "transparence sur les demandes reçues. Les contrats de service peuvent prévoir l'information des clients "
    "et des compensations.</p>"
    "<p>Sur le plan <strong>organisationnel</strong>, chaque entreprise gagne à disposer d'un plan de continuité "
    "d'activité qui prévoit explicitement le scénario d'une coupure, testé au moins une fois par an.</p>",
    # Q5: acting
    "<p>Oui, il faut agir, et le secteur privé ne peut pas le faire seul. Nous proposons que les entreprises "
    "se regroupent au sein de leurs associations professionnelles pour parler d'une seule voix auprès de "
    "l'État et de l'autorité de régulation.</p>"
    "<p>Nos propositions d'actions :</p>"
    "<ol><li>Ouvrir, avec l'autorité de régulation, un dialogue sur un <strong>protocole de crise</strong> : qui "
    "peut ordonner une restriction, sous quelle forme, pour combien de temps et avec quel recours ;</li>"
    "<li>Financer avec les universités une <strong>mesure indépendante</strong> de la qualité du réseau, afin de "
    "documenter chaque perturbation ;</li>"
    "<li>Soutenir les organisations de la société civile qui informent les usagers de leurs droits ;</li>"
    "<li>Porter la question au Forum national sur la gouvernance de l'Internet et dans les instances "
    "régionales.</li></ol>"
    "<p>Ces actions s'inscrivent dans une logique multipartite : l'État garde la responsabilité de la sécurité, "
    "mais il la partage avec ceux qui construisent et exploitent le réseau.</p>",
    # Conclusion
    "<p>Les coupures d'Internet sont une réponse brutale à des problèmes réels. Pour le secteur privé, elles "
    "détruisent de la valeur, fragilisent la confiance et freinent le développement du numérique au Mali, sans "
    "garantie d'efficacité pour la sécurité publique.</p>"
    "<p>Nous appelons à un cadre clair, fondé sur la légalité, la nécessité et la proportionnalité, élaboré en "
    "concertation avec toutes les parties prenantes. De leur côté, les entreprises s'engagent à renforcer leur "
    "résilience, à être transparentes envers leurs clients et à participer activement au dialogue national.</p>",
]

GOVERNMENT = [
    # Introduction
    "<p>L'État a le devoir de protéger la population, l'intégrité du territoire et la crédibilité de ses "
    "institutions, notamment des examens nationaux. Internet est devenu un levier majeur de développement, mais "
    "il sert aussi à diffuser de fausses informations, des appels à la violence et les sujets d'examen.</p>"
    "<p>Dans ce document, nous expliquons dans quel cadre les autorités peuvent être amenées à restreindre "
    "l'accès au réseau, et comment concilier sécurité publique et droits des citoyens.</p>",
    # Q1
    "<p>Les autorités agissent sur le fondement de leurs missions de maintien de l'ordre public et de sécurité "
    "nationale. Nous reconnaissons toutefois que le cadre actuel manque de précision : il ne dit pas qui décide, "
    "ni pour combien de temps.</p>"
    "<ul><li>Une décision écrite et motivée devrait précéder toute restriction ;</li>"
    "<li>La mesure devrait être limitée aux services et aux zones concernés ;</li>"
    "<li>Un contrôle par le juge devrait être possible a posteriori.</li></ul>",
    # Q2
    "<p>Pour l'État, les enjeux sont d'abord sécuritaires : éviter qu'une rumeur ne déclenche des violences, "
    "protéger l'équité des examens. Mais l'État est aussi garant du développement numérique, qu'il encourage "
    "par ses politiques publiques et dont il tire des recettes.</p>",
]

CIVIL_SOCIETY = [
    # Introduction
    "<p>Pour les citoyens, Internet est un espace d'expression, d'information et d'organisation. Les "
    "associations, les journalistes et les blogueurs que nous représentons l'utilisent chaque jour pour "
    "informer, alerter et rendre des comptes.</p>"
    "<p>Couper le réseau, c'est réduire au silence celles et ceux qui en ont le plus besoin, précisément au "
    "moment où l'information est vitale. Nous défendons ici le droit d'accès à Internet comme condition "
    "d'exercice des autres droits.</p>",
    # Q1
    "<p>Les organes des Nations unies et la Commission africaine des droits de l'homme ont affirmé que les "
    "coupures générales d'Internet sont contraires au droit international. Au Mali, aucune loi ne les autorise "
    "expressément.</p>"
    "<p>Une mesure prise sans base légale, sans annonce et sans recours ne peut pas être légitime, quel que soit "
    "le motif invoqué.</p>",
    # Q2
    "<p>Les enjeux sont d'abord démocratiques : liberté de la presse, droit de manifester, accès à "
    "l'information en période de crise. Ils sont aussi pratiques :</p>"
    "<ul><li>joindre ses proches et les services d'urgence ;</li>"
    "<li>recevoir de l'argent par transfert mobile ;</li>"
    "<li>suivre des cours et des formations en ligne.</li></ul>",
]

# Two jurors' reviews of the private-sector document: per default document criterion (in rubric order) a score on
# 5 and a comment; then the message to the group and the private note for the jury.
REVIEWS = [
    {
        "scores": [
            (4, "Chiffres du secteur cités et sourcés ; il manque une estimation du coût d'une journée de coupure."),
            (4, "L'approche multi-acteurs est bien défendue, surtout dans les recommandations."),
            (5, "Le document parle vraiment avec la voix des opérateurs et des entreprises du numérique."),
            (3, "Le fonds de compensation est une bonne idée, mais qui le finance et qui le gère ?"),
            (4, "Clair et bien structuré ; deux parties dépassent un peu l'équilibre du reste."),
        ],
        "message": "Un document solide et convaincant. Précisez le financement de vos propositions et chiffrez "
        "le coût d'une coupure pour l'économie malienne : votre position en sortira renforcée.",
        "note": "Je recommande l'acceptation, éventuellement après une courte révision sur la faisabilité.",
    },
    {
        "scores": [
            (3, "De bonnes références, mais certaines affirmations ne sont pas sourcées."),
            (4, "Les principes d'un Internet ouvert et interopérable sont bien mobilisés."),
            (4, "Rôle du secteur privé bien tenu, même si la responsabilité des opérateurs est peu discutée."),
            (4, "Propositions concrètes : transparence, préavis, restrictions ciblées."),
            (5, "Très lisible, la présentation aide à suivre l'argument."),
        ],
        "message": "Merci pour ce travail. Discutez davantage les obligations des opérateurs lorsqu'ils reçoivent "
        "un ordre de coupure : c'est ce que le jury vous demandera lors de la défense.",
        "note": "Bon niveau. Écart avec le premier juré sur les preuves : à discuter.",
    },
]
