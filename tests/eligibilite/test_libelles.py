"""Every rule of every programme has a French label, which leads its messages; the code stays a detail."""

import pytest

from eligibilite.regles.libelles import LIBELLES, libelle_regle, texte_de_refus
from eligibilite.regles.registre import REGISTRES


@pytest.mark.parametrize("programme", sorted(REGISTRES))
def test_every_rule_of_every_programme_has_a_french_label(programme):
    r = REGISTRES[programme]
    codes = {regle.code for regle in (*r.regles_action, *r.regles_programmation)}
    assert codes and codes <= set(LIBELLES), sorted(codes - set(LIBELLES))
    assert all(libelle_regle(c) != c for c in codes)


def test_a_refusal_leads_with_the_label_and_ends_with_the_code():
    texte = texte_de_refus("MILIEU_CARCERAL", "Les actions en prison sont exclues.", "annexe 1 §2.1")
    assert texte == (
        "Action en milieu carcéral — Les actions en prison sont exclues. (annexe 1 §2.1) [MILIEU_CARCERAL]"
    )
    assert libelle_regle("REGLE_INCONNUE") == "REGLE_INCONNUE"
