"""Programme S « Sécurisation »: the conditions of the national circular as the prefectures' calls for projects
publish them (DESIGN.md §3.5), their parameters and their dated values.

- Municipal police equipment (Préfecture de la Moselle, call for projects FIPD 2022, annex 4, §I.1 to §I.3):
  bullet-proof vests at 250 € a vest; portable radio terminals at 30 % of the cost, 420 € a terminal at most;
  body cameras at 50 % of the cost, 200 € a camera at most. Equipment actions give the number of units.
- Every other project of the programme (Préfecture de l'Isère, call for projects FIPD 2024, « principes
  communs »): a cost of 3 000 € at least, police equipment excepted; the State's funding (the FIPD and the
  co-funders flagged as State money: DETR, DSIL, another ministry) at most 80 % of the cost.

The equipment values start in 2022, the minimum and the State share in 2024: before, the rules that read them
are not evaluated and reports say why (DESIGN.md §3.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .actions import exces, plafond_affiche
from .faits import FaitsAction, FaitsProgrammation, Totaux
from .format import montant, pourcentage
from .parametres import DefinitionParametre, Parametres, TypeParametre, ValeurDatee

MOSELLE_2022 = (
    "Préfecture de la Moselle, appel à projets FIPD 2022, annexe 4 « Équipement des polices municipales »"
)
ISERE_2024 = "Préfecture de l'Isère, appel à projets FIPD 2024, programme S, principes communs"
ZERO = Decimal("0")
UN = Decimal("1")


@dataclass(frozen=True)
class Equipement:
    """A category of municipal police equipment: its unit cap, its rate (None: the unit cap alone) and how
    messages name it."""

    categorie: str
    plafond_unitaire: str  # parameter code
    taux: str | None  # parameter code
    nom: str  # « les gilets pare-balles »
    unite: str  # « gilet »
    unites: str  # « gilets »


EQUIPEMENTS = {
    e.categorie: e
    for e in (
        Equipement(
            "gilets_pare_balles",
            "plafond_gilet_pare_balles",
            None,
            "les gilets pare-balles",
            "gilet",
            "gilets",
        ),
        Equipement(
            "terminaux_radio",
            "plafond_terminal_radio",
            "taux_terminaux_radio",
            "les terminaux portatifs de radiocommunication",
            "terminal",
            "terminaux",
        ),
        Equipement(
            "cameras_pietons",
            "plafond_camera_pieton",
            "taux_cameras_pietons",
            "les caméras-piétons",
            "caméra",
            "caméras",
        ),
    )
}

# --- Parameters -------------------------------------------------------------------------------------------


def _montant(code: str, libelle: str, aide: str) -> DefinitionParametre:
    return DefinitionParametre(code, libelle, TypeParametre.MONTANT, minimum=ZERO, aide=aide)


def _taux(code: str, libelle: str, aide: str) -> DefinitionParametre:
    return DefinitionParametre(code, libelle, TypeParametre.TAUX, minimum=ZERO, maximum=UN, aide=aide)


PARAMETRES_S = (
    _montant(
        "plafond_gilet_pare_balles",
        "Montant maximal par gilet pare-balles",
        "250 € par gilet (appel à projets de la Moselle 2022, annexe 4, §I.1).",
    ),
    _taux(
        "taux_terminaux_radio",
        "Taux maximal des terminaux portatifs de radiocommunication",
        "30 % du coût (appel à projets de la Moselle 2022, annexe 4, §I.2).",
    ),
    _montant(
        "plafond_terminal_radio",
        "Montant maximal par terminal portatif de radiocommunication",
        "420 € par terminal (appel à projets de la Moselle 2022, annexe 4, §I.2).",
    ),
    _taux(
        "taux_cameras_pietons",
        "Taux maximal des caméras-piétons",
        "50 % du coût (appel à projets de la Moselle 2022, annexe 4, §I.3).",
    ),
    _montant(
        "plafond_camera_pieton",
        "Montant maximal par caméra-piéton",
        "200 € par caméra (appel à projets de la Moselle 2022, annexe 4, §I.3).",
    ),
    _montant(
        "montant_minimal_dossier",
        "Coût minimal d'un dossier hors équipement des polices municipales",
        "« seuls les dossiers d'un montant minimal de 3 000 € seront recevables » (appel à projets de l'Isère "
        "2024).",
    ),
    _taux(
        "part_maximale_etat",
        "Part maximale des financements de l'État",
        "« le total des financements d'État ne peut dépasser 80 % » (appel à projets de l'Isère 2024).",
    ),
)

VALEURS_SECURISATION: tuple[ValeurDatee, ...] = (
    ValeurDatee(
        "plafond_gilet_pare_balles",
        2022,
        Decimal("250.00"),
        f"{MOSELLE_2022}, §I.1 : 250 € par gilet, un gilet par agent",
    ),
    ValeurDatee("taux_terminaux_radio", 2022, Decimal("0.30"), f"{MOSELLE_2022}, §I.2 : 30 % par poste"),
    ValeurDatee(
        "plafond_terminal_radio",
        2022,
        Decimal("420.00"),
        f"{MOSELLE_2022}, §I.2 : plafond unitaire de 420 €",
    ),
    ValeurDatee("taux_cameras_pietons", 2022, Decimal("0.50"), f"{MOSELLE_2022}, §I.3 : 50 % du coût"),
    ValeurDatee(
        "plafond_camera_pieton",
        2022,
        Decimal("200.00"),
        f"{MOSELLE_2022}, §I.3 : plafond de 200 € par caméra",
    ),
    ValeurDatee(
        "montant_minimal_dossier",
        2024,
        Decimal("3000.00"),
        f"{ISERE_2024} : « seuls les dossiers d'un montant minimal de 3 000 € seront recevables », "
        "équipements de police municipale exceptés",
    ),
    ValeurDatee(
        "part_maximale_etat",
        2024,
        Decimal("0.80"),
        f"{ISERE_2024} : « le total des financements d'État ne peut dépasser 80 % »",
    ),
)
"""Programme S's dated values (the data migration's values)."""

PARAMETRES_EQUIPEMENT = (
    "plafond_gilet_pare_balles",
    "taux_terminaux_radio",
    "plafond_terminal_radio",
    "taux_cameras_pietons",
    "plafond_camera_pieton",
)
PARAMETRES_QUANTITE = tuple(e.plafond_unitaire for e in EQUIPEMENTS.values())


# --- The equipment cap --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlafondEquipement:
    """What the FIPD may give an equipment action: the unit cap times the quantity and, for terminals and
    cameras, the rate times the cost; the smaller of the two."""

    equipement: Equipement
    quantite: int
    par_unite: Decimal  # the unit cap
    taux: Decimal | None

    def plafond_unitaire_total(self) -> Decimal:
        return self.par_unite * self.quantite

    def plafond_taux(self, cout_total: Decimal) -> Decimal | None:
        return None if self.taux is None else cout_total * self.taux

    def plafond(self, cout_total: Decimal) -> Decimal:
        par_taux = self.plafond_taux(cout_total)
        unitaire = self.plafond_unitaire_total()
        return unitaire if par_taux is None else min(unitaire, par_taux)

    def unites(self) -> str:
        e = self.equipement
        return f"{self.quantite} {e.unite if self.quantite == 1 else e.unites}"

    def libelle(self) -> str:
        e = self.equipement
        par_unite = f"{montant(self.par_unite)} par {e.unite} × {self.unites()}"
        if self.taux is None:
            return f"Plafond de l'équipement ({par_unite})"
        return f"Plafond de l'équipement (le plus bas de {pourcentage(self.taux)} du coût et de {par_unite})"


def plafond_equipement(a: FaitsAction, p: Parametres) -> PlafondEquipement | None:
    """None for another category, or without a quantity (``S_QUANTITE_MANQUANTE`` says so)."""
    equipement = EQUIPEMENTS.get(a.categorie)
    if equipement is None or a.quantite is None or a.quantite < 1:
        return None
    taux = None if equipement.taux is None else getattr(p, equipement.taux)
    return PlafondEquipement(equipement, a.quantite, getattr(p, equipement.plafond_unitaire), taux)


# --- The rules ----------------------------------------------------------------------------------------------


def equipement_plafond(a: FaitsAction, p: Parametres) -> str | None:
    """Moselle 2022, annex 4, §I.1 to §I.3: 250 € a vest; 30 % of the cost and 420 € a terminal; 50 % of the
    cost and 200 € a camera. Compared unrounded."""
    cap = plafond_equipement(a, p)
    if cap is None:
        return None
    plafond = cap.plafond(a.cout_total)
    if a.montant_fipd <= plafond:
        return None
    e = cap.equipement
    unitaire = cap.plafond_unitaire_total()
    par_unite = f"{montant(cap.par_unite)} par {e.unite}"
    if cap.taux is None:
        regle = (
            f"Le FIPD finance {e.nom} à {par_unite} au plus : pour {cap.unites()}, le maximum est de "
            f"{plafond_affiche(plafond)}"
        )
    else:
        par_taux = cap.plafond_taux(a.cout_total)
        regle = (
            f"Le FIPD finance {e.nom} à {pourcentage(cap.taux)} du coût et à {par_unite} au plus, le plus bas "
            f"des deux : {plafond_affiche(par_taux)} ({pourcentage(cap.taux)} du coût de "
            f"{montant(a.cout_total)}) et {plafond_affiche(unitaire)} ({cap.unites()} à {par_unite}), soit "
            f"un maximum de {plafond_affiche(plafond)}"
        )
    return (
        f"{regle} ; {montant(a.montant_fipd)} de FIPD, soit {exces(a.montant_fipd - plafond)} de plus que ce "
        "maximum."
    )


def quantite_manquante(a: FaitsAction, p: Parametres) -> str | None:
    """Moselle 2022, annex 4: equipment is funded per unit, so its number must be known."""
    equipement = EQUIPEMENTS.get(a.categorie)
    if equipement is None or (a.quantite is not None and a.quantite >= 1):
        return None
    par_unite = montant(getattr(p, equipement.plafond_unitaire))
    if a.quantite is None:
        debut = f"Indiquez le nombre de {equipement.unites} (au moins 1)"
    else:
        debut = f"Le nombre de {equipement.unites} doit être au moins 1 (saisi : {a.quantite})"
    return f"{debut} : sans lui, le plafond de {par_unite} par {equipement.unite} ne peut pas être calculé."


def montant_minimal(a: FaitsAction, p: Parametres) -> str | None:
    """Isère 2024: « seuls les dossiers d'un montant minimal de 3 000 € seront recevables », police equipment
    excepted."""
    if a.categorie in EQUIPEMENTS or a.cout_total >= p.montant_minimal_dossier:
        return None
    return (
        f"Seuls les dossiers d'un coût total d'au moins {montant(p.montant_minimal_dossier)} sont recevables "
        f"(équipement des polices municipales excepté) : le coût de {montant(a.cout_total)} est inférieur de "
        f"{montant(p.montant_minimal_dossier - a.cout_total)} à ce minimum."
    )


def part_etat(a: FaitsAction, p: Parametres) -> str | None:
    """Isère 2024: « le total des financements d'État ne peut dépasser 80 % » of the cost, the FIPD included.
    Compared unrounded."""
    autres = sum(a.cofinancements_etat, ZERO)
    etat = a.montant_fipd + autres
    plafond = a.cout_total * p.part_maximale_etat
    if etat <= plafond:
        return None
    if autres:
        detail = (
            f"{montant(a.montant_fipd)} de FIPD et {montant(autres)} d'autres financements de l'État "
            f"({montant(etat)} au total)"
        )
    else:
        detail = f"{montant(a.montant_fipd)} de FIPD"
    return (
        f"Le total des financements de l'État ne peut dépasser {pourcentage(p.part_maximale_etat)} du coût de "
        f"l'action : {detail} pour un coût de {montant(a.cout_total)}, soit {exces(etat - plafond)} de plus "
        f"que le maximum de {plafond_affiche(plafond)}."
    )


# --- Bounds on the FIPD amount (the live preview) -----------------------------------------------------------


def borne_equipement(a: FaitsAction, t: Totaux, f: FaitsProgrammation, p: Parametres):
    cap = plafond_equipement(a, p)
    if cap is None or a.cout_total is None:
        return None
    return cap.libelle(), cap.plafond(a.cout_total), ""


def borne_part_etat(a: FaitsAction, t: Totaux, f: FaitsProgrammation, p: Parametres):
    if a.cout_total is None:
        return None
    autres = sum(a.cofinancements_etat, ZERO)
    libelle = f"{pourcentage(p.part_maximale_etat)} du coût total (financements de l'État)"
    detail = f"moins {montant(autres)} d'autres financements de l'État" if autres else ""
    return libelle, a.cout_total * p.part_maximale_etat - autres, detail
