"""Link protein markers to RNA genes: the lookup order, one row and one reason per marker.

The pieces live beside it: :mod:`mufuse.pp._names` cleans a name and lists its candidate spellings,
:mod:`mufuse.pp._exclusions` says what links to nothing, and :mod:`mufuse._genes` holds the curated table, the HGNC
index and the RNA's gene symbols.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from functools import lru_cache

import pandas as pd
from mudata import MuData

from .. import _counts, _store, _validate
from .._errors import LinkError, MufuseError
from .._genes import (
    SPECIES,
    WHOLE_LOCI,
    curated_index,
    decorations,
    detect_species,
    famplex_index,
    gene_rows,
    gene_symbols,
    hgnc_index,
    is_mouse_prefix,
    mgi_index,
    name_first_words,
    name_key,
    name_word_genes,
    name_word_sets,
    name_words,
    parse_genes,
    scope,
    symbol_index,
)
from ._exclusions import cross_reactive, excluded, other_species, own_immunoglobulin
from ._names import (
    CD_DESIGNATION,
    RELATIVE,
    SMOOTHED,
    candidates,
    clean_name,
    combo_parts,
    fc_gamma_family,
    fc_receptor,
    joined_by_plus,
    listed_subunit,
    lost_letter,
    metal_tagged,
    pan_cut,
    protein_family,
    strip_measurement,
    unflatten,
)
from ._roles import (
    VOCABULARY_REASON,
    antigen_like,
    category_role,
    measure_only,
    paren_antigen,
    reporter_channel,
    structure_role,
    table_roles,
    vocabulary_role,
    words,
)
from ._segments import chainless_segment, segment_not_chain, segment_read, tcr_chain, tcr_v_human, tcr_v_mouse

log = logging.getLogger("mufuse")

MULTI_GENE = ("sum", "first", "all")
LINK_COLUMNS = ["status", "role", "genes", "reason", "clean_name", "wanted", "source"]

Hit = tuple[str, list[str], str]  # (source, genes, why); source "ambiguous" lists the candidate genes


def _via(cand: str, cleaned: str) -> str:
    return "" if cand == cleaned else f" (via '{cand}')"


def _via_span(why: str) -> str | None:
    """Return the part of the name a hit was found by (what :func:`_via` wrote), or ``None``."""
    m = re.search(r"\(via '([^']+)'\)", why)
    return m[1] if m else None


# a slash between two numbers keeps them apart: "CD4/8" (of "CD4/CD8") read without it is CD48
_SLASHED_NUMBER = re.compile(r"\d\s*/\s*\d")


def _in_curated(cands: list[str], cleaned: str, species: str = "human") -> Hit | None:
    """Look the candidates up in the curated table; the first hit wins.

    A name whose Greek letter an export lost (``TCR V_2``) matches only a row written for that lost form.
    """
    lost = lost_letter(cleaned)
    for cand in cands:
        hit = curated_index(species).get(name_key(cand))
        # "CD4/8" is no CD48; "NK1/1", "CD45/2" are a decimal point an export wrote as a slash (NK1.1, CD45.2)
        point = "." in hit.marker and re.fullmatch(r"[^/]*\d/\d", cand) if hit is not None else False
        if hit is not None and _SLASHED_NUMBER.search(cand) and "/" not in hit.marker and not point:
            continue
        if hit is not None and (not lost or lost_letter(hit.marker)):
            used = scope().used
            if used is not None:
                used.add(name_key(hit.marker))
            if hit.kind == "ambiguous":  # "TPO": thrombopoietin or thyroid peroxidase, the name cannot tell
                return "ambiguous", list(hit.genes), f"curated{_via(cand, cleaned)}: {hit.evidence}"
            return "curated", list(hit.genes), f"curated {hit.kind}{_via(cand, cleaned)}: {hit.evidence}"
    return None


def _symbol(cands: list[str], cleaned: str, genes_present: Mapping[str, list[str]] | None) -> Hit | None:
    """Find the first candidate that is an approved HGNC symbol, or the name of exactly one gene of this RNA."""
    approved = hgnc_index().approved
    for cand in cands:
        k = name_key(cand)
        if _SLASHED_NUMBER.search(cand):  # no symbol has a slash between numbers: "CD8/4" is no Cd84
            continue
        if k in approved:
            return "hgnc", [approved[k]], f"HGNC approved symbol{_via(cand, cleaned)}: {approved[k]}"
        hits = (genes_present or {}).get(k, []) if k not in WHOLE_LOCI else []  # an RNA's "TRA" is no antigen
        if len(hits) == 1:
            return "symbol", hits, f"marker name{_via(cand, cleaned)} is the RNA gene {hits[0]}"
    return None


@lru_cache(maxsize=4096)
def _family_members(key: str) -> tuple[str, ...]:
    """Return the approved symbols numbered after a stem (``CLDN`` → CLDN1, CLDN2, ...; ``KRT`` → KRT1, KRT6A, ...).

    Cached: a scan of every approved symbol, asked again for each split of a long run-together name.
    """
    pattern = re.compile(rf"{re.escape(key)}\d+[A-Z]?")
    return tuple(
        sorted(
            (s_ for k, s_ in hgnc_index().approved.items() if k.startswith(key) and pattern.fullmatch(k)),
            key=lambda s_: (int(re.sub(r"\D", "", s_[len(key) :]) or 0), s_),
        )
    )


FAMILY_MEMBERS = 3  # a stem with more numbered genes than this names a family, not its first member


def _symbol_family(cands: list[str], cleaned: str) -> Hit | None:
    """Find a name that is an approved symbol without its "1": the first of its numbered genes, or a family.

    ``YAP`` → YAP1, ``NCAM`` → NCAM1, ``Twist`` → TWIST1, ``VCAM`` → VCAM1: proteins are called by the first member's
    name, as ``fibronectin`` is FN1 ("fibronectin 1"). A stem with more numbered genes names their family (``CLDN``,
    ``MMP``, ``KRT``, ``NOTCH``): no gene, the members listed (status ``ambiguous``). The stem ends in a letter and
    has three characters or more, so ``IL1`` is never IL11.
    """
    approved = hgnc_index().approved
    for cand in cands:
        k = name_key(cand)
        if len(k) >= 3 and k[-1].isalpha() and k not in approved and k + "1" in approved:
            members = _family_members(k)
            if len(members) > FAMILY_MEMBERS:
                shown = ", ".join(members[:6]) + (f", ... ({len(members)} genes)" if len(members) > 6 else "")
                return "ambiguous", list(members), f"'{cand}' names a gene family ({shown}), not one gene"
            return "rule", [approved[k + "1"]], f"'{cand}' is the first of the numbered genes {approved[k + '1']}"
    return None


def _family_word(cleaned: str) -> Hit | None:
    """``LAM``, ``Laminin``, ``Cadherin``: a protein family's name links to no one gene; its members are listed."""
    family = protein_family(cleaned)
    if family is None or not family[1]:
        return None
    name, members = family
    shown = ", ".join(members[:6]) + (f", ... ({len(members)} genes)" if len(members) > 6 else "")
    what = f"'{cleaned}' names the {name} family ({shown})"
    if (_PAN.match(cleaned) or pan_cut(cleaned)) and len(members) <= PAN_MEMBERS:  # "pan-Actin": all six actins
        return "rule", list(members), f"{what}; a pan antibody: linked to every member"
    return "ambiguous", members, f"{what}, not one gene"


PAN_MEMBERS = 8  # a "pan" name of a family with more members than this links to none of them (``ambiguous``)
# "pan-Akt", "panAKT", "Akt (pan)", "Akt_pan": the vendor's mark of an antibody that binds every family member
_PAN = re.compile(r"^(?:[Pp]an|PAN)(?:[-_ .]+|(?=[A-Z0-9]))(?P<a>.+)$|^(?P<b>.+?)(?:[-_ .]+|\()(?:pan|Pan|PAN)\)?$")


def _pan_family(cands: list[str], cleaned: str) -> Hit | None:
    """``pan-Akt``, ``HSP70``: a protein family's name (FamPlex) that no HGNC symbol or alias names.

    FamPlex (Bachman, Gyori & Sorger 2018) lists the genes a family's name covers. A name marked "pan" by its
    vendor (``pan-Akt``, ``Akt (pan)``) binds every member: it links to all of them, up to ``PAN_MEMBERS``. A family
    name HGNC does not know (``HSP70``) is ``ambiguous``, its members listed: antibodies called by a family's name
    are often specific to one member (``PARP`` is PARP1's, ``TGFB`` TGF-β1's), so no member is guessed. A name HGNC
    gives to one gene keeps that gene unless a curated row says otherwise (``Akt`` = AKT1-3, ``STAT5`` = A and B).
    A family word written short (``PanK``, ``panTub``: :func:`pan_cut`) is that family; "pan" before one gene's name
    (``pan-Neurofascin``) is that gene, every isoform.
    """
    hgnc = hgnc_index()
    pan = _PAN.match(cleaned)
    stem = (pan.group("a") or pan.group("b")) if pan else None
    cut = pan_cut(cleaned)  # "PanCad", "panTub": the family word written short
    stem = cut[len("pan-") :] if cut else stem
    if stem is None and any(name_key(c) == "PAN" for c in cands):  # "Akt (pan)", its parentheses read as an alias
        stem = next((c for c in cands if name_key(c) != "PAN"), None)
    # "pan-AMPK", "CK-Pan": the curated row says which subunits; one letter is a cut word ("PANK" is no pan-kappa)
    if stem and len(name_key(stem)) > 1 and (curated := _in_curated([stem], cleaned)):
        return curated
    for cand in ([stem] if stem else []) + cands:
        k = name_key(cand)
        families = famplex_index().get(k, ())
        if len(families) != 1 or len(k) < 3:
            continue
        fam = families[0]
        if cand != stem and (k in hgnc.approved or hgnc.previous.get(k) or hgnc.alias.get(k)):
            continue
        shown = ", ".join(fam.members[:6]) + (f", ... ({len(fam.members)} genes)" if len(fam.members) > 6 else "")
        what = f"'{cand}' names the {fam.kind} {fam.entity} in FamPlex ({shown})"
        if cand == stem and fam.kind == "family" and len(fam.members) <= PAN_MEMBERS:
            return "rule", list(fam.members), f"{what}; '{cleaned}' is a pan antibody: linked to every member"
        if _SUBUNIT_FAMILY.search(fam.entity) and len(fam.members) <= 3:  # "AMPKa": PRKAA1 and PRKAA2 carry it
            return "rule", list(fam.members), f"{what}: one subunit, encoded by paralogs; linked to every member"
        return "ambiguous", list(fam.members), f"{what}, not one gene"
    if stem and len(name_key(stem)) >= 5 and pan is not None:  # "pan-Neurofascin": every isoform of one gene
        one = _lookup(stem, [(stem, True)], None)
        if one is not None and one[0] != "ambiguous" and len(one[1]) == 1:
            return one[0], one[1], f"'{cleaned}' is a pan antibody of one gene's isoforms: {one[2]}"
    return None


# a FamPlex family that is one subunit by its Greek letter, made by two or three paralogs ("AMPK_alpha": PRKAA1/2)
_SUBUNIT_FAMILY = re.compile(r"^AMPK_(?:alpha|beta|gamma)$")  # AMPK's subunits; "HIF_beta", "G_s_alpha" are no such


# a complex named with one subunit's Greek letter ("AMPK beta", "AMPK β1", "CaMKII-gamma", "CK2β"): the members
# whose symbols spell that letter after the complex's common stem (PRKAB1/2; CAMK2G; CSNK2B)
_SUBUNIT_NAME = re.compile(
    r"^(?P<stem>[A-Za-z][A-Za-z0-9]*?)[ ._-]*(?P<g>alpha|beta|gamma|delta|epsilon|[αβγδε]|(?<=[A-Z])[abgde])"
    r"(?P<n>\d?)$",
    re.IGNORECASE,
)


def _complex_subunit(cleaned: str) -> Hit | None:
    """Link a complex named with one subunit's letter to the members that carry it (``AMPK beta`` → PRKAB1, PRKAB2).

    Only a FamPlex complex or family whose every member's symbol is a common stem and a letter with an optional
    number (AMPK: PRKA + A1 ... G3; CaMKII: CAMK2 + A, B, D, G), so the letter names the subunit; never the whole
    complex ("AMPK" alone is its catalytic α subunits) and never a family of other shapes (HIF: ARNT is HIF-β).
    """
    m = _SUBUNIT_NAME.match(cleaned)
    families = famplex_index().get(name_key(m["stem"]), ()) if m else ()
    if not m or len(families) != 1:
        return None
    members = list(families[0].members)
    shared = next((i for i, chars in enumerate(zip(*members, strict=False)) if len(set(chars)) > 1), 0)
    stem = members[0][:shared]
    if len(stem) < 3 or not all(re.fullmatch(r"[A-Z]\d*", g[len(stem) :]) for g in members):
        return None
    letter = name_key(m["g"])  # "beta", "β", "b": B
    picked = [g for g in members if re.fullmatch(letter + (m["n"] or r"\d*"), g[len(stem) :])]
    if not picked:
        return None
    greek = "αβγδε"["ABGDE".index(letter)]
    return (
        "rule",
        picked,
        f"'{cleaned}' names the {greek} subunit of {families[0].entity} (FamPlex): {', '.join(picked)}",
    )


_DOTTED = re.compile(r"^(?P<base>[A-Za-z][A-Za-z0-9-]*\d)\.(?P<n>\d)$|^(?P<cd>CD\d{1,3})-(?P<n2>\d)$", re.IGNORECASE)


@lru_cache(maxsize=1)
def _raw_mgi_synonyms() -> dict[str, tuple[str, ...]]:
    out: dict[str, set[str]] = {}
    for sym, synonyms in mgi_index().synonyms_of.items():
        for syn in synonyms:
            out.setdefault(syn.upper(), set()).add(sym)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _dotted_synonym(cleaned: str) -> Hit | None:
    """``CD16.2`` and ``CD16-2`` are MGI's ``CD16-2`` (Fcgr4, FcγRIV), not an allotype or a duplicate column of CD16."""
    m = _DOTTED.match(cleaned)
    written = f"{m['base'] or m['cd']}-{m['n'] or m['n2']}" if m else ""
    genes = _raw_mgi_synonyms().get(written.upper(), ()) if m else ()
    if len(genes) != 1 or m is None:
        return None
    # "CD16-2" is MGI's own spelling, never CD16's duplicate column
    how = f" (the dot of '{cleaned}' as MGI writes it)" if m["base"] else ""
    return "mgi", list(genes), f"MGI synonym '{written}'{how} = {genes[0]}"


def _designations(cand: str) -> list[tuple[str, list[str]]]:
    """Return the lettered designations of a bare CD number (``CD172`` → CD172a, CD172b, CD172g) with their genes.

    A designation is a curated row, an approved symbol, an HGNC alias or a previous symbol (``CD300a`` is the symbol
    CD300A, ``CD300f`` an alias of CD300LF); a bare number that is itself a symbol or alias has none.
    """
    key = name_key(cand)
    index = hgnc_index()
    if not re.fullmatch(r"CD\d{1,3}", cand, re.IGNORECASE) or key in index.approved or key in index.alias:
        return []
    out = []
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        hit = curated_index().get(key + letter)
        approved = index.approved.get(key + letter)
        genes = hit.genes if hit else (approved,) if approved else index.alias.get(key + letter) or ()
        genes = genes or index.previous.get(key + letter) or ()
        if genes:
            out.append((f"{cand}{letter.lower()}", list(genes)))
    return out


def _cd_family(cands: list[str], cleaned: str) -> Hit | None:
    """Link a CD number named without its letter to its two or three lettered designations, or none above.

    ``CD79`` → CD79A/CD79B, ``CD235`` → GYPA/GYPB, ``CD172`` → SIRPA/SIRPB1/SIRPG: each designation a gene of its own.
    More designations (``CD1`` a-e, ``CD11`` a-d, ``CD49`` a-f) or one naming several genes: a family, ``ambiguous``
    with every member named, never some of them.
    """
    for cand in cands:
        found = _designations(cand)
        if len(found) < 2:
            continue
        genes = list(dict.fromkeys(g for _, gs in found for g in gs))
        listed = ", ".join(f"{d} {'/'.join(gs)}" for d, gs in found)
        if len(found) <= 3 and all(len(gs) == 1 for _, gs in found) and len(genes) == len(found):
            return "rule", genes, f"'{cand}' names its lettered designations ({listed})"
        return "ambiguous", genes, f"'{cand}' names a family of {len(found)} lettered designations ({listed})"
    return None


def _joined(cleaned: str, genes_present: Mapping[str, list[str]] | None) -> Hit | None:
    """``CD79_IgB``, ``CD3 epsilon``: a CD name joined to a protein name; the genes both names agree on.

    Each of the two names is looked up on its own; the link is the genes they share (CD79 = CD79A/CD79B and Igβ =
    CD79B give CD79B), never one name alone.
    """
    parts = [p_ for p_ in re.split(r"[_\s]+", cleaned) if p_]
    if len(parts) != 2 or not any(CD_DESIGNATION.match(p_) for p_ in parts):
        return None
    subs = [_lookup(p_, candidates(p_)[1], genes_present) for p_ in parts]
    if any(sub is None or sub[0] == "ambiguous" for sub in subs):
        return None
    first, second = (sub[1] for sub in subs if sub is not None)
    shared = [g for g in first if g in second]
    if not shared:
        return None
    return "rule", shared, f"'{parts[0]}' and '{parts[1]}' name the same protein: {';'.join(shared)}"


def _combination(parts: list[str]) -> Hit | None:
    """``CK8/18``: every part must link on its own; the genes of all parts together."""
    genes: list[str] = []
    for part in parts:
        sub = _lookup(part, candidates(part)[1], None)
        if sub is None or sub[0] == "ambiguous":
            return None
        genes.extend(g for g in sub[1] if g not in genes)
    return "rule", genes, f"combination of {' + '.join(parts)}"


def _synonyms(parts: list[str], genes_present: Mapping[str, list[str]] | None) -> Hit | None:
    """``TCF1/TCF7``: names of one antigen; an approved symbol among them names it best."""
    subs = [(p_, _lookup(p_, candidates(p_)[1], genes_present)) for p_ in parts]
    found = [(p_, r) for p_, r in subs if r is not None and r[0] != "ambiguous"]
    found.sort(key=lambda pr: name_key(pr[0]) not in hgnc_index().approved)
    if not found:
        return None
    if len(found) == len(parts) and _distinct_antigens([r for _, r in found]):
        # "E-Cadherin / P-Cadherin", "Vimentin/Desmin": each an antigen of its own, no synonyms
        genes = [g for _, r in found for g in r[1]]
        return "rule", genes, f"antigens listed ({' + '.join(parts)}), each named by a curated row or approved name"
    part, (source, genes, why) = found[0]
    return source, genes, f"synonym list, '{part}': {why}"


def _coded_synonym(why: str) -> bool:
    """Tell an MGI synonym written as a code with a number (``Mac1``, ``Ly65``: Itgam, Bst1), never a word.

    The synonym "Erythroid" of Spta1 is a cell population's name.
    """
    m = re.match(r"MGI synonym(?: \(via '[^']*'\))?: '([^']+)'", why)
    return bool(m and re.search(r"[A-Za-z].*\d", m[1]))


def _distinct_antigens(hits: list[Hit]) -> bool:
    """Tell whether every hit names its antigen (a curated row, an approved symbol or name) and no two share a gene.

    Then the names are antigens listed, not synonyms; an alias or previous symbol may be another gene's by chance
    (``TCF1`` of ``TCF1/TCF7`` is HNF1A's previous symbol).
    """
    named = ("curated", "HGNC approved", "MGI symbol", "as in human (curated", "as in human (HGNC approved")
    if len(hits) < 2 or any(not (h[2].startswith(named) or _coded_synonym(h[2])) for h in hits):
        return False
    genes = [g for h in hits for g in h[1]]
    return len(genes) == len(set(genes))


_HGNC_TABLES = (
    ("previous", "previous symbol"),
    ("alias", "alias"),
    ("name", "approved name"),
    ("head", "approved name head"),
)


def _first_numbered(syms: tuple[str, ...]) -> str | None:
    """Return the gene numbered 1 of two or three genes that differ only in their number (PROM1, PROM2), or None."""
    parsed = [re.fullmatch(r"(?P<stem>[A-Z][A-Z0-9]*?[A-Z])(?P<n>\d)", s_) for s_ in syms]
    if not 2 <= len(syms) <= FAMILY_MEMBERS or not all(parsed):
        return None
    stems = {m["stem"] for m in parsed if m}
    numbers = sorted(int(m["n"]) for m in parsed if m)
    return f"{stems.pop()}1" if len(stems) == 1 and numbers == list(range(1, len(syms) + 1)) else None


def _hgnc_tables(cands: list[str], cleaned: str, tables=_HGNC_TABLES) -> tuple[Hit | None, Hit | None]:
    """Find the first unique hit in HGNC's previous symbols, aliases and approved names; else the first ambiguous."""
    hgnc = hgnc_index()
    ambiguous = None
    # a CD designation is read first, in every table: "CD270 (HVEM, TR2)" is CD270, never TR2 (NR2C1's previous symbol)
    designations = [c for c in cands if CD_DESIGNATION.match(c.upper())]  # "cd270 (hvem, tr2)" too
    pairs = [(t, c) for c in designations for t in tables] + [(t, c) for t in tables for c in cands]
    for (table, label), cand in pairs:
        syms = None if _SLASHED_NUMBER.search(cand) else getattr(hgnc, table).get(name_key(cand))  # CD3/4: no CD34
        if not syms:
            continue
        if len(syms) == 1:
            return ("hgnc", [syms[0]], f"HGNC {label}{_via(cand, cleaned)}: '{cand}' = {syms[0]}"), None
        first = _first_numbered(syms) if table == "head" else None
        if first:  # "Prominin" is prominin 1 (PROM1) as NCAM is NCAM1: the first of up to three numbered genes
            why = f"'{cand}' names the numbered genes {', '.join(sorted(syms))}: the first, {first}"
            return ("rule", [first], why), None
        ambiguous = ambiguous or (
            "ambiguous",
            list(syms),
            f"'{cand}' is an HGNC {label} of several genes ({', '.join(syms)})",
        )
    return None, ambiguous


def _first_word(cleaned: str) -> Hit | None:
    """Link a protein's one-word name that begins its gene's approved name: one gene, or the first of three.

    ``Fascin`` is "fascin actin-bundling protein 1" of FSCN1-3, the first; ``Clusterin`` is CLU.
    """
    if not re.fullmatch(r"[A-Za-z]{3,}(?:in|ase)", cleaned):  # a protein's own name; never "Erythroid", "Phospho"
        return None
    syms = hgnc_index().first_word.get(name_key(cleaned), ())
    pick = syms[0] if len(syms) == 1 else _first_numbered(syms) if len(syms) <= 3 else None
    return ("rule", [pick], f"'{cleaned}' begins the approved name of {pick}") if pick else None


_HEAD_NUMBER = re.compile(r"(?P<words>[A-Za-z][A-Za-z]+(?:[ _-]+[A-Za-z]+)*)[ ._-]*(?P<n>\d{1,2})")


def _head_and_number(cleaned: str) -> Hit | None:
    """Link a protein named by its approved name's first words and its number (``Jagged-1``, ``Delta-like 4``).

    ``Jagged-1`` is "jagged canonical Notch ligand 1" (JAG1), ``Delta-like 4`` "delta like canonical Notch ligand 4"
    (DLL4). The name's words stand in the approved name in their order, the first one first, and the approved name
    ends in the number; exactly one protein-coding gene (``Delta-like 1``: DLL1 and DLK1, none).
    """
    m = _HEAD_NUMBER.fullmatch(cleaned)
    if m is None:
        return None
    words = [w.lower() for w in re.split(r"[ _-]+", m["words"])]
    sets = name_word_sets()

    def fits(symbol: str) -> bool:
        said = re.findall(r"[a-z0-9]+", sets[symbol][0].lower().replace("-", " "))
        rest = iter(said[1:])
        return said[0] == words[0] and all(w in rest for w in words[1:]) and said[-1] == m["n"]

    syms = [s_ for s_ in name_first_words().get(words[0], ()) if fits(s_)]
    if len(syms) != 1:
        return None
    return "rule", syms, f"'{cleaned}' is the first words and number of HGNC's approved name of {syms[0]}"


NAME_WORDS_RARE = 20  # a word held by more approved names than this describes genes ("protein", "receptor")


def _reordered_name(cleaned: str) -> Hit | None:
    """Link a protein named by the words of its gene's approved name in another order: one gene, or its members.

    ``Cardiac Actin`` is "actin alpha cardiac muscle 1" (ACTC1), ``Skeletal Muscle Actin`` "actin alpha 1, skeletal
    muscle" (ACTA1): every word of the name (two or more, three letters or more, one of them held by at most
    ``NAME_WORDS_RARE`` names) is a word of exactly one protein-coding gene's HGNC approved name; words held by
    several genes' names list them (``Muscle Actin``: ACTA1, ACTA2, ACTC1, ACTG2; status ``ambiguous``).
    """
    words = set(re.findall(r"[a-z]{3,}", cleaned.lower())) - {"the", "and", "for", "with"}
    if any(name_key(w) in hgnc_index().approved for w in re.split(r"[^A-Za-z0-9]+", cleaned) if w):
        return None  # "EGFR signaling" is EGFR's, never EPS8 ("EGFR pathway substrate 8, signaling adaptor")
    counts = name_words()[0]
    if len(words) < 2 or re.search(r"\d", cleaned) or min(counts.get(w, 0) for w in words) > NAME_WORDS_RARE:
        return None
    index = name_word_genes()
    syms = sorted(frozenset.intersection(*(index.get(w, frozenset()) for w in words)))
    if len(syms) == 1:
        return "rule", syms, f"the words of HGNC's approved name of {syms[0]} ('{name_word_sets()[syms[0]][0]}')"
    if 1 < len(syms) <= 6:
        return "ambiguous", syms, f"'{cleaned}' has the words of several genes' approved names ({', '.join(syms)})"
    return None


def _cd_designation(weak: list[str], cleaned: str) -> Hit | None:
    """Link a CD designation wherever it stands in the name (``Hu.CD138_MI15``): it is unambiguous."""
    for cand in weak:
        if CD_DESIGNATION.match(cand):
            found, _ = _hgnc_tables([cand], cleaned, _HGNC_TABLES[:2])
            if found:
                return found
    return None


def _lookup(cleaned: str, scored: list[tuple[str, bool]], genes_present: Mapping[str, list[str]] | None) -> Hit | None:
    """Find the genes of a cleaned marker name: ``(source, genes, why)``; source ``"ambiguous"`` lists candidates.

    Order: curated table (strong candidates) → slash combinations, synonym lists or comma lists (each part looked up
    the same way) → HGNC approved symbol or a gene of this RNA with that name (strong) → HGNC previous symbol,
    alias, approved name, approved-name head (strong, unique) → first of the numbered genes (``NCAM`` → NCAM1) →
    curated table (guesses) → approved symbol (guesses) → CD designations (guesses) → ambiguous.
    """
    strong = [c for c, ok in scored if ok]
    weak = [c for c, ok in scored if not ok and not measure_only(c)]  # "Max" of "OD max" is no MAX
    found = _in_curated(strong, cleaned)
    if found or lost_letter(cleaned):  # "TCR _ chain": only a curated row for the exact name links it
        return found
    if listed_subunit(cleaned):  # "IL-12/IL-23 p40" with no row for the subunit: one subunit, never both cytokines
        return "ambiguous", [], f"'{cleaned}' names one subunit the listed cytokines share; no curated row says which"
    found = tcr_chain(cleaned) or _family_word(cleaned)
    if found:
        return found
    pan = _pan_family(strong, cleaned)  # 'pan-Akt' is AKT1-3, not HGNC's alias of AKT1; 'SMAD2/3_pan' no slash name
    if pan and (pan[0] != "ambiguous" or pan_cut(cleaned)):  # "panTub" is the tubulins, never the span "Tub" (TUB)
        return pan
    # a slash name, also one a spelling rule wrote ("HLA-DRDPDQ" → HLA-DR/DP/DQ); a comma list of several names
    parts, kind = next((pk for c in [cleaned, *strong] if (pk := combo_parts(c))[1]), ([], ""))
    if kind == "combination":
        found = _combination(parts)
        # "CD3_28" is CD3/28 or nothing, never the alias CD328 = SIGLEC7; "Collagen IV + laminin" both or nothing
        if found is None and (unflatten(cleaned) or joined_by_plus(cleaned)):
            return None
    elif kind == "synonyms":
        found = _synonyms(parts, genes_present)
    elif ", " in cleaned:  # "Cytokeratin 5, Cytokeratin 8"; "HLA-DR, DP, DQ" as HLA-DR/DP/DQ
        tails, comma = combo_parts(cleaned.replace(", ", "/"))
        listed = [p_.strip() for p_ in cleaned.split(",") if p_.strip()]
        found = _combination(tails if comma == "combination" else listed)
    found = found or _symbol(strong, cleaned, genes_present)
    if found:
        return found
    found, ambiguous = _hgnc_tables(strong, cleaned)
    ambiguous = ambiguous or pan
    found = found or _symbol_family(strong, cleaned)  # after HGNC's aliases: PSMA is FOLH1, not PSMA1
    found = found or _cd_family(strong, cleaned) or _joined(cleaned, genes_present) or _first_word(cleaned)
    found = found or _head_and_number(cleaned)  # "Jagged-1" (JAG1), "Delta-like 4" (DLL4)
    if found:
        return found
    found = _complex_subunit(cleaned) or _in_curated(weak, cleaned)  # "AMPK beta" is PRKAB1/2, not the weak "AMPK"
    # after a curated span ("Estrogen Receptor alpha" is ESR1's row, not ESRRA's "estrogen related receptor alpha")
    reordered = None if found else _reordered_name(cleaned)  # "Skeletal Muscle Actin" is ACTA1
    return (
        found
        or (reordered if reordered is not None and reordered[0] != "ambiguous" else None)
        or _symbol(weak, cleaned, genes_present)
        or _cd_designation(weak, cleaned)
        or _parts_agree(cleaned, genes_present)
        or _halves_agree(cleaned, genes_present)
        or ambiguous
        or reordered
    )


def _parts_agree(cleaned: str, genes_present: Mapping[str, list[str]] | None) -> Hit | None:
    """``IL-33Ra_ST2``, ``Folate_Receptor_b_FR-b``: a name and its alias joined by an export, the parentheses lost.

    Each part of three characters or more is looked up on its own; the name links when two parts or more name the
    same genes (an ambiguous part agrees when they are among its candidates) and no part names others: one part
    alone is a guess ("light" of "Ig_light_chain" is TNFSF14's alias LIGHT).
    """
    parts = [p_ for p_ in re.split(r"[_]+", cleaned) if len(name_key(p_)) >= 3]
    if len(parts) < 2:
        return None
    hits = [(p_, _lookup(p_, candidates(p_)[1], genes_present)) for p_ in parts]
    found = [(p_, h) for p_, h in hits if h is not None and h[0] != "ambiguous"]
    if not found or len({tuple(h[1]) for _, h in found}) != 1:
        return None
    # an ambiguous part ("ST2": IL1RL1 or SDCBP2) agrees when the genes found are among its candidates
    vague = [h for _, h in hits if h is not None and h[0] == "ambiguous"]
    if any(not set(found[0][1][1]) <= set(h[1]) for h in vague) or len(found) + len(vague) < 2:
        return None
    part, (source, genes, why) = found[0]
    return source, genes, f"'{part}' of '{cleaned}', its other parts agreeing or naming nothing: {why}"


_IN_HALVES: ContextVar[bool] = ContextVar("_IN_HALVES", default=False)


def _halves_agree(cleaned: str, genes_present: Mapping[str, list[str]] | None) -> Hit | None:
    """``TCF1TCF7``, ``CD206MMR``: a name and its alias run together, the separator lost; both halves name one gene.

    Each split where the second half starts with a capital or follows a separator (``Folate-Receptor-β-FR-β``,
    ``folate_receptor_b_fr_b``: an export's flattened brackets) and both halves have three characters or more is tried;
    the name links when both halves link, unambiguously, to the same genes (one half alone is never enough).
    """
    if _IN_HALVES.get() or not re.fullmatch(r"[A-Za-z][A-Za-z0-9αβγδεκλ._-]{5,39}", cleaned):
        return None  # a half is looked up as a name, never split again (each level multiplied the work by its length)
    token = _IN_HALVES.set(True)
    try:
        return _first_agreeing_split(cleaned, genes_present)
    finally:
        _IN_HALVES.reset(token)


def _first_agreeing_split(cleaned: str, genes_present: Mapping[str, list[str]] | None) -> Hit | None:
    """Return the first split of :func:`_halves_agree` whose halves link, unambiguously, to the same genes."""
    for i in range(3, len(cleaned) - 2):
        a, b = cleaned[:i].rstrip("-._"), cleaned[i:]
        if not (b[0].isupper() or cleaned[i - 1] in "-._") or b[0] in "-._" or len(name_key(a)) < 3:
            continue
        hits = [_lookup(x, [(x, True)], genes_present) for x in (a, b)]
        if all(h is not None and h[0] != "ambiguous" for h in hits) and hits[0][1] == hits[1][1]:  # type: ignore[index]
            source, genes, why = hits[1]  # type: ignore[misc]
            return source, genes, f"'{a}' and '{b}' run together in '{cleaned}' both name {';'.join(genes)}: {why}"
    return None


_ALLOTYPE = re.compile(r"^(?P<base>.*[A-Za-z].*\d)\.(?P<allele>\d)$")  # "Ly-5.1", "Thy1.2", "NK1.1"


def _allotype_clash(cand: str, sym: str) -> bool:
    """Tell whether an allotype name (``Ly-5.1``) met an MGI synonym without the dot (``Ly-51``, of Enpep)."""
    if not _ALLOTYPE.match(cand):
        return False
    written = (*mgi_index().synonyms_of.get(sym, ()), sym)
    return not any(name_key(w) == name_key(cand) and "." in w for w in written)


def mgi_synonym_genes(cand: str) -> tuple[str, ...]:
    """Return the genes a name is an MGI synonym of; a dash or dot between digits the name lacks is no match.

    ``CD162`` is Selplg's synonym; MGI's ``CD16-2`` (Fcgr4) shares its key only through the dash.
    """
    mgi = mgi_index()
    syms = mgi.synonym.get(name_key(cand), ())
    if len(syms) < 2 or re.search(r"\d[-.]\d", cand):
        return syms
    key = name_key(cand)
    kept = tuple(
        g for g in syms if any(name_key(w) == key and not re.search(r"\d[-.]\d", w) for w in mgi.synonyms_of[g])
    )
    return kept or syms


def _mgi(cands: list[str], cleaned: str, table: str) -> Hit | None:
    """Find the first candidate that is a current MGI symbol (``table="approved"``) or an MGI synonym of one gene."""
    mgi = mgi_index()
    for cand in cands:
        if _SLASHED_NUMBER.search(cand):  # only a synonym written with the slash ("F4/80"), never "CD8/4" as Cd84
            syms = _raw_mgi_synonyms().get(cand.upper(), ()) if table == "synonym" else ()
            if len(syms) == 1:
                return "mgi", [syms[0]], f"MGI synonym{_via(cand, cleaned)}: '{cand}' = {syms[0]}"
            continue
        if table == "approved" and name_key(cand) in mgi.approved:
            sym = mgi.approved[name_key(cand)]
            return "mgi", [sym], f"MGI symbol{_via(cand, cleaned)}: {sym}"
        syms = mgi_synonym_genes(cand) if table == "synonym" else ()
        if len(syms) == 1 and _allotype_clash(cand, syms[0]):  # "Ly-5.1" is Ly-5 (CD45) of allele 1, not Ly-51
            continue
        if len(syms) == 1:
            return "mgi", [syms[0]], f"MGI synonym{_via(cand, cleaned)}: '{cand}' = {syms[0]}"
    return None


def _fc_mouse(cleaned: str) -> Hit | None:
    """``FcγRIII`` in a mouse panel: MGI's own Fc receptor genes (Fcgr3), never the human numbers carried over."""
    found = fc_receptor(cleaned, "mouse")
    if not found:
        return None
    return "rule", found.split("/"), f"mouse Fc receptor (MGI numbering): {found.replace('/', ';')}"


# mouse MHC and immunoglobulin names with a haplotype or allotype letter: I-A and I-E of any haplotype (I-Ad, I-Ak,
# I-Ag7, I-E[k]), H-2K, H-2D and H-2L of any haplotype (H-2Kq), IgM and IgD of allotype a or b (IgMa, IgDb; their old
# loci Igh-6a, Igh-5b): the letter names a strain's allele of the same genes (Klein 1986, Natural History of the
# Major Histocompatibility Complex; MGI H2-Aa/H2-Ab1, H2-Ea/H2-Eb1, H2-K1, H2-D1, H2-L, Ighm, Ighd)
_HAPLOTYPE = r"[ ._-]?(?:\^|\[|\(|<sup>)?(?:b|d|f|g7|j|k|p|q|r|s|u|v|z)(?:\]|\)|</sup>)?"


def _allele_pattern(i_sep: str, flags: int = 0) -> re.Pattern[str]:
    """Compile the haplotype/allotype names with ``i_sep`` between I and A/E (``I-Ab``; ``IAb`` only as written)."""
    return re.compile(
        rf"^(?:(?:H-?2[ ._-]?)?I{i_sep}(?P<ii>[AE])|H-?2[ ._-]?(?P<i>[KD])){_HAPLOTYPE}$"
        r"|^H-?2[ ._-]?(?P<il>L)[ ._-]?[dq]$"
        r"|^(?:Ig(?P<ig>[MD])|Igh[ ._-]?(?P<igh>[65]))[ ._-]?(?:\^|\[|\()?[ab](?:\]|\))?$",
        flags,
    )


_ALLELE = _allele_pattern("[ ._-]?")
# the same in any case ("IGDA", "i-ab", "H-2KB" of an export that changed the case), the I-A form with its dash only
# ("IAB" may be anything)
_ALLELE_ANY_CASE = _allele_pattern("[ ._-]", re.IGNORECASE)
_ALLELE_GENES = {"A": "H2-Aa;H2-Ab1", "E": "H2-Ea;H2-Eb1", "K": "H2-K1", "D": "H2-D1", "L": "H2-L"}
_ALLELE_GENES |= {"M": "Ighm", "D_IG": "Ighd", "6": "Ighm", "5": "Ighd"}


def _mouse_allele(strong: list[str], cleaned: str) -> Hit | None:
    """Link a mouse MHC or Ig name that carries its haplotype or allotype (``I-Ak``, ``H-2Kq``, ``IgDa``).

    Among the name and its aliases, the first such name wins, so ``MHC Class II (I-Ab)`` is I-A's chains, not all
    of MHC class II's; ``I-Ak`` was MGI's synonym of Aurka and ``IgDa`` HGNC's alias of FOXC1.
    """
    for cand in strong:
        parts = [p_.strip() for p_ in cand.split("/")]  # "I-Ad/I-Ed": both molecules of the haplotype
        found = [_ALLELE.match(p_) or _ALLELE_ANY_CASE.match(p_) for p_ in parts]
        if not all(found):
            continue
        matched = [m for m in found if m]
        genes = list(dict.fromkeys(g for m in matched for g in _allele_genes(m)))
        kind = "haplotype's" if any(m["ii"] or m["i"] or m["il"] for m in matched) else "allotype's"
        return "rule", genes, f"mouse '{cand}' names one {kind} allele of {';'.join(genes)}{_via(cand, cleaned)}"
    return None


def _allele_genes(m: re.Match) -> list[str]:
    """Return the genes of a matched haplotype or allotype name (:data:`_ALLELE_GENES`)."""
    ig = (m["ig"] or "").upper()
    return _ALLELE_GENES[(m["ii"] or m["i"] or m["il"] or m["igh"] or ("D_IG" if ig == "D" else ig)).upper()].split(";")


def _to_mouse(hit: Hit, strong: list[str]) -> Hit | None:
    """Carry a human hit to mouse through HGNC's MGI-curated orthologs.

    A human gene with several mouse orthologs keeps the one spelled like it (CD4 → Cd4), else those the name's MGI
    synonyms point to (CD161 → Klrb1c of the five Klrb1 genes), else all of them.
    """
    mgi = mgi_index()
    via = _via_span(hit[2])
    exact = via is not None and "-" in via and mgi.approved.get(name_key(via)) == via
    if via and exact and hit[1] and via not in mgi.orthologs.get(hit[1][0], ()):
        # "I-A-I-E_H2-Ab1": a span written exactly as an MGI symbol with its hyphen is that mouse gene, never the
        # human symbol its letters spell (H2AB1, a histone: its mouse ortholog H2ab1)
        return "mgi", [via], f"MGI symbol (via '{via}'): {via}"
    named = {s for c in strong for s in mgi_synonym_genes(c)}
    genes: list[str] = []
    lost: list[str] = []
    for human in hit[1]:
        orth = list(mgi.orthologs.get(human, ()))
        same = [o for o in orth if name_key(o) == name_key(human)]
        pick = same or [o for o in orth if o in named] or orth
        genes.extend(g for g in pick if g not in genes)
        if not orth:
            lost.append(human)
    if not genes:
        return None
    note = f"; no mouse ortholog of {';'.join(lost)}" if lost else ""
    said = f"mouse ortholog{'s' if len(genes) > 1 else ''} (HGNC/MGI): {';'.join(genes)}"
    return hit[0], genes, f"as in human ({hit[2]}); {said}{note}"


def _mouse_lookup(
    cleaned: str, scored: list[tuple[str, bool]], genes_present: Mapping[str, list[str]] | None
) -> Hit | None:
    """Find the mouse genes of a marker.

    Order: mouse curated table → human curated table (by orthology) → MGI symbol → the human lookup carried over by
    orthology → MGI synonym of one gene → guesses (mouse curated table, MGI symbol). Mouse antigens first (F4/80 →
    Adgre1, Ly-6C → Ly6c1/Ly6c2, I-A/I-E → H2-Aa/H2-Ab1/H2-Eb1); then what the human knowledge says, in mouse genes
    (CD3 → Cd3d/Cd3e/Cd3g); MGI's own synonyms last among strong candidates, as HGNC aliases are for human.
    """
    strong = [c for c, ok in scored if ok]
    strong += [a["base"] for c in strong if (a := _ALLOTYPE.match(c)) and a["base"] not in strong]  # Ly-5 of Ly-5.1
    # "TCR V_2", "TCR V2": Vα2 or Vγ2 in mouse, the chain lost; the human rows of Hao et al.'s names do not apply
    if lost_letter(cleaned) or chainless_segment(cleaned):
        return _in_curated(strong, cleaned, "mouse")
    # "mCD4", "mF4/80", "mLy6C": an "m" before a capital names the mouse antigen (guesses, after the whole name)
    weak = [c[1:] for c in strong if re.match(r"^m[A-Z]", c)] + [c for c, ok in scored if not ok]
    synonym, shared, part = _mgi_names(strong, weak, cleaned)

    def mouse_view(hit: Hit | None, by_part: bool = True) -> Hit | None:
        found = _to_mouse(hit, [*strong, *weak]) if hit else None  # "CD32 2.4G2": CD32's ortholog, not all of FCGR2's
        if found and hit and hit[0] == "hgnc" and len(shared) > 1:
            return "ambiguous", shared, f"'{cleaned}' is an MGI synonym of several genes ({', '.join(shared)})"
        # a curated row of the whole name is more specific than MGI's synonym of a part ("NFkB p52": not Nfkb1)
        mgi = synonym or (part if by_part else None)
        if not (found and mgi and not set(mgi[1]) & set(found[1])):
            return found
        # a curated human fact gives way to MGI only for another member of its family (CD16: Fcgr3, not Fcgr4);
        # never to an unrelated gene's synonym ("SMA", smooth muscle actin, is MGI's synonym of Ighmbp2 for the
        # disease spinal muscular atrophy); a part of the name, only so
        stems = {re.sub(r"[^A-Za-z].*$", "", g_) for g_ in (*found[1], *mgi[1])}  # "0610010K14Rik": no stem
        family = len(stems) == 1 and "" not in stems
        return mgi if hit and (family or (hit[0] != "curated" and mgi is synonym)) else found

    # "TTF-1" is NKX2-1 by the human table before it is the MGI symbol Ttf1
    found = (
        _mouse_allele(strong, cleaned)
        or _dotted_synonym(cleaned)
        or _in_curated(strong, cleaned, "mouse")
        or tcr_v_mouse(cleaned)
        or tcr_chain(cleaned, "mouse")
        or _fc_mouse(cleaned)
        or mouse_view(_in_curated(strong, cleaned), by_part=False)
        or _mgi(strong, cleaned, "approved")
    )
    if found:
        return found
    combined, flattened = _mouse_combination(cleaned, strong)
    if combined or flattened:
        return combined
    human = _lookup(cleaned, scored, None)
    if human is not None and human[0] != "ambiguous":
        found = _mouse_guess(cleaned, scored, human) or mouse_view(human)
    elif human is not None and (protein_family(cleaned) or pan_cut(cleaned) or len(_designations(cleaned)) > 1):
        return _mouse_members(human)  # "LAM": laminins, not Lsamp; "CD11": CD11a-d, not MGI's "CD11" (CD1.1, Cd1d1)
    if found:
        return found
    found = _mgi(strong, cleaned, "synonym") or _in_curated(weak, cleaned, "mouse") or _mgi(weak, cleaned, "approved")
    if found or human is None or human[0] != "ambiguous":
        return found
    return _mouse_members(human)


def _mgi_names(strong: list[str], weak: list[str], cleaned: str) -> tuple[Hit | None, list[str], Hit | None]:
    """Return what MGI's synonyms say of a mouse name: one gene's synonym, a shared one's genes, a part's.

    MGI's synonym names the mouse protein where the human answer's orthologs do not: "CD16" is Fcgr3 (FCGR3A's
    ortholog is Fcgr4), "MGL1" is Clec10a (the human alias MGL1 is LLGL1); never for a name that is itself an MGI
    symbol ("CD2" is Cd2, whatever gene lists CD2 as a synonym), a short alias in parentheses ("CD49d (α4)": MGI's
    "alpha4" is Igbp1) or a slash form read into a flattened name ("TCF1_TCF7" read as "TCF1/7", Zfp354a's synonym).
    A name MGI gives to several genes ("Sca-1": Ly6a, and Atxn1 of spinocerebellar ataxia 1) is not decided by a
    human alias ("NK1": MGI's Klrb1c, Hgf, Tac1; HGNC's CD160): ambiguous, with the genes MGI names. A part of the
    name MGI names ("CD16" of "CD16 S17014E") decides between members of one family.
    """
    named = [c for c in strong if (c == cleaned or len(name_key(c)) > 3) and ("/" in cleaned or "/" not in c)]
    synonym = None if _mgi(strong, cleaned, "approved") else _mgi(named, cleaned, "synonym")
    shared = [] if synonym else list(dict.fromkeys(g for c in strong for g in mgi_synonym_genes(c)))
    part = None if synonym else _mgi([c for c in weak if len(name_key(c)) > 3], cleaned, "synonym")
    return synonym, shared, part


def _mouse_combination(cleaned: str, strong: list[str]) -> tuple[Hit | None, bool]:
    """Link a slash name part by part the mouse way (``I-A/I-E``, ``CD16_32``): all parts, or none.

    Returns the hit and whether the name was a flattened pair whose parts did not all link (then it links to nothing,
    never to one part's alias).
    """
    parts, kind = next((pk for c in [cleaned, *strong] if (pk := combo_parts(c))[1]), ([], ""))
    # "YM-1/YM-2" (Chil3, Chil4), "MGL1/MGL2" (Clec10a, Mgl2): one stem, numbers that count up or stand apart, are
    # members; "TCF1/TCF7" stay names of one
    stems = {re.sub(r"[ ._-]*\d+$", "", p_).lower() for p_ in parts}
    numbers = [int(m_[1]) if (m_ := re.search(r"(\d+)$", p_)) else -1 for p_ in parts]
    counted = bool(numbers) and numbers[0] >= 0 and numbers == list(range(numbers[0], numbers[0] + len(parts)))
    apart = all(re.search(r"[A-Za-z][ ._-]\d+$", p_) for p_ in parts)
    members = kind == "synonyms" and len(stems) == 1 and (counted or apart)
    if kind not in ("combination", "synonyms"):
        return None, False
    subs = [_mouse_lookup(p_, candidates(p_)[1], None) for p_ in parts]
    linked = all(sub is not None and sub[0] != "ambiguous" for sub in subs)
    named = linked and _distinct_antigens(subs)  # type: ignore[arg-type]
    if kind == "synonyms" and linked and len({tuple(sub[1]) for sub in subs if sub}) == 1:
        return subs[0], False  # "cd21/cd35": one antigen in mouse (Cr2 makes both), whatever human says
    if kind == "synonyms" and not (members or named):  # "Ly-6C/Ly-6G": two antigens; "Ly-6A/Sca-1" one
        return None, False
    if linked:
        genes = list(dict.fromkeys(g for sub in subs if sub is not None for g in sub[1]))
        return ("rule", genes, f"combination of {' + '.join(parts)}"), False
    return None, bool(unflatten(cleaned) or joined_by_plus(cleaned))


def _mouse_guess(cleaned: str, scored: list[tuple[str, bool]], human: Hit | None) -> Hit | None:
    """Return the mouse curated row of a guessed part when the human answer is a guess too.

    ``MHCII_clone``, ``115In_MHCII_clone``: the part ``MHCII`` is a guess in both tables, and the mouse row (I-A and
    I-E) beats the human one (HLA-DR's orthologs), as it does for the whole name.
    """
    if human is None or human[0] == "ambiguous":
        return None
    guess = _in_curated([c for c, ok in scored if not ok], cleaned, "mouse")
    if guess is None:
        return None
    strong = _lookup(cleaned, [(c, True) for c, ok in scored if ok], None)
    return guess if strong is None or strong[0] == "ambiguous" else None


def _mouse_members(human: Hit) -> Hit:
    """Return an ambiguous human answer in mouse genes: its candidates' orthologs, named in the reason."""
    orth = list(dict.fromkeys(o for h in human[1] for o in mgi_index().orthologs.get(h, ())))
    if not orth:
        return "ambiguous", human[1], human[2]
    shown = ", ".join(orth[:6]) + (f", ... ({len(orth)} genes)" if len(orth) > 6 else "")
    return "ambiguous", orth, f"as in human ({human[2]}); in mouse: {shown}"


def _in_rna(gene: str, genes_present: Mapping[str, list[str]]) -> tuple[list[str], str]:
    """RNA var_names for an approved symbol, also through its previous symbols (older annotations).

    A symbol several rows carry (an Ensembl-indexed RNA whose symbol column repeats a name) gives all of them, sorted,
    and says so: their counts are summed, never one chosen by its position.
    """
    hits = sorted(genes_present.get(name_key(gene), []))
    exact = [h for h in hits if h == gene]
    if len(hits) > 1 and not exact:
        return hits, f" ({gene} is carried by {len(hits)} RNA rows, {', '.join(hits[:3])}: all are used)"
    if hits:
        return exact or hits, ""
    old = [o for o in hgnc_index().previous_of.get(gene, ()) if genes_present.get(name_key(o))]
    # a mouse gene under an older MGI symbol (mm10 references write Tcrg-C1 for Trgc1): a synonym that is no
    # current symbol
    mgi = mgi_index()
    old += [
        o
        for o in mgi.synonyms_of.get(gene, ())
        if genes_present.get(name_key(o)) and name_key(o) not in mgi.approved and name_key(o) not in map(name_key, old)
    ]
    if len(old) == 1:
        return genes_present[name_key(old[0])], f" ({gene} as its previous symbol {old[0]})"
    return [], ""


def _resolve(
    row: dict[str, str], wanted: list[str], source: str, why: str, genes_present: Mapping[str, list[str]]
) -> dict[str, str]:
    """Fill a row from the genes a marker wants: linked to those present in the RNA, else ``gene_absent``."""
    found, missing, notes = [], [], []
    for g in wanted:
        hits, note = _in_rna(g, genes_present)
        if not hits:
            missing.append(g)
            continue
        new = [h for h in hits if h not in found]
        found.extend(new)
        if new:
            notes.append(note)
    row.update(wanted=";".join(wanted), source=source)
    if found:
        extra = "".join(notes) + (f"; not in the RNA: {';'.join(missing)}" if missing else "")
        row.update(status="linked", genes=";".join(found), reason=f"{why}{extra}")
    else:
        absent = f"{wanted[0]} is not" if len(wanted) == 1 else f"none of {';'.join(wanted)} is"
        row.update(status="gene_absent", reason=f"{why}; but {absent} in the RNA var_names")
    return row


def _species_lookup(
    cleaned: str, scored: list[tuple[str, bool]], species: str, genes_present: Mapping[str, list[str]]
) -> Hit | None:
    """Look a cleaned name up in the species' tables."""
    if species == "mouse":
        return _mouse_lookup(cleaned, scored, genes_present)
    # human V delta and V gamma numbers are IMGT's (TCR Vδ1 is TRDV1); mouse ones are not
    hit = _lookup(cleaned, scored, genes_present)
    rest = _after_h(cleaned, genes_present) if hit is None else None  # "hKi67", "hEGFR": the human antigen
    if rest is not None:
        hit = rest[0], rest[1], f"'h' names the human antigen {cleaned[1:]}: {rest[2]}"
    if hit is None or (hit[0] != "ambiguous" and segment_not_chain(cleaned, hit[1])):
        hit = tcr_v_human(cleaned) or hit
    if hit is None and segment_read(cleaned) and not re.match(r"tcr", cleaned, re.IGNORECASE):
        tcr = f"TCR {cleaned}"  # "Va7.2", "Vα24": a V segment named without its receptor, as the curated rows are not
        hit = _lookup(tcr, candidates(tcr)[1], genes_present)
    return hit


# the soluble form of a receptor or ligand as multiplex kits write it: "sCD40L", "sST2", "sIL-6R", "suPAR"; the
# rest must link on its own (never "sST2" as the MGI synonym sst2 of Sstr2, "sPD-L1" as the symbol SPDL1)
_SOLUBLE = re.compile(r"^s(?=[A-Z0-9]|[a-z][A-Z]|gp\d)")


def _soluble_form(cleaned: str, species: str, genes_present: Mapping[str, list[str]]) -> Hit | None:
    """Link ``sCD40L`` as CD40L: a lower-case ``s`` before an antigen names its soluble (or surface) form."""
    k, rest_k = name_key(cleaned), name_key(cleaned[1:])
    curated = rest_k in curated_index(species) or rest_k in curated_index()
    # "sAC" is ADCY10's alias, "smAKAP" C2orf88's: a name the tables know whole keeps them, unless what follows the
    # "s" is a curated antigen ("sST2"; HGNC's SST2 is another gene's); "sAA" holds no antigen
    known = bool(mgi_synonym_genes(cleaned)) if species == "mouse" else bool(hgnc_index().alias.get(k))
    named = k in curated_index(species) or (not curated and known)
    if not _SOLUBLE.match(cleaned) or named or len(k) < 4:
        return None
    # what follows the "s" is an antigen written as one ("sCD40L", "sICAM-1", "sTNF-RII", "sE-Selectin", a curated
    # name); never a plain word ("sLeX", a glycan; "sMaf"), nor another species' antigen ("sHLA-G" beside mouse RNA)
    rest = cleaned[1:]
    written = rest.upper() == rest or re.search(r"\d", rest) or re.match(r"^[A-Z]-[A-Z][a-z]+$", rest)
    if not (curated or written) or other_species(rest, species) or excluded(rest):
        return None
    rest, scored = candidates(rest)
    hit = _species_lookup(rest, scored, species, genes_present)
    if hit is None or hit[0] == "ambiguous":
        return None
    form = "surface" if re.match(r"ig[adegm]", rest, re.IGNORECASE) else "soluble"  # "sIgM" is surface IgM
    return hit[0], hit[1], f"'{cleaned}' is {rest} with an 's' for its {form} form: {hit[2]}"


# a CD name and its alias after an export wrote brackets and spaces as one separator each ("CD120b-TNF-RII" for
# "CD120b (TNF-RII)", "CD16.2_FcgRIV", "cd62l_l_selectin"); the tail holds two letters or more and is no second CD
# name (that is a flattened slash: "CD11a-CD18", "CD21-CD35"); a space too ("CD137L 4-1BB"), never before a plus
_FLAT_CD = re.compile(
    r"^(?P<head>CD\d{1,3}[A-Za-z]{0,2}(?:\.\d)?)(?:[-_.]+| )"
    r"(?P<tail>(?!CD\d)(?=[A-Za-z0-9])(?=.*[A-Za-z].*[A-Za-z]).+)$",
    re.I,
)


def _flat_alias(cleaned: str, hit: Hit | None, species: str, genes_present: Mapping[str, list[str]]) -> Hit | None:
    """Read ``CD120b-TNF-RII`` as ``CD120b (TNF-RII)``: the CD name first, as it is before parentheses.

    Only where the name as written does not link to the CD name's genes or a part of them: a word inside the alias
    ("TNF" of "TNF-RII", "IL-2R" of a Greek letter lost) is never the antigen. The alias decides only when it names a
    part of the CD name's genes; a second CD name after the first is a flattened slash and left to those rules.
    """
    if _slash_head(cleaned):
        slash = _flat_slash_head(cleaned, hit, species, genes_present)
        if slash or (hit is not None and hit[0] != "ambiguous" and len(hit[1]) > 1):
            return slash or hit  # "CD16_32_Median": CD16/32 and a tail, never "CD16 (32_Median)"
    m = _FLAT_CD.match(cleaned)
    # "CD8-beta", "CD3-e-chain", "CD45-RA": a chain, a Greek letter or an isoform qualifies the CD name, no alias
    if not m or len(name_key(re.sub(r"[ ._-]*(?:chain|subunit)$", "", m["tail"], flags=re.I))) <= 2:
        return hit
    head_name, tail = m["head"], m["tail"]
    relative = RELATIVE.match(cleaned)
    if relative and relative["w"].lower() == "ligand":  # "CD40 Ligand", "CD30_ligand": CD40's ligand, never CD40
        return hit
    chain = _CHAIN_FIRST.match(tail)
    if chain:  # "CD8_b_Ly-3": the chain letter belongs to the CD name (CD8b), its alias follows
        head_name, tail = f"{head_name} {chain['chain']}", chain["rest"]
    head = _species_lookup(head_name, candidates(head_name)[1], species, genes_present)
    if head is None or head[0] == "ambiguous":
        return hit
    if hit is not None and hit[0] != "ambiguous" and set(hit[1]) <= set(head[1]) and not chain:
        return hit
    read = f"{head_name} ({tail})"
    whole = _species_lookup(*candidates(read), species, genes_present)
    best = whole if whole is not None and whole[0] != "ambiguous" and set(whole[1]) <= set(head[1]) else head
    return best[0], best[1], f"read as '{read}' (an export wrote its brackets as separators): {best[2]}"


# a chain's letter or Greek word after the CD name and before the alias: "b_Ly-3" of "CD8_b_Ly-3"
_CHAIN_FIRST = re.compile(r"^(?P<chain>alpha|beta|gamma|delta|[abgdαβγδ])[-_.](?P<rest>.*[A-Za-z].*[A-Za-z].*)$", re.I)


def _flat_slash_head(cleaned: str, hit: Hit | None, species: str, genes_present: Mapping[str, list[str]]) -> Hit | None:
    """Read ``Ly-6G_C_Gr-1`` as ``Ly-6G/C (Gr-1)``: a flattened slash name first, its flattened alias after it.

    The longest head before a separator that is a flattened slash name (``Ly-6G_C``, ``CD16_32``, ``H-2Kb_Db``,
    ``CD11a_18``) links all its antigens when the name as written linked only some of them or nothing, and the tail
    names nothing outside them (an alias, a clone, a statistic). ``None`` when the name is no such name.
    """
    head = _slash_head(cleaned)
    if head is None:
        return None
    tail = cleaned[len(head) + 1 :]
    head = _LOWER_METAL.sub("", _DASH_LOST.sub("-", head))  # "ly_6g_c" of "141pr_ly_6g_c_gr_1": Ly-6G/C
    found = _species_lookup(head, candidates(head)[1], species, genes_present)
    if found is None or found[0] == "ambiguous" or len(found[1]) < 2:
        return None
    if hit is not None and hit[0] != "ambiguous" and not set(hit[1]) < set(found[1]):
        return None  # the name as written links them all already, or links genes outside them
    alias = _species_lookup(tail, candidates(tail)[1], species, genes_present)
    vague = alias is not None and alias[0] == "ambiguous" and not set(found[1]) <= set(alias[1])
    if alias is not None and (vague or (alias[0] != "ambiguous" and not set(alias[1]) <= set(found[1]))):
        return None  # "CD16_32_CD64": a third antigen; "cd11c_b_ly6": an Ly6 member, no alias of CD11c/b
    if alias is None and re.search(r"[-_.][a-z]$", head) and head.lower() == head:
        return None  # "cd11c_b_ly6": one lower-case letter may be a clone's (B-LY6); only an alias that agrees says
    read = f"{unflatten(head)} ({tail})"
    return found[0], found[1], f"read as '{read}' (an export wrote its slash and brackets as separators): {found[2]}"


# the dash of "H-2Kb", "Ly-6G" written as the export's other separators ("H_2Kb_Db", "ly.6g.c"), and a metal tag a
# sanitiser wrote in lower case ("141pr_"): put back before a flattened head is read
_DASH_LOST = re.compile(
    r"(?<=^[A-Za-z])[_.](?=\d)|(?<=^[A-Za-z]{2})[_.](?=\d)|(?<=^\d{3}[a-z]{2}[_.][A-Za-z]{2})[_.](?=\d)"
)
_LOWER_METAL = re.compile(r"^\d{2,3}[a-z]{1,2}[_.]")


def _slash_head(cleaned: str) -> str | None:
    """Return the longest head of a name before a separator that is a flattened slash name, followed by an alias.

    ``Ly-6G_C`` of ``Ly-6G_C_Gr-1``, ``CD16_32`` of ``CD16_32_Median``; a member letter keeps the case of the letter
    it replaces (``CD11c_B_LY6`` is CD11c and its clone B-LY6).
    """
    seps = [i for i, c in enumerate(cleaned) if c in "_.-" and 0 < i < len(cleaned) - 2]
    for i in reversed(seps):
        head, tail = cleaned[:i], cleaned[i + 1 :]
        if not unflatten(_LOWER_METAL.sub("", _DASH_LOST.sub("-", head))) or len(re.findall(r"[A-Za-z]", tail)) < 2:
            continue
        letter = re.fullmatch(r".*[^A-Za-z](?P<end>[A-Za-z])[-_.](?P<member>[A-Za-z])", head)
        if letter and letter["end"].isupper() != letter["member"].isupper():
            continue
        return head
    return None


# where a name of two antigens splits: a separator, or a run-together second name that repeats the first one's letters
# ("K8K18", "CD3CD28"); a modification's letter before a name ("pMKK3", "c_PARP") is not its stem
_SPLIT_RUN = re.compile(r"(?<=\d)(?=[A-Z])")
_MOD_PREFIX = re.compile(r"^(?:p|c|cl)[-_ .]?(?=[A-Z])")


def _pair_splits(cleaned: str) -> list[tuple[str, str]]:
    """Return the two halves a name of two antigens may split into (at most three separators, so a few lookups)."""
    spaces = cleaned.count(" ")
    # spaces split when they are the only separators ("CD11a CD18", "Granzyme B Perforin") or when there is one
    spaced = spaces == 1 or (spaces == 2 and not re.search(r"[-_.]", cleaned))
    seps = [m.start() for m in re.finditer(r"[-_. ]" if spaced else r"[-_.]", cleaned)]
    if len(seps) > 3 or spaces > 2:  # "Granzyme B_Perforin"; no phrase ("Progesterone Receptor A/B")
        return []
    cuts = [(cleaned[:i], cleaned[i + 1 :]) for i in seps]
    runs = [(cleaned[: m.start()], cleaned[m.start() :]) for m in _SPLIT_RUN.finditer(cleaned)]
    cuts += [(a, b) for a, b in runs if b.startswith(re.sub(r"\d.*$", "", a))]  # "K8K18", never "S100" + "A9"
    return [(a, b) for a, b in cuts if len(name_key(a)) >= 2 and len(name_key(b)) >= 2 and not name_key(b).isdigit()]


def _named(hit: Hit) -> bool:
    """Tell whether a half's link came from a curated row or HGNC's full approved name: an antigen, no clone's code.

    ``UCHL1``, ``AK4`` are clones of CD45RO and CD62P and approved symbols too.
    """
    why = re.sub(r"^as in human \(", "", hit[2])
    return why.startswith("curated") or (
        why.startswith("HGNC approved name") and not why.startswith("HGNC approved name head")
    )


_MIXED_CASE = re.compile(r"(?=.*[a-z])(?=.*[A-Z])[A-Za-z][A-Za-z0-9]{2,}")


def _cd_and_protein(cd: tuple[str, Hit], other: tuple[str, Hit]) -> bool:
    """Tell whether a CD name sits beside a protein's symbol in mixed case (``CD31-vWF``), one gene each.

    Clones' codes are written in capitals (``UCHL1``, ``AK4``, ``SK3``); a protein's symbol in a panel's own case is no
    clone.
    """
    (a, ha), (b, hb) = cd, other
    return bool(
        CD_DESIGNATION.match(a)
        and _MIXED_CASE.fullmatch(b)
        and len(ha[1]) == 1
        and len(hb[1]) == 1
        and hb[2].startswith(("HGNC approved symbol", "curated", "MGI symbol"))
    )


_IG_CLASS = re.compile(r"IG[ADEGM](?:[1-4][A-C]?)?")


def _one_family(a: str, b: str) -> bool:
    """Tell whether two names share the letters before a number (``K8``, ``K18``) or three first letters (``TCRg``)."""
    ka, kb = (name_key(_MOD_PREFIX.sub("", x)) for x in (a, b))
    if _IG_CLASS.fullmatch(ka) and _IG_CLASS.fullmatch(kb):  # "IgD_IgM": two immunoglobulin classes
        return True
    stem_a, stem_b = (re.sub(r"[^A-Z].*$", "", k) for k in (ka, kb))
    return bool(stem_a) and (stem_a == stem_b or (ka[:3] == kb[:3] and ka[:3].isalpha()))


_IN_PAIR: ContextVar[bool] = ContextVar("_IN_PAIR", default=False)


def _listed_pair(cleaned: str, hit: Hit | None, species: str, genes_present: Mapping[str, list[str]]) -> Hit | None:
    """Link both antigens of ``Tox-Tox2``, ``vWF_CD31``, ``c_PARP_c_Casp3``, ``K8K18``: two names an export joined.

    A name links to both halves' genes when each half links on its own (by its strong candidates) to genes the other
    does not, the name as written linked only one half's genes (or nothing), and the halves are two antigens: each a
    curated row or HGNC's full approved name of one gene in four characters or more (``Vimentin_Desmin``), one
    family's names (one stem: ``Tox``/``Tox2``, ``TCRg``/``TCRd``, ``pMKK3``/``MKK6``), or a CD name beside a
    protein's symbol in mixed case (``CD31-vWF``). A second half of two names is read the same way once
    (``ATP1A1_CD45_E-Cadherin``: three). A clone after an antigen (``CD45RO_UCHL1``: UCHL1 is also a gene), a CD
    name's alias (``CD137L_4_1BB``) and a clone number (``cd28_cd28_2``) add nothing. ``None`` otherwise.
    """
    splits = _pair_splits(cleaned)
    via = _via_span(hit[2]) if hit is not None else None
    halves_keys = {name_key(x) for pair in splits for x in pair}
    if hit is not None and hit[0] == "curated" and (via is None or name_key(via) not in halves_keys):
        return None  # a curated row of the whole name, or of more than one half of it, says what it binds ("Ly6A/E")
    for a, b in splits:
        # "CD137L_4_1BB": a CD name and its alias, read by _flat_alias; "CD11a CD18" two CD names; "CD31-vWF" a CD
        # name and a protein written in mixed case, as proteins are and clones' codes are not (UCHL1, AK4)
        protein = _MIXED_CASE.fullmatch(b)
        if CD_DESIGNATION.match(a) and not CD_DESIGNATION.match(b) and not protein:
            continue
        if re.fullmatch(rf"{re.escape(a)}[-_. ]\d{{1,2}}", b, re.IGNORECASE):
            continue  # "cd28_cd28_2": the clone CD28.2 of CD28 (CD282 is TLR2); "Tox_Tox2" two genes
        token = _IN_HALVES.set(True)
        try:  # each half by its own name, never by a guessed span ("PD1L1" is no PD-1)
            halves = [_species_lookup(x, [c for c in candidates(x)[1] if c[1]], species, genes_present) for x in (a, b)]
        finally:
            _IN_HALVES.reset(token)
        ha, hb = halves
        if hb is not None and not _IN_PAIR.get() and re.search(r"[-_. ]", b):  # "ATP1A1_CD45_E-Cadherin": three
            token = _IN_PAIR.set(True)
            try:
                hb = _listed_pair(b, hb, species, genes_present) or hb
            finally:
                _IN_PAIR.reset(token)
        if ha is None or hb is None or ha[0] == "ambiguous" or hb[0] == "ambiguous":
            continue
        if set(ha[1]) & set(hb[1]):
            continue
        union = list(dict.fromkeys([*ha[1], *hb[1]]))
        if hit is not None and hit[0] != "ambiguous" and not set(hit[1]) < set(union):
            return None
        # two curated antigens of one gene each, named in four characters or more: "Ab" (amyloid β), "MEC" (CCL28),
        # "TCR", "MAPK" (ERK1/2 of "p38 MAPK") are words of one antigen's name as often
        curated = all(
            h[2].startswith("two antigens joined") or (_named(h) and len(h[1]) == 1 and len(name_key(x)) >= 4)
            for h, x in ((ha, a), (hb, b))
        )
        curated = curated or _cd_and_protein((a, ha), (b, hb)) or _cd_and_protein((b, hb), (a, ha))
        if not (curated or _one_family(a, b)):
            continue
        return "rule", union, f"two antigens joined ('{a}' + '{b}'): {ha[2]}; {hb[2]}"
    return None


def _human_letter(cleaned: str, species: str) -> str | None:
    """Say why ``hLaminB1``, ``hKi67`` link nothing beside mouse RNA: an "h" before the antigen names the human one.

    Only for a name no table knows whole (``hTERT`` is one) whose rest links in the human tables.
    """
    hit = _after_h(cleaned, None) if species == "mouse" else None
    if hit is None or hit[0] == "ambiguous":
        return None
    return (
        f"antibody against a human antigen ('h' before {cleaned[1:]}: {';'.join(hit[1])}) beside mouse RNA (a human"
        " graft's or spike-in's cells); pass species='human' if the RNA is human"
    )


def _after_h(cleaned: str, genes_present: Mapping[str, list[str]] | None) -> Hit | None:
    """Look up what follows an "h" before a capital (``hKi67`` → Ki67) in the human tables; ``None`` otherwise."""
    if not re.match(r"^h[A-Z]", cleaned):
        return None
    return _lookup(cleaned[1:], candidates(cleaned[1:])[1], genes_present)


INCLUDED = "included by the user"  # the words of a reason that say the user asked for a column (include=)


_AND = re.compile(r"\s+(?:and|&)\s+", re.IGNORECASE)


def _mix_or_one_antibody(
    role: tuple[str, str] | None, cleaned: str, species: str, genes_present: Mapping[str, list[str]]
) -> tuple[tuple[str, str] | None, Hit | None]:
    """Tell one antibody's targets joined by a word (``CD16 and CD32``: 2.4G2) from several antibodies in one channel.

    A name the mix rule excludes (``CD45 and CD31``) is one antibody when its slash form is a curated multi-target
    name or HGNC's full name (``CD16/CD32``, ``Ly6G/Ly6C``, ``I-A/I-E``): no role then, and that name's genes.
    """
    if role is None or not role[1].startswith("several antibodies") or not _AND.search(cleaned):
        return role, None
    slash = _AND.sub("/", cleaned)
    hit = _species_lookup(slash, candidates(slash)[1], species, genes_present)
    if hit is None or hit[0] == "ambiguous" or len(hit[1]) < 2 or not _named(hit):
        return role, None
    return None, (hit[0], hit[1], f"read as '{slash}' (one antibody's targets joined by a word): {hit[2]}")


def _lookup_name(
    cleaned: str, scored: list[tuple[str, bool]], species: str, genes_present: Mapping[str, list[str]]
) -> Hit | None:
    """Read a name by the tables: a soluble form, the species' lookup, a flattened alias, two listed names."""
    hit = _soluble_form(cleaned, species, genes_present) or _species_lookup(cleaned, scored, species, genes_present)
    hit = _flat_alias(cleaned, hit, species, genes_present)
    hit = _listed_pair(cleaned, hit, species, genes_present) or hit
    if hit is None and (family := fc_gamma_family(cleaned, species)):  # "FcYr": which Fc gamma receptor is not said
        hit = "ambiguous", family, f"'{cleaned}' names the Fc gamma receptors ({', '.join(family)}), not one of them"
    return hit


_CADMIUM_LOOKALIKE = re.compile(r"Cd1(?:0[68]|1[0-46])")  # cadmium's isotopes that are CD numbers too
# a mass cytometer's own parameters (Fluidigm/Standard BioTools FCS files)
_MASS_TECHNICAL = re.compile(r"event[ ._]?length|center|offset|width|residual|gaussian|beaddist", re.IGNORECASE)


def _cd_not_cadmium(names: list[str]) -> dict[str, tuple[str, str]]:
    """``Cd110`` in a panel with no other metal channel is MGI's case of CD110 (MPL), not cadmium-110.

    Cadmium's natural isotopes 106, 108, 110-114 and 116 are CD numbers too; only a mass cytometry panel (another
    element's channel or a metal tag beside the antigens) makes them channels. Returns ``{name: ("antigen", why)}``.
    """
    lookalikes = [n for n in names if _CADMIUM_LOOKALIKE.fullmatch(n.strip())]
    mass = [n for n in names if n not in lookalikes and (metal_tagged(n) or _MASS_TECHNICAL.fullmatch(n.strip()))]
    if not lookalikes or mass:
        return {}
    why = "no other metal channel in the panel: a CD antigen in MGI's case, not a cadmium isotope"
    return {n: ("antigen", why) for n in lookalikes}


def _link_one(
    name: str,
    *,
    genes_present: Mapping[str, list[str]],
    overrides: Mapping[str, list[str]],
    exclude: set[str],
    flagged_isotype: bool,
    species: str = "human",
    include: set[str] | frozenset[str] = frozenset(),
    column: str | None = None,
    context: tuple[str, str] | None = None,
) -> dict[str, str]:
    """One row of the link table: user exclusions → user overrides → roles and exclusion rules → lookup.

    ``name`` is the antigen's name (from a ``var`` column when the table has one), ``column`` the column's own name
    (``var_names``); the user's ``exclude``, ``overrides`` and ``include`` may name either.
    """
    cleaned, scored = candidates(name)
    names = {name, cleaned, column or name}
    row = {"clean_name": cleaned, "genes": "", "wanted": "", "source": "", "status": "", "reason": "", "role": "marker"}
    # a plate of wells and a coordinate pair decide before the rules (one well alone may be a gene, "cy" alone a dye);
    # a fluorochrome alone beside scatter channels only where no rule does
    first = context and context[0] in ("hashtag", "position")
    role = context if first else (_rule_role(name, cleaned, species, flagged_isotype) or context)
    role = None if context and context[0] == "antigen" else role  # "Cd110" in a panel of no metal channel
    role, paired = _mix_or_one_antibody(role, cleaned, species, genes_present)
    if names & exclude:
        row.update(status="excluded", source=_store.SOURCE_USER, reason="excluded by the user (exclude=...)")
        row["role"] = role[0] if role else "marker"
        return row
    given = next((n for n in (column, name, cleaned) if n is not None and n in overrides), None)
    if given is not None:
        return _resolve(row, list(overrides[given]), "user", "user override", genes_present)
    included = bool(names & include)
    if role and not included:
        row.update(status="excluded", source="rule", role=role[0], reason=role[1])
        return row
    hit = paired or _lookup_name(cleaned, scored, species, genes_present)
    segment = segment_not_chain(cleaned, hit[1]) if hit is not None and hit[0] != "ambiguous" else None
    if segment:  # "TCRb-V1.1" is one V segment, never the chain's constant region
        hit = None
    human = _human_letter(cleaned, species) if hit is None and not included else None
    if human:  # "hLaminB1" beside mouse RNA: the human graft's or spike-in's antigen
        row.update(status="excluded", source="rule", reason=human)
        return row
    if hit is None:
        usable = included or (antigen_like(cleaned) and not reporter_channel(name))  # "GFP_FICT": a reporter's channel
        lost = f"an export replaced a Greek letter of '{cleaned}' by '_' or '?', so the name no longer says which " + (
            "chain it is; " if lost_letter(cleaned) else ""
        )
        row.update(
            status="not_found",
            role="marker" if usable else "unknown",
            reason=(lost if lost_letter(cleaned) else "")
            + (f"{segment}; " if segment else "")
            + f"no curated entry, HGNC symbol, alias or RNA gene for '{cleaned}'; "
            + (
                f"used unlinked, as an active feature ({INCLUDED if included else 'it reads like an antigen'}); "
                f"pass overrides={{'{column or name}': '<GENE>'}} if it has one, or exclude=['{column or name}']"
                if usable
                else f"it does not read like an antigen and is left out; pass include=['{column or name}'] to use it"
            ),
        )
    elif hit[0] == "ambiguous":
        row.update(
            status="ambiguous",
            wanted=";".join(hit[1]),
            source="hgnc",
            reason=f"{hit[2]}; pass overrides={{'{name}': '<GENE>'}}",
        )
    else:
        _resolve(row, hit[1], hit[0], hit[2], genes_present)
    if included and role:
        row["reason"] += f" (by its name a {role[0]} column: {role[1]})"
    return row


def _near_names(unknown: list[str], names: list[str]) -> str:
    """Say the columns whose names are closest to names that are not there ("did you mean 'AF-A'?")."""
    import difflib

    keys = {name_key(n): n for n in names}
    near = []
    for u in unknown:
        hits = difflib.get_close_matches(name_key(u), list(keys), n=3, cutoff=0.6)
        near += [keys[h] for h in hits if keys[h] not in near]
    if near:
        return f"did you mean {', '.join(repr(n) for n in near[:5])}?"
    return f"its columns are e.g. {', '.join(names[:5])} ({len(names)} in all)"


# how a column measures its antigen, best first (the whole cell's mean): a statistic other than a mean or median, or a
# compartment smaller than the cell, ranks lower; QuPath's neighbourhood averages are never the cell's own value
_STAT_RANK = [({"mean", "avg", "average"}, 0), ({"median"}, 1), ({"integrated", "sum", "total"}, 2)]
_SPREAD = {"max", "maximum", "min", "minimum", "std", "sd", "dev", "stddev", "range", "variance", "mad", "quartile"}
_PLACE_RANK = [({"membrane"}, 1), ({"cytoplasm", "cyto", "ring", "expanded"}, 2), ({"nucleus", "nuclei", "nuclear"}, 3)]


def _measure_rank(column: str) -> tuple:
    """Rank a column among the measurements of one antigen (lower first; ties by name, never by column order)."""
    ws = set(words(column))
    stat = 5 if ws & _SPREAD else next((r for kind, r in _STAT_RANK if ws & kind), 0)
    place = next((r for kind, r in _PLACE_RANK if ws & kind), 0)
    return bool(SMOOTHED.match(column)), stat, place, len(column), column


def _one_column_per_antigen(rows: dict[str, dict], include: set[str]) -> None:
    """Match one column per antigen of an image-analysis table (``Cell: CD3: Mean`` of ``Nucleus: CD3: Mean``, ...).

    Tools write each antigen several times (per compartment, per statistic, smoothed over neighbours); matched all,
    one gene would count several times among the shared features. Among the columns of one cleaned antigen whose
    names are such measurements, the best (:func:`_measure_rank`) is matched and the others are left out with a reason;
    a smoothed column never is. Columns the user included are kept; two clones of one antigen (``CD3.1``, ``CD3.2``)
    are no measurements and are both kept.
    """
    groups: dict[str, list[str]] = {}
    for col, r in rows.items():
        if r["role"] == "marker" and r["status"] != "excluded" and not {col, r["clean_name"]} & include:
            groups.setdefault(name_key(r["clean_name"]), []).append(col)
    for cols in groups.values():
        measured = [c for c in cols if SMOOTHED.match(c) or strip_measurement(c) != c.strip()]
        if not measured:
            continue
        best = min(cols, key=_measure_rank)
        for col in measured:  # a name that is no measurement (another clone, another panel's name) always stays
            antigen = rows[col]["clean_name"]
            if SMOOTHED.match(col):
                why = "an average over the neighbouring cells (QuPath's smoothed feature), not the cell's own value"
            elif col != best:
                why = f"another measurement of '{antigen}': '{best}' is matched (one column per antigen)"
            else:
                continue
            why += f"; pass include=['{col}'] to match it"
            rows[col].update(status="excluded", source=_store.SOURCE_MEASUREMENT, reason=why)


_WELL = re.compile(r"^[A-H](?:0?[1-9]|1[0-2])$")
PLATE_WELLS = 8  # columns named by plate wells that make a panel a MULTI-seq plate (a real panel has at most 1)


def _plate_wells(names: list[str]) -> dict[str, str]:
    """Columns named by 96-well plate positions, when a panel has :data:`PLATE_WELLS` or more of them.

    MULTI-seq and other lipid/cholesterol-tagged oligos are named by the well they were pipetted from (``A1`` ..
    ``H12``); one such name alone may be a gene (``C3``, ``F8``, histone ``H3``), eight or more are a plate.
    """
    wells = [n for n in names if _WELL.match(n)]
    if len(wells) < PLATE_WELLS:
        return {}
    why = (
        f"hashtag / sample barcode ({len(wells)} columns are named by 96-well plate positions, as MULTI-seq names them)"
    )
    return dict.fromkeys(wells, why)


def _rule_role(name: str, cleaned: str, species: str, flagged_isotype: bool) -> tuple[str, str] | None:
    """Return the role and reason a rule gives a column that must not be linked (``None``: a marker to look up).

    Exclusion categories first (isotype, hashtag, stain, technical, another species' antigen, ...), then
    ``prot.var['isotype_control']``, then the vocabularies of non-marker columns (morphology, position, ...).
    """
    # the cleaned name drops a species list's first word ("mouse-rat-CD29" → "rat-CD29"): the whole name decides
    of_other = other_species(name, species) or (None if cross_reactive(name) else other_species(cleaned, species))
    own = own_immunoglobulin(name, species)  # "Mouse-IgD" beside mouse RNA: the B cells' IgD
    category = None if own else excluded(name) or excluded(cleaned) or of_other
    if flagged_isotype and category is None:
        category = "isotype control (prot.var['isotype_control'])"
    if category and not (category.startswith("dye or channel") and paren_antigen(name)):
        return category_role(category), category
    structured = structure_role(name)
    if structured:
        return structured
    # the cleaned name drops a parenthesised antigen ("Comp-BV421-A (CCR7)"): the channel then names the antigen
    found = vocabulary_role(name) or (vocabulary_role(cleaned) if cleaned != name and not paren_antigen(name) else None)
    return (found, VOCABULARY_REASON[found]) if found else None


def link_features(
    mdata: MuData,
    *,
    rna: str = "rna",
    prot: str = "prot",
    overrides: Mapping[str, str | Iterable[str]] | None = None,
    exclude: Iterable[str] | None = None,
    multi_gene: str = "sum",
    species: str = "auto",
    include: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Link every protein marker to the RNA gene(s) that encode it, with a reason per marker.

    The name is cleaned (vendor affixes, imaging channel suffixes, parenthetical aliases), then looked up in
    mufuse's curated table (complexes such as CD3 → CD3D/CD3E/CD3G, isoforms such as CD45RA → PTPRC, epitopes
    such as CD15 → FUT4/FUT9), then matched to a gene symbol. Isotype controls, hashtags, nuclear stains and
    blank channels link to nothing. Only genes present in ``mdata[rna].var_names`` are linked.

    Parameters
    ----------
    mdata
        MuData with an RNA and a protein modality.
    rna, prot
        Names of the two modalities.
    overrides
        ``{marker: "GENE1;GENE2"}`` (or ``"GENE1/GENE2"`` as in MaxFuse's conversion files, or a list): wins over
        everything else. Genes not in the RNA are named in a warning; when none is there, :class:`mufuse.LinkError`.
    exclude
        Markers never to link nor to match. Like ``include`` and ``overrides``, a name may be the column's own name
        (``var_names``), its antigen from ``var``, or its cleaned name: ``exclude=["CD3"]`` also leaves out
        ``CD3_cellMask`` and ``Cell: CD3: Mean``.
    multi_gene
        How :func:`mufuse.pp.harmonize` turns a multi-gene protein into RNA columns: ``"sum"`` (one column,
        the genes' counts summed), ``"first"`` (the first gene present) or ``"all"`` (one feature per gene).
    species
        ``"human"``, ``"mouse"`` or ``"auto"`` (from the case of the RNA gene symbols: ``Cd3e`` is mouse, ``CD3E``
        human; Ensembl IDs and genome prefixes by their species). Mouse panels are looked up in mufuse's mouse table
        (mouse antigens: F4/80 → Adgre1, NK-1.1 → Klrb1c, Ly-6C → Ly6c1/Ly6c2, I-A/I-E → H2-Aa/H2-Ab1/H2-Eb1),
        then in the human table carried over by HGNC's mouse orthologs (CD3 → Cd3d/Cd3e/Cd3g), then as MGI
        symbols, then through the rest of the human lookup by orthology, then as MGI synonyms; MGI's synonym wins
        where the orthologs name another protein (CD16 → Fcgr3). The species used is recorded in
        ``uns["mufuse"]["params"]["link"]["species"]``; a panel of mouse antigens beside RNA read as human gets a
        warning that names ``species="mouse"``, and so does ``species="human"`` passed for RNA whose symbols are
        written as MGI writes mouse genes (``Cd3e``).
    include
        Columns to match as markers whatever their name says: a column that reads as cell shape, a position, a
        control or a name that is no antigen is otherwise left out (its ``role``); an included column is linked when
        its name links, else used unlinked as an active feature. :func:`mufuse.pp.harmonize` uses the links stored
        here: call ``link_features(mdata, include=[...])`` before it (``mufuse harmonize --include`` does both).

    Returns
    -------
    DataFrame indexed by the protein names with columns ``status`` (``linked``, ``excluded``, ``ambiguous``,
    ``not_found``, ``gene_absent``), ``role`` (what the column is: ``marker``, ``isotype``, ``hashtag``, ``stain``,
    ``morphology``, ``position``, ``identifier``, ``channel``, ``technical`` or ``unknown``; only markers that are
    not ``excluded`` are matched, see ``mufuse.pp.PROT_ROLES``), ``genes`` (``;``-joined, empty when not
    linked), ``reason``,
    ``clean_name``, ``wanted`` and ``source``. Also stored in ``mdata.uns["mufuse"]["links"]``.

    Raises
    ------
    MufuseError
        An unknown ``species`` or ``multi_gene``, duplicated gene names in the RNA modality (a marker would link to
        ``Cd4;Cd4``: run ``var_names_make_unique()``), or a missing modality.
    LinkError
        No markers, duplicated marker names, or overrides, exclusions or inclusions that name no marker.

    References
    ----------
    - Seal R. L. et al. (2023) Genenames.org: the HGNC resources in 2023. *Nucleic Acids Res.* 51:D1003.
      doi:10.1093/nar/gkac888 (approved, previous and alias symbols; CC0).
    - Baldarelli R. M. et al. (2024) Mouse Genome Informatics: an integrated knowledgebase system for the laboratory
      mouse. *Genetics* 227:iyae031. doi:10.1093/genetics/iyae031 (MGI symbols and synonyms; human orthologs through
      HGNC).
    - The curated tables (``mufuse/data/protein_gene_links.tsv``, ``mouse_protein_gene_links.tsv``) name the
      evidence of each row (HGNC, MGI, UniProt, HCDM CD nomenclature, vendor datasheets, papers).

    Examples
    --------
    >>> import mufuse
    >>> mdata = mufuse.datasets.simulated(n_cells=300, seed=0)
    >>> links = mufuse.pp.link_features(mdata)
    >>> links.loc["CD3_TotalSeqB", "genes"]
    'CD3D;CD3E;CD3G'
    """
    _validate.require(mdata, "pp.link_features", "a MuData", _validate.is_mudata)
    links, params = compute_links(
        mdata,
        rna=rna,
        prot=prot,
        overrides=overrides,
        exclude=exclude,
        multi_gene=multi_gene,
        species=species,
        include=include,
    )
    _store.update(mdata, {_store.LINKS: links}, params={"link": params})
    n_linked = int((links["status"] == "linked").sum())
    if n_linked < _validate.MIN_SHARED <= int((links["status"] != "excluded").sum()):
        warnings.warn(
            f"only {n_linked} of the {len(links)} markers of modality '{prot}' link to genes of modality '{rna}'; "
            f"harmonize needs at least {_validate.MIN_SHARED}." + _validate.names_hint(mdata.mod[rna], rna),
            UserWarning,
            stacklevel=2,
        )
    counts = links["status"].value_counts()
    log.info(
        "linked %d of %d protein markers (%s)",
        counts.get("linked", 0),
        len(links),
        ", ".join(f"{k}: {v}" for k, v in counts.items()),
    )
    return links.copy()


def _link_arguments(
    prot_ad,
    prot: str,
    overrides: Mapping[str, str | Iterable[str]] | None,
    exclude: Iterable[str] | None,
    multi_gene: str,
    species: str = "auto",
    include: Iterable[str] | None = None,
    antigens: Mapping[str, str] | None = None,
) -> tuple[dict[str, list[str]], set[str], set[str]]:
    """Check the markers and the user's arguments; return the overrides as gene lists, exclusions and inclusions."""
    if prot_ad.n_vars == 0:
        raise LinkError(
            f"modality '{prot}' has no markers (n_vars == 0); nothing to link: pass prot=<the modality that holds the "
            "antibody or imaging markers>, or subset the markers after linking, not before"
        )
    if not prot_ad.var_names.is_unique:
        dup = prot_ad.var_names[prot_ad.var_names.duplicated()].unique()
        raise LinkError(
            f"modality '{prot}' has duplicated marker names ({', '.join(map(str, dup[:5]))}); links are stored by "
            f"name: run mdata['{prot}'].var_names_make_unique() (then mdata.update()) first"
        )
    if multi_gene not in MULTI_GENE:
        raise MufuseError(f"multi_gene={multi_gene!r} is not one of {', '.join(MULTI_GENE)}")
    if species not in SPECIES:
        raise MufuseError(f"species={species!r} is not one of {', '.join(SPECIES)}")
    if overrides is not None and not isinstance(overrides, Mapping):
        raise LinkError("overrides must be a dict such as {'CD3_TotalSeqB': 'CD3E'}")
    over = {str(k): parse_genes(v) for k, v in (overrides or {}).items()}
    excl = {str(e) for e in ([exclude] if isinstance(exclude, str) else (exclude or []))}
    incl = {str(e) for e in ([include] if isinstance(include, str) else (include or []))}
    unknown = sorted(
        (set(over) | excl | incl)
        - set(map(str, prot_ad.var_names))
        - {clean_name(n)[0] for n in prot_ad.var_names}
        - set((antigens or {}).values())
        - {clean_name(n)[0] for n in (antigens or {}).values()}
    )
    if unknown:
        raise LinkError(
            f"overrides/exclude/include name columns that are not in modality '{prot}': {', '.join(unknown)}; "
            + _near_names(unknown, list(map(str, prot_ad.var_names)))
        )
    both = sorted(incl & excl)
    if both:
        raise LinkError(
            f"{', '.join(both)} of modality '{prot}' is both included and excluded; name it in one of include= and "
            "exclude= only"
        )
    for k, genes in over.items():
        if not genes:
            raise LinkError(
                f"override for marker '{k}' of modality '{prot}' names no gene; use exclude=['{k}'] to drop it"
            )
    return over, excl, incl


def _isotype_flags(prot_ad) -> dict[str, bool]:
    """Markers flagged ``True`` in ``prot.var['isotype_control']`` (bool or the string "true")."""
    if "isotype_control" not in prot_ad.var.columns:
        return {}
    col = prot_ad.var["isotype_control"]
    return {str(n): v is True or str(v).lower() == "true" for n, v in zip(prot_ad.var_names, col, strict=True)}


def _check_overrides(links: pd.DataFrame, genes, rna: str, prot: str) -> None:
    """Never let a user's override fail silently: none of its genes in the RNA is an error, some missing a warning."""
    user = links[(links["source"] == "user") & (links["status"] != "excluded")]
    if user.empty:
        return
    example = ", ".join(map(str, genes.var_names[:5]))
    absent = user[user["status"] == "gene_absent"]
    if len(absent):
        what = "; ".join(f"'{m}' → {r['wanted']}" for m, r in absent.iterrows())
        raise LinkError(
            f"overrides of modality '{prot}' name genes that are not in the var_names of modality '{rna}' ({what}); "
            f"var_names there look like {example}: check the spelling, or give the symbols as that RNA spells them"
        )
    for marker, r in user[user["reason"].str.contains("not in the RNA: ", regex=False)].iterrows():
        missing = str(r["reason"]).split("not in the RNA: ", 1)[1]
        warnings.warn(
            f"override '{marker}' of modality '{prot}': gene(s) {missing} are not in the var_names of modality "
            f"'{rna}' and are left out; linked to {r['genes']}",
            UserWarning,
            stacklevel=4,
        )


def compute_links(
    mdata: MuData,
    *,
    rna: str,
    prot: str,
    overrides: Mapping[str, str | Iterable[str]] | None,
    exclude: Iterable[str] | None,
    multi_gene: str,
    genes=None,
    species: str = "auto",
    include: Iterable[str] | None = None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Compute the link table without writing anything (shared by ``link_features`` and ``harmonize``).

    ``genes`` describes the RNA genes to link to (default: those of the RNA counts, :func:`mufuse._counts.gene_space`).
    """
    rna_ad = _store.get_modality(mdata, rna, "rna")
    prot_ad = _store.get_modality(mdata, prot, "prot")
    if species not in SPECIES:
        raise MufuseError(f"species={species!r} is not one of {', '.join(SPECIES)}")
    _unique_genes(rna_ad, rna)
    genes = _counts.gene_space(rna_ad, rna) if genes is None else genes
    gene_rows(genes, rna)
    genes_present = symbol_index(genes)
    asked = species
    species = _species(species, genes, rna)
    antigens, column = antigen_names(prot_ad, prot, species)
    over, excl, incl = _link_arguments(prot_ad, prot, overrides, exclude, multi_gene, species, include, antigens)
    flags = _isotype_flags(prot_ad)
    every = [antigens.get(n, n) for n in map(str, prot_ad.var_names)]
    context = {**table_roles(every), **{n: ("hashtag", why) for n, why in _plate_wells(every).items()}}
    context |= _cd_not_cadmium(every)
    rows = {}
    for name in map(str, prot_ad.var_names):
        antigen = antigens.get(name, name)
        rows[name] = _link_one(
            antigen,
            genes_present=genes_present,
            overrides=over,
            exclude=excl,
            flagged_isotype=flags.get(name, False),
            species=species,
            include=incl,
            column=name,
            context=context.get(antigen),
        )
        if antigen != name:
            rows[name]["reason"] = f"antigen '{antigen}' from var['{column}']; {rows[name]['reason']}"
    _one_column_per_antigen(rows, incl)
    if species == "human" and asked == "auto":
        _warn_mouse_antigens(rows, prot, rna)
    links = pd.DataFrame.from_dict(rows, orient="index")[LINK_COLUMNS]
    links.index.name = None
    links["status"] = links["status"].astype(str)
    _check_overrides(links, genes, rna, prot)
    params = {
        "multi_gene": multi_gene,
        "overrides": json.dumps({k: ";".join(v) for k, v in over.items()}, sort_keys=True),
        "exclude": json.dumps(sorted(excl)),
        "include": json.dumps(sorted(incl)),
        "rna_names": _names_note(genes, rna),
        "species": species,
        "antigen_column": column or "",
    }
    return links, params


# var columns that hold a marker's antigen when var_names are channels or IDs (readfcs/FlowKit "marker" from $PnS,
# MCMICRO/steinbock panel "target", CyTOF "desc", spatial tools "antigen"/"protein")
ANTIGEN_COLUMNS = (
    "marker", "markers", "marker_name", "antigen", "antigens", "target", "targets", "protein", "protein_name",
    "antibody", "antibody_name", "desc", "description", "pns", "$pns", "stain", "epitope", "name", "channel_name",
)  # fmt: skip


def antigen_names(prot_ad, prot: str, species: str = "human") -> tuple[dict[str, str], str | None]:
    """Read each column's antigen from a ``var`` column when the names there link better than ``var_names`` do.

    A flow or mass cytometry file read with readfcs names its columns by channel (``FL1-A``, ``Nd142Di``) and keeps
    the antigen in ``var["marker"]``; imaging panels keep it in ``target`` or ``antigen``. Every column of
    :data:`ANTIGEN_COLUMNS` holding text is scored by how many of its names are markers that link (strong lookups
    only); the one that links the most, and more than ``var_names``, is read, an empty or missing entry falling back
    to the column's own name. Two columns that link equally many but disagree are said in a warning, and neither is
    used: the choice never depends on the order of the columns.

    Returns
    -------
    ``{var_name: antigen}`` for the columns whose antigen differs from their name, and the column read (or ``None``).
    """
    var = prot_ad.var
    names = [str(n) for n in prot_ad.var_names]
    by_lower = {str(c).lower(): c for c in var.columns}
    found = [by_lower[c] for c in ANTIGEN_COLUMNS if c in by_lower]
    if not found:
        return {}, None
    scores: dict[str, tuple[int, dict[str, str]]] = {}
    for col in found:
        values = var[col]
        if not (values.dtype == object or isinstance(values.dtype, pd.CategoricalDtype | pd.StringDtype)):
            continue
        text = [
            ""
            if v is None or (isinstance(v, float) and v != v) or str(v).strip().lower() in ("", "nan", "none")
            else str(v).strip()
            for v in values
        ]
        mapping = {n: t for n, t in zip(names, text, strict=True) if t and t != n}
        if mapping:
            scores[str(col)] = (_n_linkable([mapping.get(n, n) for n in names], species), mapping)
    if not scores:
        return {}, None
    own = _n_linkable(names, species)
    best = max(v[0] for v in scores.values())
    top = sorted(c for c, v in scores.items() if v[0] == best)
    if best <= own:
        return {}, None
    if len(top) > 1 and len({tuple(sorted(scores[c][1].items())) for c in top}) > 1:
        warnings.warn(
            f"modality '{prot}' has several var columns that could hold the antigens ({', '.join(top)}), linking "
            f"equally many markers ({best}) with different names; neither is read: pass overrides= for the markers, "
            f"or remove the column that does not hold the antigens (del mdata['{prot}'].var['<column>'])",
            UserWarning,
            stacklevel=4,
        )
        return {}, None
    log.info("    antigens of modality '%s' read from var['%s'] (%d link, %d by var_names)", prot, top[0], best, own)
    return scores[top[0]][1], top[0]


def _n_linkable(names: list[str], species: str) -> int:
    """How many names are not excluded and link by a strong lookup (no RNA needed): a score for a name column."""
    n = 0
    for name in names:
        cleaned, scored = candidates(name)
        if excluded(name) or excluded(cleaned) or vocabulary_role(name):
            continue
        strong: list[tuple[str, bool]] = [(c, ok) for c, ok in scored if ok]
        hit = _mouse_lookup(cleaned, strong, None) if species == "mouse" else _lookup(cleaned, strong, None)
        n += hit is not None and hit[0] != "ambiguous"
    return n


def _unique_genes(rna_ad, rna: str) -> None:
    """Refuse duplicated gene names: a marker would link to ``Cd4;Cd4``."""
    if not rna_ad.var_names.is_unique:
        dup = rna_ad.var_names[rna_ad.var_names.duplicated()].unique()
        raise MufuseError(
            f"modality '{rna}' has duplicated gene names ({', '.join(map(str, dup[:5]))}); links are stored by "
            f"name: run mdata['{rna}'].var_names_make_unique() (then mdata.update()) first"
        )


def _species(species: str, genes, rna: str) -> str:
    """Return the species to link in: ``auto`` from the case of the RNA symbols; a forced human on MGI case warns."""
    if species == "auto":
        species = detect_species(gene_symbols(genes))
        log.info("    species: %s (from the case of the gene symbols of modality '%s')", species, rna)
    elif species == "human" and detect_species(symbols := gene_symbols(genes)) == "mouse":
        warnings.warn(
            f"species='human' was passed, but the gene symbols of modality '{rna}' are written as MGI writes mouse "
            f"genes ({', '.join(list(symbols)[:3])}, ...): mouse antigens (F4/80, Ly-6C, CD16.2) will not link or "
            "will link to other genes; pass species='mouse' or species='auto'",
            UserWarning,
            stacklevel=4,
        )
    return species


def _mouse_only_keys() -> frozenset[str]:
    """Keys of mouse antigens no human name shares (F4/80, Ly-6C, I-A/I-E, TER-119, CD45.2; not MHCII or TCR)."""
    hgnc = hgnc_index()
    human = set(curated_index()) | set(hgnc.approved) | set(hgnc.alias) | set(hgnc.previous)
    return frozenset(k for k in curated_index("mouse") if k not in human)


def _warn_mouse_antigens(rows: dict[str, dict[str, str]], prot: str, rna: str) -> None:
    """Say so when a panel read beside human RNA names mouse antigens: the RNA may be mouse in upper case."""
    mouse = _mouse_only_keys()
    found = [n for n in rows if any(name_key(c) in mouse for c, ok in candidates(n)[1] if ok)]
    for name in found:
        rows[name]["reason"] += "; a mouse antigen: pass species='mouse' if the RNA is mouse"
    if len(found) >= 2:
        warnings.warn(
            f"modality '{prot}' names mouse antigens ({', '.join(found[:5])}{', ...' if len(found) > 5 else ''}) "
            f"but the gene symbols of modality '{rna}' read as human (upper case): if the data are mouse, pass "
            "species='mouse'",
            UserWarning,
            stacklevel=4,
        )


def _names_note(genes, rna: str) -> str:
    """Say which decorations of the RNA gene names were read through (genome prefixes, joined Ensembl IDs)."""
    found = decorations(genes)
    if not found:
        return ""
    parts = ", ".join(f"'{k}' ({v} genes)" for k, v in found.items())
    mixed = any(is_mouse_prefix(k) for k in found) and any(k != "Ensembl ID" and not is_mouse_prefix(k) for k in found)
    note = f"gene names of modality '{rna}' read without {parts}" + (
        "; human and mouse genes: markers link to the human genes" if mixed else ""
    )
    log.info("    %s", note)
    return note


def shared_features(links: pd.DataFrame, multi_gene: str) -> pd.DataFrame:
    """Turn a link table into the shared-feature table: one row per (protein column, RNA gene set) pair.

    Parameters
    ----------
    links
        Output of :func:`link_features`.
    multi_gene
        ``"sum"``, ``"first"`` or ``"all"`` (see :func:`link_features`).

    Returns
    -------
    DataFrame indexed by shared-feature name with columns ``prot`` (marker) and ``genes`` (``;``-joined genes
    whose counts are summed into the RNA column).

    Examples
    --------
    >>> import pandas as pd
    >>> links = pd.DataFrame({"status": ["linked"], "genes": ["CD3D;CD3E"]}, index=["CD3"])
    >>> shared_features(links, "all").index.tolist()
    ['CD3:CD3D', 'CD3:CD3E']
    """
    rows: list[tuple[str, str, str]] = []
    for marker, row in links.loc[links["status"] == "linked"].iterrows():
        genes = parse_genes(row["genes"])
        if multi_gene == "sum" or len(genes) == 1:
            rows.append((str(marker), str(marker), ";".join(genes)))
        elif multi_gene == "first":
            rows.append((str(marker), str(marker), genes[0]))
        else:
            rows.extend((f"{marker}:{g}", str(marker), g) for g in genes)
    return pd.DataFrame(rows, columns=["feature", "prot", "genes"]).set_index("feature").rename_axis(None)
