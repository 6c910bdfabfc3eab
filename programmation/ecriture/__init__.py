"""The guarded write path (DESIGN.md §3.4, §7): every write that can change a programmation's totals or
verdicts goes through this package, whatever the entry point (models, admin, views, commands, import).

- ``faits``: the facts the rules read and the queries that gather them;
- ``verrous``: locks and read-only states;
- ``actions``: action writes, decisions, deletions, the live preview and recomputation;
- ``enveloppes``: envelope movements and the regional split;
- ``references``: parameter values, follow-up cells, porteurs and co-funders;
- ``operations``: writes started from a page over many actions (reconduction).
"""

from .actions import (
    Apercu,
    RefusEcriture,
    Resultat,
    apercu,
    apercu_de,
    decider_actions,
    ecrire_actions,
    maxima,
    recalculer,
    recalculer_programmation,
    supprimer_actions,
    verifier_actions,
)
from .faits import Cofinanceur, contexte, enveloppe_de, faits_action, montant_enveloppe, parametres
from .verrous import controler_modifiable, verrouiller

__all__ = [
    "Apercu",
    "Cofinanceur",
    "RefusEcriture",
    "Resultat",
    "apercu",
    "apercu_de",
    "contexte",
    "controler_modifiable",
    "decider_actions",
    "ecrire_actions",
    "enveloppe_de",
    "faits_action",
    "maxima",
    "montant_enveloppe",
    "parametres",
    "recalculer",
    "recalculer_programmation",
    "supprimer_actions",
    "verifier_actions",
    "verrouiller",
]
