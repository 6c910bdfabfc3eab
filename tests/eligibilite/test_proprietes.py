"""Properties of the rules over generated actions and programmations (hypothesis; amounts in whole cents)."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from eligibilite.regles import (
    VALEURS_DE_REFERENCE,
    FaitsAction,
    FaitsProgrammation,
    LecturePlafond,
    Parametres,
    en_vigueur,
    parametres_annexe_2018,
    refus_ecriture,
    registre,
)
from eligibilite.regles.codes import CATEGORIES_D, CATEGORIES_S, valeurs

from .builders import CATEGORIES, EXERCICES, MILIEUX, PUBLICS, THEMES, TYPES_PORTEUR, cents

PROPRIETES = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
MAX_CENTIMES = 10**9  # 10 000 000,00 €
FORMATION = ("formation", "accompagnement_equipes")
CATEGORIES_PLUS_FORMATION = CATEGORIES + FORMATION * 2  # so that the training cap is often at stake


def centimes(minimum: int = 0, maximum: int = MAX_CENTIMES):
    return st.integers(minimum, maximum)


MONTANT = centimes().map(cents)
MONTANT_OU_RIEN = st.none() | MONTANT
PORTEURS = st.sampled_from(
    ["Association Exemple", "LICRA", "Convivência Nord", "Commune de Lille", "Clicrage"]
)
THEMES_OU_AUTRES = st.sampled_from((*THEMES, None, "", "autre"))
CODES_ANALYTIQUES = st.sampled_from(["", "09-FI0000001", "12-AB0000003"])
JUSTIFICATIONS = st.sampled_from(["", "  ", "Intérêt majeur"])
COFINANCEMENTS = st.lists(MONTANT, max_size=3).map(tuple)
LECTURES = st.sampled_from(list(LecturePlafond))
ANNEES = st.sampled_from(EXERCICES)


@st.composite
def parametres(draw) -> Parametres:
    p = parametres_annexe_2018(draw(ANNEES))
    return p.avec(lecture_plafond_formation=draw(LECTURES))


@st.composite
def faits_action(draw, reference: str = "A1", categories=CATEGORIES, retenue=None) -> FaitsAction:
    cout = draw(centimes())
    # Around the cost often (primary prevention's 20 %, the cost itself), anywhere sometimes.
    plafond = draw(st.sampled_from([max(1, cout), max(1, cout // 5 + 2), MAX_CENTIMES]))
    fipd = draw(centimes(1, plafond))
    return FaitsAction(
        reference=reference,
        categorie=draw(st.sampled_from(categories)),
        cout_total=cents(cout),
        montant_fipd=cents(fipd),
        porteur_nom=draw(PORTEURS),
        porteur_type=draw(st.sampled_from(TYPES_PORTEUR)),
        public=draw(st.sampled_from(PUBLICS)),
        milieu=draw(st.sampled_from(MILIEUX)),
        montant_demande=draw(MONTANT_OU_RIEN),
        cofinancements=draw(COFINANCEMENTS),
        contrat_de_ville=draw(st.booleans()),
        code_analytique=draw(CODES_ANALYTIQUES),
        theme_prevention_primaire=draw(THEMES_OU_AUTRES),
        justification=draw(JUSTIFICATIONS),
        retenue=draw(st.booleans()) if retenue is None else retenue,
    )


@st.composite
def programmations(draw, min_actions: int = 1, max_actions: int = 6, programme=None):
    n = draw(st.integers(min_actions, max_actions))
    actions = [draw(faits_action(reference=f"A{i}", categories=CATEGORIES_PLUS_FORMATION)) for i in range(n)]
    p = draw(parametres())
    f = FaitsProgrammation(
        annee=p.annee,
        departement="59",
        programme=programme or draw(st.sampled_from(["R", "R", "R", "D", "S", "K"])),
        enveloppe=draw(st.none() | centimes(0, 4 * MAX_CENTIMES).map(cents)),
        dotation_initiale=draw(st.none() | centimes().map(cents)),
        cellule_suivi_active=draw(st.booleans()),
    )
    return f, actions, p


def faits_de(f: FaitsProgrammation, actions) -> FaitsProgrammation:
    entete = {c.name: getattr(f, c.name) for c in dataclasses.fields(f) if c.name != "retenues"}
    return FaitsProgrammation.depuis_actions(actions, **entete)


def verdicts_programmation(f: FaitsProgrammation, actions, p):
    return registre(f.programme).verdicts_programmation(faits_de(f, actions), p)


def bloquants(a: FaitsAction, p, programme: str = "R") -> set[str]:
    return {v.regle for v in registre(programme).verdicts_action(a, p) if v.bloquant}


def avec_exces(verdicts):
    """Verdicts compared with their excess too (``Verdict.exces`` is left out of ``==``)."""
    return [(v, v.exces) for v in verdicts]


# (a) Lowering an FIPD amount never adds a per-action blocking verdict ------------------------------------


@PROPRIETES
@given(a=faits_action(), p=parametres(), programme=st.sampled_from(["R", "D", "S", "K"]), data=st.data())
def test_lowering_an_fipd_amount_never_adds_a_blocking_verdict(a, p, programme, data):
    actuel = int(a.montant_fipd * 100)
    nouveau = data.draw(st.integers(1, actuel), label="nouveau montant (centimes)")
    abaissee = dataclasses.replace(a, montant_fipd=cents(nouveau))
    event(f"bloquants avant : {len(bloquants(a, p, programme))}")
    assert bloquants(abaissee, p, programme) <= bloquants(a, p, programme)


# (a') The same for the rule sets of programmes D and S (DESIGN.md §3.5) --------------------------------------

DEPARTEMENTS = st.sampled_from(["59", "69", "2A", "974", "976", ""])


@st.composite
def faits_action_d_ou_s(draw, programme: str) -> FaitsAction:
    """An action of programme D or S around its bounds: costs near the 3 000 € minimum or anywhere, FIPD
    amounts near the rates, quantities and first years that may be missing, State and other co-funders."""
    categories = valeurs(CATEGORIES_D if programme == "D" else CATEGORIES_S)
    categories += ("poste_iscg",) * 3 if programme == "D" else ("terminaux_radio", "cameras_pietons")
    cout = draw(st.sampled_from([299_999, 300_000, 333_333, 720_000, 1_234_567]) | centimes())
    # Just over or under a bound (the rates, the State share, the cost) often, anywhere sometimes.
    taux = draw(st.sampled_from([100, 80, 50, 33, 30]))
    autour = max(1, cout * taux // 100 + draw(st.integers(-2, 2)))
    fipd = draw(st.just(autour) | centimes(1, max(1, cout)))
    cofinancements = draw(st.lists(st.tuples(MONTANT, st.booleans()), max_size=3))
    return FaitsAction(
        reference="A1",
        categorie=draw(st.sampled_from(categories)),
        cout_total=cents(cout),
        montant_fipd=cents(fipd),
        montant_demande=draw(MONTANT_OU_RIEN),
        cofinancements=tuple(m for m, _ in cofinancements),
        cofinancements_etat=tuple(m for m, etat in cofinancements if etat),
        departement=draw(DEPARTEMENTS),
        quantite=draw(st.none() | st.integers(0, 60) | st.integers(1, 5)),
        iscg_premiere_annee=draw(st.none() | st.integers(2015, 2030) | st.integers(2024, 2026)),
        mesure_snpd=draw(st.none() | st.integers(0, 51)),
        retenue=draw(st.booleans()),
    )


# Mostly 2026, when every rule of both sets is in force; some years when only some are (DESIGN.md §3.5).
ANNEES_D_S = st.sampled_from([2021, 2022, 2023, 2024, 2025, 2026, 2026, 2026, 2026, 2026])


@PROPRIETES
@given(programme=st.sampled_from(["D", "S"]), annee=ANNEES_D_S, data=st.data())
def test_lowering_an_fipd_amount_never_adds_a_blocking_verdict_of_programmes_d_and_s(programme, annee, data):
    p = en_vigueur(annee, VALEURS_DE_REFERENCE[programme])
    a = data.draw(faits_action_d_ou_s(programme), label="action")
    nouveau = data.draw(st.integers(1, int(a.montant_fipd * 100)), label="nouveau montant (centimes)")
    abaissee = dataclasses.replace(a, montant_fipd=cents(nouveau))
    event(f"{programme} : bloquants avant : {sorted(bloquants(a, p, programme))}")
    assert bloquants(abaissee, p, programme) <= bloquants(a, p, programme)


# (b) The verdicts do not depend on the order of the actions ---------------------------------------------


@PROPRIETES
@given(programmation=programmations(), data=st.data())
def test_verdicts_do_not_depend_on_the_order_of_the_actions(programmation, data):
    f, actions, p = programmation
    ordre = data.draw(st.permutations(range(len(actions))), label="ordre")
    reg = registre(f.programme)
    rapport = reg.evaluer(f, actions, p)
    permute = reg.evaluer(f, [actions[i] for i in ordre], p)
    event("règles de programmation : " + ", ".join(v.regle for v in rapport.verdicts_programmation))

    assert avec_exces(permute.verdicts_programmation) == avec_exces(rapport.verdicts_programmation)
    assert permute.totaux == rapport.totaux
    assert permute.plafond_formation == rapport.plafond_formation
    assert permute.marge_formation == rapport.marge_formation
    assert permute.eligible is rapport.eligible
    for position, i in enumerate(ordre):
        assert permute.verdicts_actions[position] == rapport.verdicts_actions[i]


# (c) The write rule -------------------------------------------------------------------------------------


@PROPRIETES
@given(programmation=programmations(), data=st.data())
def test_a_write_that_changes_nothing_is_refused_only_for_blocking_verdicts_on_retained_written_actions(
    programmation, data
):
    f, actions, p = programmation
    reg = registre(f.programme)
    ecrites = data.draw(st.lists(st.sampled_from(actions), unique_by=lambda a: a.reference), label="écrites")
    avant = verdicts_programmation(f, actions, p)
    apres = verdicts_programmation(f, actions, p)
    ecriture = [(a.reference, a.retenue, reg.verdicts_action(a, p)) for a in ecrites]

    refus = refus_ecriture(avant, apres, ecriture)
    event("refusée" if refus else "acceptée")

    attendus = [
        (a.reference, v) for a in ecrites if a.retenue for v in reg.verdicts_action(a, p) if v.bloquant
    ]
    assert [(r.reference, r.verdict) for r in refus] == attendus
    assert all(r.aggravation is None for r in refus)


def programmation_avec_formation_retenue(draw, dessus_du_plafond: bool):
    """Retained training actions, other actions (any), and the index of one retained training action."""
    n_formation = draw(st.integers(1, 3))
    formations = [
        draw(faits_action(reference=f"F{i}", categories=FORMATION, retenue=True)) for i in range(n_formation)
    ]
    # Few other actions when the cap must already be exceeded, so that few draws are discarded.
    autres = [
        draw(faits_action(reference=f"A{i}"))
        for i in range(draw(st.integers(0, 1 if dessus_du_plafond else 4)))
    ]
    actions = draw(st.permutations(formations + autres))
    p = draw(parametres())
    f = FaitsProgrammation(
        annee=p.annee, departement="59", programme="R", enveloppe=draw(st.none() | centimes().map(cents))
    )
    avant = verdicts_programmation(f, actions, p)
    if dessus_du_plafond:
        assume(any(v.regle == "FORMATION_PLAFOND" for v in avant))
    i = draw(st.sampled_from([k for k, a in enumerate(actions) if a.reference.startswith("F")]))
    return f, actions, p, avant, i


@PROPRIETES
@given(data=st.data())
def test_lowering_a_retained_training_action_is_never_refused_by_a_programmation_rule(data):
    f, actions, p, avant, i = programmation_avec_formation_retenue(data.draw, dessus_du_plafond=False)
    actuel = int(actions[i].montant_fipd * 100)
    abaissee = dataclasses.replace(actions[i], montant_fipd=cents(data.draw(st.integers(1, actuel))))
    apres_actions = [*actions[:i], abaissee, *actions[i + 1 :]]
    apres = verdicts_programmation(f, apres_actions, p)

    refus = refus_ecriture(
        avant, apres, [(abaissee.reference, True, registre("R").verdicts_action(abaissee, p))]
    )

    depasse = any(v.regle == "FORMATION_PLAFOND" for v in avant)
    event("plafond dépassé avant" if depasse else "plafond tenu avant")
    assert not [r for r in refus if r.verdict.regle == "FORMATION_PLAFOND"]
    assert all(r.reference == abaissee.reference for r in refus)  # only the action's own blocking verdicts


@PROPRIETES
@given(data=st.data())
def test_raising_a_retained_training_action_over_an_exceeded_cap_is_refused(data):
    f, actions, p, avant, i = programmation_avec_formation_retenue(data.draw, dessus_du_plafond=True)
    hausse = data.draw(st.integers(1, MAX_CENTIMES), label="hausse (centimes)")
    relevee = dataclasses.replace(actions[i], montant_fipd=actions[i].montant_fipd + cents(hausse))
    apres_actions = [*actions[:i], relevee, *actions[i + 1 :]]
    apres = verdicts_programmation(f, apres_actions, p)

    refus = refus_ecriture(
        avant, apres, [(relevee.reference, True, registre("R").verdicts_action(relevee, p))]
    )

    formation = [r for r in refus if r.verdict.regle == "FORMATION_PLAFOND"]
    assert len(formation) == 1
    (exces_avant,) = [v.exces for v in avant if v.regle == "FORMATION_PLAFOND"]
    assert formation[0].reference is None
    assert formation[0].aggravation == formation[0].verdict.exces - exces_avant > 0
    assert "aggrave" in formation[0].message
