import pytest

from eligibilite.regles import VALEURS_DE_REFERENCE, parametres_annexe_2018, registre
from eligibilite.regles import en_vigueur as en_vigueur_en
from eligibilite.regles.snpd import MESURES_SNPD
from programmation.ecriture import parametres
from programmation.models import Departement, Exercice, MesureSNPD, Programme, Region, ValeurParametre

pytestmark = pytest.mark.django_db


def test_reference_data_is_present_after_migrate():
    assert Region.objects.count() == 18
    assert Departement.objects.count() == 101
    assert set(Programme.objects.values_list("code", "gestion_regionale")) == {
        ("R", True),
        ("D", True),
        ("S", True),
        ("K", False),
    }
    assert list(Exercice.objects.order_by("annee").values_list("annee", flat=True)) == list(range(2018, 2027))


def test_department_codes_follow_the_official_list():
    codes = set(Departement.objects.values_list("code", flat=True))
    attendus = {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B", "971", "972", "973", "974", "976"}
    assert codes == attendus
    assert Departement.objects.get(code="59").region.nom == "Hauts-de-France"
    assert Departement.objects.get(code="974").nom == "La Réunion"


@pytest.mark.parametrize("annee", range(2018, 2027))
def test_every_exercice_has_the_2018_annex_parameters(annee):
    stockes = parametres(Programme.objects.get(code="R").pk, annee)
    attendus = parametres_annexe_2018(annee)
    for champ in (
        "plancher_formation",
        "part_formation",
        "lecture_plafond_formation",
        "taux_prevention_primaire",
        "code_analytique_contrat_de_ville",
        "porteurs_credits_centraux",
    ):
        assert getattr(stockes, champ) == getattr(attendus, champ), champ
        assert stockes.source(champ), f"{champ} has no source"


def test_the_fifty_snpd_measures_are_reference_data_after_migrate():
    stockees = list(MesureSNPD.objects.values_list("numero", "axe", "intitule"))
    assert stockees == [(m.numero, m.axe, m.intitule) for m in MESURES_SNPD]
    assert str(MesureSNPD.objects.get(numero=35)).startswith("Mesure 35 – Densifier le maillage territorial")


@pytest.mark.parametrize("programme", ["D", "S"])
def test_programmes_d_and_s_have_their_dated_values_with_their_sources(programme):
    stockees = {
        (v.code, v.exercice.annee): (v.valeur, v.source)
        for v in ValeurParametre.objects.filter(programme__code=programme).select_related("exercice")
    }
    definitions = registre(programme)
    attendues = {
        (v.code, v.debut): (definitions.definition(v.code).texte(v.valeur), v.source)
        for v in VALEURS_DE_REFERENCE[programme]
    }
    assert stockees == attendues
    assert all(source.strip() for _, source in stockees.values())


@pytest.mark.parametrize(
    ("programme", "annee", "en_vigueur"),
    [
        ("D", 2025, set()),
        (
            "D",
            2026,
            {
                "strategie_snpd",
                "taux_iscg_annee_1",
                "taux_iscg_annee_2",
                "taux_iscg_annees_suivantes",
                "taux_iscg_outre_mer",
            },
        ),
        ("S", 2021, set()),
        (
            "S",
            2023,
            {
                "plafond_gilet_pare_balles",
                "taux_terminaux_radio",
                "plafond_terminal_radio",
                "taux_cameras_pietons",
                "plafond_camera_pieton",
            },
        ),
        (
            "S",
            2024,
            {
                "plafond_gilet_pare_balles",
                "taux_terminaux_radio",
                "plafond_terminal_radio",
                "taux_cameras_pietons",
                "plafond_camera_pieton",
                "montant_minimal_dossier",
                "part_maximale_etat",
            },
        ),
    ],
)
def test_the_stored_values_start_where_their_sources_say(programme, annee, en_vigueur):
    stockes = parametres(Programme.objects.get(code=programme).pk, annee)
    assert set(stockes.valeurs) == en_vigueur
    attendus = en_vigueur_en(annee, VALEURS_DE_REFERENCE[programme])
    assert dict(stockes.valeurs) == dict(attendus.valeurs)
