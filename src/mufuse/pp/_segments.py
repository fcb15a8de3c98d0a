"""TCR variable segments named by antibodies (``TCR Vβ8.1, 8.2``, ``TCRVr3``, ``TCR_Vg1.1_Cr4``) → mouse V genes.

Antibodies against mouse TCR V segments carry the old segment numbers: Arden et al.'s for V beta (MGI keeps them as
synonyms, ``Tcrb-V8.1`` = Trbv13-3), and Garman et al.'s for V gamma, while MGI's and IMGT's Trgv genes follow Heilig
and Tonegawa's numbering. A number both numberings use for different genes is ambiguous: it links to no gene, and the
reason names both.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .._genes import hgnc_index, mgi_index

# "TCR Vβ8.1, 8.2", "TCR_Vb8.1_8.2", "TCRVr3" (γ written r), "TCR Vgamma1.1/Cr4" (with the constant region it joins);
# the chain may come before the V ("TCRb-V5", "TCRγ V1.1", "TCR beta V8.3"), after "TCR" only: "TRBV5" is IMGT's gene
_CHAIN = r"(?:alpha|beta|gamma|delta|[abgdryαβγδ])"  # γ also as its look-alikes "r" and "y" ("TCRY", "Vy2")
_NUMBER = r"\d{1,2}(?:\.\d|[ab](?![a-z]))?"
_TCR_V = re.compile(
    rf"^(?:tcr[ ._-]*(?P<before>{_CHAIN})[ ._-]*|(?:tcr|tr)[ ._-]*)?v[ ._-]?(?P<chain>{_CHAIN})?[ ._-]*"
    rf"(?P<numbers>{_NUMBER}(?:[ ._,/&+-]+(?:(?:tcr|tr)?[ ._-]*v[ ._-]?{_CHAIN}[ ._-]*)?{_NUMBER})*)"
    r"(?:[ ._/+&-]*c(?:r|g|y|γ|gamma)[ ._-]*\d)?(?:[ ._-]*tcr)?$",  # "Vβ8 TCR": the segment before the word
    re.IGNORECASE,
)
_CHAINS = {"a": "a", "alpha": "a", "α": "a", "b": "b", "beta": "b", "β": "b"}
_CHAINS.update({"g": "g", "gamma": "g", "γ": "g", "r": "g", "y": "g", "d": "d", "delta": "d", "δ": "d"})
# mouse V gamma numbers (Garman et al. 1986, Cell 45:733; Heilig & Tonegawa 1986, Nature 322:836): Garman's Vγ1.1-1.3
# are Heilig-Tonegawa's Vγ1-3, Garman's Vγ2-5 their Vγ4-7; MGI's Trgv1-7 follow Heilig and Tonegawa. Vendors name the
# clones in Garman's numbers (2.11 "Vγ1.1", UC3-10A6 "Vγ2", 536 "Vγ3"), papers often in Heilig-Tonegawa's
_GARMAN = {"1.1": "Trgv1", "1.2": "Trgv2", "1.3": "Trgv3", "2": "Trgv4", "3": "Trgv5", "4": "Trgv6", "5": "Trgv7"}
_GARMAN["1"] = "Trgv1;Trgv2;Trgv3"
_HEILIG = {str(n): f"Trgv{n}" for n in range(1, 8)}


@lru_cache(maxsize=1)
def _beta_segments() -> dict[str, str]:
    """Arden V beta numbers → MGI symbols, from MGI's ``Tcrb-V`` synonyms (``8.1`` → Trbv13-3)."""
    out: dict[str, str] = {}
    for sym, synonyms in mgi_index().synonyms_of.items():
        for syn in synonyms:
            m = re.fullmatch(r"Tcrb-V(\d+(?:\.\d+)?)", syn)
            if m:
                out.setdefault(m.group(1), sym)
    return out


def _beta(number: str) -> list[str]:
    """Return the genes of one V beta number: itself, or every member of a family (``Vβ8`` → 8.1, 8.2, 8.3)."""
    table = _beta_segments()
    number = number if number in table else number.rstrip("ab")  # "Vβ10b", "Vβ17a": alleles of Vβ10, Vβ17
    if number in table:
        return [table[number]]
    return [] if "." in number else [table[k] for k in sorted(table) if k.startswith(number + ".")]


def _gamma(number: str) -> tuple[list[str], str]:
    """Return the genes of one V gamma number and the numbering read, or none and why (they disagree)."""
    garman = _GARMAN.get(number, "")
    heilig = _HEILIG.get(number, "") if "." not in number else ""
    if garman and heilig and garman != heilig:
        return [], (
            f"Vγ{number} is {garman} in Garman et al.'s numbering (vendors' clones) and {heilig} in Heilig & "
            f"Tonegawa's (MGI, IMGT, many papers): for a vendor's clone the gene is {garman}"
        )
    if not (garman or heilig):
        return [], f"no mouse V gamma gene is numbered {number}"
    return (garman or heilig).split(";"), "Garman's numbering" if garman else "Heilig & Tonegawa's numbering"


def _segment(cleaned: str) -> tuple[str, list[str]] | None:
    """Read a TCR V-segment name: its chain (``a``, ``b``, ``g``, ``d``) and numbers, or ``None``.

    ``TCR Va2``, ``Vα2``, ``Vbeta8`` name V segments, and so does a vendor's transliteration alone when it is written
    as vendors write it, a capital V and the chain's small letter (``Vb8.1``, ``Vg4``, ``Vd2``); ``VA2`` or ``va2``
    alone may be anything.
    """
    m = _TCR_V.match(cleaned)
    if not m:
        return None
    chains = {_CHAINS[c.lower()] for c in (m.group("before"), m.group("chain")) if c}
    if len(chains) != 1:  # no chain ("TCR V2"), or two that disagree ("TCRb-Vg2")
        return None
    chain = m.group("chain") or m.group("before")
    marked = re.search("tcr|^tr", cleaned, re.I) or len(chain) > 1 or chain in "αβγδ"
    if not (marked or re.match(r"V[abgdr][ ._-]?\d", cleaned)):
        return None
    return chains.pop(), re.findall(_NUMBER, m.group("numbers"))


def segment_read(cleaned: str) -> bool:
    """Tell whether a name reads as a TCR V segment (``Va7.2``, ``Vα24``, ``TCR Vb8.1``).

    Examples
    --------
    >>> segment_read("Va7.2"), segment_read("VA2"), segment_read("CD4")
    (True, False, False)
    """
    return _segment(cleaned) is not None


def chainless_segment(cleaned: str) -> bool:
    """Tell whether a name is a TCR V-segment number without its chain (``TCR V2``, ``TCR-V2``): Vα, Vβ, Vγ or Vδ.

    >>> chainless_segment("TCR-V2"), chainless_segment("TCR Vb2")
    (True, False)
    """
    return re.fullmatch(r"tcr[ ._-]*v[ ._-]*\d{1,2}(?:\.\d)?", cleaned, re.IGNORECASE) is not None


def segment_not_chain(cleaned: str, genes: list[str]) -> str | None:
    """Say why a V-segment name must not link to its chain's constant region, or ``None`` when it may.

    ``TCRb-V1.1`` names one V beta segment; when no rule knows the segment's gene, the chain's constant-region genes
    (TRBC1/TRBC2, which the ``TCRb`` in the name would give) are another antigen.

    Examples
    --------
    >>> segment_not_chain("TCRb-V1.1", ["Trbc1", "Trbc2"]) is not None, segment_not_chain("TCRb", ["Trbc1", "Trbc2"])
    (True, None)
    """
    read = _segment(cleaned)
    if read is None or not genes or not all(re.fullmatch(r"TR[ABGD]C\d*", g, re.IGNORECASE) for g in genes):
        return None
    letter = {"a": "α", "b": "β", "g": "γ", "d": "δ"}[read[0]]
    return (
        f"'{cleaned}' names the TCR V{letter} segment{'s' if len(read[1]) > 1 else ''} {', '.join(read[1])}, not the "
        f"whole chain ({';'.join(genes)} is its constant region), and no rule knows the segment's gene"
    )


def tcr_v_human(cleaned: str) -> tuple[str, list[str], str] | None:
    """Link a human TCR V delta or V gamma name to its gene: ``("rule", genes, why)`` or ``None``.

    Human V delta and V gamma antibodies carry the numbers IMGT and HGNC kept (``TCR Vδ1`` = TRDV1, ``Vg9`` = TRGV9;
    Lefranc & Lefranc 2001, The T cell receptor FactsBook); V alpha and V beta numbers differ from IMGT's (Vα7.2 is
    TRAV1-2, Vβ13.1 TRBV6-5), which only the curated table knows.

    Examples
    --------
    >>> tcr_v_human("TCR Vd1")[1], tcr_v_human("Vg9")[1], tcr_v_human("TCR Vb13.1")
    (['TRDV1'], ['TRGV9'], None)
    """
    read = _segment(cleaned)
    if read is None or read[0] not in "dg":
        return None
    chain, numbers = read
    approved = hgnc_index().approved
    genes = [approved.get(f"TR{chain.upper()}V{n}", "") for n in numbers]
    if not numbers or not all(genes):
        return None
    letter = "δ" if chain == "d" else "γ"
    return "rule", genes, f"TCR V{letter} {', '.join(numbers)}: IMGT/HGNC keep the number: {';'.join(genes)}"


def tcr_v_mouse(cleaned: str) -> tuple[str, list[str], str] | None:
    """Link a mouse TCR V-segment name: ``("rule", genes, why)``, ``("ambiguous", candidates, why)`` or ``None``.

    Several numbers name several segments (``Vβ8.1, 8.2``: clone MR5-2 binds both): all of them link, or none. A
    family's number alone (``Vβ8``) is ``ambiguous``: its clones bind different members.

    Examples
    --------
    >>> tcr_v_mouse("TCR Vb8.1, 8.2")[1], tcr_v_mouse("TCR_Vg1.1_Cr4")[1]
    (['Trbv13-3', 'Trbv13-2'], ['Trgv1'])
    """
    read = _segment(cleaned)
    if read is None:
        return None
    chain, numbers = read
    if chain == "a" and numbers == ["2"]:  # the one mouse V alpha family vendors sell an antibody for (B20.1)
        family = sorted(s for s in mgi_index().symbols if re.fullmatch(r"Trav14[dn]?-\d.*", s))
        why = "TCR Vα2 is IMGT's TRAV14 family (clone B20.1 binds every member): " + ";".join(family)
        return ("rule", family, why) if family else None
    if chain not in "bg":
        return None
    genes: list[str] = []
    labels: list[str] = []
    for number in numbers:
        found, why = (_beta(number), "Arden's numbering, MGI synonym Tcrb-V") if chain == "b" else _gamma(number)
        if chain == "b" and len(found) > 1:  # "Vβ8": clones bind different members (KJ16 8.1 and 8.2; F23.1 all three)
            return (
                "ambiguous",
                found,
                (
                    f"Vβ{number} names a family of segments ({', '.join(found)}); which of them the antibody binds "
                    "depends on its clone"
                ),
            )
        if not found:
            candidates = sorted({g for n in numbers for g in (*_GARMAN.get(n, "").split(";"), _HEILIG.get(n)) if g})
            return ("ambiguous", candidates, why) if chain == "g" and candidates else None
        genes.extend(g for g in found if g not in genes)
        labels.append(why)
    letter = "β" if chain == "b" else "γ"
    return (
        "rule",
        genes,
        (
            f"TCR V{letter} segment{'s' if len(numbers) > 1 else ''} {', '.join(numbers)} "
            f"({'; '.join(dict.fromkeys(labels))}): {';'.join(genes)}"
        ),
    )


_TCR_CHAIN = re.compile(rf"^tcr[ ._-]*(?:c[ ._-]?)?(?P<chain>{_CHAIN})\d?(?:[ ._-]*chain)?$", re.IGNORECASE)


def tcr_chain(cleaned: str, species: str = "human") -> tuple[str, list[str], str] | None:
    """Link a TCR chain named by its Greek letter (``TCRb``, ``TCR β chain``, ``TCRr``) to its constant-region genes.

    The genes are those IMGT names for the chain's constant region (HGNC TRBC1/TRBC2, MGI Trgc1-Trgc4), whatever
    the letter was written as: the Greek symbol, the word, or a Latin look-alike (γ as ``g``, ``r`` or ``y``).

    Examples
    --------
    >>> tcr_chain("TCR b chain")[1], tcr_chain("TCRr", "mouse")[1]
    (['TRBC1', 'TRBC2'], ['Trgc1', 'Trgc2', 'Trgc3', 'Trgc4'])
    """
    m = _TCR_CHAIN.match(cleaned)
    if not m:
        return None
    letter = _CHAINS[m.group("chain").lower()]
    if species == "mouse":
        symbols = mgi_index().symbols
        stem = f"Tr{letter}c"
    else:
        symbols = tuple(hgnc_index().approved.values())
        stem = f"TR{letter.upper()}C"
    genes = sorted(s for s in set(symbols) if re.fullmatch(rf"{stem}\d?", s))
    greek = {"a": "α", "b": "β", "g": "γ", "d": "δ"}[letter]
    return (
        ("rule", genes, f"TCR {greek} chain: its constant region{'s' if len(genes) > 1 else ''} {';'.join(genes)}")
        if genes
        else None
    )
