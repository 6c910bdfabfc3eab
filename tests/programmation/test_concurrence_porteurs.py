"""A merge racing an edit of the porteur it absorbs (issue 9, item 7): whichever runs first, nothing is lost,
the absorbed porteur does not come back, nothing crashes, and the stored verdicts are those the rules give."""

import pytest
from django.core.exceptions import ValidationError

from programmation.ecriture import recalculer_programmation
from programmation.ecriture.references import fusionner_porteurs
from programmation.models import Action, Porteur, Programmation
from tests.factories import ActionFactory, PorteurFactory, ProgrammationFactory, doter
from tests.programmation.test_concurrence import en_parallele

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def stocke(programmation_id):
    p = Programmation.objects.get(pk=programmation_id)
    actions = list(Action.objects.filter(programmation_id=programmation_id).values_list("pk", "verdicts"))
    return p.total_fipd, p.nb_bloquants, p.nb_alertes, p.verdicts, sorted(actions)


def test_a_merge_and_an_edit_of_the_absorbed_porteur_at_once():
    p = ProgrammationFactory()
    doter(p, "100000.00")
    garde = PorteurFactory(nom="Commune", type="collectivite")
    doublon = PorteurFactory(nom="Association de médiation")
    action = ActionFactory(programmation=p, porteur=doublon, categorie="referent_parcours", retenue=True)

    def modifier():
        porteur = Porteur.objects.get(pk=doublon.pk)
        porteur.type = "autre"
        porteur.save()

    resultats = en_parallele(
        lambda: fusionner_porteurs(Porteur.objects.get(pk=garde.pk), Porteur.objects.get(pk=doublon.pk)),
        modifier,
    )

    assert resultats[0] == "accepte", (
        resultats
    )  # the merge never loses: the edit either precedes or is refused
    assert resultats[1] == "accepte" or (
        isinstance(resultats[1], ValidationError) and resultats[1].code == "porteur_supprime"
    ), resultats
    assert not Porteur.objects.filter(pk=doublon.pk).exists()
    action.refresh_from_db()
    assert action.porteur_id == garde.pk
    assert [v["regle"] for v in action.verdicts] == ["REFERENT_PARCOURS_NON_ASSOCIATIF"]
    avant = stocke(p.pk)
    recalculer_programmation(p.pk)
    assert stocke(p.pk)[:4] == avant[:4] and stocke(p.pk)[4] == avant[4]
