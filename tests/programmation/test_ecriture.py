"""The write rule of DESIGN.md §3.4 through the ORM: what is accepted, what is refused, what is stored."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programmation.ecriture import decider_actions, ecrire_actions, parametres
from programmation.models import (
    Action,
    Cofinancement,
    MouvementEnveloppe,
    Programmation,
    Statut,
    ValeurParametre,
)
from tests.factories import (
    ActionFactory,
    PorteurFactory,
    ProgrammationFactory,
    creer_actions,
    departement,
)

pytestmark = pytest.mark.django_db
D = Decimal


def codes(erreur: ValidationError) -> set[str]:
    return {e.code for liste in erreur.error_dict.values() for e in liste}


def stocke(programmation) -> Programmation:
    return Programmation.objects.get(pk=programmation.pk)


def test_prison_action_can_be_recorded_en_instruction_with_its_verdict(programmation):
    action = ActionFactory(programmation=programmation, carceral=True)
    action.refresh_from_db()
    assert [v["regle"] for v in action.verdicts] == ["MILIEU_CARCERAL"]
    assert action.nb_bloquants == 1
    assert stocke(programmation).nb_bloquants == 0  # not retained: does not count


def test_prison_action_cannot_be_retained(programmation):
    action = ActionFactory(programmation=programmation, carceral=True)
    action.decision = "retenue"
    with pytest.raises(ValidationError) as refus:
        action.save()
    assert codes(refus.value) == {"MILIEU_CARCERAL"}
    assert "milieu" in refus.value.error_dict
    message = refus.value.messages[0]
    assert "carcéral" in message and "Annexe 1" in message and "§2.1" in message
    assert Action.objects.get(pk=action.pk).decision == "en_instruction"


def test_refused_creation_writes_nothing(programmation):
    with pytest.raises(ValidationError):
        ActionFactory(programmation=programmation, carceral=True, retenue=True)
    assert not Action.objects.exists()
    assert stocke(programmation).total_fipd == 0


def test_primary_prevention_over_20_percent_is_refused_with_figures(programmation):
    with pytest.raises(ValidationError) as refus:
        ActionFactory(
            programmation=programmation,
            prevention_primaire=True,
            retenue=True,
            cout_total=D("12345.67"),
            montant_fipd=D("2469.14"),
        )
    assert codes(refus.value) == {"PREVENTION_PRIMAIRE_TAUX"}
    assert "montant_fipd" in refus.value.error_dict
    assert "2\u202f469,13\u00a0€" in refus.value.messages[0]
    ActionFactory(
        programmation=programmation,
        prevention_primaire=True,
        retenue=True,
        cout_total=D("12345.67"),
        montant_fipd=D("2469.13"),
    )


def test_not_retaining_a_non_training_action_that_pushes_training_over_its_cap_is_refused(programmation):
    # T = 60 000 → cap 12 000; training 12 000 fits. Not retaining the 48 000 leaves T = 12 000 → cap 4 000.
    autre = ActionFactory(
        programmation=programmation, retenue=True, cout_total=D("60000"), montant_fipd=D("48000")
    )
    ActionFactory(
        programmation=programmation,
        formation=True,
        retenue=True,
        cout_total=D("15000"),
        montant_fipd=D("12000"),
    )
    autre.decision = "non_retenue"
    with pytest.raises(ValidationError) as refus:
        autre.save()
    assert codes(refus.value) == {"FORMATION_PLAFOND"}
    assert "decision" in refus.value.error_dict
    assert "8\u202f000,00\u00a0€" in refus.value.messages[0]  # by how much: 12 000 − 4 000
    assert Action.objects.get(pk=autre.pk).decision == "retenue"


def test_deleting_a_non_training_action_that_pushes_training_over_its_cap_is_refused(programmation):
    autre = ActionFactory(
        programmation=programmation, retenue=True, cout_total=D("60000"), montant_fipd=D("48000")
    )
    ActionFactory(
        programmation=programmation,
        formation=True,
        retenue=True,
        cout_total=D("15000"),
        montant_fipd=D("12000"),
    )
    with pytest.raises(ValidationError):
        autre.delete()
    with pytest.raises(ValidationError):
        Action.objects.filter(pk=autre.pk).delete()
    assert Action.objects.filter(pk=autre.pk).exists()


def test_after_a_withdrawal_below_the_retained_total_a_title_fix_is_accepted_and_a_raise_refused(
    programmation,
):
    action = ActionFactory(
        programmation=programmation, retenue=True, cout_total=D("90000"), montant_fipd=D("80000")
    )
    enveloppe = programmation.departement.enveloppe_set.get()
    MouvementEnveloppe(
        enveloppe=enveloppe,
        date="2026-06-01",
        nature="retrait",
        montant=D("30000"),
        motif="Retrait de mi-année",
    ).save()
    p = stocke(programmation)
    assert [v["regle"] for v in p.verdicts] == ["ENVELOPPE_DEPASSEE"]
    assert p.nb_bloquants == 1

    action.intitule = "Intitulé corrigé"
    action.save()  # the excess (10 000 €) has not grown

    action.montant_fipd = D("80000.01")
    with pytest.raises(ValidationError) as refus:
        action.save()
    assert codes(refus.value) == {"ENVELOPPE_DEPASSEE"}
    assert "0,01\u00a0€" in refus.value.messages[0]
    action.refresh_from_db()
    assert action.intitule == "Intitulé corrigé" and action.montant_fipd == D("80000.00")

    action.montant_fipd = D("75000.00")
    action.save()  # lowering reduces the excess: accepted
    assert stocke(programmation).total_fipd == D("75000.00")


def test_envelope_exactly_used_is_accepted_and_one_cent_more_refused(programmation):
    ActionFactory(
        programmation=programmation, retenue=True, cout_total=D("100000"), montant_fipd=D("100000.00")
    )
    with pytest.raises(ValidationError) as refus:
        ActionFactory(programmation=programmation, retenue=True, cout_total=D("1"), montant_fipd=D("0.01"))
    assert codes(refus.value) == {"ENVELOPPE_DEPASSEE"}


def test_without_an_envelope_nothing_can_be_retained(db):
    p = ProgrammationFactory(departement=departement("15"))
    ActionFactory(programmation=p)  # en instruction: fine
    with pytest.raises(ValidationError) as refus:
        ActionFactory(programmation=p, retenue=True)
    assert "aucune enveloppe n'est notifiée" in refus.value.messages[0].lower()


def test_actions_that_only_fit_together_can_be_retained_in_one_bulk_decision(programmation):
    # Training 6 000 alone: T = 6 000, cap 4 000 → refused. With the 24 000 insertion action: T = 30 000,
    # cap 6 000 → fits.
    formation = ActionFactory(
        programmation=programmation, formation=True, cout_total=D("8000"), montant_fipd=D("6000")
    )
    insertion = ActionFactory(programmation=programmation, cout_total=D("30000"), montant_fipd=D("24000"))
    with pytest.raises(ValidationError):
        decider_actions([formation], "retenue")
    decider_actions(Action.objects.filter(pk__in=[formation.pk, insertion.pk]), "retenue")
    p = stocke(programmation)
    assert (p.total_fipd, p.total_formation, p.nb_bloquants) == (D("30000.00"), D("6000.00"), 0)


def test_a_bulk_decision_is_all_or_nothing(programmation):
    bonne = ActionFactory(programmation=programmation)
    prison = ActionFactory(programmation=programmation, carceral=True)
    with pytest.raises(ValidationError) as refus:
        decider_actions(Action.objects.filter(pk__in=[bonne.pk, prison.pk]), "retenue")
    assert f"Action {prison.reference}" in refus.value.messages[0]
    assert set(Action.objects.values_list("decision", flat=True)) == {"en_instruction"}


def test_alerts_never_refuse(programmation):
    action = ActionFactory(
        programmation=programmation,
        retenue=True,
        milieu="ouvert",
        public="grand_public",
        montant_demande=D("100"),
    )
    action.refresh_from_db()
    assert {v["regle"] for v in action.verdicts} == {
        "MILIEU_OUVERT",
        "PUBLIC_NON_CIBLE",
        "MONTANT_SUPERIEUR_DEMANDE",
    }
    assert stocke(programmation).nb_alertes == 3


def test_cofunders_update_the_budget_alert(programmation):
    action = ActionFactory(programmation=programmation, cout_total=D("10000"), montant_fipd=D("5000"))
    Cofinancement(action=action, financeur="Commune", montant=D("4000")).save()
    action.refresh_from_db()
    assert [v["regle"] for v in action.verdicts] == ["BUDGET_NON_EQUILIBRE"]
    Cofinancement(action=action, financeur="Département", montant=D("1000")).save()
    action.refresh_from_db()
    assert action.verdicts == []


def test_porteur_type_change_recomputes_referent_de_parcours_verdicts(programmation):
    porteur = PorteurFactory(departement=programmation.departement)
    action = ActionFactory(
        programmation=programmation, porteur=porteur, categorie="referent_parcours", retenue=True
    )
    porteur.type = "collectivite"
    porteur.save()  # writes to porteurs are never refused: they change verdicts
    action.refresh_from_db()
    assert [v["regle"] for v in action.verdicts] == ["REFERENT_PARCOURS_NON_ASSOCIATIF"]
    assert stocke(programmation).nb_bloquants == 1


def test_porteur_of_another_department_is_refused(programmation):
    ailleurs = PorteurFactory(departement=departement("69"))
    with pytest.raises(ValidationError) as refus:
        ActionFactory(programmation=programmation, porteur=ailleurs)
    assert "porteur" in refus.value.error_dict


def test_submitted_programmation_is_read_only(programmation):
    action = ActionFactory(programmation=programmation, retenue=True)
    Programmation.objects.filter(pk=programmation.pk).update(statut=Statut.TRANSMISE)
    action.intitule = "Changement"
    with pytest.raises(ValidationError) as refus:
        action.save()
    assert refus.value.code == "programmation_non_modifiable"


def test_closed_exercice_is_read_only(programmation):
    action = ActionFactory(programmation=programmation, retenue=True)
    programmation.exercice.etat = "cloture"
    programmation.exercice.save()
    with pytest.raises(ValidationError):
        action.delete()


def test_queryset_writes_that_bypass_the_rule_are_impossible(programmation):
    ActionFactory(programmation=programmation)
    with pytest.raises(TypeError):
        Action.objects.update(montant_fipd=D("1"))
    with pytest.raises(TypeError):
        Action.objects.bulk_create([Action(programmation=programmation)])


def test_stale_version_is_refused(programmation):
    action = ActionFactory(programmation=programmation)
    vue_par_b = Action.objects.get(pk=action.pk)
    action.intitule = "Écrit par A"
    action.save()
    vue_par_b.intitule = "Écrit par B"
    with pytest.raises(ValidationError) as refus:
        ecrire_actions(programmation.pk, [vue_par_b], versions={vue_par_b.pk: vue_par_b.version})
    assert refus.value.code == "modification_concurrente"
    assert Action.objects.get(pk=action.pk).intitule == "Écrit par A"


def test_stored_totals_and_verdicts_equal_recomputed_ones(programmation):
    creer_actions(programmation, 5)
    ActionFactory(programmation=programmation, formation=True, retenue=True, montant_fipd=D("3000"))
    ActionFactory(programmation=programmation, milieu="ouvert", retenue=True)
    avant = stocke(programmation)
    verdicts = list(Action.objects.order_by("pk").values_list("verdicts", flat=True))
    call_command("recalculer_verdicts", verbosity=0)
    apres = stocke(programmation)
    for champ in (
        "total_fipd",
        "total_formation",
        "total_prevention_primaire",
        "nb_bloquants",
        "nb_alertes",
        "nb_en_instruction",
        "verdicts",
    ):
        assert getattr(avant, champ) == getattr(apres, champ), champ
    assert verdicts == list(Action.objects.order_by("pk").values_list("verdicts", flat=True))


def nouvelle_valeur(programmation, code, valeur):
    """A value of one of the programmation's parameters, from its exercice on."""
    return ValeurParametre(
        programme=programmation.programme,
        code=code,
        exercice=programmation.exercice,
        valeur=valeur,
        source="Circulaire de test",
    )


def test_parameter_change_recomputes_verdicts(programmation):
    ActionFactory(
        programmation=programmation,
        prevention_primaire=True,
        retenue=True,
        cout_total=D("10000"),
        montant_fipd=D("2000"),
    )
    nouvelle_valeur(programmation, "taux_prevention_primaire", "0.15").save()
    assert stocke(programmation).nb_bloquants == 1


def test_saving_an_action_costs_the_same_queries_whatever_the_size(programmation):
    def requetes_pour_enregistrer(taille):
        creer_actions(
            programmation, taille - programmation.actions.count(), cout_total=D("200"), montant_fipd=D("100")
        )
        action = Action.objects.select_related("porteur").filter(programmation=programmation).first()
        action.intitule = f"Nouveau titre {taille}"
        action.montant_fipd = D("90.00")
        with CaptureQueriesContext(connection) as requetes:
            action.save()
        return len(requetes)

    petite, grande = requetes_pour_enregistrer(10), requetes_pour_enregistrer(500)
    assert petite == grande
    assert grande <= 12


def test_deleting_cofunders_through_a_queryset_recomputes_the_budget_alert(programmation):
    action = ActionFactory(programmation=programmation, cout_total=D("10000"), montant_fipd=D("5000"))
    Cofinancement(action=action, financeur="Commune", montant=D("5000")).save()
    Cofinancement(action=action, financeur="Région", montant=D("1000")).save()
    action.refresh_from_db()
    assert [v["regle"] for v in action.verdicts] == ["BUDGET_NON_EQUILIBRE"]
    Cofinancement.objects.filter(financeur="Région").delete()
    action.refresh_from_db()
    assert action.verdicts == []
    with pytest.raises(TypeError):
        Cofinancement.objects.update(montant=D("1"))


def test_an_envelope_with_movements_cannot_be_deleted(programmation):
    from django.db.models import ProtectedError

    from programmation.models import Enveloppe

    with pytest.raises(ProtectedError):
        Enveloppe.objects.filter(departement=programmation.departement).delete()
    assert Enveloppe.objects.get(departement=programmation.departement).montant == D("100000.00")


def test_a_closed_exercice_keeps_its_parameters_and_verdicts(programmation):
    ActionFactory(programmation=programmation, retenue=True)
    programmation.exercice.etat = "cloture"
    programmation.exercice.save()
    with pytest.raises(ValidationError) as refus:
        nouvelle_valeur(programmation, "plancher_formation", "1.00").save()
    assert refus.value.code == "exercice_cloture"
    assert parametres(programmation.programme_id, 2026).plancher_formation == D("4000.00")


def test_turning_a_follow_up_cell_off_recomputes_the_initial_allocation_alert(programmation):
    from programmation.models import CelluleSuivi

    CelluleSuivi(departement=programmation.departement, exercice=programmation.exercice, active=False).save()
    assert [v["regle"] for v in stocke(programmation).verdicts] == ["DOTATION_SANS_CELLULE"]
    assert stocke(programmation).nb_alertes == 1
