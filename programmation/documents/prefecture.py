"""The name of a department's prefecture, with the French article its name takes (« Préfecture du Nord »,
« Préfecture de la Gironde », « Préfecture de l'Ain », « Préfecture des Yvelines », « Préfecture de Paris »).

The article follows the INSEE « type de nom en clair » (TNCC) of each department in the Code officiel
géographique; a code missing here (a department created later) reads « de ».
"""

from __future__ import annotations

# TNCC 2 (« le »): « du Nord ».
_DU = frozenset("14 15 18 25 29 30 32 39 41 45 46 47 49 56 59 62 63 67 68 69 81 82 83 84 90 94 95".split())
# TNCC 3 (« la »): « de la Gironde ».
_DE_LA = frozenset(
    (
        "16 17 19 2A 2B 21 23 24 26 31 33 42 43 44 48 50 51 52 53 54 55 57 58 70 71 72 73 74 76 77 80 85 "
        "86 87 93 971 972 973"
    ).split()
)
# TNCC 5 (« l' »): « de l'Ain ».
_DE_L = frozenset("01 02 03 07 09 10 11 12 27 28 34 35 36 37 38 60 61 89 91".split())
# TNCC 4 (« les »): « des Yvelines ».
_DES = frozenset("04 05 06 08 13 22 40 64 65 66 78 79 88 92".split())


def de_departement(code: str, nom: str) -> str:
    """« du Nord », « de la Gironde », « de l'Ain », « des Yvelines », « de Paris », « de La Réunion »."""
    if code in _DU:
        return f"du {nom}"
    if code in _DE_LA:
        return f"de la {nom}"
    if code in _DE_L:
        return f"de l'{nom}"
    if code in _DES:
        return f"des {nom}"
    return f"de {nom}"


def prefecture(code: str, nom: str) -> str:
    return f"Préfecture {de_departement(code, nom)}"
