import pytest

from eligibilite.regles import parametres_annexe_2018
from eligibilite.regles.snpd import MESURES_SNPD
from programmation.ecriture import parametres
from programmation.models import Departement, Exercice, MesureSNPD, Programme, Region

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

