"""Two agents retaining training actions at the same time can never push the programmation over its cap
(DESIGN.md §8). On PostgreSQL the programmation row lock serialises them; on SQLite the IMMEDIATE
transaction does, the second writer waiting on the busy timeout instead of failing."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from eligibilite.regles import parametres_annexe_2018, plafond_formation
from programmation.ecriture import decider_actions, ecrire_actions
from programmation.ecriture.enveloppes import Dotation, fixer_dotations
from programmation.models import Action, Enveloppe, Exercice, MouvementEnveloppe, Programmation, Programme
from tests.factories import ActionFactory, ProgrammationFactory, departement, doter

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
D = Decimal


def en_parallele(*fonctions):
    """Runs each function in its own thread (own connection), all released together; returns outcomes."""
    depart = threading.Barrier(len(fonctions))
    resultats = [None] * len(fonctions)

    def executer(i, fonction):
        try:
            depart.wait()
            fonction()
            resultats[i] = "accepte"
        except ValidationError as e:
            resultats[i] = e
        except Exception as e:  # a lock error or a crash would be a bug: report it
            resultats[i] = e
        finally:
            connections.close_all()

    fils = [threading.Thread(target=executer, args=(i, f)) for i, f in enumerate(fonctions)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(60)
    return resultats


@pytest.fixture
def deux_formations():
    p = ProgrammationFactory()
    doter(p, "100000.00")
    ActionFactory(programmation=p, retenue=True, cout_total=D("30000"), montant_fipd=D("20000"))
    # Alone: T = 23 000, cap 4 600 ≥ 3 000. Together: T = 26 000, cap 5 200 < 6 000.
    a = ActionFactory(programmation=p, formation=True, cout_total=D("5000"), montant_fipd=D("3000"))
    b = ActionFactory(programmation=p, formation=True, cout_total=D("5000"), montant_fipd=D("3000"))
    return p, a, b


def test_two_concurrent_training_retentions_cannot_exceed_the_cap(deux_formations):
    p, a, b = deux_formations
    resultats = en_parallele(
        lambda: decider_actions([Action.objects.get(pk=a.pk)], "retenue"),
        lambda: decider_actions([Action.objects.get(pk=b.pk)], "retenue"),
    )
    acceptes = [r for r in resultats if r == "accepte"]
    refus = [r for r in resultats if isinstance(r, ValidationError)]
    assert len(acceptes) == 1 and len(refus) == 1, resultats
    assert {e.code for e in refus[0].error_dict["decision"]} == {"FORMATION_PLAFOND"}

    stockee = Programmation.objects.get(pk=p.pk)
    retenues = Action.objects.filter(programmation=p, decision="retenue")
    formation = sum(x.montant_fipd for x in retenues if x.categorie == "formation")
    total = sum(x.montant_fipd for x in retenues)
    assert formation == D("3000.00") and total == D("23000.00")
    assert formation <= plafond_formation(total, parametres_annexe_2018(2026))
    assert (stockee.total_fipd, stockee.total_formation) == (total, formation)


def test_concurrent_edits_of_different_actions_are_both_written(deux_formations):
    """No lost write: two agents changing two different actions at once both land."""
    p, a, b = deux_formations

    def renommer(pk, titre):
        action = Action.objects.select_related("porteur").get(pk=pk)
        action.intitule = titre
        ecrire_actions(p.pk, [action])

    resultats = en_parallele(lambda: renommer(a.pk, "Titre A"), lambda: renommer(b.pk, "Titre B"))
    assert resultats == ["accepte", "accepte"]
    assert Action.objects.get(pk=a.pk).intitule == "Titre A"
    assert Action.objects.get(pk=b.pk).intitule == "Titre B"


def test_database_backend_is_reported(deux_formations):
    """Documents which locking the run exercised (PostgreSQL row lock or SQLite IMMEDIATE)."""
    assert connection.vendor in ("postgresql", "sqlite")
    if connection.vendor == "sqlite":
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_two_splits_of_one_regional_envelope_that_fit_alone_but_not_together(programmation):
    """The regional envelope is locked first (DESIGN.md §3.4 lock order): the second split sees the first."""
    # Hauts-de-France: 100 000 € regional, all of it to Nord; a complement leaves 50 000 € to split.
    regionale = Enveloppe.objects.get(region__code="32", programme__code="R")
    MouvementEnveloppe(
        enveloppe=regionale,
        date=date(2026, 2, 1),
        nature="complement",
        montant=D("50000"),
        motif="Complément",
    ).save()
    exercice, r = Exercice.objects.get(annee=2026), Programme.objects.get(code="R")

    def repartir(code):
        return lambda: fixer_dotations(
            exercice,
            [Dotation(r, D("30000"), departement=departement(code))],
            date(2026, 3, 1),
            "Répartition",
        )

    resultats = en_parallele(repartir("62"), repartir("80"))  # 30 000 € each: only one fits

    acceptes = [x for x in resultats if x == "accepte"]
    refus = [x for x in resultats if isinstance(x, ValidationError)]
    assert len(acceptes) == 1 and len(refus) == 1, resultats
    assert refus[0].error_dict["montant"][0].code == "enveloppe_regionale_depassee"
    reparti = sum(
        e.montant for e in Enveloppe.objects.filter(departement__region__code="32", programme__code="R")
    )
    assert reparti == D("130000.00")
