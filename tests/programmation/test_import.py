"""The spreadsheet import (issue 10; DESIGN.md §3.4, §5, §6): the guarded bulk write, the page with its
preview and confirmation, the command, and what an import must never do — write part of a file, write a
faulty one, write over a programmation that changed since the preview, or write what did not change."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from programmation.ecriture import recalculer_programmation
from programmation.ecriture.import_ import ImportPerime, importer, lire_fichier_importe, motif_import
from programmation.models import (
    Action,
    Cofinancement,
    Exercice,
    Porteur,
    Programmation,
    Statut,
)
from programmation.tableur.feuille import LIGNES_MAXIMALES
from tests.factories import (
    ActionFactory,
    PorteurFactory,
    ProgrammationFactory,
    UtilisateurFactory,
    creer_actions,
    departement,
    doter,
)
from tests.programmation.test_verifier_programmation import SIRET_VALIDE, Sortie

pytestmark = pytest.mark.django_db
D = Decimal
NBSP, FINE = "\u00a0", "\u202f"
ENTETE = [
    "Référence",
    "Intitulé",
    "Porteur",
    "Type porteur",
    "SIRET",
    "Catégorie",
    "Public",
    "Milieu",
    "Coût total",
    "Montant demandé",
    "Montant FIPD",
    "Contrat de ville",
    "Code analytique",
    "Thème prévention primaire",
    "Justification",
    "Décision",
    "Cofinanceur 1",
    "Montant cofinanceur 1",
]


# --- Helpers ------------------------------------------------------------------------------------------------


def rangee(reference: str, **champs) -> list[str]:
    """A row of ``ENTETE``: a retained insertion action of 1 000 € out of 2 000 €, its fields changed by
    ``champs`` (keys: the column's position name below)."""
    valeurs = {
        "reference": reference,
        "intitule": f"Action {reference}",
        "porteur": "Association Relais",
        "type": "Association",
        "siret": "",
        "categorie": "Action éducative, citoyenne ou d'insertion",
        "public": "",
        "milieu": "",
        "cout": "2 000,00",
        "demande": "",
        "fipd": "1 000,00",
        "cdv": "",
        "code": "",
        "theme": "",
        "justification": "",
        "decision": "",
        "cofinanceur": "",
        "montant_cofinanceur": "",
    } | champs
    return list(valeurs.values())


def fichier_csv(rangees: list[list[str]], entete: list[str] = ENTETE, encodage: str = "utf-8-sig") -> bytes:
    tampon = io.StringIO()
    csv.writer(tampon, delimiter=";", lineterminator="\r\n").writerows([entete, *rangees])
    return tampon.getvalue().encode(encodage)


def fichier_xlsx(rangees: list[list[object]], entete: list[str] = ENTETE) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(entete)
    for r in rangees:
        ws.append(r)
    tampon = io.BytesIO()
    wb.save(tampon)
    return tampon.getvalue()


def importer_fichier(programmation, contenu: bytes, nom: str = "programmation.csv", **options):
    lue = lire_fichier_importe(programmation, contenu, nom)
    assert not lue.problemes, lue.problemes.lignes()
    return importer(programmation, lue.actions, motif=motif_import(nom), colonnes=lue.colonnes, **options)


def etat_de_la_base() -> dict:
    """Every row an import could write, history included."""
    return {
        "actions": Action.objects.count(),
        "porteurs": Porteur.objects.count(),
        "cofinancements": Cofinancement.objects.count(),
        "programmations": Programmation.objects.count(),
        "historique_actions": Action.history.count(),
        "historique_porteurs": Porteur.history.count(),
        "historique_cofinancements": Cofinancement.history.count(),
        "historique_programmations": Programmation.history.count(),
        "versions": list(Programmation.objects.order_by("pk").values_list("pk", "version", "total_fipd")),
        "actions_versions": list(Action.objects.order_by("pk").values_list("pk", "version", "montant_fipd")),
    }


CHAMPS_EXCLUS = {"id", "programmation", "version", "cree_le", "modifie_le", "date_decision", "porteur"}


def etat_de(programmation) -> dict:
    """A programmation as the import format sees it: each action's fields, porteur and co-funders, by reference;
    the stored figures."""
    actions = {}
    for a in programmation.actions.select_related("porteur").prefetch_related("cofinancements"):
        champs = {
            f.name: getattr(a, f.name) for f in Action._meta.concrete_fields if f.name not in CHAMPS_EXCLUS
        }
        champs["porteur"] = (a.porteur.pk, a.porteur.nom, a.porteur.type, a.porteur.siret)
        champs["cofinancements"] = [
            (c.financeur, c.montant, getattr(c, "etat", None)) for c in a.cofinancements.all()
        ]
        actions[a.reference] = champs
    p = Programmation.objects.get(pk=programmation.pk)
    return {
        "actions": actions,
        "porteurs": sorted(
            Porteur.objects.filter(departement=p.departement).values_list("nom", "type", "siret")
        ),
        "figures": (
            p.total_fipd,
            p.total_formation,
            p.total_prevention_primaire,
            p.nb_bloquants,
            p.nb_alertes,
        ),
        "verdicts": p.verdicts,
    }


def commande(tmp_path, contenu: bytes, *options, nom="programmation.csv") -> Sortie:
    chemin = tmp_path / nom
    chemin.write_bytes(contenu)
    stdout, stderr = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("importer_programmation", str(chemin), *options, stdout=stdout, stderr=stderr)
    except SystemExit as e:
        code = e.code
    return Sortie(code, stdout.getvalue(), stderr.getvalue())


OPTIONS = ("--departement", "59", "--annee", "2026", "--programme", "R")


@pytest.fixture
def agent(db):
    return UtilisateurFactory(username="agent.nord", departements=[departement("59")])


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


def url_import(p) -> str:
    return p.get_absolute_url() + "import/"


# --- The write ----------------------------------------------------------------------------------------------


def test_an_import_creates_actions_porteurs_and_cofunders_with_their_history(programmation, agent):
    PorteurFactory(departement=programmation.departement, nom="Commune de Valenciennes", type="collectivite")
    contenu = fichier_csv(
        [
            rangee("A1", porteur="Association Relais", cofinanceur="Commune", montant_cofinanceur="1 000,00"),
            rangee("A2", porteur="  commune de   VALENCIENNES ", type="Collectivité territoriale"),
            rangee("A3", porteur="Association relais", decision="En instruction"),
            rangee("A4", porteur="Club de prévention", siret=SIRET_VALIDE, decision="non_retenue"),
        ]
    )

    bilan = importer_fichier(programmation, contenu, auteur=agent)

    assert bilan.ecrit and bilan.acceptable
    assert bilan.resume() == "4 actions créées, 0 action modifiée, 0 action inchangée ; 2 porteurs créés."
    actions = {a.reference: a for a in Action.objects.select_related("porteur")}
    assert actions["A2"].porteur.nom == "Commune de Valenciennes"  # matched by name, case and spaces aside
    assert actions["A1"].porteur == actions["A3"].porteur  # created once
    assert actions["A4"].porteur.siret == SIRET_VALIDE
    assert {a: actions[a].decision for a in actions} == {
        "A1": "retenue",  # the format's default
        "A2": "retenue",
        "A3": "en_instruction",
        "A4": "non_retenue",
    }
    assert [(c.financeur, c.montant) for c in actions["A1"].cofinancements.all()] == [
        ("Commune", D("1000.00"))
    ]
    assert all(a.version == 1 for a in actions.values())
    historique = Action.history.filter(history_type="+")
    assert historique.count() == 4
    assert set(historique.values_list("history_change_reason", "history_user")) == {
        ("Import du fichier programmation.csv", agent.pk)
    }
    assert Porteur.history.filter(history_change_reason="Import du fichier programmation.csv").count() == 2
    assert Cofinancement.history.filter(history_type="+").count() == 1


def _stockes() -> tuple:
    p = Programmation.objects.get()
    return (
        (p.total_fipd, p.total_formation, p.nb_bloquants, p.nb_alertes, p.nb_en_instruction, p.verdicts),
        list(Action.objects.order_by("pk").values_list("verdicts", "nb_bloquants", "nb_alertes")),
    )


def test_stored_verdicts_and_totals_are_those_the_rules_recompute(programmation):
    rangees = [
        rangee("A1", cofinanceur="Commune", montant_cofinanceur="500"),  # budget not balanced: an alert
        rangee("F1", categorie="formation", public="professionnels", fipd="3 000", cout="3 000"),
        rangee("O1", milieu="ouvert"),  # an alert
        rangee("P1", milieu="carceral", decision="en_instruction"),  # blocking, but not retained
    ]
    for fichier in (
        fichier_csv(rangees),
        # Updates: the budget balanced, the setting changed, a decision changed, and a new action.
        fichier_csv(
            [
                rangee("A1", cofinanceur="Commune", montant_cofinanceur="1 000"),
                rangees[1],
                rangee("O1"),
                rangee("P1", milieu="carceral", decision="non_retenue"),
                rangee("N1", milieu="ouvert", fipd="500"),
            ]
        ),
    ):
        importer_fichier(programmation, fichier)
        stockes = _stockes()

        recalculer_programmation(programmation.pk)

        assert stockes == _stockes()
    p = Programmation.objects.get()
    assert (p.total_fipd, p.nb_alertes, p.nb_en_instruction) == (D("5500.00"), 1, 0)


def test_rows_with_an_existing_reference_update_their_action_and_others_stay(programmation):
    porteur = PorteurFactory(departement=programmation.departement, nom="Association Relais")
    gardee = ActionFactory(programmation=programmation, reference="G1", porteur=porteur, retenue=True)
    modifiee = ActionFactory(
        programmation=programmation, reference="A1", porteur=porteur, intitule="Action A1", retenue=True
    )
    Cofinancement(action=modifiee, financeur="Région", montant=D("200")).save()
    modifiee.refresh_from_db()
    historique_gardee = Action.history.filter(id=gardee.pk).count()

    bilan = importer_fichier(
        programmation,
        fichier_csv(
            [
                rangee(
                    "A1",
                    fipd="1 500,00",
                    cout="10 000,00",
                    cofinanceur="Commune",
                    montant_cofinanceur="1 000",
                ),
                rangee("A2"),
            ]
        ),
    )

    assert (bilan.nb_creees, bilan.nb_modifiees, bilan.nb_inchangees) == (1, 1, 0)
    ligne = next(lg for lg in bilan.lignes if lg.reference == "A1")
    assert [(c.champ, c.avant, c.apres) for c in ligne.changements] == [
        ("catégorie", "Consultations de santé mentale", "Action éducative, citoyenne ou d'insertion"),
        ("montant FIPD", f"5{FINE}000,00{NBSP}€", f"1{FINE}500,00{NBSP}€"),
        ("cofinancements", f"Région : 200,00{NBSP}€", f"Commune : 1{FINE}000,00{NBSP}€"),
    ]
    modifiee.refresh_from_db()
    assert (modifiee.montant_fipd, modifiee.categorie, modifiee.version) == (D("1500"), "insertion", 2)
    assert [c.financeur for c in modifiee.cofinancements.all()] == ["Commune"]
    assert Cofinancement.history.filter(history_type="-", financeur="Région").exists()
    gardee.refresh_from_db()
    assert gardee.version == 1 and Action.history.filter(id=gardee.pk).count() == historique_gardee
    p = Programmation.objects.get(pk=programmation.pk)
    assert p.total_fipd == D("7500.00")  # G1 5 000 + A1 1 500 + A2 1 000: absent actions keep counting
    assert Action.history.get(id=modifiee.pk, history_type="~").history_change_reason == (
        "Import du fichier programmation.csv"
    )


def test_a_column_absent_from_the_file_leaves_the_field_as_it_is():
    p = ProgrammationFactory()
    doter(p, "100000")
    action = ActionFactory(
        programmation=p,
        reference="A1",
        retenue=True,
        justification="Gardée",
        porteur=PorteurFactory(departement=p.departement, nom="Association Relais"),
    )
    Cofinancement(action=action, financeur="Commune", montant=D("100")).save()
    entete = ["Référence", "Intitulé", "Porteur", "Type porteur", "Catégorie", "Coût total", "Montant FIPD"]
    contenu = fichier_csv(
        [["A1", "Nouvel intitulé", "Association Relais", "association", "sante_mentale", "10000", "5000"]],
        entete,
    )

    bilan = importer_fichier(p, contenu)

    assert [c.champ for c in bilan.lignes[0].changements] == ["intitulé"]
    action.refresh_from_db()
    assert (action.intitule, action.justification, action.decision) == (
        "Nouvel intitulé",
        "Gardée",
        "retenue",
    )
    assert [c.financeur for c in action.cofinancements.all()] == ["Commune"]


def test_an_import_whose_rows_pass_but_whose_total_breaks_the_training_cap_is_refused_whole(programmation):
    # T = 10 000 + 3 000 + 3 000 = 16 000: cap = max(4 000, 20 % × 16 000) = 4 000 < 6 000 of training.
    contenu = fichier_csv(
        [
            rangee("A1", fipd="10 000", cout="20 000"),
            rangee(
                "F1", categorie="Formation et sensibilisation des professionnels", fipd="3 000", cout="3 000"
            ),
            rangee("F2", categorie="formation", fipd="3 000", cout="3 000"),
        ]
    )
    avant = etat_de_la_base()

    bilan = importer_fichier(programmation, contenu)

    assert not bilan.ecrit and not bilan.erreurs
    assert all(not lg.bloquante for lg in bilan.lignes)  # each row is valid
    assert len(bilan.refus) == 1 and bilan.refus[0].startswith("Plafond des actions de formation — ")
    assert etat_de_la_base() == avant


def test_a_retained_row_with_a_blocking_verdict_refuses_the_import_and_names_its_line(programmation):
    avant = etat_de_la_base()
    bilan = importer_fichier(
        programmation, fichier_csv([rangee("A1"), rangee("P1", milieu="Milieu carcéral")])
    )

    verdict = bilan.lignes[1].verdicts[0]
    assert bilan.refus == [
        f"Ligne 3 (action P1) – Action en milieu carcéral — {verdict.message} ({verdict.source}) [MILIEU_CARCERAL]"
    ]
    assert etat_de_la_base() == avant


def test_an_import_may_fix_a_programmation_over_its_envelope(programmation):
    creer_actions(programmation, 2, cout_total=D("60000"), montant_fipd=D("40000"))
    MouvementRetrait = programmation.departement.enveloppe_set.get().mouvements.model
    MouvementRetrait(
        enveloppe=programmation.departement.enveloppe_set.get(),
        date="2026-06-01",
        nature="retrait",
        montant=D("30000"),
        motif="Retrait",
    ).save()  # 80 000 retained for 70 000: over by 10 000
    porteur = Action.objects.first().porteur

    bilan = importer_fichier(
        programmation,
        fichier_csv(
            [rangee("N00000", porteur=porteur.nom, fipd="35 000", cout="60 000", categorie="sante_mentale")]
        ),
    )

    assert bilan.ecrit, bilan.refus  # still over, by less: accepted (DESIGN.md §3.4)


def test_unchanged_rows_write_nothing(programmation):
    importer_fichier(programmation, fichier_csv([rangee("A1"), rangee("A2")]))
    avant = etat_de_la_base()

    bilan = importer_fichier(programmation, fichier_csv([rangee("A1"), rangee("A2")]))

    assert bilan.ecrit and (bilan.nb_inchangees, bilan.nb_creees, bilan.nb_modifiees) == (2, 0, 0)
    assert etat_de_la_base() == avant


def test_a_dry_run_writes_nothing(programmation):
    avant = etat_de_la_base()
    bilan = importer_fichier(programmation, fichier_csv([rangee("A1"), rangee("A2")]), dry_run=True)
    assert bilan.acceptable and not bilan.ecrit and bilan.nb_creees == 2
    assert bilan.totaux.total_fipd == D("2000.00")
    assert etat_de_la_base() == avant


def test_a_stale_preview_is_refused(programmation):
    contenu = fichier_csv([rangee("A1")])
    apercu = importer_fichier(programmation, contenu, dry_run=True)
    ActionFactory(programmation=programmation, reference="X1")  # someone saves meanwhile
    avant = etat_de_la_base()

    with pytest.raises(ImportPerime):
        importer_fichier(programmation, contenu, version_attendue=apercu.version)
    with pytest.raises(ImportPerime):
        importer_fichier(programmation, contenu, empreinte_attendue="autre plan")

    assert etat_de_la_base() == avant
    frais = importer_fichier(programmation, contenu, dry_run=True)
    assert importer_fichier(
        programmation, contenu, version_attendue=frais.version, empreinte_attendue=frais.empreinte
    ).ecrit


def test_every_guarded_write_moves_the_change_marker(programmation):
    versions = [Programmation.objects.get(pk=programmation.pk).version]
    action = ActionFactory(programmation=programmation)
    versions.append(Programmation.objects.get(pk=programmation.pk).version)
    Cofinancement(action=action, financeur="Commune", montant=D("1")).save()
    versions.append(Programmation.objects.get(pk=programmation.pk).version)
    action.delete()
    versions.append(Programmation.objects.get(pk=programmation.pk).version)
    assert versions == sorted(set(versions))


def test_a_read_only_programmation_refuses_the_import(programmation):
    Programmation.objects.filter(pk=programmation.pk).update(statut=Statut.TRANSMISE)
    with pytest.raises(Exception, match="Transmise"):
        importer_fichier(programmation, fichier_csv([rangee("A1")]))


# --- Faulty files: a clear message, nothing written ---------------------------------------------------------


def _formule_sans_valeur() -> bytes:
    return fichier_xlsx(
        [["A1", "Action", "Asso", "association", "", "insertion", "", "", 2000, None, "=500*2"]]
    )


def _plus_de_5000_lignes() -> bytes:
    return fichier_csv([rangee(f"A{i}") for i in range(LIGNES_MAXIMALES + 1)])


FICHIERS_FAUTIFS = {
    "encodage": (
        "programmation.csv",
        lambda: fichier_csv([rangee("A1")]) + b"\x81\x8d",
        "Le fichier n'est encodé ni en UTF-8 ni en Windows-1252",
    ),
    "colonne_manquante": (
        "programmation.csv",
        lambda: fichier_csv([rangee("A1")[:10]], ENTETE[:10]),
        "Ligne 1 : la colonne obligatoire « Montant FIPD » (montant_fipd) est absente.",
    ),
    "vide": ("programmation.csv", lambda: b"", "Le fichier est vide"),
    "xlsx_vide": ("programmation.xlsx", lambda: b"", "Le fichier est vide"),
    "binaire_renomme_csv": (
        "programmation.csv",
        lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        "Ce fichier n'est pas un fichier texte CSV",
    ),
    "binaire_renomme_xlsx": (
        "programmation.xlsx",
        lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        "Ce fichier n'est pas un classeur XLSX",
    ),
    "plus_de_5000_lignes": (
        "programmation.csv",
        _plus_de_5000_lignes,
        f"Le fichier compte plus de 5{FINE}000 lignes d'actions",
    ),
    "formule_sans_valeur": (
        "programmation.xlsx",
        _formule_sans_valeur,
        "Ligne 2, colonne « Montant FIPD » : formule sans valeur calculée",
    ),
    "trois_decimales": (
        "programmation.csv",
        lambda: fichier_csv([rangee("A1"), rangee("A2", fipd="1 000,001")]),
        "Ligne 3, colonne « Montant FIPD » : ",
    ),
    "type_de_porteur": (
        "programmation.csv",
        lambda: fichier_csv([rangee("A1", porteur="Commune de Valenciennes", type="Association")]),
        "Ligne 2, colonne « Type porteur » : le porteur « Commune de Valenciennes » est enregistré dans le "
        "département comme « Collectivité territoriale », et non « Association ».",
    ),
    "json": ("programmation.json", lambda: b"{}", "Format de fichier non pris en charge : « .json »."),
}


@pytest.fixture
def programmation_remplie(programmation):
    """The programmation with actions, co-funders and porteurs already: a faulty file must leave them be."""
    PorteurFactory(departement=programmation.departement, nom="Commune de Valenciennes", type="collectivite")
    creer_actions(programmation, 3)
    Cofinancement(action=Action.objects.first(), financeur="Commune", montant=D("10")).save()
    return programmation


@pytest.mark.parametrize(
    ("nom", "contenu", "attendu"), FICHIERS_FAUTIFS.values(), ids=FICHIERS_FAUTIFS.keys()
)
def test_a_faulty_file_is_reported_and_nothing_is_written(
    tmp_path, programmation_remplie, nom, contenu, attendu
):
    donnees = contenu()
    avant = etat_de_la_base()

    sortie = commande(tmp_path, donnees, *OPTIONS, nom=nom)

    assert (sortie.code, sortie.stdout) == (2, ""), sortie.stderr
    assert sortie.lignes[0].startswith(attendu), sortie.stderr
    assert "Traceback" not in sortie.stderr
    assert etat_de_la_base() == avant


@pytest.mark.parametrize(
    ("nom", "contenu", "attendu"), FICHIERS_FAUTIFS.values(), ids=FICHIERS_FAUTIFS.keys()
)
def test_a_faulty_upload_is_reported_on_the_page_and_cannot_be_confirmed(
    client_agent, programmation_remplie, nom, contenu, attendu, settings, tmp_path
):
    settings.FIPD_DOSSIER_IMPORTS = str(tmp_path)
    avant = etat_de_la_base()

    reponse = client_agent.post(url_import(programmation_remplie), {"fichier": _upload(nom, contenu())})

    html = reponse.content.decode()
    assert reponse.status_code == 200
    assert _texte(attendu) in _texte(html)
    assert "Confirmer l'import" not in html and 'name="jeton"' not in html
    assert list(tmp_path.iterdir()) == []  # a faulty file is not kept
    assert etat_de_la_base() == avant


def test_a_text_too_long_for_its_column_is_a_row_error(programmation):
    bilan = importer_fichier(programmation, fichier_csv([rangee("A1", intitule="x" * 301)]))
    assert bilan.erreurs == ["Ligne 2, colonne « Intitulé » : 301 caractères ; au plus 300 sont admis."]
    assert not bilan.ecrit


def test_two_rows_giving_one_new_porteur_two_types_is_a_row_error(programmation):
    bilan = importer_fichier(
        programmation, fichier_csv([rangee("A1", porteur="Club"), rangee("A2", porteur="CLUB", type="autre")])
    )
    assert bilan.erreurs == [
        "Ligne 3, colonne « Type porteur » : le porteur « Club » est enregistré à la ligne 2 du fichier comme "
        "« Association », et non « Autre ». Corrigez le type dans le fichier, ou modifiez d'abord le type du "
        "porteur dans la page des porteurs."
    ]


def test_a_file_is_reported_whole_its_reading_and_database_problems_together(programmation):
    PorteurFactory(departement=programmation.departement, nom="Commune de Valenciennes", type="collectivite")
    contenu = fichier_csv([rangee("A1", fipd="1,001"), rangee("A2", porteur="Commune de Valenciennes")])

    lignes = lire_fichier_importe(programmation, contenu, "p.csv").problemes.lignes()

    assert [ligne.split(" : ")[0] for ligne in lignes] == [
        "Ligne 2, colonne « Montant FIPD »",
        "Ligne 3, colonne « Type porteur »",
    ]


def test_a_porteur_is_matched_by_siret_before_its_name(programmation):
    par_siret = PorteurFactory(departement=programmation.departement, nom="Nom officiel", siret=SIRET_VALIDE)
    PorteurFactory(departement=programmation.departement, nom="Nom usuel")
    importer_fichier(programmation, fichier_csv([rangee("A1", porteur="Nom usuel", siret=SIRET_VALIDE)]))
    assert Action.objects.get().porteur == par_siret


def test_two_porteurs_of_one_name_are_told_apart_by_the_action_or_the_siret(programmation):
    PorteurFactory(departement=programmation.departement, nom="Association Relais")
    second = PorteurFactory(departement=programmation.departement, nom="Association Relais")
    ActionFactory(programmation=programmation, reference="A1", porteur=second)

    bilan = importer_fichier(programmation, fichier_csv([rangee("A1")]))
    assert bilan.ecrit and "porteur" not in [c.champ for c in bilan.lignes[0].changements]
    assert Action.objects.get(reference="A1").porteur == second  # the action's own porteur among the two

    bilan = importer_fichier(programmation, fichier_csv([rangee("A2")]))
    assert bilan.erreurs and "plusieurs porteurs du département portent ce nom" in bilan.erreurs[0]


# --- The facts of programmes D and S (DESIGN.md §3.5) flow through once the model has them ----------------


def _a_les_faits_d_et_s() -> bool:
    from programmation.models import Cofinancement as C

    champs = {f.name for f in Action._meta.get_fields()}
    return {"quantite", "iscg_premiere_annee", "mesure_snpd"} <= champs and "etat" in {
        f.name for f in C._meta.get_fields()
    }


faits_d_et_s = pytest.mark.skipif(
    not _a_les_faits_d_et_s(), reason="the model does not store the facts of programmes D and S yet"
)


def _programmation_de(code: str):
    from tests.factories import programme

    p = ProgrammationFactory(programme=programme(code))
    doter(p, "1000000")
    return Programmation.objects.get(pk=p.pk)


@faits_d_et_s
def test_the_facts_of_programme_s_are_imported_and_updated():
    p = _programmation_de("S")
    entete = [
        "Référence",
        "Intitulé",
        "Porteur",
        "Type porteur",
        "Catégorie",
        "Coût total",
        "Montant FIPD",
        "Quantité",
        "Cofinanceur 1",
        "Montant cofinanceur 1",
        "Cofinanceur 1 État",
    ]
    ligne = ["S1", "Gilets", "Commune de Lille", "Collectivité territoriale", "gilets_pare_balles", "10000"]

    bilan = importer_fichier(p, fichier_csv([[*ligne, "2500", "10", "DETR", "3000", "oui"]], entete))

    assert bilan.ecrit, (bilan.erreurs, bilan.refus)
    action = Action.objects.get()
    assert action.quantite == 10 and [(c.financeur, c.etat) for c in action.cofinancements.all()] == [
        ("DETR", True)
    ]
    # 2 600 € for 10 vests is over 250 € each: refused; for 11 it passes, and only the quantity changes.
    assert importer_fichier(p, fichier_csv([[*ligne, "2600", "10", "DETR", "3000", "oui"]], entete)).refus
    bilan = importer_fichier(p, fichier_csv([[*ligne, "2500", "11", "DETR", "3000", "oui"]], entete))
    assert [(c.champ, c.avant, c.apres) for c in bilan.lignes[0].changements] == [("quantité", "10", "11")]
    stockes = _stockes()
    recalculer_programmation(p.pk)
    assert stockes == _stockes()


@faits_d_et_s
def test_the_facts_of_programme_d_are_imported():
    p = _programmation_de("D")
    entete = [
        "Référence",
        "Intitulé",
        "Porteur",
        "Type porteur",
        "Catégorie",
        "Coût total",
        "Montant FIPD",
        "iscg_premiere_annee",
        "Mesure de la SNPD",
    ]
    ligne = ["D1", "Poste d'ISCG", "Commune de Lille", "collectivite", "poste_iscg", "50000"]

    assert importer_fichier(p, fichier_csv([[*ligne, "40000", "2026", "35"]], entete)).ecrit
    action = Action.objects.get()
    assert (action.iscg_premiere_annee, action.mesure_snpd_id) == (2026, 35)
    # In its second year the post is co-funded at 50 % at most: 40 000 € is refused.
    bilan = importer_fichier(p, fichier_csv([[*ligne, "40000", "2025", "35"]], entete))
    assert len(bilan.refus) == 1
    assert bilan.refus[0].startswith("Ligne 2 (action D1) – Poste d'ISCG : taux de cofinancement — ")
    assert bilan.refus[0].endswith("[ISCG_TAUX]")


@faits_d_et_s
@pytest.mark.parametrize("extension", ["xlsx", "csv"])
def test_an_s_export_reimports_unchanged(client_agent, extension):
    p = _programmation_de("S")
    entete = ["Référence", "Intitulé", "Porteur", "Type porteur", "Catégorie", "Coût total", "Montant FIPD"]
    entete += ["Quantité", "Cofinanceur 1", "Montant cofinanceur 1", "Cofinanceur 1 État"]
    entete += ["Cofinanceur 2", "Montant cofinanceur 2", "Cofinanceur 2 État"]
    importer_fichier(
        p,
        fichier_csv(
            [
                ["S1", "Caméras", "Commune", "collectivite", "cameras_pietons", "4000", "800", "4"]
                + ["DSIL", "1000", "oui", "Commune", "2200", "non"],
                ["S2", "Vidéoprotection", "Commune", "collectivite", "videoprotection", "30000", "10000", ""],
            ],
            entete,
        ),
    )
    avant, base = etat_de(p), etat_de_la_base()

    bilan = importer_fichier(p, _exporter(client_agent, p, extension), f"programmation.{extension}")

    assert bilan.ecrit and bilan.nb_inchangees == 2, [lg.changements for lg in bilan.lignes]
    assert etat_de(p) == avant and etat_de_la_base() == base


# --- Round trip: export → import → the same programmation, the same history --------------------------------


@pytest.fixture
def programmation_exportee(programmation):
    p = programmation
    dep = p.departement
    association = PorteurFactory(departement=dep, nom="Association Été Jeunesse", siret=SIRET_VALIDE)
    centre = PorteurFactory(departement=dep, nom="Centre de formation", type="etablissement_public")
    commune = PorteurFactory(departement=dep, nom="Commune de Valenciennes", type="collectivite")
    from programmation.ecriture import ecrire_actions

    actions = [
        Action(
            programmation=p,
            reference="A1",
            intitule="Consultations de psychologues",
            porteur=association,
            categorie="sante_mentale",
            cout_total=D("30000.00"),
            montant_demande=D("20000.00"),
            montant_fipd=D("20000.00"),
            decision="retenue",
        ),
        Action(
            programmation=p,
            reference="F1",
            intitule="Formation des professionnels",
            porteur=centre,
            categorie="formation",
            public="professionnels",
            cout_total=D("5000.00"),
            montant_fipd=D("4000.01"),
            decision="en_instruction",
        ),
        Action(
            programmation=p,
            reference="P1",
            intitule="Accompagnement en détention",
            porteur=association,
            categorie="insertion",
            milieu="carceral",
            cout_total=D("1234.56"),
            montant_fipd=D("1234.56"),
            contrat_de_ville=True,
            code_analytique="09-FI0000001",
            decision="non_retenue",
        ),
        Action(
            programmation=p,
            reference="PP",
            intitule="Théâtre-forum « Esprit critique »",
            porteur=commune,
            categorie="prevention_primaire",
            public="grand_public",
            theme_prevention_primaire="esprit_critique",
            justification="Quartier très exposé ;\nintérêt majeur",
            cout_total=D("12345.67"),
            montant_fipd=D("2469.13"),
            decision="retenue",
        ),
        Action(
            programmation=p,
            reference="=X1",
            intitule='=HYPERLINK("http://exemple.fr")',
            porteur=commune,
            categorie="parentalite",
            public="familles",
            justification="+33 3 20 00 00 00 ; -5 % ; @mairie",
            cout_total=D("999.99"),
            montant_fipd=D("0.01"),
            decision="retenue",
        ),
    ]
    ecrire_actions(
        p.pk,
        actions,
        cofinancements={
            0: [("Commune", D("7000.00")), ("Département du Nord", D("3000.00"))],
            3: [("-Fonds privé", D("9876.54"))],
        },
    )
    return p


def _exporter(client, p, extension: str) -> bytes:
    reponse = client.get(p.get_absolute_url() + f"export.{extension}")
    assert reponse.status_code == 200
    return b"".join(reponse.streaming_content)


@pytest.mark.parametrize("extension", ["xlsx", "csv"])
def test_an_export_reimports_unchanged_with_no_new_history(client_agent, programmation_exportee, extension):
    p = programmation_exportee
    contenu = _exporter(client_agent, p, extension)
    avant, base = etat_de(p), etat_de_la_base()

    bilan = importer_fichier(p, contenu, f"programmation.{extension}")

    assert bilan.ecrit and bilan.nb_inchangees == 5, [lg.changements for lg in bilan.lignes]
    assert etat_de(p) == avant
    assert etat_de_la_base() == base  # no history row, no version moved


@pytest.mark.parametrize("extension", ["xlsx", "csv"])
def test_an_export_recreates_the_programmation_it_was_taken_from(
    client_agent, programmation_exportee, extension
):
    p = programmation_exportee
    contenu = _exporter(client_agent, p, extension)
    avant = etat_de(p)
    Action.objects.filter(programmation=p).delete()
    porteurs = Porteur.objects.count()

    bilan = importer_fichier(p, contenu, f"programmation.{extension}")

    assert bilan.ecrit and bilan.nb_creees == 5 and not bilan.porteurs_crees
    assert Porteur.objects.count() == porteurs
    assert etat_de(p) == avant


def test_the_csv_reader_removes_the_exports_neutralising_apostrophe():
    from programmation.tableur.fichier_csv import sans_neutralisation

    assert sans_neutralisation("'=SOMME(A1)") == "=SOMME(A1)"
    assert sans_neutralisation("'-5") == "-5"
    assert sans_neutralisation("'Apostrophe") == "'Apostrophe"
    assert sans_neutralisation("L'action") == "L'action"


# --- The page: upload, preview, confirmation ---------------------------------------------------------------


def _upload(nom: str, contenu: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(nom, contenu)


def _texte(html: str) -> str:
    """The page's text as the reader reads it: entities decoded, spaces collapsed."""
    import html as module_html

    texte = module_html.unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"[ \t\r\n]+", " ", texte).strip()  # no-break spaces kept: amounts hold them


def _champs_caches(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(jeton|version|empreinte)" value="([^"]*)"', html))


def test_the_programmation_page_offers_the_import_and_the_template_to_agents(
    client_agent, programmation, client
):
    html = client_agent.get(programmation.get_absolute_url()).content.decode()
    assert "Importer un tableur" in html and "Télécharger le modèle (XLSX)" in html
    assert url_import(programmation) in html

    client.force_login(UtilisateurFactory(username="sgcipdr", role="instructeur_sgcipdr"))
    html = client.get(programmation.get_absolute_url()).content.decode()
    assert "Importer un tableur" not in html


def test_the_template_downloads_with_the_programmes_columns(client_agent, programmation):
    reponse = client_agent.get(programmation.get_absolute_url() + "modele.xlsx")

    assert reponse.status_code == 200
    assert reponse["Content-Disposition"] == 'attachment; filename="modele-programmation-R.xlsx"'
    classeur = load_workbook(io.BytesIO(reponse.content))
    entetes = [c.value for c in classeur["Actions"][1]]
    assert entetes[:3] == ["Référence", "Intitulé", "Porteur"] and "Quantité" not in entetes


def test_preview_then_confirmation_imports_the_stored_file(
    client_agent, agent, programmation, settings, tmp_path
):
    settings.FIPD_DOSSIER_IMPORTS = str(tmp_path)
    contenu = fichier_csv(
        [
            rangee("A1", porteur="Club de prévention"),
            rangee("F1", categorie="formation", fipd="3 000", cout="3 000", milieu="ouvert"),
        ]
    )
    assert client_agent.get(url_import(programmation)).status_code == 200

    reponse = client_agent.post(url_import(programmation), {"fichier": _upload("mon fichier.csv", contenu)})

    html = reponse.content.decode()
    texte = _texte(html)
    assert reponse.status_code == 200 and Action.objects.count() == 0
    assert "2 actions à créer, 0 action à modifier, 0 action inchangée ; 2 porteurs à créer." in texte
    assert "Club de prévention (association) – ligne 2" in texte
    assert "Public sous main de justice en milieu ouvert" in texte  # F1's alert
    assert f"Total FIPD retenu 4{FINE}000,00{NBSP}€" in texte
    assert "lecture favorable" in texte  # the training cap with its reading
    assert "Confirmer l'import" in html
    caches = _champs_caches(html)
    assert set(caches) == {"jeton", "version", "empreinte"}
    assert [f.name for f in tmp_path.iterdir()] == [caches["jeton"]]

    reponse = client_agent.post(url_import(programmation), caches, follow=True)

    assert reponse.redirect_chain[-1][0] == programmation.get_absolute_url()
    assert (
        "Import de « mon fichier.csv » terminé : 2 actions créées, 0 action modifiée, 0 action inchangée ; 2 porteurs créés."
        in _texte(reponse.content.decode())
    )
    assert "Création (Import du fichier mon fichier.csv)" in _texte(reponse.content.decode())  # its history
    assert Action.objects.count() == 2
    assert set(Action.history.values_list("history_user", "history_change_reason")) == {
        (agent.pk, "Import du fichier mon fichier.csv")
    }
    assert list(tmp_path.iterdir()) == []  # deleted after use

    reponse = client_agent.post(url_import(programmation), caches)
    assert "L'aperçu a expiré ou a déjà été importé" in _texte(reponse.content.decode())
    assert Action.objects.count() == 2


def test_a_confirmation_after_someone_else_changed_the_programmation_is_refused(
    client_agent, programmation, settings, tmp_path
):
    settings.FIPD_DOSSIER_IMPORTS = str(tmp_path)
    reponse = client_agent.post(
        url_import(programmation), {"fichier": _upload("p.csv", fichier_csv([rangee("A1")]))}
    )
    caches = _champs_caches(reponse.content.decode())
    ActionFactory(programmation=programmation, reference="X1")  # another agent saves meanwhile
    avant = etat_de_la_base()

    reponse = client_agent.post(url_import(programmation), caches)

    texte = _texte(reponse.content.decode())
    assert "La programmation a été modifiée depuis l'aperçu de l'import" in texte
    assert "rien n'a été importé" in texte
    assert etat_de_la_base() == avant
    nouveaux = _champs_caches(reponse.content.decode())
    assert nouveaux["version"] != caches["version"]  # the preview, recomputed, may be confirmed again
    client_agent.post(url_import(programmation), nouveaux)
    assert set(Action.objects.values_list("reference", flat=True)) == {"A1", "X1"}


def test_a_confirmation_cannot_use_another_sessions_file(client, programmation, settings, tmp_path):
    settings.FIPD_DOSSIER_IMPORTS = str(tmp_path)
    client.force_login(UtilisateurFactory(username="agent.a", departements=[departement("59")]))
    reponse = client.post(
        url_import(programmation), {"fichier": _upload("p.csv", fichier_csv([rangee("A1")]))}
    )
    caches = _champs_caches(reponse.content.decode())

    client.logout()
    client.force_login(UtilisateurFactory(username="agent.b", departements=[departement("59")]))
    reponse = client.post(url_import(programmation), caches)

    assert "L'aperçu a expiré" in _texte(reponse.content.decode())
    assert Action.objects.count() == 0


def test_a_refused_import_shows_the_refusals_and_cannot_be_confirmed(
    client_agent, programmation, settings, tmp_path
):
    settings.FIPD_DOSSIER_IMPORTS = str(tmp_path)
    contenu = fichier_csv(
        [
            rangee("A1", fipd="10 000", cout="20 000"),
            rangee("F1", categorie="formation", fipd="3 000", cout="3 000"),
            rangee("F2", categorie="formation", fipd="3 000", cout="3 000"),
        ]
    )
    reponse = client_agent.post(url_import(programmation), {"fichier": _upload("p.csv", contenu)})
    html = reponse.content.decode()
    assert "Import refusé par les règles d'éligibilité" in html and "FORMATION_PLAFOND" in html
    assert "Confirmer l'import" not in html and list(tmp_path.iterdir()) == []


def test_an_upload_over_the_size_cap_is_refused_before_it_is_kept(
    client_agent, programmation, settings, tmp_path
):
    settings.FIPD_DOSSIER_IMPORTS = str(tmp_path)
    settings.FIPD_TAILLE_MAXIMALE_FICHIER = 1024 * 1024
    recus = []
    from programmation.vues import imports

    class Espion(imports.PlafondDeTaille):
        def receive_data_chunk(self, raw_data, start):
            recus.append(len(raw_data))
            return super().receive_data_chunk(raw_data, start)

    original, imports.PlafondDeTaille = imports.PlafondDeTaille, Espion
    try:
        reponse = client_agent.post(
            url_import(programmation), {"fichier": _upload("p.csv", b"x" * 3 * 1024 * 1024)}
        )
    finally:
        imports.PlafondDeTaille = original

    texte = _texte(reponse.content.decode())
    assert "Le fichier dépasse la taille admise : au plus 1 Mo sont admis." in texte
    assert sum(recus) <= 1024 * 1024 + 64 * 1024  # the handler stopped at the cap, chunk by chunk
    assert list(tmp_path.iterdir()) == [] and Action.objects.count() == 0


def test_the_import_page_checks_the_csrf_token(agent, programmation):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    reponse = client.post(
        url_import(programmation), {"fichier": _upload("p.csv", fichier_csv([rangee("A1")]))}
    )
    assert reponse.status_code == 403
    assert Action.objects.count() == 0


def test_another_departments_programmation_is_a_404(client, programmation):
    client.force_login(UtilisateurFactory(username="agent.rhone", departements=[departement("69")]))
    assert client.get(url_import(programmation)).status_code == 404
    assert client.post(url_import(programmation), {"jeton": "x" * 32}).status_code == 404
    assert client.get(programmation.get_absolute_url() + "modele.xlsx").status_code == 404


@pytest.mark.parametrize(
    ("preparer", "raison"),
    [
        (lambda p: None, "Seuls les agents de la préfecture du département"),
        (lambda p: Programmation.objects.filter(pk=p.pk).update(statut=Statut.TRANSMISE), "« Transmise »"),
        (lambda p: Exercice.objects.filter(pk=p.exercice_id).update(etat="cloture"), "est clôturé"),
    ],
    ids=["sg-cipdr", "transmise", "exercice_cloture"],
)
def test_a_programmation_the_user_may_not_edit_is_a_403_saying_why(
    client, agent, programmation, preparer, raison
):
    preparer(programmation)
    utilisateur = agent if raison != "Seuls les agents de la préfecture du département" else None
    utilisateur = utilisateur or UtilisateurFactory(username="sgcipdr", role="instructeur_sgcipdr")
    client.force_login(utilisateur)

    for reponse in (
        client.get(url_import(programmation)),
        client.post(url_import(programmation), {"fichier": _upload("p.csv", fichier_csv([rangee("A1")]))}),
    ):
        assert reponse.status_code == 403
        assert raison in reponse.content.decode()
    assert Action.objects.count() == 0


# --- The command ---------------------------------------------------------------------------------------------


def test_the_command_imports_and_summarises(tmp_path, programmation):
    sortie = commande(
        tmp_path, fichier_csv([rangee("A1"), rangee("A2"), rangee("A3", porteur="Club")]), *OPTIONS
    )

    assert sortie.code == 0, sortie.stderr
    assert "3 actions créées, 0 action modifiée, 0 action inchangée ; 2 porteurs créés." in sortie.stdout
    assert f"Total FIPD retenu : 3{FINE}000,00{NBSP}€ (enveloppe : 100{FINE}000,00{NBSP}€)." in sortie.stdout
    assert "lecture favorable" in sortie.stdout
    assert Action.objects.count() == 3


def test_the_command_creates_a_draft_in_an_open_exercice(tmp_path, db):
    sortie = commande(
        tmp_path, fichier_csv([rangee("A1")]), "--departement", "69", "--annee", "2026", "--programme", "R"
    )

    assert sortie.code == 1, sortie.stdout  # no envelope for the Rhône: 1 000 € over 0 €
    assert "ENVELOPPE_DEPASSEE" in sortie.stderr
    assert not Programmation.objects.filter(departement__code="69").exists()  # rolled back with the import

    doter(departement("69"), "5000")
    sortie = commande(
        tmp_path, fichier_csv([rangee("A1")]), "--departement", "69", "--annee", "2026", "--programme", "R"
    )

    assert sortie.code == 0, sortie.stderr
    assert "(créée en brouillon)" in sortie.stdout
    p = Programmation.objects.get(departement__code="69", exercice__annee=2026, programme__code="R")
    assert p.statut == Statut.BROUILLON and p.actions.count() == 1


def test_the_command_dry_run_writes_nothing(tmp_path, programmation):
    avant = etat_de_la_base()
    sortie = commande(tmp_path, fichier_csv([rangee("A1"), rangee("A2")]), *OPTIONS, "--dry-run")
    assert sortie.code == 0, sortie.stderr
    assert "rien n'a été enregistré" in sortie.stdout
    assert "2 actions à créer, 0 action à modifier, 0 action inchangée ; 1 porteur à créer." in sortie.stdout
    assert etat_de_la_base() == avant


def test_the_command_exits_1_when_the_write_rule_refuses(tmp_path, programmation):
    avant = etat_de_la_base()
    contenu = fichier_csv(
        [
            rangee("A1", fipd="10 000", cout="20 000"),
            rangee("F1", categorie="formation", fipd="3 000", cout="3 000"),
            rangee("F2", categorie="formation", fipd="3 000", cout="3 000"),
        ]
    )
    sortie = commande(tmp_path, contenu, *OPTIONS)
    assert (sortie.code, sortie.stdout) == (1, "")
    assert sortie.lignes[0] == "Import refusé par la règle d'écriture (1 motif) : rien n'a été enregistré."
    assert sortie.lignes[1].startswith("Plafond des actions de formation — ")
    assert etat_de_la_base() == avant


@pytest.mark.parametrize(
    ("options", "code", "attendu"),
    [
        (
            ("--departement", "99", "--annee", "2026", "--programme", "R"),
            2,
            "Option --departement : département inconnu « 99 ».",
        ),
        (
            ("--departement", "59", "--annee", "2026", "--programme", "Z"),
            2,
            "Option --programme : programme inconnu « Z »",
        ),
        (
            ("--departement", "59", "--annee", "2017", "--programme", "R"),
            2,
            "Option --annee : l'exercice 2017 n'existe pas.",
        ),
        (("--departement", "59", "--annee", "2025", "--programme", "R"), 1, "L'exercice 2025 est clôturé"),
        (
            ("--departement", "59", "--annee", "2024", "--programme", "R"),
            1,
            "L'exercice 2024 est en préparation",
        ),
    ],
)
def test_the_command_refuses_unknown_options_and_exercices_not_open(tmp_path, db, options, code, attendu):
    Exercice.objects.filter(annee=2025).update(etat="cloture")
    Exercice.objects.filter(annee=2024).update(etat="en_preparation")
    avant = etat_de_la_base()
    sortie = commande(tmp_path, fichier_csv([rangee("A1")]), *options)
    assert (sortie.code, sortie.stdout) == (code, "")
    assert sortie.lignes[0].startswith(attendu), sortie.stderr
    assert etat_de_la_base() == avant


def test_the_command_refuses_a_transmitted_programmation(tmp_path, programmation):
    Programmation.objects.filter(pk=programmation.pk).update(statut=Statut.TRANSMISE)
    sortie = commande(tmp_path, fichier_csv([rangee("A1")]), *OPTIONS)
    assert sortie.code == 1
    assert sortie.lignes[0].startswith("Import refusé : La programmation est « Transmise »")


def test_a_filled_template_creates_the_programmation_and_passes_the_check(
    tmp_path, client_agent, programmation
):
    modele = load_workbook(
        io.BytesIO(client_agent.get(programmation.get_absolute_url() + "modele.xlsx").content)
    )
    feuille = modele["Actions"]
    entetes = [c.value for c in feuille[1]]
    valeurs = {
        "Référence": "A1",
        "Intitulé": "Consultations de psychologues",
        "Porteur": "Association Exemple",
        "Type de porteur": "Association",
        "Catégorie": "Consultations de santé mentale",
        "Coût total": 30000,
        "Montant FIPD": 20000,
        "Décision": "Retenue",
    }
    for colonne, entete in enumerate(entetes, start=1):
        if entete in valeurs:
            feuille.cell(row=2, column=colonne, value=valeurs[entete])
    tampon = io.BytesIO()
    modele.save(tampon)

    sortie = commande(tmp_path, tampon.getvalue(), *OPTIONS, nom="modele-rempli.xlsx")

    assert sortie.code == 0, sortie.stderr
    assert Action.objects.get().intitule == "Consultations de psychologues"
    from tests.programmation.test_verifier_programmation import executer_chemin

    verifie = executer_chemin(tmp_path / "modele-rempli.xlsx", *OPTIONS, "--enveloppe", "100000")
    assert verifie.code == 0, verifie.stderr


# --- Queries: a constant number, whatever the rows ----------------------------------------------------------


def _requetes_pour_importer(code_departement: str, n: int) -> int:
    p = ProgrammationFactory(departement=departement(code_departement))
    doter(p, "100000000")
    creer_actions(p, n // 2, cout_total=D("2000"), montant_fipd=D("1000"))  # N00000…: rows that update them
    rangees = [
        rangee(f"N{i:05d}", porteur=f"Porteur {i % 10}", cofinanceur="Commune", montant_cofinanceur="500")
        for i in range(n)
    ]
    lue = lire_fichier_importe(p, fichier_csv(rangees), "p.csv")
    with CaptureQueriesContext(connection) as requetes:
        bilan = importer(p, lue.actions, motif="Import", colonnes=lue.colonnes)
    assert bilan.ecrit and (bilan.nb_creees, bilan.nb_modifiees) == (n - n // 2, n // 2)
    return len(requetes)


def test_an_imports_query_count_does_not_grow_with_its_rows(db):
    petite, grande = _requetes_pour_importer("59", 20), _requetes_pour_importer("69", 200)
    # Bulk statements are split in batches the database's parameter limit allows (SQLite: 999 parameters, so
    # some forty actions per INSERT): at most one statement more per forty rows and bulk write, never one a row.
    lots = 0 if connection.features.max_query_params is None else 5 * (200 // 40)
    assert grande <= petite + lots, (petite, grande)
    assert petite <= 30, petite
