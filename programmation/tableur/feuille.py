"""From a sheet's rows to a ``ProgrammationLue`` (DESIGN.md §5): what the CSV and XLSX readers share.

A reader turns its file into rows — a line number (the spreadsheet's row number, the header's included) and
the non-empty cells by column index — and hands them to ``collecter``, which stops past the row limit before
any action is read; ``lire_feuille`` then understands the header and reads each row through the one reader
of ``eligibilite.lecture``, each problem named « Ligne 5, colonne « Montant FIPD » : … ».
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from eligibilite.lecture import (
    CHAMPS_ENTETE,
    Illisible,
    Lecteur,
    Problemes,
    ProgrammationLue,
    lire_action,
    lire_entete,
)
from eligibilite.regles.codes import DECISIONS
from eligibilite.regles.format import nombre
from eligibilite.regles.montants import lisible

from .colonnes import (
    FORMULE_SANS_VALEUR,
    IGNOREE,
    Colonne,
    colonnes_action,
    colonnes_cofinanceur,
    reconnaitre,
    suggestion,
    texte_de,
    valeur_de,
    vide,
)

LIGNES_MAXIMALES = 5000  # data rows (DESIGN.md §4, §5)
COLONNES_MAXIMALES = 200  # named columns: far more than the format has, far fewer than a hostile file's
TAILLE_MAXIMALE_PAR_DEFAUT = 10 * 1024 * 1024
OPTIONS = CHAMPS_ENTETE[:4]  # departement, annee, programme, enveloppe: given by the command's options
EXEMPLES_OPTIONS = {
    "departement": "--departement 59",
    "annee": "--annee 2026",
    "programme": "--programme R",
    "enveloppe": "--enveloppe 120000.00",
}
Cellules = dict[int, object]  # column index from 0 → a non-empty value


class TableurIllisible(Exception):
    """A file that cannot be read as a sheet at all; its text is the French message."""


def taille_maximale() -> int:
    """The size cap of a file, in bytes (setting ``FIPD_TAILLE_MAXIMALE_FICHIER``, 10 Mo by default)."""
    return getattr(settings, "FIPD_TAILLE_MAXIMALE_FICHIER", TAILLE_MAXIMALE_PAR_DEFAUT)


def en_mo(octets: int) -> str:
    """« 10 Mo », « 12,5 Mo »."""
    mo = octets / (1024 * 1024)
    texte = f"{mo:.0f}" if mo == int(mo) or mo >= 100 else f"{mo:.1f}".replace(".", ",")
    return f"{texte} Mo"


def message_trop_gros(taille: int | None = None) -> str:
    """The message for a file over the size cap (of ``taille`` bytes when known)."""
    pese = f"pèse {en_mo(taille)}" if taille is not None else "dépasse la taille admise"
    return (
        f"Le fichier {pese} : au plus {en_mo(taille_maximale())} sont admis. Découpez la programmation en "
        "plusieurs fichiers."
    )


def trop_gros(contenu: bytes) -> str | None:
    """The message for content over the size cap, None otherwise."""
    return message_trop_gros(len(contenu)) if len(contenu) > taille_maximale() else None


def lettre(colonne: int) -> str:
    """The spreadsheet letter of a column index from 0: 0 → A, 27 → AB."""
    lettres = ""
    n = colonne + 1
    while n:
        n, reste = divmod(n - 1, 26)
        lettres = chr(ord("A") + reste) + lettres
    return lettres


def nouvelle_lue(entete: Mapping[str, object]) -> ProgrammationLue:
    """A ``ProgrammationLue`` whose header fields come from the command's options (DESIGN.md §4): a missing
    option is a problem « Option --annee : … »."""
    lue = ProgrammationLue(Problemes(OPTIONS))
    valeurs = {
        cle: entete[cle]
        if entete.get(cle) is not None
        else Illisible(
            f"option obligatoire avec un fichier CSV ou XLSX (par exemple {EXEMPLES_OPTIONS[cle]})."
        )
        for cle in OPTIONS
    }
    lire_entete(valeurs, lue)
    return lue


# --- Collecting rows, within the limit -----------------------------------------------------------------


@dataclass
class Feuille:
    """A sheet's rows before they are understood: the header row and the data rows (empty rows left out)."""

    ligne_entete: int = 0
    entete: dict[int, str] = dataclasses.field(default_factory=dict)
    lignes: list[tuple[int, Cellules]] = dataclasses.field(default_factory=list)
    separateur: str | None = None  # a CSV file's


def collecter(
    lignes: Iterable[tuple[int, Cellules]], problemes: Problemes, separateur: str | None = None
) -> Feuille | None:
    """The header (the first non-empty row) and the data rows; None, with the problem recorded, past
    ``LIGNES_MAXIMALES`` data rows: counting stops there, no action is read."""
    feuille = Feuille(separateur=separateur)
    for numero, cellules in lignes:
        if not cellules:
            continue
        if not feuille.entete:
            feuille.ligne_entete = numero
            feuille.entete = {c: "" if v is FORMULE_SANS_VALEUR else texte_de(v) for c, v in cellules.items()}
            continue
        feuille.lignes.append((numero, cellules))
        if len(feuille.lignes) > LIGNES_MAXIMALES:
            limite = nombre(Decimal(LIGNES_MAXIMALES), 0)
            problemes.ajouter(
                0,
                f"Le fichier compte plus de {limite} lignes d'actions (ligne d'en-tête non comprise) : au plus "
                f"{limite} sont admises. Découpez la programmation en plusieurs fichiers.",
            )
            return None
    return feuille


# --- Understanding the header ----------------------------------------------------------------------------


@dataclass
class Entete:
    """The header understood: each known column's index, each written header, the ignored columns."""

    ligne: int
    colonnes: dict[int, Colonne]  # index → column (ignored ones included)
    ecrits: dict[int, str]  # index → header as written
    par_chemin: dict[str, int]  # a field's path → index

    def place(self, ligne: int, colonne: int) -> str:
        return f"Ligne {ligne}, colonne « {self.ecrits[colonne]} »"


def comprendre_entete(feuille: Feuille, problemes: Problemes) -> Entete | None:
    """The header's columns; None when a column is unknown, repeated or missing (each one reported): no row
    is read then, since every row would repeat the problem."""
    ligne = feuille.ligne_entete
    nommes = {c: e for c, e in sorted(feuille.entete.items()) if e}
    avant = len(problemes)
    if len(nommes) > COLONNES_MAXIMALES:
        problemes.ajouter(
            ligne,
            f"Ligne {ligne} : l'en-tête compte {len(nommes)} colonnes ; au plus {COLONNES_MAXIMALES} sont "
            "admises. Est-ce bien la ligne d'en-tête d'une programmation ?",
        )
        return None
    entete = Entete(ligne, {}, {c: lisible(e) for c, e in nommes.items()}, {})
    for colonne, ecrit in nommes.items():
        place = entete.place(ligne, colonne)
        connue = reconnaitre(ecrit)
        if connue is None:
            proche = suggestion(ecrit)
            conseil = f" (vouliez-vous dire « {proche} » ?)" if proche else ""
            problemes.ajouter(
                ligne,
                f"{place} : colonne inconnue{conseil}. Renommez-la comme dans le modèle de tableur, ou faites "
                "commencer son en-tête par « Commentaire » ou « Note » si elle ne contient que des notes.",
            )
            continue
        if connue.type != IGNOREE and connue.chemin in entete.par_chemin:
            premiere = entete.par_chemin[connue.chemin]
            problemes.ajouter(
                ligne,
                f"{place} : colonne en double (déjà la colonne {lettre(premiere)} « {entete.ecrits[premiere]} ») "
                "; chaque colonne n'est donnée qu'une fois.",
            )
            continue
        entete.colonnes[colonne] = connue
        if connue.type != IGNOREE:
            entete.par_chemin[connue.chemin] = colonne
    for attendue in colonnes_action():
        if attendue.obligatoire and attendue.chemin not in entete.par_chemin:
            problemes.ajouter(
                ligne,
                f"Ligne {ligne} : la colonne obligatoire « {attendue.libelle} » ({attendue.cle}) est absente.",
            )
    _paires_de_cofinanceurs(entete, problemes)
    if len(nommes) == 1 and len(problemes) > avant and feuille.separateur is not None:
        problemes.ajouter(
            ligne,
            f"Ligne {ligne} : une seule colonne trouvée ; les colonnes d'un fichier CSV sont séparées par des "
            "points-virgules (;) ou des virgules (,).",
        )
    return None if len(problemes) > avant else entete


def _paires_de_cofinanceurs(entete: Entete, problemes: Problemes) -> None:
    numeros = sorted({c.numero for c in entete.colonnes.values() if c.numero is not None})
    for numero in numeros:
        financeur, montant, etat = colonnes_cofinanceur(numero)
        for presente, absente in ((financeur, montant), (montant, financeur), (etat, financeur)):
            if presente.chemin in entete.par_chemin and absente.chemin not in entete.par_chemin:
                colonne = entete.par_chemin[presente.chemin]
                problemes.ajouter(
                    entete.ligne,
                    f"{entete.place(entete.ligne, colonne)} : la colonne « {absente.libelle} » manque ; un "
                    "cofinanceur a une colonne pour son nom et une pour son montant.",
                )


# --- Reading the rows ------------------------------------------------------------------------------------


def lire_feuille(feuille: Feuille | None, lue: ProgrammationLue) -> None:
    """Reads the rows of ``feuille`` into ``lue.actions``, recording every problem."""
    problemes = lue.problemes
    if feuille is None:
        return
    if not feuille.entete:
        problemes.ajouter(
            0, "Le fichier est vide : une ligne d'en-tête puis une ligne par action sont attendues."
        )
        return
    entete = comprendre_entete(feuille, problemes)
    if entete is None:
        return
    lue.colonnes = {chemin: entete.ecrits[colonne] for chemin, colonne in entete.par_chemin.items()}
    lignes = [(n, c) for n, c in feuille.lignes if any(_lue(entete, i) for i in c)]
    if not any(any(_donnee(entete, i) for i in c) for _, c in lignes):
        problemes.ajouter(
            0,
            "Le fichier ne contient que la ligne d'en-tête : ajoutez une ligne par action sous l'en-tête.",
        )
        return
    premiere: dict[str, int] = {}
    for numero, cellules in lignes:
        _hors_entete(numero, cellules, entete, problemes)
        if not any(_donnee(entete, i) for i in cellules):
            continue  # a stray value beside the table, reported: the row is no action
        action = _lire_ligne(numero, cellules, entete, lue.programme, lue.departement, problemes)
        lue.actions.append(action)
        if action.reference is not None:
            if action.reference in premiere:
                Lecteur(problemes, numero, f"Ligne {numero}", nommer=_nommer(numero, entete, ())).signaler(
                    "reference",
                    f"référence déjà utilisée à la ligne {premiere[action.reference]} : chaque référence est "
                    "unique dans le fichier.",
                )
            else:
                premiere[action.reference] = numero


def _lue(entete: Entete, colonne: int) -> bool:
    """Whether a column's values are read: a field's column, or one without header (reported)."""
    return _donnee(entete, colonne) or colonne not in entete.ecrits


def _donnee(entete: Entete, colonne: int) -> bool:
    """Whether a column is a field's (not notes, nor a field not described yet)."""
    connue = entete.colonnes.get(colonne)
    return connue is not None and connue.type != IGNOREE


def _nommer(numero: int, entete: Entete, cofinanceurs: tuple[int, ...]):
    """How the reader names a place on row ``numero``; ``cofinanceurs``: the number of the co-funder read
    as the 1st, 2nd… of the row's list."""

    def nommer(chemin: str) -> str:
        if chemin.startswith("cofinancements."):
            _, rang, cle = chemin.split(".", 2)
            if rang.isdigit() and 1 <= int(rang) <= len(cofinanceurs):
                chemin = f"cofinancements.{cofinanceurs[int(rang) - 1]}.{cle}"
        colonne = entete.par_chemin.get(chemin)
        if colonne is None:
            return f"Ligne {numero}, champ « {lisible(chemin)} »"
        return entete.place(numero, colonne)

    return nommer


def _lire_ligne(
    numero: int,
    cellules: Cellules,
    entete: Entete,
    programme: str | None,
    departement: str | None,
    problemes: Problemes,
):
    brute: dict[str, object] = {}
    porteur: dict[str, object] = {}
    decision: dict[str, object] = {}
    cofinancements: dict[int, dict[str, object]] = {}
    for index, colonne in entete.colonnes.items():
        if colonne.type == IGNOREE:
            continue
        valeur = cellules.get(index)
        if vide(valeur):
            if not colonne.obligatoire:
                continue
            valeur = ""  # « champ obligatoire vide », « le montant est vide »
        else:
            valeur = valeur_de(colonne, valeur, programme)
        if colonne.numero is not None:
            cle = colonne.chemin.rsplit(".", 1)[1]
            cofinancements.setdefault(colonne.numero, {})[cle] = valeur
        elif colonne.chemin.startswith("porteur."):
            porteur[colonne.chemin.removeprefix("porteur.")] = valeur
        elif colonne.chemin == "decision":
            decision["decision"] = valeur
        else:
            brute[colonne.chemin] = valeur
    brute["porteur"] = porteur
    numeros = tuple(sorted(cofinancements))
    if numeros:
        # A co-funder given is given whole: its name and amount are then required (« champ obligatoire vide »).
        brute["cofinancements"] = [{"financeur": "", "montant": ""} | cofinancements[n] for n in numeros]
    nommer = _nommer(numero, entete, numeros)
    designation = f"Ligne {numero}"
    action = lire_action(
        brute,
        problemes,
        numero=numero,
        designation=designation,
        programme=programme,
        departement=departement,
        cles_connues=False,
        nommer=nommer,
    )
    lecteur = Lecteur(problemes, numero, designation, nommer=nommer)
    lue = lecteur.code(decision, "decision", DECISIONS, "décision inconnue", defaut="retenue")
    return dataclasses.replace(action, decision=lue)


def _hors_entete(numero: int, cellules: Cellules, entete: Entete, problemes: Problemes) -> None:
    """A value in a column without header is reported (the first of the row: a hostile row may hold
    millions)."""
    hors_entete = min((c for c in cellules if c not in entete.ecrits), default=None)
    if hors_entete is not None:
        problemes.ajouter(
            numero,
            f"Ligne {numero}, colonne {lettre(hors_entete)} : valeur dans une colonne sans en-tête ; "
            "donnez-lui un en-tête du modèle de tableur, ou videz-la.",
        )
