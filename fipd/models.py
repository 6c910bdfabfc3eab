"""Accounts and roles (DESIGN.md §1): what each user may see is decided here, once."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models


class Role(models.TextChoices):
    AGENT_PREFECTURE = "agent_prefecture", "Agent de préfecture"
    AGENT_REGIONAL = "agent_regional", "Agent régional (SGAR)"
    INSTRUCTEUR_SGCIPDR = "instructeur_sgcipdr", "Instructeur SG-CIPDR"
    ADMINISTRATEUR = "administrateur", "Administrateur"


class Utilisateur(AbstractUser):
    role = models.CharField("rôle", max_length=30, choices=Role.choices, default=Role.AGENT_PREFECTURE)
    departements = models.ManyToManyField(
        "programmation.Departement",
        verbose_name="départements",
        blank=True,
        related_name="agents",
        help_text="Pour un agent de préfecture : les départements dont il saisit la programmation.",
    )
    region = models.ForeignKey(
        "programmation.Region",
        verbose_name="région",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agents",
        help_text="Pour un agent régional : la région dont il lit les programmations.",
    )

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"

    def clean(self):
        super().clean()
        if self.role == Role.AGENT_REGIONAL and self.region_id is None:
            raise ValidationError({"region": "Un agent régional doit être rattaché à une région."})

    @property
    def est_national(self) -> bool:
        """SG-CIPDR reviewers and administrators see every department."""
        return self.is_superuser or self.role in (Role.INSTRUCTEUR_SGCIPDR, Role.ADMINISTRATEUR)

    @property
    def est_agent_prefecture(self) -> bool:
        return self.role == Role.AGENT_PREFECTURE and not self.is_superuser

    @property
    def est_agent_regional(self) -> bool:
        return self.role == Role.AGENT_REGIONAL and not self.is_superuser

    def filtre_departements(self, prefixe: str = "departement") -> models.Q:
        """A Q object restricting a queryset to the departments this user may read.

        ``prefixe`` is the path from the queried model to its ``Departement``.
        """
        if self.est_national:
            return models.Q()
        if self.est_agent_regional:
            return models.Q(**{f"{prefixe}__region_id": self.region_id})
        if self.est_agent_prefecture:
            return models.Q(**{f"{prefixe}__agents": self})
        return models.Q(pk__in=[])
