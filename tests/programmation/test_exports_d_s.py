"""A programmation of programme D or S exported (XLSX, CSV) reads back, through the import format's reader, as
the same actions: their facts of §3.5 (ISCG first year, SNPD measure, quantity, State co-funders) and their
decisions; and what the reader gives is what the write rule checks (an ISCG post over its rate is accepted en
instruction, refused retained)."""

import dataclasses
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from programmation.ecriture import Cofinanceur, ecrire_actions, faits_action
from programmation.models import Action, Porteur
from programmation.tableur import lire_tableur
from tests.factories import PorteurFactory, ProgrammationFactory, UtilisateurFactory, departement, doter
from tests.factories import programme as programme_de

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def client_sg(client):
    client.force_login(UtilisateurFactory(username="sgcipdr", role="instructeur_sgcipdr"))
    return client


def programmation_de(code: str, dep: str = "59"):
    p = ProgrammationFactory(programme=programme_de(code), departement=departement(dep))
    doter(p, "300000.00")
    p.refresh_from_db()
    return p


def action(p, reference, categorie, cout, fipd, porteur, decision="retenue", **champs):
    return Action(
        programmation=p,
        reference=reference,
        intitule=f"Action {reference}",
        porteur=porteur,
        categorie=categorie,
        cout_total=D(cout),
        montant_fipd=D(fipd),
        decision=decision,
        **champs,
    )


def programmation_d():
    p = programmation_de("D")
    commune = PorteurFactory(departement=p.departement, nom="Commune de Denain", commune=True)
    ecrire_actions(
        p.pk,
        [
            action(
                p, "D1", "poste_iscg", "50000", "40000", commune, iscg_premiere_annee=2026, mesure_snpd_id=35
            ),
            action(
                p, "D2", "poste_iscg", "46000", "18000", commune, "en_instruction", iscg_premiere_annee=2023
            ),
            action(p, "D3", "action_prevention", "12000", "6000", commune, mesure_snpd_id=7),
            action(p, "D4", "action_prevention", "8000", "4000", commune, "non_retenue"),
        ],
        cofinancements={0: [Cofinanceur("Commune de Denain", D("10000"))]},
    )
    return p


def programmation_s():
    p = programmation_de("S")
    commune = PorteurFactory(departement=p.departement, nom="Commune de Maubeuge", commune=True)
    ecrire_actions(
        p.pk,
        [
            action(p, "S1", "gilets_pare_balles", "14000", "5000", commune, quantite=20),
            action(p, "S2", "videoprotection", "120000", "36000", commune),
            action(p, "S3", "cameras_pietons", "8000", "3500", commune, "en_instruction", quantite=15),
            action(p, "S4", "gilets_pare_balles", "6000", "2000", commune, "en_instruction"),
        ],
        cofinancements={
            0: [Cofinanceur("Commune de Maubeuge", D("9000"))],
            1: [Cofinanceur("DETR 2026", D("60000"), True), Cofinanceur("Commune de Maubeuge", D("24000"))],
        },
    )
    return p


PROGRAMMATIONS = {"D": programmation_d, "S": programmation_s}


def telecharger(client, p, format_: str) -> bytes:
    kwargs = {"annee": 2026, "departement": p.departement.code, "programme": p.programme.code}
    reponse = client.get(reverse(f"programmation_{format_}", kwargs=kwargs))
    assert reponse.status_code == 200
    return b"".join(reponse.streaming_content) if reponse.streaming else reponse.content


def entete(p):
    return {"departement": p.departement.code, "annee": 2026, "programme": p.programme.code, "enveloppe": "1"}


@pytest.mark.parametrize("format_", ["xlsx", "csv"])
@pytest.mark.parametrize("code", ["D", "S"])
def test_an_exported_d_or_s_programmation_reads_back_as_the_same_facts_and_decisions(
    client_sg, code, format_
):
    p = PROGRAMMATIONS[code]()
    lue = lire_tableur(telecharger(client_sg, p, format_), f"export.{format_}", entete(p))
    assert not lue.problemes, lue.problemes.lignes()

    stockees = Action.objects.filter(programmation=p).select_related("porteur").order_by("reference")
    attendues = {a.reference: (faits_action(a), a.decision) for a in stockees}
    # The reader counts every row as retained (the check command's view); the decision column says which.
    relues = {
        a.reference: (dataclasses.replace(a.faits(), retenue=a.decision == "retenue"), a.decision)
        for a in lue.actions
    }
    assert relues == attendues
    if code == "S":
        assert relues["S2"][0].cofinancements_etat == (D("60000.00"),)
        assert relues["S1"][0].quantite == 20 and relues["S4"][0].quantite is None
    else:
        assert (relues["D1"][0].iscg_premiere_annee, relues["D1"][0].mesure_snpd) == (2026, 35)
        assert relues["D4"][0].mesure_snpd is None


def test_the_headers_of_each_programme_are_those_the_import_template_names(client_sg):
    d = load_workbook(io.BytesIO(telecharger(client_sg, programmation_d(), "xlsx")))["Actions"]
    s = load_workbook(io.BytesIO(telecharger(client_sg, programmation_s(), "xlsx")))["Actions"]
    entetes_d = [c.value for c in next(d.iter_rows(max_row=1))]
    entetes_s = [c.value for c in next(s.iter_rows(max_row=1))]
    assert entetes_d[14:] == [
        "Justification",
        "Première année de cofinancement du poste d'ISCG",
        "Mesure de la SNPD",
        "Décision",
        "Cofinanceur 1",
        "Montant cofinanceur 1",
    ]
    assert entetes_s[14:] == [
        "Justification",
        "Quantité",
        "Décision",
        "Cofinanceur 1",
        "Montant cofinanceur 1",
        "Cofinanceur 1 État",
        "Cofinanceur 2",
        "Montant cofinanceur 2",
        "Cofinanceur 2 État",
    ]
    s_rangees = {r[0]: r for r in s.iter_rows(min_row=2, values_only=True)}
    assert s_rangees["S2"][17:] == ("DETR 2026", 60000, "oui", "Commune de Maubeuge", 24000, "non")
    assert s_rangees["S1"][15] == 20 and s_rangees["S1"][20:] == (None, None, None)
    assert s.cell(row=2, column=19).number_format == s.cell(row=2, column=9).number_format  # euros


def test_the_export_of_programme_r_keeps_its_columns(client_sg):
    p = programmation_de("R")
    porteur = PorteurFactory(departement=p.departement)
    ecrire_actions(
        p.pk,
        [action(p, "R1", "sante_mentale", "10000", "5000", porteur)],
        cofinancements={0: [("Commune", D("5000"))]},
    )
    texte = telecharger(client_sg, p, "csv").decode("utf-8-sig")
    assert texte.splitlines()[0] == (
        "Référence;Intitulé;Porteur;Type porteur;SIRET;Catégorie;Public;Milieu;Coût total;Montant demandé;"
        "Montant FIPD;Contrat de ville;Code analytique;Thème prévention primaire;Justification;Décision;"
        "Cofinanceur 1;Montant cofinanceur 1"
    )


# --- What the reader gives is what the write rule checks --------------------------------------------------


def ecrire_lues(p, lues):
    """Writes actions read from a file as an import would (a test helper: the import is a page of its own)."""
    porteurs = {x.nom: x for x in Porteur.objects.filter(departement=p.departement)}
    actions, cofinancements = [], {}
    for i, a in enumerate(lues):
        actions.append(
            Action(
                programmation=p,
                reference=a.reference,
                intitule=a.intitule,
                porteur=porteurs[a.porteur_nom],
                categorie=a.categorie,
                cout_total=a.cout_total,
                montant_fipd=a.montant_fipd,
                quantite=a.quantite,
                iscg_premiere_annee=a.iscg_premiere_annee,
                mesure_snpd_id=a.mesure_snpd,
                decision=a.decision,
            )
        )
        cofinancements[i] = list(a.cofinancements)
    ecrire_actions(p.pk, actions, cofinancements=cofinancements)


def test_rows_read_from_a_d_file_are_recorded_en_instruction_but_refused_retained():
    p = programmation_de("D", "69")
    PorteurFactory(departement=p.departement, nom="Ville de Lyon", commune=True)
    csv = (
        "Référence;Intitulé;Porteur;Type porteur;Catégorie;Coût total;Montant FIPD;"
        "Première année de cofinancement du poste d'ISCG;Mesure SNPD;Décision;Cofinanceur 1;Montant cofinanceur 1\n"
        "I1;Intervenant social;Ville de Lyon;Collectivité territoriale;Poste d'intervenant social en commissariat "
        "et gendarmerie (ISCG);45 000;15 000,00;2023;35;En instruction;Ville de Lyon;30 000\n"
    )
    lue = lire_tableur(csv.encode(), "postes.csv", entete(p) | {"departement": "69"})
    assert not lue.problemes, lue.problemes.lignes()
    [ligne] = lue.actions
    assert (ligne.iscg_premiere_annee, ligne.mesure_snpd, ligne.decision) == (2023, 35, "en_instruction")

    ecrire_lues(p, lue.actions)  # 15 000 € > 33 % × 45 000 = 14 850 €: recorded, with its verdict
    assert [v["regle"] for v in Action.objects.get(reference="I1").verdicts] == ["ISCG_TAUX"]

    Action.objects.filter(programmation=p).delete()
    with pytest.raises(ValidationError) as refus:
        ecrire_lues(p, [dataclasses.replace(ligne, decision="retenue")])
    assert "ISCG_TAUX" in str(refus.value)
    assert not Action.objects.filter(programmation=p).exists()


def test_rows_read_from_an_s_file_carry_the_state_flag_into_the_state_share():
    p = programmation_de("S")
    PorteurFactory(departement=p.departement, nom="Commune de Maubeuge", commune=True)
    csv = (
        "Référence;Intitulé;Porteur;Type porteur;Catégorie;Coût total;Montant FIPD;Décision;"
        "Cofinanceur 1;Montant cofinanceur 1;Cofinanceur 1 État\n"
        "V1;Vidéoprotection;Commune de Maubeuge;collectivite;videoprotection;120 000;36 000,01;Retenue;"
        "DETR 2026;60 000;oui\n"
    )
    lue = lire_tableur(csv.encode(), "videoprotection.csv", entete(p))
    assert not lue.problemes, lue.problemes.lignes()
    with pytest.raises(ValidationError) as refus:
        ecrire_lues(p, lue.actions)
    assert "S_PART_ETAT" in str(refus.value)
