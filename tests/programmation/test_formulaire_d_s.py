"""The action form of programmes D and S: the fields of §3.5 asked where they apply, the write rule's refusals
beside their fields, the State flag of co-funders, an ISCG post's rank and rate, each rule's bound in the live
preview, and query counts that do not grow with the actions."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eligibilite.regles import montant, pourcentage
from programmation.ecriture import Cofinanceur, ecrire_actions
from programmation.models import Action, Cofinancement
from tests.factories import (
    PorteurFactory,
    ProgrammationFactory,
    UtilisateurFactory,
    creer_actions,
    departement,
    doter,
)
from tests.factories import programme as programme_de
from tests.programmation.test_formulaire_action import donnees, erreurs, url_apercu, url_creer

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def client_agent(client):
    client.force_login(UtilisateurFactory(username="agent.nord", departements=[departement("59")]))
    return client


def programmation_de(code: str):
    p = ProgrammationFactory(programme=programme_de(code))
    doter(p, "200000.00")
    p.refresh_from_db()
    return p


@pytest.fixture
def prog_d():
    return programmation_de("D")


@pytest.fixture
def prog_s():
    return programmation_de("S")


@pytest.fixture
def commune(prog_d):
    return PorteurFactory(departement=prog_d.departement, nom="Commune de Valenciennes", commune=True)


def d(porteur, **champs):
    """An ISCG post of programme D as its form posts it (2nd year, at 50 % of 48 000 €)."""
    valeurs = {
        "categorie": "poste_iscg",
        "cout_total": "48 000",
        "montant_fipd": "24 000",
        "iscg_premiere_annee": "2025",
        "mesure_snpd": "35",
    }
    return donnees(porteur, **(valeurs | champs))


def s(porteur, cofinanceurs=(), **champs):
    """An action of programme S as its form posts it, with co-funders (financeur, montant, etat)."""
    valeurs = donnees(porteur, **champs)
    valeurs["cofinancements-TOTAL_FORMS"] = str(max(2, len(cofinanceurs)))
    for i, (financeur, somme, etat) in enumerate(cofinanceurs):
        valeurs[f"cofinancements-{i}-financeur"] = financeur
        valeurs[f"cofinancements-{i}-montant"] = somme
        if etat:
            valeurs[f"cofinancements-{i}-etat"] = "on"
    return valeurs


# --- Fields asked where they apply ---------------------------------------------------------------------


def test_programme_d_asks_the_snpd_measure_grouped_by_axis_and_the_iscg_first_year(client_agent, prog_d):
    html = client_agent.get(url_creer(prog_d)).content.decode()
    assert 'name="mesure_snpd"' in html and 'name="iscg_premiere_annee"' in html
    assert 'name="quantite"' not in html and 'name="cofinancements-0-etat" type="checkbox"' not in html
    assert '<optgroup label="Axe 2 – Garantir un continuum de prévention' in html
    assert ">35 – Densifier le maillage territorial de l’intervention sociale" in html
    assert 'data-categories="poste_iscg"' in html  # hidden for other categories when scripts run


def test_programme_s_asks_the_quantity_and_the_state_flag_of_each_co_funder(client_agent, prog_s):
    html = client_agent.get(url_creer(prog_s)).content.decode()
    assert 'name="quantite"' in html and 'name="cofinancements-0-etat"' in html
    assert "Financement de l&#x27;État (cofinancement n° 1)" in html
    assert 'data-categories="gilets_pare_balles terminaux_radio cameras_pietons"' in html
    assert 'data-prefixes-etat="DETR DSIL"' in html
    assert 'name="mesure_snpd"' not in html and 'name="iscg_premiere_annee"' not in html


def test_programme_r_asks_none_of_them(client_agent):
    html = client_agent.get(url_creer(programmation_de("R"))).content.decode()
    for champ in ("quantite", "iscg_premiere_annee", "mesure_snpd"):
        assert f'name="{champ}"' not in html
    assert '<input type="hidden" name="cofinancements-0-etat"' in html


def test_the_suggestion_script_is_a_static_file_not_an_inline_script(client_agent, prog_s):
    html = client_agent.get(url_creer(prog_s)).content.decode()
    assert 'src="/static/fipd/action.js"' in html
    assert "<script>" not in html and " onclick=" not in html and " onchange=" not in html


# --- Programme D: an ISCG post at its rank ------------------------------------------------------------


def test_an_iscg_post_is_saved_with_its_first_year_and_measure(client_agent, prog_d, commune):
    reponse = client_agent.post(url_creer(prog_d), d(commune, decision="retenue"))
    assert reponse.status_code == 302, reponse.context and reponse.context["form"].errors
    action = Action.objects.get()
    assert (action.iscg_premiere_annee, action.mesure_snpd_id, action.montant_fipd) == (2025, 35, D("24000"))
    assert action.verdicts == []


def test_an_iscg_post_over_its_rate_is_refused_when_retained_beside_the_fipd_amount(
    client_agent, prog_d, commune
):
    reponse = client_agent.post(url_creer(prog_d), d(commune, montant_fipd="24 000,01", decision="retenue"))
    assert reponse.status_code == 200
    assert [e.code for e in reponse.context["form"].errors.as_data()["montant_fipd"]] == ["ISCG_TAUX"]
    message = erreurs(reponse, "montant_fipd")
    assert "2e année de cofinancement (premier cofinancement en 2025)" in message
    assert f"{pourcentage(D('0.50'))} de son coût" in message and montant(D("0.01")) in message
    assert not Action.objects.exists()

    # The same post en instruction is recorded, with its verdict.
    reponse = client_agent.post(url_creer(prog_d), d(commune, montant_fipd="24 000,01"))
    assert reponse.status_code == 302
    assert [v["regle"] for v in Action.objects.get().verdicts] == ["ISCG_TAUX"]


def test_the_form_page_shows_the_rank_of_the_post_and_the_rate_that_applies(client_agent, prog_d, commune):
    client_agent.post(url_creer(prog_d), d(commune))
    action = Action.objects.get()
    html = client_agent.get(action.get_absolute_url()).content.decode()
    assert f"2e année de cofinancement : {pourcentage(D('0.50'))} du coût" in html
    assert 'id="apercu-iscg"' in html


def test_the_preview_follows_the_first_year_typed(client_agent, prog_d, commune):
    reponse = client_agent.post(url_apercu(prog_d), d(commune, iscg_premiere_annee="2023"))
    assert (
        reponse.context["apercu"]["iscg"] == f"4e année de cofinancement : {pourcentage(D('0.33'))} du coût"
    )
    bornes = {b["regle"]: b["valeur"] for b in reponse.context["apercu"]["maxima"]["bornes"]}
    assert bornes["ISCG_TAUX"] == D("48000") * D("0.33")
    assert reponse.context["apercu"]["maxima"]["maximum"] == D("15840.00")
    assert "ISCG_TAUX" in reponse.content.decode()  # 24 000 € > 15 840 €


def test_an_overseas_post_shows_its_rate_every_year(client_agent):
    p = ProgrammationFactory(programme=programme_de("D"), departement=departement("974"))
    doter(p, "50000.00")
    client = client_agent
    client.force_login(UtilisateurFactory(username="agent.reunion", departements=[departement("974")]))
    porteur = PorteurFactory(departement=p.departement, commune=True)
    reponse = client.post(url_apercu(p), d(porteur, iscg_premiere_annee="2026", montant_fipd="22 000"))
    assert reponse.context["apercu"]["iscg"] == (
        f"1re année de cofinancement, en outre-mer (département 974) : {pourcentage(D('0.50'))} du coût, "
        "chaque année"
    )
    assert reponse.context["apercu"]["maxima"]["maximum"] == D("24000.00")


def test_a_measure_outside_the_50_is_refused_beside_it(client_agent, prog_d, commune):
    reponse = client_agent.post(url_creer(prog_d), d(commune, mesure_snpd="51"))
    assert reponse.status_code == 200 and "mesure_snpd" in reponse.context["form"].errors
    assert not Action.objects.exists()


def test_the_read_only_page_states_the_rank_too(client, prog_d, commune):
    client.force_login(UtilisateurFactory(username="sgcipdr", role="instructeur_sgcipdr"))
    action = Action(
        programmation=prog_d,
        reference="ISCG",
        intitule="Poste",
        porteur=commune,
        categorie="poste_iscg",
        iscg_premiere_annee=2024,
        mesure_snpd_id=35,
        cout_total=D("40000"),
        montant_fipd=D("13200"),
    )
    action.save()
    html = client.get(action.get_absolute_url()).content.decode()
    assert 'id="form-action"' not in html
    assert f"3e année de cofinancement : {pourcentage(D('0.33'))} du coût" in html
    assert "Mesure 35 – Densifier" in html


# --- Programme S: equipment and the State's share -----------------------------------------------------


@pytest.fixture
def ville(prog_s):
    return PorteurFactory(departement=prog_s.departement, nom="Commune de Maubeuge", commune=True)


def test_a_vest_without_quantity_is_refused_when_retained_beside_the_quantity(client_agent, prog_s, ville):
    valeurs = s(ville, categorie="gilets_pare_balles", cout_total="6 000", montant_fipd="2 000")
    reponse = client_agent.post(url_creer(prog_s), valeurs | {"decision": "retenue"})
    assert reponse.status_code == 200
    assert [e.code for e in reponse.context["form"].errors.as_data()["quantite"]] == ["S_QUANTITE_MANQUANTE"]
    assert "Indiquez le nombre de gilets" in erreurs(reponse, "quantite")
    assert not Action.objects.exists()

    reponse = client_agent.post(url_creer(prog_s), valeurs | {"decision": "retenue", "quantite": "8"})
    assert reponse.status_code == 302
    assert Action.objects.get().quantite == 8


def test_a_quantity_of_zero_is_refused_beside_it(client_agent, prog_s, ville):
    valeurs = s(ville, categorie="gilets_pare_balles", cout_total="6 000", montant_fipd="2 000", quantite="0")
    reponse = client_agent.post(url_creer(prog_s), valeurs)
    assert reponse.status_code == 200 and "quantite" in reponse.context["form"].errors


def test_the_state_share_counts_the_detr_co_funder_ticked_state(client_agent, prog_s, ville):
    valeurs = s(
        ville,
        [("DETR 2026", "60 000,01", True), ("Commune de Maubeuge", "23 999,99", False)],
        categorie="videoprotection",
        cout_total="120 000",
        montant_fipd="36 000",
        decision="retenue",
    )
    reponse = client_agent.post(url_creer(prog_s), valeurs)
    assert reponse.status_code == 200
    assert [e.code for e in reponse.context["form"].errors.as_data()["montant_fipd"]] == ["S_PART_ETAT"]
    assert "financements de l'État" in erreurs(reponse, "montant_fipd")
    assert not Action.objects.exists() and not Cofinancement.objects.exists()

    valeurs["cofinancements-0-montant"] = "60 000"
    valeurs["cofinancements-1-montant"] = "24 000"
    assert client_agent.post(url_creer(prog_s), valeurs).status_code == 302  # 96 000 € = 80 %: at the bound
    assert list(Cofinancement.objects.values_list("financeur", "etat")) == [
        ("DETR 2026", True),
        ("Commune de Maubeuge", False),
    ]


def test_the_server_never_ticks_the_state_box_itself(client_agent, prog_s, ville):
    """Only the agent knows whose money it is: a DETR line left unticked is saved unticked, and the preview
    asks to check it."""
    valeurs = s(
        ville,
        [("DETR 2026", "60 000", False)],
        categorie="videoprotection",
        cout_total="120 000",
        montant_fipd="36 000",
    )
    apercu = client_agent.post(url_apercu(prog_s), valeurs)
    assert apercu.context["apercu"]["etat_a_verifier"] == ["DETR 2026"]
    assert "« DETR 2026 » semble être un financement de l'État" in apercu.content.decode()

    assert client_agent.post(url_creer(prog_s), valeurs).status_code == 302
    assert Cofinancement.objects.get().etat is False

    valeurs["cofinancements-0-etat"] = "on"
    apercu = client_agent.post(url_apercu(prog_s), valeurs)
    assert apercu.context["apercu"]["etat_a_verifier"] == []


def test_the_preview_shows_the_bound_of_each_equipment_rule(client_agent, prog_s, ville):
    valeurs = s(
        ville,
        [("DSIL", "1 000", True)],
        categorie="terminaux_radio",
        cout_total="10 000",
        montant_fipd="2 500",
        quantite="5",
    )
    reponse = client_agent.post(url_apercu(prog_s), valeurs)
    bornes = {b["regle"]: b for b in reponse.context["apercu"]["maxima"]["bornes"]}
    # min(30 % × 10 000 = 3 000, 5 × 420 = 2 100) = 2 100 €; State share: 8 000 − 1 000 = 7 000 €.
    assert bornes["S_EQUIPEMENT_PLAFOND"]["valeur"] == D("2100.00")
    assert bornes["S_PART_ETAT"]["valeur"] == D("7000.00")
    assert bornes["S_PART_ETAT"]["detail"] == f"moins {montant(D('1000'))} d'autres financements de l'État"
    assert reponse.context["apercu"]["maxima"]["maximum"] == D("2100.00")
    html = reponse.content.decode()
    assert "Plafond de l&#x27;équipement" in html and "S_EQUIPEMENT_PLAFOND" in html


def test_a_state_flag_outside_programme_s_is_kept_when_the_form_saves(client_agent, prog_d, commune):
    """The box is asked in programme S only; elsewhere the stored flag travels in a hidden field."""
    action = Action(
        programmation=prog_d,
        reference="A1",
        intitule="Poste",
        porteur=commune,
        categorie="action_prevention",
        mesure_snpd_id=1,
        cout_total=D("10000"),
        montant_fipd=D("5000"),
    )
    ecrire_actions(prog_d.pk, [action], cofinancements={0: [Cofinanceur("Ministère", D("5000"), True)]})
    page = client_agent.get(action.get_absolute_url()).content.decode()
    assert 'type="hidden" name="cofinancements-0-etat" value="True"' in page
    valeurs = donnees(
        commune,
        reference="A1",
        intitule="Nouvel intitulé",
        categorie="action_prevention",
        mesure_snpd="1",
        cout_total="10000",
        montant_fipd="5000",
        version=str(Action.objects.get().version),
        **{
            "cofinancements-TOTAL_FORMS": "3",
            "cofinancements-INITIAL_FORMS": "1",
            "cofinancements-0-financeur": "Ministère",
            "cofinancements-0-montant": "5000",
            "cofinancements-0-etat": "True",
        },
    )
    assert client_agent.post(action.get_absolute_url(), valeurs).status_code == 302
    assert list(Cofinancement.objects.values_list("financeur", "etat")) == [("Ministère", True)]
    assert Action.objects.get().intitule == "Nouvel intitulé"


# --- Query counts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["D", "S"])
def test_the_action_page_and_preview_queries_do_not_grow_with_the_actions(client_agent, code):
    p = programmation_de(code)
    porteur = PorteurFactory(departement=p.departement, commune=True)
    if code == "D":
        champs = {"categorie": "poste_iscg", "iscg_premiere_annee": 2025, "mesure_snpd_id": 35}
        poste = {"iscg_premiere_annee": "2025", "mesure_snpd": "35"}
    else:
        champs = {"categorie": "gilets_pare_balles", "quantite": 2}
        poste = {"quantite": "2"}
    action = Action(
        programmation=p,
        reference="A1",
        intitule="Action suivie",
        porteur=porteur,
        cout_total=D("1000"),
        montant_fipd=D("500"),
        decision="retenue",
        **champs,
    )
    ecrire_actions(p.pk, [action], cofinancements={0: [Cofinanceur("DETR", D("100"), True)]})
    valeurs = donnees(
        porteur,
        reference="A1",
        categorie=champs["categorie"],
        cout_total="1000",
        montant_fipd="500",
        decision="retenue",
        action_pk=str(action.pk),
        **poste,
        **{
            "cofinancements-0-financeur": "DETR",
            "cofinancements-0-montant": "100",
            "cofinancements-0-etat": "on",
        },
    )

    def requetes(taille):
        creer_actions(
            p,
            taille - p.actions.count(),
            porteur=porteur,
            cout_total=D("1000"),
            montant_fipd=D("100"),
            **champs,
        )
        mesures = []
        for url in (action.get_absolute_url(), url_creer(p)):
            client_agent.get(url)
            with CaptureQueriesContext(connection) as capture:
                assert client_agent.get(url).status_code == 200
            mesures.append(len(capture))
        with CaptureQueriesContext(connection) as capture:
            assert client_agent.post(url_apercu(p), valeurs).status_code == 200
        mesures.append(len(capture))
        return mesures

    petite, grande = requetes(10), requetes(300)
    assert petite == grande


def test_the_inputs_carry_the_models_bounds(client_agent, prog_d, prog_s):
    html_d = client_agent.get(url_creer(prog_d)).content.decode()
    html_s = client_agent.get(url_creer(prog_s)).content.decode()
    assert 'name="iscg_premiere_annee" min="2000"' in html_d and 'max="2100"' in html_d
    assert 'name="quantite" min="1"' in html_s


def test_each_programme_page_shows_the_cards_of_its_own_rule_set(client_agent, prog_d, prog_s):
    """Programme D's page showed the training-cap and primary-prevention cards, rules of programme R (issue 9)."""
    for p in (prog_d, prog_s):
        html = client_agent.get(p.get_absolute_url()).content.decode()
        assert 'id="chiffre-formation"' not in html and 'id="chiffre-prevention"' not in html, (
            p.programme.code
        )
        assert 'id="chiffre-verdicts"' in html and 'id="chiffre-retenu"' in html
    html_r = client_agent.get(programmation_de("R").get_absolute_url()).content.decode()
    assert 'id="chiffre-formation"' in html_r and 'id="chiffre-prevention"' in html_r
