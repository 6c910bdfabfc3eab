"""The 50 measures of the national strategy for the prevention of delinquency 2026-2030 (SNPD), in its three
axes: reference data of programme D (DESIGN.md §3.5), taken from the strategy's text (``seeds/003_…``; a test
checks them against it). Titles are the strategy's own words.

Every action of programme D may name the measure it serves (``mesure_snpd``); the strategy is followed measure
by measure, and the national reporting sums the retained FIPD amounts by axis and measure.
"""

from __future__ import annotations

from dataclasses import dataclass

STRATEGIE = "Stratégie nationale de prévention de la délinquance 2026-2030"
SNPD = "SNPD 2026-2030"

AXES_SNPD: dict[int, str] = {
    1: "Mieux adapter notre réponse aux nouvelles formes de délinquance",
    2: "Garantir un continuum de prévention de l’enfance à l’âge adulte",
    3: "Mieux coordonner et mieux outiller la politique de prévention",
}


@dataclass(frozen=True)
class Mesure:
    numero: int
    axe: int
    intitule: str

    def __str__(self) -> str:
        return f"Mesure {self.numero} – {self.intitule}"


MESURES_SNPD: tuple[Mesure, ...] = (
    Mesure(1, 1, "Prévenir l’entrée précoce dans le narcotrafic et accompagner la sortie de la criminalité"),
    Mesure(
        2, 1, "Renforcer les dispositifs d’accompagnement des jeunes en parcours de sortie du narcotrafic"
    ),
    Mesure(3, 1, "Soutenir les populations affectées par les violences du narcotrafic"),
    Mesure(4, 1, "Mettre en place des actions de prévention et de communication spécifiques"),
    Mesure(5, 1, "Sécuriser l’espace scolaire"),
    Mesure(
        6, 1, "Renforcer la réponse judiciaire en cas de port et détention d’armes blanches par les mineurs"
    ),
    Mesure(7, 1, "Sensibiliser les jeunes à la haine en ligne et aux risques liés aux usages numériques"),
    Mesure(
        8,
        1,
        "Prévenir les violences à caractère sexiste et sexuel, le masculinisme et les préjugés dans l’espace numérique",
    ),
    Mesure(9, 1, "Améliorer le repérage et l’orientation des victimes dans l’espace numérique"),
    Mesure(10, 1, "Soutenir les parents dans l’éducation au numérique"),
    Mesure(11, 1, "Faire de la prévention des addictions un levier de prévention de la délinquance"),
    Mesure(12, 1, "Prévenir les violences collectives"),
    Mesure(13, 1, "Prévenir l’exploitation d’activités criminelles ou délictuelles"),
    Mesure(14, 1, "Diversifier les projets de prévention du harcèlement scolaire"),
    Mesure(15, 1, "Mieux prévenir l’exploitation sexuelle des jeunes"),
    Mesure(
        16,
        1,
        "Sensibiliser le public aux risques de soumission chimique et former les professionnels au repérage des victimes",
    ),
    Mesure(
        17,
        2,
        "Mieux informer et accompagner les familles, notamment les plus éloignées des structures de soutien à la parentalité",
    ),
    Mesure(18, 2, "Faire connaître aux jeunes et aux parents les lieux d’accueil et d’écoute"),
    Mesure(
        19,
        2,
        "Mieux coordonner les actions de prévention primaire avec l’ensemble des acteurs scolaires, péri et extrascolaires",
    ),
    Mesure(
        20,
        2,
        "Poursuivre la prévention, la détection et la promotion de la santé mentale dans les établissements scolaires",
    ),
    Mesure(21, 2, "Soutenir et promouvoir les compétences psychosociales (CPS) auprès des collectivités"),
    Mesure(
        22,
        2,
        "Favoriser la découverte des institutions par les élèves dans le cadre d’un stage « parcours de découverte des institutions »",
    ),
    Mesure(23, 2, "Encourager l’engagement des jeunes et le lien police-population"),
    Mesure(24, 2, "Impliquer les acteurs du monde du sport et de la culture dans les actions de prévention"),
    Mesure(
        25,
        2,
        "Renforcer les liens entre la lutte contre le décrochage scolaire et les acteurs de la prévention",
    ),
    Mesure(26, 2, "Proposer un accompagnement aux élèves durant les phases d’exclusion scolaire"),
    Mesure(27, 2, "Travailler avec les acteurs de la prévention spécialisée et de la médiation sociale"),
    Mesure(
        28,
        2,
        "Accompagner et remobiliser les parents au sein des conseils des droits et devoirs des familles (CDDF)",
    ),
    Mesure(29, 2, "Renforcer l’articulation avec les parquets pour une justice de proximité"),
    Mesure(30, 2, "Renforcer le suivi individualisé des jeunes en risque de rupture"),
    Mesure(31, 2, "Lever ensemble les freins à la prévention de la récidive"),
    Mesure(
        32, 2, "Renforcer la formation portée par la DPJJ et développer des projets éducatifs spécifiques"
    ),
    Mesure(
        33,
        2,
        "Évaluer et développer des dispositifs spécifiques permettant de prévenir la récidive des auteurs de VIF",
    ),
    Mesure(
        34,
        2,
        "Recenser et évaluer les dispositifs de prise en charge des auteurs de violences sexuelles et expérimenter de nouveaux projets",
    ),
    Mesure(
        35,
        2,
        "Densifier le maillage territorial de l’intervention sociale en commissariat et en gendarmerie, et s’appuyer sur les psychologues en commissariat",
    ),
    Mesure(
        36,
        2,
        "Poursuivre le déploiement de l’ « aller-vers » pour repérer et accompagner les victimes de violences",
    ),
    Mesure(
        37, 2, "Améliorer le repérage des maltraitances envers les personnes âgées et les majeurs vulnérables"
    ),
    Mesure(38, 2, "Développer des accompagnements adaptés pour les victimes de violences intrafamiliales"),
    Mesure(39, 3, "Adapter la gouvernance aux réalités territoriales"),
    Mesure(40, 3, "Donner un cadre d’action commun aux coordonnateurs de CL(I)SPD et animer le réseau local"),
    Mesure(41, 3, "Accompagner les élus dans la sécurisation de l’espace public et des sites sensibles"),
    Mesure(
        42,
        3,
        "Établir un diagnostic partagé avec les élus sur l’évolution de la délinquance dans leur territoire et mieux associer les polices municipales aux actions de prévention",
    ),
    Mesure(43, 3, "Prévenir toutes les formes de violences à l’encontre des élus"),
    Mesure(
        44,
        3,
        "Mieux signaler et prévenir les violences à caractère sexiste et sexuel dans les transports en commun",
    ),
    Mesure(
        45,
        3,
        "Animer des partenariats locaux pour favoriser le relogement ou l’hébergement d’urgence dans les situations de VIF",
    ),
    Mesure(
        46, 3, "Faire travailler ensemble les acteurs en santé mentale des CLSM et les acteurs des CL(I)SPD"
    ),
    Mesure(47, 3, "Garantir un parcours coordonné et adapté à chaque victime"),
    Mesure(48, 3, "Créer une « Académie numérique de la prévention de la délinquance »"),
    Mesure(49, 3, "Favoriser les recherches sur l’origine des violences et la délinquance juvénile"),
    Mesure(
        50,
        3,
        "Partager les bonnes pratiques européennes et internationales de la prévention de la délinquance",
    ),
)
MESURES_PAR_NUMERO: dict[int, Mesure] = {m.numero: m for m in MESURES_SNPD}
PREMIERE_MESURE, DERNIERE_MESURE = min(MESURES_PAR_NUMERO), max(MESURES_PAR_NUMERO)
