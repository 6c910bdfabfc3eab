"""The FIPD data model (DESIGN.md §2).

Writes that can change a programmation's totals or verdicts go through ``eligibilite.ecriture``: the model
methods below delegate to it, so that the write rule of DESIGN.md §3.4 holds whatever the entry point.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from eligibilite.regles import LecturePlafond, Parametres

from .validators import valider_rna, valider_siret

ZERO = Decimal("0")
MONTANT = {"max_digits": 12, "decimal_places": 2}
MONTANT_POSITIF = [MinValueValidator(ZERO, "Le montant ne peut pas être négatif.")]


class Region(models.Model):
    code = models.CharField("code", max_length=2, unique=True)
    nom = models.CharField("nom", max_length=100)

    class Meta:
        verbose_name = "région"
        ordering = ["code"]

    def __str__(self):
        return self.nom


class Departement(models.Model):
    code = models.CharField("code", max_length=3, unique=True)
    nom = models.CharField("nom", max_length=100)
    region = models.ForeignKey(
        Region, verbose_name="région", on_delete=models.PROTECT, related_name="departements"
    )

    class Meta:
        verbose_name = "département"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.nom}"


class ExerciceQuerySet(models.QuerySet):
    def ouverts(self):
        return self.filter(cloture=False)


class Exercice(models.Model):
    annee = models.PositiveSmallIntegerField("année", unique=True)
    cloture = models.BooleanField(
        "clôturé", default=False, help_text="Un exercice clôturé est en lecture seule pour tous."
    )

    objects = ExerciceQuerySet.as_manager()

    class Meta:
        verbose_name = "exercice"
        ordering = ["-annee"]
        constraints = [
            models.CheckConstraint(
                condition=Q(annee__gte=2000, annee__lte=2100),
                name="exercice_annee_plausible",
                violation_error_message="L'année de l'exercice doit être comprise entre 2000 et 2100.",
            )
        ]

    def __str__(self):
        return str(self.annee)


class ParametresExercice(models.Model):
    """The rule parameters of one exercice, each with its source (DESIGN.md §3.3)."""

    exercice = models.OneToOneField(
        Exercice, verbose_name="exercice", on_delete=models.CASCADE, related_name="parametres"
    )
    plancher_formation = models.DecimalField("plancher de formation", **MONTANT, validators=MONTANT_POSITIF)
    source_plancher_formation = models.CharField("source du plancher", max_length=300)
    part_formation = models.DecimalField(
        "part de formation", max_digits=5, decimal_places=4, help_text="0,20 pour 20 %"
    )
    source_part_formation = models.CharField("source de la part", max_length=300)
    lecture_plafond_formation = models.CharField(
        "lecture du plafond de formation",
        max_length=10,
        choices=[
            (LecturePlafond.FAVORABLE, "favorable (le plus haut)"),
            (LecturePlafond.STRICT, "stricte (le plus bas)"),
        ],
    )
    source_lecture_plafond_formation = models.CharField("source de la lecture", max_length=300)
    taux_prevention_primaire = models.DecimalField(
        "taux de prévention primaire", max_digits=5, decimal_places=4, help_text="0,20 pour 20 %"
    )
    source_taux_prevention_primaire = models.CharField("source du taux", max_length=300)
    code_analytique_contrat_de_ville = models.CharField("code analytique contrat de ville", max_length=30)
    source_code_analytique_contrat_de_ville = models.CharField("source du code analytique", max_length=300)
    porteurs_credits_centraux = models.TextField(
        "porteurs sur crédits centraux", help_text="Un nom par ligne (par exemple LICRA)."
    )
    source_porteurs_credits_centraux = models.CharField("source de la liste", max_length=300)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "paramètres d'un exercice"
        verbose_name_plural = "paramètres des exercices"
        constraints = [
            models.CheckConstraint(
                condition=Q(part_formation__gte=0, part_formation__lt=1),
                name="parametres_part_formation_entre_0_et_1",
                violation_error_message="La part de formation doit être comprise entre 0 et 100 % (exclu).",
            ),
            models.CheckConstraint(
                condition=Q(taux_prevention_primaire__gte=0, taux_prevention_primaire__lte=1),
                name="parametres_taux_prevention_primaire_entre_0_et_1",
                violation_error_message="Le taux de prévention primaire doit être compris entre 0 et 100 %.",
            ),
            models.CheckConstraint(
                condition=Q(plancher_formation__gte=0),
                name="parametres_plancher_formation_positif",
                violation_error_message="Le plancher de formation ne peut pas être négatif.",
            ),
            models.CheckConstraint(
                condition=Q(lecture_plafond_formation__in=["favorable", "strict"]),
                name="parametres_lecture_plafond_connue",
                violation_error_message="La lecture du plafond est « favorable » ou « strict ».",
            ),
        ]

    def __str__(self):
        return f"Paramètres {self.exercice_id and self.exercice.annee}"

    def save(self, *args, **kwargs):
        from eligibilite.ecriture import enregistrer_pour_exercice

        enregistrer_pour_exercice(self, lambda: super(ParametresExercice, self).save(*args, **kwargs))

    def en_parametres(self) -> Parametres:
        """The frozen parameters the rules read."""
        noms = [
            "plancher_formation",
            "part_formation",
            "lecture_plafond_formation",
            "taux_prevention_primaire",
            "code_analytique_contrat_de_ville",
            "porteurs_credits_centraux",
        ]
        return Parametres(
            annee=self.exercice.annee,
            plancher_formation=self.plancher_formation,
            part_formation=self.part_formation,
            lecture_plafond_formation=LecturePlafond(self.lecture_plafond_formation),
            taux_prevention_primaire=self.taux_prevention_primaire,
            code_analytique_contrat_de_ville=self.code_analytique_contrat_de_ville.strip(),
            porteurs_credits_centraux=tuple(
                nom.strip() for nom in self.porteurs_credits_centraux.splitlines() if nom.strip()
            ),
            sources=tuple((nom, getattr(self, f"source_{nom}")) for nom in noms),
        )


class CelluleSuivi(models.Model):
    """Per department and exercice, whether the follow-up cell ran actions the year before (annex §1).

    Without a row, the cell counts as active: the instruction of 4 December 2014 (seed 001) set one up in
    every department; the SG-CIPDR records the exceptions.
    """

    departement = models.ForeignKey(Departement, verbose_name="département", on_delete=models.CASCADE)
    exercice = models.ForeignKey(Exercice, verbose_name="exercice", on_delete=models.CASCADE)
    active = models.BooleanField("cellule de suivi active", default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "cellule de suivi"
        verbose_name_plural = "cellules de suivi"
        constraints = [
            models.UniqueConstraint(
                fields=["departement", "exercice"],
                name="cellule_suivi_unique",
                violation_error_message="Ce département a déjà une cellule de suivi pour cet exercice.",
            )
        ]

    def __str__(self):
        etat = "active" if self.active else "inactive"
        return f"Cellule de suivi {etat} – {self.departement} – {self.exercice}"

    def save(self, *args, **kwargs):
        from eligibilite.ecriture import enregistrer_pour_exercice

        enregistrer_pour_exercice(
            self, lambda: super(CelluleSuivi, self).save(*args, **kwargs), departement_id=self.departement_id
        )


class Programme(models.Model):
    code = models.CharField("code", max_length=1, unique=True)
    libelle = models.CharField("libellé", max_length=100)
    gestion_regionale = models.BooleanField("gestion régionale", default=True)

    class Meta:
        verbose_name = "programme"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.libelle}"


class EnveloppeQuerySet(models.QuerySet):
    def delete(self):
        """One by one, so that each deletion recomputes the verdicts of its programmation."""
        from django.db import transaction

        total, detail = 0, {}
        with transaction.atomic():
            for enveloppe in self.order_by("pk"):
                n, d = enveloppe.delete()
                total += n
                for cle, compte in d.items():
                    detail[cle] = detail.get(cle, 0) + compte
        return total, detail


class Enveloppe(models.Model):
    """What is delegated for one programme and one exercice to a region or a department: the sum of its
    dated movements (stored in ``montant``, kept up to date by ``eligibilite.ecriture``)."""

    exercice = models.ForeignKey(Exercice, verbose_name="exercice", on_delete=models.PROTECT)
    programme = models.ForeignKey(Programme, verbose_name="programme", on_delete=models.PROTECT)
    region = models.ForeignKey(Region, verbose_name="région", on_delete=models.PROTECT, null=True, blank=True)
    departement = models.ForeignKey(
        Departement, verbose_name="département", on_delete=models.PROTECT, null=True, blank=True
    )
    montant = models.DecimalField("montant", **MONTANT, default=ZERO, editable=False)

    objects = EnveloppeQuerySet.as_manager()

    class Meta:
        verbose_name = "enveloppe"
        constraints = [
            models.CheckConstraint(
                condition=Q(region__isnull=True, departement__isnull=False)
                | Q(region__isnull=False, departement__isnull=True),
                name="enveloppe_region_ou_departement",
                violation_error_message="Une enveloppe est déléguée soit à une région, soit à un département.",
            ),
            models.UniqueConstraint(
                fields=["exercice", "programme", "departement"],
                condition=Q(departement__isnull=False),
                name="enveloppe_departementale_unique",
                violation_error_message="Ce département a déjà une enveloppe pour ce programme et cet exercice.",
            ),
            models.UniqueConstraint(
                fields=["exercice", "programme", "region"],
                condition=Q(region__isnull=False),
                name="enveloppe_regionale_unique",
                violation_error_message="Cette région a déjà une enveloppe pour ce programme et cet exercice.",
            ),
            models.CheckConstraint(
                condition=Q(montant__gte=0),
                name="enveloppe_montant_positif",
                violation_error_message="Une enveloppe ne peut pas être négative.",
            ),
        ]

    def __str__(self):
        return f"Enveloppe {self.programme_id and self.programme.code} {self.exercice} – {self.beneficiaire}"

    @property
    def beneficiaire(self):
        return self.departement if self.departement_id else self.region

    def delete(self, *args, **kwargs):
        from eligibilite.ecriture import apres_suppression_enveloppe

        resultat = super().delete(*args, **kwargs)
        apres_suppression_enveloppe(self)
        return resultat

    def clean(self):
        if self.programme_id and self.region_id and not self.programme.gestion_regionale:
            raise ValidationError(
                {"region": "Ce programme est géré au niveau central : il n'a pas d'enveloppe régionale."}
            )


class NatureMouvement(models.TextChoices):
    INITIALE = "initiale", "Dotation initiale"
    COMPLEMENT = "complement", "Complément"
    RETRAIT = "retrait", "Retrait"


class MouvementEnveloppe(models.Model):
    # PROTECT: an envelope's movements are its audit trail; a delegation is undone by a withdrawal.
    enveloppe = models.ForeignKey(
        Enveloppe, verbose_name="enveloppe", on_delete=models.PROTECT, related_name="mouvements"
    )
    date = models.DateField("date")
    nature = models.CharField("nature", max_length=10, choices=NatureMouvement.choices)
    montant = models.DecimalField(
        "montant",
        **MONTANT,
        validators=[MinValueValidator(Decimal("0.01"), "Le montant d'un mouvement doit être positif.")],
        help_text="Toujours positif ; un retrait est soustrait de l'enveloppe.",
    )
    motif = models.CharField("motif", max_length=300)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "mouvement d'enveloppe"
        verbose_name_plural = "mouvements d'enveloppe"
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(montant__gt=0),
                name="mouvement_montant_positif",
                violation_error_message="Le montant d'un mouvement doit être positif.",
            ),
            models.UniqueConstraint(
                fields=["enveloppe"],
                condition=Q(nature="initiale"),
                name="mouvement_une_dotation_initiale",
                violation_error_message="Cette enveloppe a déjà une dotation initiale.",
            ),
        ]

    def __str__(self):
        return f"{self.get_nature_display()} du {self.date:%d/%m/%Y} : {self.montant} €"

    def save(self, *args, **kwargs):
        from eligibilite.ecriture import enregistrer_mouvement

        enregistrer_mouvement(self, lambda: super(MouvementEnveloppe, self).save(*args, **kwargs))

    def delete(self, *args, **kwargs):
        from eligibilite.ecriture import enregistrer_mouvement

        resultat = []
        enregistrer_mouvement(
            self,
            lambda: resultat.append(super(MouvementEnveloppe, self).delete(*args, **kwargs)),
            suppression=True,
        )
        return resultat[0]

    @property
    def montant_signe(self) -> Decimal:
        return -self.montant if self.nature == NatureMouvement.RETRAIT else self.montant


class Statut(models.TextChoices):
    BROUILLON = "brouillon", "Brouillon"
    TRANSMISE = "transmise", "Transmise"
    A_CORRIGER = "a_corriger", "À corriger"
    VALIDEE = "validee", "Validée"


STATUTS_MODIFIABLES = (Statut.BROUILLON, Statut.A_CORRIGER)


class ProgrammationQuerySet(models.QuerySet):
    def for_user(self, user):
        """The programmations ``user`` may read; anything else is a 404 for them."""
        return self.filter(user.filtre_departements("departement"))


class Programmation(models.Model):
    exercice = models.ForeignKey(Exercice, verbose_name="exercice", on_delete=models.PROTECT)
    departement = models.ForeignKey(Departement, verbose_name="département", on_delete=models.PROTECT)
    programme = models.ForeignKey(Programme, verbose_name="programme", on_delete=models.PROTECT)
    statut = models.CharField("statut", max_length=12, choices=Statut.choices, default=Statut.BROUILLON)
    # Stored by eligibilite.ecriture in the transaction of every write (DESIGN.md §3.4).
    total_fipd = models.DecimalField("total FIPD retenu", **MONTANT, default=ZERO, editable=False)
    total_formation = models.DecimalField("total formation retenu", **MONTANT, default=ZERO, editable=False)
    total_prevention_primaire = models.DecimalField(
        "total prévention primaire retenu", **MONTANT, default=ZERO, editable=False
    )
    nb_bloquants = models.PositiveIntegerField("verdicts bloquants", default=0, editable=False)
    nb_alertes = models.PositiveIntegerField("alertes", default=0, editable=False)
    nb_en_instruction = models.PositiveIntegerField("actions en instruction", default=0, editable=False)
    verdicts = models.JSONField("verdicts de la programmation", default=list, blank=True, editable=False)
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifiée le", auto_now=True)

    objects = ProgrammationQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["modifie_le"])

    class Meta:
        verbose_name = "programmation"
        ordering = ["-exercice__annee", "departement__code", "programme__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["exercice", "departement", "programme"],
                name="programmation_unique",
                violation_error_message="Ce département a déjà une programmation pour ce programme et cet exercice.",
            ),
            models.CheckConstraint(
                condition=Q(statut__in=[s.value for s in Statut]),
                name="programmation_statut_connu",
                violation_error_message="Statut de programmation inconnu.",
            ),
        ]

    def __str__(self):
        return f"Programmation {self.programme.code} {self.exercice.annee} – {self.departement}"

    def get_absolute_url(self):
        return reverse(
            "programmation",
            kwargs={
                "annee": self.exercice.annee,
                "departement": self.departement.code,
                "programme": self.programme.code,
            },
        )

    @property
    def modifiable(self) -> bool:
        return self.statut in STATUTS_MODIFIABLES and not self.exercice.cloture


class TypePorteur(models.TextChoices):
    ASSOCIATION = "association", "Association"
    COLLECTIVITE = "collectivite", "Collectivité territoriale"
    ETAT = "etat", "Service de l'État"
    ETABLISSEMENT_PUBLIC = "etablissement_public", "Établissement public"
    AUTRE = "autre", "Autre"


class PorteurQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user.filtre_departements("departement"))


class Porteur(models.Model):
    departement = models.ForeignKey(
        Departement, verbose_name="département", on_delete=models.PROTECT, related_name="porteurs"
    )
    nom = models.CharField("nom", max_length=200)
    type = models.CharField("type de structure", max_length=25, choices=TypePorteur.choices)
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[valider_siret])
    rna = models.CharField("numéro RNA", max_length=10, blank=True, validators=[valider_rna])

    objects = PorteurQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "porteur"
        ordering = ["nom"]
        constraints = [
            models.UniqueConstraint(
                fields=["departement", "siret"],
                condition=~Q(siret=""),
                name="porteur_siret_unique_par_departement",
                violation_error_message="Un porteur de ce département a déjà ce SIRET.",
            ),
            models.CheckConstraint(
                condition=Q(type__in=[t.value for t in TypePorteur]),
                name="porteur_type_connu",
                violation_error_message="Type de porteur inconnu.",
            ),
        ]

    def __str__(self):
        return self.nom

    def save(self, *args, **kwargs):
        from eligibilite.ecriture import enregistrer_porteur

        self.siret = self.siret.replace(" ", "")
        enregistrer_porteur(self, lambda: super(Porteur, self).save(*args, **kwargs))


class Categorie(models.TextChoices):
    SANTE_MENTALE = "sante_mentale", "Consultations de santé mentale"
    INSERTION = "insertion", "Action éducative, citoyenne ou d'insertion"
    PARENTALITE = "parentalite", "Soutien à la parentalité"
    REFERENT_PARCOURS = "referent_parcours", "Référent de parcours"
    FORMATION = "formation", "Formation et sensibilisation des professionnels"
    ACCOMPAGNEMENT_EQUIPES = "accompagnement_equipes", "Accompagnement des équipes"
    PREVENTION_PRIMAIRE = "prevention_primaire", "Prévention primaire"
    ACTION_NATIONALE = "action_nationale", "Action de niveau national"
    AUTRE = "autre", "Autre"


class Public(models.TextChoices):
    PERSONNES_SUIVIES = "personnes_suivies", "Personnes suivies par la cellule"
    FAMILLES = "familles", "Familles"
    PROFESSIONNELS = "professionnels", "Professionnels"
    GRAND_PUBLIC = "grand_public", "Grand public"


class Milieu(models.TextChoices):
    LIBRE = "libre", "Milieu libre"
    OUVERT = "ouvert", "Milieu ouvert (sous main de justice)"
    CARCERAL = "carceral", "Milieu carcéral"


class Theme(models.TextChoices):
    USAGE_INTERNET = "usage_internet", "Usage raisonné d'Internet et des réseaux sociaux"
    CYBER_ENDOCTRINEMENT = "cyber_endoctrinement", "Cyber-endoctrinement"
    PROCESSUS_RADICALISATION = "processus_radicalisation", "Processus de radicalisation"
    ESPRIT_CRITIQUE = "esprit_critique", "Esprit critique"
    CONTRE_DISCOURS = "contre_discours", "Contre-discours"


class Decision(models.TextChoices):
    EN_INSTRUCTION = "en_instruction", "En instruction"
    RETENUE = "retenue", "Retenue"
    NON_RETENUE = "non_retenue", "Non retenue"


# Fields whose change cannot alter any verdict or total: a queryset update() may touch only these.
CHAMPS_SANS_EFFET = frozenset({"verdicts", "nb_bloquants", "nb_alertes", "modifie_le"})


class ActionQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user.filtre_departements("programmation__departement"))

    def delete(self):
        """Deletes through the write rule (one transaction, programmations locked)."""
        from eligibilite.ecriture import supprimer_actions

        return supprimer_actions(self)

    def update(self, **kwargs):
        if not set(kwargs) <= CHAMPS_SANS_EFFET:
            raise TypeError(
                "Action.objects.update() would bypass the write rule: use eligibilite.ecriture "
                "(ecrire_actions, decider_actions)."
            )
        return super().update(**kwargs)

    def bulk_create(self, *args, **kwargs):
        raise TypeError("Action.objects.bulk_create() would bypass the write rule: use ecrire_actions().")


class Action(models.Model):
    programmation = models.ForeignKey(
        Programmation, verbose_name="programmation", on_delete=models.PROTECT, related_name="actions"
    )
    reference = models.CharField("référence", max_length=50)
    intitule = models.CharField("intitulé", max_length=300)
    porteur = models.ForeignKey(
        Porteur, verbose_name="porteur", on_delete=models.PROTECT, related_name="actions"
    )
    categorie = models.CharField("catégorie", max_length=25, choices=Categorie.choices)
    public = models.CharField(
        "public", max_length=20, choices=Public.choices, default=Public.PERSONNES_SUIVIES
    )
    milieu = models.CharField("milieu", max_length=10, choices=Milieu.choices, default=Milieu.LIBRE)
    cout_total = models.DecimalField("coût total", **MONTANT, validators=MONTANT_POSITIF)
    montant_demande = models.DecimalField(
        "montant demandé",
        **MONTANT,
        null=True,
        blank=True,
        validators=MONTANT_POSITIF,
        help_text="Laisser vide s'il n'est pas connu.",
    )
    montant_fipd = models.DecimalField("montant FIPD", **MONTANT, validators=MONTANT_POSITIF)
    contrat_de_ville = models.BooleanField(
        "plan d'action du contrat de ville",
        default=False,
        help_text="Action d'un plan de prévention de la radicalisation annexé au contrat de ville.",
    )
    code_analytique = models.CharField("code analytique", max_length=30, blank=True)
    theme_prevention_primaire = models.CharField(
        "thème de prévention primaire", max_length=30, choices=Theme.choices, blank=True
    )
    justification = models.TextField(
        "justification de l'intérêt majeur",
        blank=True,
        help_text="Obligatoire pour une action de prévention primaire (annexe 1 §2.3).",
    )
    date_debut = models.DateField("date de début", null=True, blank=True)
    date_fin = models.DateField("date de fin", null=True, blank=True)
    decision = models.CharField(
        "décision", max_length=15, choices=Decision.choices, default=Decision.EN_INSTRUCTION
    )
    date_decision = models.DateField("date de décision", null=True, blank=True)
    # Stored by eligibilite.ecriture (DESIGN.md §3.4).
    verdicts = models.JSONField("verdicts", default=list, blank=True, editable=False)
    nb_bloquants = models.PositiveSmallIntegerField("verdicts bloquants", default=0, editable=False)
    nb_alertes = models.PositiveSmallIntegerField("alertes", default=0, editable=False)
    version = models.PositiveIntegerField("version", default=0, editable=False)
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifiée le", auto_now=True)

    objects = ActionQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["verdicts", "nb_bloquants", "nb_alertes", "modifie_le"])

    class Meta:
        verbose_name = "action"
        ordering = ["reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["programmation", "reference"],
                name="action_reference_unique",
                violation_error_message="Une action de cette programmation a déjà cette référence.",
            ),
            models.CheckConstraint(
                condition=Q(cout_total__gte=0)
                & Q(montant_fipd__gte=0)
                & (Q(montant_demande__isnull=True) | Q(montant_demande__gte=0)),
                name="action_montants_positifs",
                violation_error_message="Les montants d'une action ne peuvent pas être négatifs.",
            ),
            models.CheckConstraint(
                condition=Q(date_fin__isnull=True)
                | Q(date_debut__isnull=True)
                | Q(date_fin__gte=F("date_debut")),
                name="action_dates_ordonnees",
                violation_error_message="La date de fin précède la date de début.",
            ),
            models.CheckConstraint(
                condition=Q(decision__in=[d.value for d in Decision]),
                name="action_decision_connue",
                violation_error_message="Décision inconnue.",
            ),
            models.CheckConstraint(
                condition=Q(categorie__in=[c.value for c in Categorie])
                & Q(public__in=[p.value for p in Public])
                & Q(milieu__in=[m.value for m in Milieu])
                & Q(theme_prevention_primaire__in=["", *(t.value for t in Theme)]),
                name="action_codes_connus",
                violation_error_message="Catégorie, public, milieu ou thème inconnu.",
            ),
        ]

    def __str__(self):
        return f"{self.reference} – {self.intitule}"

    def save(self, *args, **kwargs):
        from eligibilite.ecriture import ecrire_actions

        ecrire_actions(self.programmation_id, [self])

    def get_absolute_url(self):
        return reverse("action", kwargs={"pk": self.pk})

    def delete(self, *args, **kwargs):
        from eligibilite.ecriture import supprimer_actions

        return supprimer_actions(Action.objects.filter(pk=self.pk))

    def clean(self):
        """Checks the write rule without writing, so that forms and the admin show refusals beside their
        fields."""
        from eligibilite.ecriture import verifier_actions

        erreurs = {}
        if self.porteur_id and self.programmation_id:
            if self.porteur.departement_id != self.programmation.departement_id:
                erreurs["porteur"] = "Le porteur doit être un porteur du département de la programmation."
        if erreurs:
            raise ValidationError(erreurs)
        if self.programmation_id and self.porteur_id:
            verifier_actions(self.programmation_id, [self])

    @property
    def retenue(self) -> bool:
        return self.decision == Decision.RETENUE


class CofinancementQuerySet(models.QuerySet):
    def delete(self):
        """Deletes co-funders and recomputes their actions' verdicts (only alerts can change)."""
        from eligibilite.ecriture import supprimer_cofinancements

        return supprimer_cofinancements(self)

    def update(self, **kwargs):
        raise TypeError("Cofinancement.objects.update() would leave stale verdicts: save each co-funder.")

    def bulk_create(self, *args, **kwargs):
        raise TypeError(
            "Cofinancement.objects.bulk_create() would leave stale verdicts: use ecrire_actions()."
        )


class Cofinancement(models.Model):
    action = models.ForeignKey(
        Action, verbose_name="action", on_delete=models.CASCADE, related_name="cofinancements"
    )
    financeur = models.CharField("financeur", max_length=200)
    montant = models.DecimalField("montant", **MONTANT, validators=MONTANT_POSITIF)

    objects = CofinancementQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "cofinancement"
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(montant__gte=0),
                name="cofinancement_montant_positif",
                violation_error_message="Le montant d'un cofinancement ne peut pas être négatif.",
            )
        ]

    def __str__(self):
        return f"{self.financeur} : {self.montant} €"

    def save(self, *args, **kwargs):
        from eligibilite.ecriture import enregistrer_cofinancement

        enregistrer_cofinancement(self, lambda: super(Cofinancement, self).save(*args, **kwargs))

    def delete(self, *args, **kwargs):
        from eligibilite.ecriture import enregistrer_cofinancement

        resultat = []
        enregistrer_cofinancement(
            self, lambda: resultat.append(super(Cofinancement, self).delete(*args, **kwargs))
        )
        return resultat[0]


class Commentaire(models.Model):
    """A message of the thread between the prefecture and the SG-CIPDR on a programmation."""

    programmation = models.ForeignKey(
        Programmation, verbose_name="programmation", on_delete=models.CASCADE, related_name="commentaires"
    )
    auteur = models.ForeignKey(
        "fipd.Utilisateur", verbose_name="auteur", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    texte = models.TextField("commentaire")
    statut_avant = models.CharField("statut avant", max_length=12, choices=Statut.choices, blank=True)
    statut_apres = models.CharField("statut après", max_length=12, choices=Statut.choices, blank=True)
    cree_le = models.DateTimeField("écrit le", auto_now_add=True)

    class Meta:
        verbose_name = "commentaire"
        ordering = ["cree_le", "pk"]

    def __str__(self):
        return f"Commentaire du {self.cree_le:%d/%m/%Y}"
