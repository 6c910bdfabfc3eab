"""factory_boy factories. Actions are written through the guarded path (Action.save → ecrire_actions);
``creer_actions`` writes many at once, in one transaction, as the import does."""

from datetime import date
from decimal import Decimal

import factory

from fipd.models import Role, Utilisateur
from programmation.ecriture import ecrire_actions
from programmation.models import (
    Action,
    Departement,
    Enveloppe,
    Exercice,
    MouvementEnveloppe,
    Porteur,
    Programmation,
    Programme,
)


def exercice(annee=2026):
    return Exercice.objects.get(annee=annee)


def departement(code="59"):
    return Departement.objects.get(code=code)


def programme(code="R"):
    return Programme.objects.get(code=code)


def doter(programmation_ou_departement, montant, annee=2026, code_programme="R", le=date(2026, 1, 15)):
    """Notifies a departmental envelope (and a regional one large enough, for regional programmes)."""
    if isinstance(programmation_ou_departement, Programmation):
        p = programmation_ou_departement
        dep, ex, prog = p.departement, p.exercice, p.programme
    else:
        dep, ex, prog = programmation_ou_departement, exercice(annee), programme(code_programme)
    montant = Decimal(montant)
    if prog.gestion_regionale:
        regionale, _ = Enveloppe.objects.get_or_create(exercice=ex, programme=prog, region=dep.region)
        MouvementEnveloppe(
            enveloppe=regionale,
            date=le,
            nature="complement" if regionale.mouvements.exists() else "initiale",
            montant=montant,
            motif="Délégation régionale (tests)",
        ).save()
    enveloppe, _ = Enveloppe.objects.get_or_create(exercice=ex, programme=prog, departement=dep)
    MouvementEnveloppe(
        enveloppe=enveloppe,
        date=le,
        nature="complement" if enveloppe.mouvements.exists() else "initiale",
        montant=montant,
        motif="Délégation départementale (tests)",
    ).save()
    enveloppe.refresh_from_db()
    return enveloppe


class ProgrammationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programmation
        django_get_or_create = ("exercice", "departement", "programme")

    exercice = factory.LazyFunction(exercice)
    departement = factory.LazyFunction(departement)
    programme = factory.LazyFunction(programme)


class PorteurFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Porteur

    departement = factory.LazyFunction(departement)
    nom = factory.Sequence(lambda n: f"Association {n}")
    type = "association"

    class Params:
        commune = factory.Trait(type="collectivite", nom=factory.Sequence(lambda n: f"Commune {n}"))


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    programmation = factory.SubFactory(ProgrammationFactory)
    reference = factory.Sequence(lambda n: f"A{n:04d}")
    intitule = factory.Sequence(lambda n: f"Action {n}")
    porteur = factory.LazyAttribute(lambda o: PorteurFactory(departement=o.programmation.departement))
    categorie = "sante_mentale"
    public = "personnes_suivies"
    milieu = "libre"
    cout_total = Decimal("10000.00")
    montant_fipd = Decimal("5000.00")
    decision = "en_instruction"

    class Params:
        retenue = factory.Trait(decision="retenue")
        non_retenue = factory.Trait(decision="non_retenue")
        formation = factory.Trait(categorie="formation", public="professionnels")
        prevention_primaire = factory.Trait(
            categorie="prevention_primaire",
            public="grand_public",
            theme_prevention_primaire="contre_discours",
            justification="Quartier prioritaire très exposé",
            cout_total=Decimal("10000.00"),
            montant_fipd=Decimal("2000.00"),
        )
        carceral = factory.Trait(milieu="carceral")


def creer_actions(programmation, n, porteur=None, **champs):
    """Writes ``n`` actions in one guarded write (one transaction, one lock)."""
    porteur = porteur or PorteurFactory(departement=programmation.departement)
    valeurs = {
        "intitule": "Action",
        "categorie": "sante_mentale",
        "cout_total": Decimal("1000.00"),
        "montant_fipd": Decimal("500.00"),
        "decision": "retenue",
    } | champs
    debut = programmation.actions.count()
    actions = [
        Action(programmation=programmation, porteur=porteur, reference=f"N{debut + i:05d}", **valeurs)
        for i in range(n)
    ]
    ecrire_actions(programmation.pk, actions)
    return actions


class UtilisateurFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Utilisateur
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"agent{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@interieur.gouv.fr")
    password = factory.PostGenerationMethodCall("set_password", "demo-fipd")
    role = Role.AGENT_PREFECTURE

    @factory.post_generation
    def departements(self, create, extracted, **kwargs):
        if create:
            self.save()  # the password set by the hook above
        if create and extracted:
            self.departements.set(extracted)
