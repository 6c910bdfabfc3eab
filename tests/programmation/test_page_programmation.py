"""The programmation page: envelope, totals, the training cap with its reading and room, verdicts, actions
filtered and sorted, decisions one by one and in bulk, and a query count that does not grow with the actions."""

import time
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programmation.models import Action, MouvementEnveloppe
from tests.factories import ActionFactory, PorteurFactory, UtilisateurFactory, creer_actions, departement

pytestmark = pytest.mark.django_db
D = Decimal
NBSP, FINE = "\u00a0", "\u202f"


@pytest.fixture
def agent(db):
    return UtilisateurFactory(username="agent.nord", departements=[departement("59")])


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def client_sgcipdr(client):
    client.force_login(UtilisateurFactory(username="sgcipdr", role="instructeur_sgcipdr"))
    return client


def url_decisions(p):
    return p.get_absolute_url() + "decisions/"


def test_page_shows_envelope_movements_totals_and_room(client_agent, programmation):
    ActionFactory(programmation=programmation, retenue=True, cout_total=D("30000"), montant_fipd=D("25000"))
    ActionFactory(programmation=programmation, prevention_primaire=True, retenue=True)  # 2 000 €
    enveloppe = programmation.departement.enveloppe_set.get()
    MouvementEnveloppe(
        enveloppe=enveloppe,
        date="2026-06-01",
        nature="retrait",
        montant=D("10000"),
        motif="Retrait de mi-année",
    ).save()

    reponse = client_agent.get(programmation.get_absolute_url())

    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert f"90{FINE}000,00{NBSP}€" in html  # envelope: 100 000 − 10 000
    assert f"27{FINE}000,00{NBSP}€" in html  # retained total
    assert f"63{FINE}000,00{NBSP}€" in html  # room left in the envelope
    assert f"2{FINE}000,00{NBSP}€" in html  # primary prevention
    assert "Retrait de mi-année" in html and "01/06/2026" in html
    assert "Dotation initiale" in html


def test_page_without_envelope_says_so(client, db):
    from tests.factories import ProgrammationFactory

    p = ProgrammationFactory(departement=departement("15"))
    client.force_login(UtilisateurFactory(username="agent.cantal", departements=[departement("15")]))
    html = client.get(p.get_absolute_url()).content.decode()
    assert "Aucune enveloppe notifiée" in html


def test_page_shows_the_training_cap_with_its_reading_and_room(client_agent, programmation):
    # T = 30 000 (27 000 + 3 000 of training): cap = max(4 000, 6 000) = 6 000; room = (6 000 − 3 000) / 0,8.
    ActionFactory(programmation=programmation, retenue=True, cout_total=D("30000"), montant_fipd=D("27000"))
    ActionFactory(programmation=programmation, formation=True, retenue=True, montant_fipd=D("3000"))

    html = client_agent.get(programmation.get_absolute_url()).content.decode()

    assert f"6{FINE}000,00{NBSP}€" in html
    assert "lecture favorable : le plus haut de 4" in html and "20" in html
    assert f"3{FINE}750,00{NBSP}€" in html  # the room left for one more training euro


def test_cap_is_shown_rounded_down(client_agent, programmation):
    # T = 33 333,33 → 20 % = 6 666,666 → shown 6 666,66 (never higher than it is).
    ActionFactory(
        programmation=programmation, retenue=True, cout_total=D("40000"), montant_fipd=D("33333.33")
    )
    html = client_agent.get(programmation.get_absolute_url()).content.decode()
    assert f"6{FINE}666,66{NBSP}€" in html


def test_page_shows_stored_verdicts_with_level_and_source(client_agent, programmation):
    ActionFactory(programmation=programmation, carceral=True, reference="PRISON")
    ActionFactory(programmation=programmation, retenue=True, milieu="ouvert", reference="OUVERT")
    enveloppe = programmation.departement.enveloppe_set.get()
    ActionFactory(programmation=programmation, retenue=True, cout_total=D("90000"), montant_fipd=D("80000"))
    MouvementEnveloppe(
        enveloppe=enveloppe, date="2026-06-01", nature="retrait", montant=D("30000"), motif="Retrait"
    ).save()

    html = client_agent.get(programmation.get_absolute_url()).content.decode()

    assert "Le total retenu" in html and "dépasse l&#x27;enveloppe notifiée" in html  # programmation level
    assert "Délégation de crédits" in html
    assert "milieu carcéral ne peut pas être financée" in html
    assert "Annexe 1 de la circulaire FIPD 2018, §2.1" in html
    assert "Bloquant" in html and "Alerte" in html


def actions_affichees(reponse):
    return [a.reference for a in reponse.context["actions"]]


def test_actions_can_be_filtered_by_category_decision_porteur_and_anomalies(client_agent, programmation):
    commune = PorteurFactory(commune=True)
    ActionFactory(
        programmation=programmation, reference="F1", formation=True, retenue=True, montant_fipd=D("1000")
    )
    ActionFactory(programmation=programmation, reference="S1", porteur=commune)
    ActionFactory(programmation=programmation, reference="S2", retenue=True, milieu="ouvert")
    url = programmation.get_absolute_url()

    assert actions_affichees(client_agent.get(url, {"categorie": "formation"})) == ["F1"]
    assert actions_affichees(client_agent.get(url, {"decision": "en_instruction"})) == ["S1"]
    assert actions_affichees(client_agent.get(url, {"porteur": commune.pk})) == ["S1"]
    assert actions_affichees(client_agent.get(url, {"anomalies": "on"})) == ["S2"]
    assert actions_affichees(
        client_agent.get(url, {"decision": "retenue", "categorie": "sante_mentale"})
    ) == ["S2"]
    assert actions_affichees(client_agent.get(url)) == ["F1", "S1", "S2"]


def test_porteur_filter_offers_only_the_departments_porteurs(client_agent, programmation):
    ailleurs = PorteurFactory(departement=departement("69"), nom="Association lyonnaise")
    reponse = client_agent.get(programmation.get_absolute_url(), {"porteur": ailleurs.pk})
    assert "Association lyonnaise" not in reponse.content.decode()
    assert reponse.context["filtre"].form.errors  # an unknown choice is ignored, not applied


def test_actions_can_be_sorted_through_a_whitelist(client_agent, programmation):
    a = PorteurFactory(nom="Zèbre")
    b = PorteurFactory(nom="Abeille")
    ActionFactory(
        programmation=programmation, reference="A2", intitule="Bravo", porteur=a, montant_fipd=D("300")
    )
    ActionFactory(
        programmation=programmation, reference="A1", intitule="Charlie", porteur=b, montant_fipd=D("100")
    )
    ActionFactory(
        programmation=programmation,
        reference="A3",
        intitule="Alpha",
        porteur=a,
        montant_fipd=D("200"),
        retenue=True,
    )
    url = programmation.get_absolute_url()

    assert actions_affichees(client_agent.get(url)) == ["A1", "A2", "A3"]
    assert actions_affichees(client_agent.get(url, {"tri": "-reference"})) == ["A3", "A2", "A1"]
    assert actions_affichees(client_agent.get(url, {"tri": "intitule"})) == ["A3", "A2", "A1"]
    assert actions_affichees(client_agent.get(url, {"tri": "porteur"})) == ["A1", "A2", "A3"]
    assert actions_affichees(client_agent.get(url, {"tri": "-montant_fipd"})) == ["A2", "A3", "A1"]
    assert actions_affichees(client_agent.get(url, {"tri": "decision"})) == ["A1", "A2", "A3"]
    assert actions_affichees(client_agent.get(url, {"tri": "categorie"})) == ["A1", "A2", "A3"]
    reponse = client_agent.get(url, {"tri": "porteur__departement__nom; DROP TABLE"})
    assert reponse.status_code == 200 and actions_affichees(reponse) == ["A1", "A2", "A3"]


def test_sort_links_keep_the_filters_and_mark_the_sorted_column(client_agent, programmation):
    ActionFactory(programmation=programmation)
    reponse = client_agent.get(
        programmation.get_absolute_url(), {"decision": "en_instruction", "tri": "intitule"}
    )
    colonnes = {c.cle: c for c in reponse.context["colonnes"]}
    assert colonnes["intitule"].tri == "ascending" and "tri=-intitule" in colonnes["intitule"].url
    assert "decision=en_instruction" in colonnes["montant_fipd"].url
    assert 'aria-sort="ascending"' in reponse.content.decode()


def test_actions_are_paginated(client_agent, programmation):
    creer_actions(programmation, 120, cout_total=D("200"), montant_fipd=D("100"))
    url = programmation.get_absolute_url()
    assert len(actions_affichees(client_agent.get(url))) == 100
    assert len(actions_affichees(client_agent.get(url, {"page": 2}))) == 20


def test_read_only_users_see_no_forms(client_sgcipdr, programmation):
    ActionFactory(programmation=programmation)
    html = client_sgcipdr.get(programmation.get_absolute_url()).content.decode()
    assert 'name="decision_unitaire"' not in html
    assert "Ajouter une action" not in html
    assert 'id="form-transmettre"' not in html


def test_agent_sees_what_they_may_do_next(client_agent, programmation):
    ActionFactory(programmation=programmation)
    html = client_agent.get(programmation.get_absolute_url()).content.decode()
    assert "Ajouter une action" in html
    assert 'id="form-transmettre"' in html
    assert "La transmission sera refusée" in html  # one action still en instruction
    assert 'id="form-instruire"' not in html


# --- Decisions ------------------------------------------------------------------------------------------


def test_one_action_is_retained_from_its_row(client_agent, programmation):
    action = ActionFactory(programmation=programmation)
    reponse = client_agent.post(url_decisions(programmation), {"decision_unitaire": f"{action.pk}:retenue"})
    assert reponse.status_code == 302
    action.refresh_from_db()
    assert action.decision == "retenue" and action.date_decision is not None


def test_a_checked_selection_is_decided_at_once_when_it_only_fits_together(client_agent, programmation):
    formation = ActionFactory(
        programmation=programmation, formation=True, cout_total=D("8000"), montant_fipd=D("6000")
    )
    insertion = ActionFactory(programmation=programmation, cout_total=D("30000"), montant_fipd=D("24000"))

    seule = client_agent.post(
        url_decisions(programmation), {"actions": [formation.pk], "decision": "retenue"}
    )
    assert seule.status_code == 200 and "FORMATION_PLAFOND" in seule.content.decode()

    ensemble = client_agent.post(
        url_decisions(programmation), {"actions": [formation.pk, insertion.pk], "decision": "retenue"}
    )
    assert ensemble.status_code == 302
    assert set(Action.objects.values_list("decision", flat=True)) == {"retenue"}


def test_a_bulk_decision_is_all_or_nothing_and_lists_each_refusal(client_agent, programmation):
    bonne = ActionFactory(programmation=programmation, reference="BONNE")
    prison = ActionFactory(programmation=programmation, carceral=True, reference="PRISON")
    theme = ActionFactory(
        programmation=programmation, prevention_primaire=True, theme_prevention_primaire="", reference="THEME"
    )

    reponse = client_agent.post(
        url_decisions(programmation),
        {
            "actions": [bonne.pk, prison.pk, theme.pk],
            "decision": "retenue",
            "retour": "?decision=en_instruction",
        },
    )

    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "fr-alert--error" in html and "Décision refusée" in html
    assert "Action PRISON – Action en milieu carcéral — " in html and "[MILIEU_CARCERAL]" in html
    assert "Action THEME – Prévention primaire : thème — " in html and "[PREVENTION_PRIMAIRE_THEME]" in html
    assert set(Action.objects.values_list("decision", flat=True)) == {"en_instruction"}
    assert reponse.context["filtre"].form.cleaned_data["decision"] == "en_instruction"  # the filters kept


def test_a_decision_redirects_back_with_the_filters(client_agent, programmation):
    action = ActionFactory(programmation=programmation)
    reponse = client_agent.post(
        url_decisions(programmation),
        {"actions": [action.pk], "decision": "non_retenue", "retour": "?tri=intitule"},
    )
    assert reponse.status_code == 302 and reponse["Location"].endswith("/?tri=intitule")


def test_an_unknown_decision_is_refused(client_agent, programmation):
    action = ActionFactory(programmation=programmation)
    reponse = client_agent.post(
        url_decisions(programmation), {"actions": [action.pk], "decision": "peut-etre"}
    )
    assert reponse.status_code == 200 and "Choisissez une décision" in reponse.content.decode()


# --- Query count and time -------------------------------------------------------------------------------


def requetes_et_durees(client, programmation, taille, froid=True, **params):
    """The queries of one page view, and its best time over three; ``froid``: with the fragment cache
    emptied first (rows and history rendered from the database), else served from it."""
    creer_actions(
        programmation, taille - programmation.actions.count(), cout_total=D("200"), montant_fipd=D("100")
    )
    client.get(programmation.get_absolute_url(), params)  # warm-up (sessions, template cache)
    if froid:
        cache.clear()
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(programmation.get_absolute_url(), params)
    nombre = len(requetes)  # before the next requests reset the connection's query log
    assert reponse.status_code == 200
    durees = []
    for _ in range(3):
        debut = time.perf_counter()
        client.get(programmation.get_absolute_url(), params)
        durees.append(time.perf_counter() - debut)
    return nombre, min(durees)


@pytest.mark.parametrize("params", [{}, {"tri": "-montant_fipd", "anomalies": "on", "page": "2"}])
def test_programmation_page_queries_do_not_grow_with_the_actions(client_agent, programmation, params):
    # The history lists the latest changes: with 10 and with 500 actions, they are creations either way.
    petite, _ = requetes_et_durees(client_agent, programmation, 10, **params)
    grande, duree = requetes_et_durees(client_agent, programmation, 500, **params)
    assert petite == grande
    assert grande <= 27
    assert duree < 2  # a guard against pathologies only: the budget is measured by bench/


@pytest.mark.parametrize("params", [{}, {"tri": "-montant_fipd", "anomalies": "on", "page": "2"}])
def test_programmation_page_served_from_its_fragment_cache_runs_fewer_queries(
    client_agent, programmation, params
):
    petite, _ = requetes_et_durees(client_agent, programmation, 10, froid=False, **params)
    grande, _ = requetes_et_durees(client_agent, programmation, 500, froid=False, **params)
    froide, _ = requetes_et_durees(client_agent, programmation, 500, **params)
    assert petite == grande
    # The actions' history is not read, nor the rows when the page has any (page 2 of no anomaly has none).
    assert grande <= froide - (1 if params else 2)


def test_verdict_counts_say_what_they_cover_and_match_the_table(client_agent, programmation):
    """« 0 verdict bloquant » beside a table showing BLOQUANT badges (issue 9): retained / all, apart."""
    ActionFactory(programmation=programmation, retenue=True, reference="OK")
    ActionFactory(programmation=programmation, reference="PRISON", milieu="carceral")  # en instruction
    reponse = client_agent.get(programmation.get_absolute_url())
    html = reponse.content.decode()
    retenues, toutes = reponse.context["comptes_verdicts"].values()
    assert retenues[0] == 0 and toutes[0] == 1
    assert html.count("fr-badge--error") >= 1  # the table's badge for PRISON
    carte = html[html.index('id="chiffre-verdicts"') :]
    carte = carte[: carte.index("</div>")]
    assert "0 verdict bloquant" in carte
    assert "Toutes les actions" in carte and "1 verdict bloquant" in carte
    assert "1 action en instruction" in carte


def test_counts_of_all_actions_are_not_repeated_when_they_match(client_agent, programmation):
    ActionFactory(programmation=programmation, retenue=True, reference="OK")
    html = client_agent.get(programmation.get_absolute_url()).content.decode()
    assert 'id="verdicts-retenues"' in html and 'id="verdicts-toutes"' not in html


# --- The fragment cache: any change is seen at once -----------------------------------------------------


def lignes(reponse) -> str:
    """The table's rows as rendered, without the CSRF token (which differs between requests)."""
    html = reponse.content.decode()
    html = html[html.index('id="table-actions"') :]
    return html[html.index("<tbody") : html.index("</tbody>")]


def test_cached_rows_follow_every_kind_of_change(client_agent, client, programmation, agent):
    from programmation.models import Porteur

    porteur = PorteurFactory(departement=programmation.departement, nom="Association Horizon")
    action = ActionFactory(
        programmation=programmation, porteur=porteur, reference="A1", montant_fipd=D("5000")
    )
    url = programmation.get_absolute_url()
    avant = lignes(client_agent.get(url))
    assert lignes(client_agent.get(url)) == avant  # a hit: the same rows

    # A decision (guarded write).
    client_agent.post(url_decisions(programmation), {"decision_unitaire": f"{action.pk}:retenue"})
    apres = lignes(client_agent.get(url))
    assert apres != avant and ">Retenue<" in apres

    # A porteur renamed (its programmations are recomputed in open exercices).
    porteur.nom = "Maison des familles"
    porteur.save()
    assert "Maison des familles" in lignes(client_agent.get(url))
    assert Porteur.objects.get().nom == "Maison des familles"

    # Transmitted: the decide buttons go, for the same reader.
    assert 'name="decision_unitaire"' in lignes(client_agent.get(url))
    type(programmation).objects.filter(pk=programmation.pk).update(statut="transmise")
    programmation.refresh_from_db()
    programmation.save(update_fields=["modifie_le"])  # what changer_statut saves
    assert 'name="decision_unitaire"' not in lignes(client_agent.get(url))


def test_cached_rows_are_per_reader_rights_and_per_request(client_agent, programmation):
    creer_actions(programmation, 3)
    url = programmation.get_absolute_url()
    agent_lignes = lignes(client_agent.get(url))
    assert 'name="decision_unitaire"' in agent_lignes
    client_agent.logout()
    client_agent.force_login(UtilisateurFactory(username="sg", role="instructeur_sgcipdr"))
    assert 'name="decision_unitaire"' not in lignes(client_agent.get(url))
    triees = lignes(client_agent.get(url, {"tri": "-reference"}))
    assert triees.index("N00002") < triees.index("N00000")


def test_after_a_write_only_the_rows_that_changed_are_rendered_again(
    client_agent, programmation, monkeypatch
):
    from programmation.vues import programmation as vue

    actions = creer_actions(programmation, 30, decision="en_instruction")
    rendues = []
    original = vue.render_to_string

    def compter(gabarit, contexte=None, *args, **kwargs):
        if gabarit == "programmation/_lignes_actions.html":
            rendues.extend(a.reference for a in contexte["actions"])
        return original(gabarit, contexte, *args, **kwargs)

    monkeypatch.setattr(vue, "render_to_string", compter)
    url = programmation.get_absolute_url()
    premiere = lignes(client_agent.get(url))
    assert len(rendues) == 30
    rendues.clear()
    client_agent.post(url_decisions(programmation), {"decision_unitaire": f"{actions[3].pk}:retenue"})
    seconde = lignes(client_agent.get(url))
    assert rendues == [actions[3].reference]  # the page's fragment was missed, 29 rows came from the cache
    assert seconde != premiere and seconde.count(">Retenue<") == 1
    rendues.clear()
    porteur = actions[0].porteur
    porteur.nom = "Association renommée"
    porteur.save()  # every row shows it
    assert lignes(client_agent.get(url)).count("Association renommée") == 30 and len(rendues) == 30
