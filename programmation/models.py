"""The FIPD data model (DESIGN.md §2).

Writes that can change a programmation's totals or verdicts go through ``programmation.ecriture``: the model
methods below delegate to it, so that the write rule of DESIGN.md §3.4 holds whatever the entry point.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from eligibilite.lecture import ANNEES_PLAUSIBLES
from eligibilite.regles import ProgrammeInconnu, ValeurParametreInvalide, registre
from eligibilite.regles.codes import CATEGORIES, MILIEUX, PUBLICS, THEMES, TYPES_PORTEUR, valeurs
from eligibilite.regles.snpd import AXES_SNPD

from .validators import valider_rna, valider_siret

ZERO = Decimal("0")
MONTANT = {"max_digits": 12, "decimal_places": 2}
MONTANT_POSITIF = [MinValueValidator(ZERO, "Le montant ne peut pas être négatif.")]
PREMIERE_ANNEE, DERNIERE_ANNEE = ANNEES_PLAUSIBLES  # an exercice's range (Exercice's constraint)
MESSAGE_QUANTITE = "La quantité est un nombre entier d'au moins 1."
MESSAGE_PREMIERE_ANNEE_ISCG = f"La première année de cofinancement du poste d'ISCG est une année de {PREMIERE_ANNEE} à {DERNIERE_ANNEE}."


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


class EtatExercice(models.TextChoices):
    """The campaign's state (DESIGN.md §2), set by the SG-CIPDR."""

    EN_PREPARATION = "en_preparation", "En préparation"
    OUVERT = "ouvert", "Ouvert"
    CLOTURE = "cloture", "Clôturé"


class ExerciceQuerySet(models.QuerySet):
    def ouverts(self):
        """Where prefectures create and edit their programmations."""
        return self.filter(etat=EtatExercice.OUVERT)

    def non_clotures(self):
        """Where envelopes, parameters and follow-up cells may still change."""
        return self.exclude(etat=EtatExercice.CLOTURE)


class Exercice(models.Model):
    annee = models.PositiveSmallIntegerField("année", unique=True)
    etat = models.CharField(
        "état",
        max_length=15,
        choices=EtatExercice.choices,
        default=EtatExercice.EN_PREPARATION,
        help_text="En préparation : le SG-CIPDR fixe les enveloppes et les paramètres, les préfectures ne voient "
        "rien encore ; ouvert : les préfectures saisissent ; clôturé : lecture seule pour tous.",
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
            ),
            models.CheckConstraint(
                condition=Q(etat__in=EtatExercice.values),
                name="exercice_etat_connu",
                violation_error_message="État d'exercice inconnu.",
            ),
        ]

    def __str__(self):
        return str(self.annee)

    @property
    def cloture(self) -> bool:
        """A closed exercice is read-only for everyone: programmations, envelopes, parameters, cells."""
        return self.etat == EtatExercice.CLOTURE

    @property
    def ouvert(self) -> bool:
        return self.etat == EtatExercice.OUVERT


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
        from programmation.ecriture.references import enregistrer_cellule

        enregistrer_cellule(self, lambda: super(CelluleSuivi, self).save(*args, **kwargs))


class Programme(models.Model):
    code = models.CharField("code", max_length=1, unique=True)
    libelle = models.CharField("libellé", max_length=100)
    gestion_regionale = models.BooleanField("gestion régionale", default=True)

    class Meta:
        verbose_name = "programme"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.libelle}"


class MesureSNPD(models.Model):
    """One of the 50 measures of the national strategy SNPD 2026-2030, which programme D's actions name and the
    national reporting sums by (DESIGN.md §3.5). Reference data, created by a data migration from
    ``eligibilite.regles.snpd``, itself checked against the strategy's text."""

    numero = models.PositiveSmallIntegerField("numéro", unique=True)
    axe = models.PositiveSmallIntegerField(
        "axe", choices=[(n, f"Axe {n} – {t}") for n, t in AXES_SNPD.items()]
    )
    intitule = models.CharField("intitulé", max_length=300)

    class Meta:
        verbose_name = "mesure de la SNPD"
        verbose_name_plural = "mesures de la SNPD"
        ordering = ["numero"]
        constraints = [
            models.CheckConstraint(
                condition=Q(axe__in=list(AXES_SNPD)),
                name="mesure_snpd_axe_connu",
                violation_error_message="L'axe d'une mesure de la SNPD est 1, 2 ou 3.",
            )
        ]

    def __str__(self):
        return f"Mesure {self.numero} – {self.intitule}"


class ValeurParametre(models.Model):
    """One dated value of a rule parameter (DESIGN.md §3.3): a programme's parameter ``code`` takes ``valeur``
    from ``exercice`` on, until a later value starts. The rule set that reads the parameter declares its type
    and bounds (``eligibilite.regles``): the database holds values only, so a new rule set needs no column."""

    programme = models.ForeignKey(
        Programme, verbose_name="programme", on_delete=models.PROTECT, related_name="valeurs_parametres"
    )
    code = models.CharField("paramètre", max_length=50)
    exercice = models.ForeignKey(
        Exercice, verbose_name="à partir de l'exercice", on_delete=models.PROTECT, related_name="+"
    )
    valeur = models.TextField("valeur")
    source = models.CharField(
        "source", max_length=300, help_text="Le texte et l'article d'où vient la valeur."
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "valeur d'un paramètre"
        verbose_name_plural = "valeurs des paramètres"
        ordering = ["programme__code", "code", "exercice__annee"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "code", "exercice"],
                name="valeur_parametre_unique",
                violation_error_message="Ce paramètre a déjà une valeur à partir de cet exercice.",
            )
        ]

    def __str__(self):
        return f"{self.code} ({self.programme_id and self.programme.code}) à partir de {self.exercice}"

    def save(self, *args, **kwargs):
        from programmation.ecriture.references import enregistrer_valeur_parametre

        enregistrer_valeur_parametre(self, lambda: super(ValeurParametre, self).save(*args, **kwargs))

    def delete(self, *args, **kwargs):
        from programmation.ecriture.references import enregistrer_valeur_parametre

        resultat = []
        enregistrer_valeur_parametre(
            self,
            lambda: resultat.append(super(ValeurParametre, self).delete(*args, **kwargs)),
            suppression=True,
        )
        return resultat[0]

    def clean(self):
        """The code must be a parameter of the programme's rule set, and the value fit its type and bounds;
        the value is stored in its canonical form (« 0.20 », one name per line)."""
        if not self.programme_id:
            return
        definition = self.definition
        if definition is None:
            connus = ", ".join(d.code for d in self._registre().parametres) or "aucun"
            raise ValidationError(
                {
                    "code": f"Le programme {self.programme.code} n'a pas de paramètre « {self.code} » "
                    f"(paramètres : {connus})."
                }
            )
        try:
            self.valeur = definition.texte(definition.lire(self.valeur))
        except ValeurParametreInvalide as e:
            raise ValidationError({"valeur": str(e)}) from None
        self.source = " ".join(self.source.split())
        if not self.source:
            raise ValidationError({"source": "Citez le texte d'où vient la valeur."})

    def _registre(self):
        try:
            return registre(self.programme.code)
        except ProgrammeInconnu:
            return None

    @property
    def definition(self):
        reg = self._registre()
        return reg.definition(self.code) if reg else None

    @property
    def valeur_affichee(self) -> str:
        definition = self.definition
        if definition is None:
            return self.valeur
        try:
            return definition.afficher(definition.lire(self.valeur))
        except ValeurParametreInvalide:
            return self.valeur


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
    dated movements (stored in ``montant``, kept up to date by ``programmation.ecriture``)."""

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
        from programmation.ecriture.enveloppes import apres_suppression_enveloppe

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
        from programmation.ecriture.enveloppes import enregistrer_mouvement

        enregistrer_mouvement(self, lambda: super(MouvementEnveloppe, self).save(*args, **kwargs))

    def delete(self, *args, **kwargs):
        from programmation.ecriture.enveloppes import enregistrer_mouvement

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
    # Stored by programmation.ecriture in the transaction of every write (DESIGN.md §3.4).
    total_fipd = models.DecimalField("total FIPD retenu", **MONTANT, default=ZERO, editable=False)
    total_formation = models.DecimalField("total formation retenu", **MONTANT, default=ZERO, editable=False)
    total_prevention_primaire = models.DecimalField(
        "total prévention primaire retenu", **MONTANT, default=ZERO, editable=False
    )
    nb_bloquants = models.PositiveIntegerField("verdicts bloquants", default=0, editable=False)
    nb_alertes = models.PositiveIntegerField("alertes", default=0, editable=False)
    nb_en_instruction = models.PositiveIntegerField("actions en instruction", default=0, editable=False)
    verdicts = models.JSONField("verdicts de la programmation", default=list, blank=True, editable=False)
    # Incremented by every guarded write that changes its actions, verdicts or totals (DESIGN.md §3.4): what a
    # spreadsheet import's preview compares at confirmation, to refuse applying a stale preview.
    version = models.PositiveIntegerField("version", default=0, editable=False)
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifiée le", auto_now=True)

    objects = ProgrammationQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["modifie_le", "version"])

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
        return self.statut in STATUTS_MODIFIABLES and self.exercice.ouvert


class PorteurQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user.filtre_departements("departement"))


class Porteur(models.Model):
    departement = models.ForeignKey(
        Departement, verbose_name="département", on_delete=models.PROTECT, related_name="porteurs"
    )
    nom = models.CharField("nom", max_length=200)
    type = models.CharField("type de structure", max_length=25, choices=TYPES_PORTEUR)
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
                condition=Q(type__in=valeurs(TYPES_PORTEUR)),
                name="porteur_type_connu",
                violation_error_message="Type de porteur inconnu.",
            ),
        ]

    def __str__(self):
        return self.nom

    def save(self, *args, **kwargs):
        from programmation.ecriture.references import enregistrer_porteur

        self.siret = self.siret.replace(" ", "")
        enregistrer_porteur(self, lambda: super(Porteur, self).save(*args, **kwargs))

    def clean(self):
        """A porteur that has actions stays in its department: its actions' programmations are there."""
        if self.pk and self.departement_id:
            ancien = Porteur.objects.filter(pk=self.pk).values_list("departement_id", flat=True).first()
            if ancien not in (None, self.departement_id) and self.actions.exists():
                raise ValidationError(
                    {
                        "departement": "Ce porteur a des actions : il reste dans son département (créez un "
                        "porteur dans l'autre département)."
                    },
                    code="porteur_avec_actions",
                )


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
        from programmation.ecriture.actions import supprimer_actions

        return supprimer_actions(self)

    def update(self, **kwargs):
        if not set(kwargs) <= CHAMPS_SANS_EFFET:
            raise TypeError(
                "Action.objects.update() would bypass the write rule: use programmation.ecriture "
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
    categorie = models.CharField("catégorie", max_length=25, choices=CATEGORIES)
    public = models.CharField("public", max_length=20, choices=PUBLICS, default="personnes_suivies")
    milieu = models.CharField("milieu", max_length=10, choices=MILIEUX, default="libre")
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
        "thème de prévention primaire", max_length=30, choices=THEMES, blank=True
    )
    justification = models.TextField(
        "justification de l'intérêt majeur",
        blank=True,
        help_text="Obligatoire pour une action de prévention primaire (annexe 1 §2.3).",
    )
    # The facts of programmes D and S (DESIGN.md §3.5), null when not given: the rules that need one say so.
    quantite = models.PositiveIntegerField(
        "quantité",
        null=True,
        blank=True,
        validators=[MinValueValidator(1, MESSAGE_QUANTITE)],
        help_text="Le nombre d'équipements (gilets pare-balles, terminaux de radiocommunication, "
        "caméras-piétons).",
    )
    iscg_premiere_annee = models.PositiveSmallIntegerField(
        "première année de cofinancement du poste d'ISCG",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(PREMIERE_ANNEE, MESSAGE_PREMIERE_ANNEE_ISCG),
            MaxValueValidator(DERNIERE_ANNEE, MESSAGE_PREMIERE_ANNEE_ISCG),
        ],
        help_text="Le premier exercice où le FIPD a cofinancé le poste : le taux de cofinancement dépend "
        "de l'ancienneté du poste.",
    )
    # The measure's number is the key (to_field): the facts, exports and reports read it without a join,
    # and the database still refuses a number that is not one of the 50 measures.
    mesure_snpd = models.ForeignKey(
        MesureSNPD,
        verbose_name="mesure de la SNPD",
        to_field="numero",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        help_text="La mesure de la stratégie nationale de prévention de la délinquance 2026-2030 que sert "
        "l'action.",
    )
    date_debut = models.DateField("date de début", null=True, blank=True)
    date_fin = models.DateField("date de fin", null=True, blank=True)
    decision = models.CharField(
        "décision", max_length=15, choices=Decision.choices, default=Decision.EN_INSTRUCTION
    )
    date_decision = models.DateField("date de décision", null=True, blank=True)
    # Stored by programmation.ecriture (DESIGN.md §3.4).
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
                condition=Q(categorie__in=valeurs(CATEGORIES))
                & Q(public__in=valeurs(PUBLICS))
                & Q(milieu__in=valeurs(MILIEUX))
                & Q(theme_prevention_primaire__in=["", *valeurs(THEMES)]),
                name="action_codes_connus",
                violation_error_message="Catégorie, public, milieu ou thème inconnu.",
            ),
            models.CheckConstraint(
                condition=Q(quantite__isnull=True) | Q(quantite__gte=1),
                name="action_quantite_positive",
                violation_error_message=MESSAGE_QUANTITE,
            ),
            models.CheckConstraint(
                condition=Q(iscg_premiere_annee__isnull=True)
                | Q(iscg_premiere_annee__gte=PREMIERE_ANNEE, iscg_premiere_annee__lte=DERNIERE_ANNEE),
                name="action_iscg_premiere_annee_plausible",
                violation_error_message=MESSAGE_PREMIERE_ANNEE_ISCG,
            ),
        ]

    def __str__(self):
        return f"{self.reference} – {self.intitule}"

    def save(self, *args, **kwargs):
        from programmation.ecriture.actions import ecrire_actions

        ecrire_actions(self.programmation_id, [self])

    def get_absolute_url(self):
        return reverse("action", kwargs={"pk": self.pk})

    def delete(self, *args, **kwargs):
        from programmation.ecriture.actions import supprimer_actions

        return supprimer_actions(Action.objects.filter(pk=self.pk))

    def clean(self):
        """Checks the write rule without writing, so that forms and the admin show refusals beside their
        fields."""
        from programmation.ecriture.actions import verifier_actions

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
        from programmation.ecriture.references import supprimer_cofinancements

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
    etat = models.BooleanField(
        "financement de l'État",
        default=False,
        help_text="Crédits de l'État (DETR, DSIL, autre ministère) : ils comptent dans la part des "
        "financements de l'État, plafonnée pour le programme S.",
    )

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
        return f"{self.financeur}{' (État)' if self.etat else ''} : {self.montant} €"

    def save(self, *args, **kwargs):
        from programmation.ecriture.references import enregistrer_cofinancement

        enregistrer_cofinancement(self, lambda: super(Cofinancement, self).save(*args, **kwargs))

    def delete(self, *args, **kwargs):
        from programmation.ecriture.references import enregistrer_cofinancement

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


DELAI_DE_GENERATION = timedelta(minutes=15)  # beyond, a version still « en cours » may be generated again


class EtatVersion(models.TextChoices):
    EN_COURS = "en_cours", "en cours de génération"
    PRETE = "prete", "prête"
    ECHEC = "echec", "échec de la génération"


def _chemin_version(version, nom):
    return f"versions/{version.programmation_id}/{nom}"


def _chemin_scan(version, nom):
    return f"versions/{version.programmation_id}/scans/{nom}"


class VersionValidee(models.Model):
    """The PDF of a programmation as the SG-CIPDR validated it (DESIGN.md §9), rendered once after the
    validation's commit and served unchanged from then on; a reopening then a new validation makes the next.

    ``jeton``: a random public identifier drawn before rendering, which the QR code and the printed address
    carry; ``empreinte``: the SHA-256 of the final bytes (which contain the QR code, hence the two; see
    docs/decisions/010-versions-validees.md). Both open the public verification page."""

    programmation = models.ForeignKey(
        Programmation,
        verbose_name="programmation",
        on_delete=models.PROTECT,
        related_name="versions_validees",
    )
    numero = models.PositiveIntegerField("numéro")
    jeton = models.CharField("code de vérification", max_length=32, unique=True, editable=False)
    cree_le = models.DateTimeField("validée le", auto_now_add=True)
    etat = models.CharField("état", max_length=8, choices=EtatVersion.choices, default=EtatVersion.EN_COURS)
    fichier = models.FileField("PDF", upload_to=_chemin_version, blank=True)
    empreinte = models.CharField("empreinte SHA-256", max_length=64, unique=True, null=True, blank=True)
    # What the PDF states, kept with it: the verification page shows them as they were validated.
    total_fipd = models.DecimalField("total FIPD retenu", **MONTANT, default=ZERO)
    genere_le = models.DateTimeField("générée le", null=True, blank=True)
    erreur = models.TextField("erreur", blank=True)
    scan = models.FileField("scan signé", upload_to=_chemin_scan, blank=True)
    scan_depose_le = models.DateTimeField("scan déposé le", null=True, blank=True)
    scan_depose_par = models.ForeignKey(
        "fipd.Utilisateur",
        verbose_name="scan déposé par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "version validée"
        verbose_name_plural = "versions validées"
        ordering = ["programmation", "numero"]
        constraints = [
            models.UniqueConstraint(
                fields=["programmation", "numero"],
                name="version_validee_unique",
                violation_error_message="Cette programmation a déjà une version validée de ce numéro.",
            ),
            models.CheckConstraint(
                condition=Q(etat__in=[e.value for e in EtatVersion]),
                name="version_validee_etat_connu",
                violation_error_message="État de version inconnu.",
            ),
            models.CheckConstraint(
                condition=~Q(etat=EtatVersion.PRETE) | (Q(empreinte__isnull=False) & ~Q(fichier="")),
                name="version_prete_a_son_fichier",
                violation_error_message="Une version prête a son fichier et son empreinte.",
            ),
        ]

    def __str__(self):
        return f"Version {self.numero} de la {self.programmation}"

    @property
    def empreinte_courte(self) -> str:
        return (self.empreinte or "")[:12]

    @property
    def prete(self) -> bool:
        return self.etat == EtatVersion.PRETE

    @property
    def relancable(self) -> bool:
        """« Générer de nouveau » is offered after a failure, and for a version still « en cours » long after
        its validation (its task lost: a broker emptied, a worker killed)."""
        if self.etat == EtatVersion.ECHEC:
            return True
        return self.etat == EtatVersion.EN_COURS and self.cree_le < timezone.now() - DELAI_DE_GENERATION
