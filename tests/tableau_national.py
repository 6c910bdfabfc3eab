"""The national dashboard's table read back from the page's HTML, as its reader sees it: the rows are built in
Python and may come from the cache, so tests read what is shown, not a template context."""

import re
from dataclasses import dataclass
from html import unescape

from programmation.national import STATUTS


@dataclass
class Rangee:
    """A row of the dashboard's table as the page shows it."""

    departement: str
    programme: str
    statut: str  # its code, read back from the badge's label
    cellules: dict[str, str]  # column label → text


CODES_STATUT = {libelle: code for code, libelle in STATUTS}


def rangees(reponse) -> list[Rangee]:
    html = reponse.content.decode()
    tableau = html.split('id="tableau-national"', 1)[1]
    entetes = [
        re.sub(r"<[^>]+>", "", t).replace(" – trier", "").strip().strip(" ▲▼")
        for t in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', tableau.split("</thead>", 1)[0], re.S)
    ]
    corps = tableau.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    resultat = []
    for tr in re.findall(r"<tr>(.*?)</tr>", corps, re.S):
        lien = re.search(r'href="/programmations/\d+/(\w+)/(\w+)/"', tr)
        if lien is None:
            continue
        textes = [
            unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        ]
        cellules = dict(zip(entetes, textes[len(textes) - len(entetes) :], strict=True))
        resultat.append(Rangee(lien[1], lien[2], CODES_STATUT[cellules["Statut"]], cellules))
    return resultat
