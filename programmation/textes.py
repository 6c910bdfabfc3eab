"""Small helpers for French text in messages: plurals (« 0 action », « 1 action », « 2 actions »)."""


def accorder(n: int, singulier: str, pluriel: str | None = None) -> str:
    """The word agreed with ``n`` in French: plural from 2 on (0 and 1 are singular)."""
    return singulier if abs(n) < 2 else (pluriel or singulier + "s")


def compter(n: int, singulier: str, pluriel: str | None = None) -> str:
    """« 3 actions », « 1 action », « 0 action »."""
    return f"{n} {accorder(n, singulier, pluriel)}"
