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
    gene_symbols,
    hgnc_index,
    is_mouse_prefix,
    mgi_index,
    name_key,
    parse_genes,
    scope,
    symbol_index,
)
from ._exclusions import excluded, other_species
from ._names import CD_DESIGNATION, candidates, clean_name, combo_parts

log = logging.getLogger("mufuse")

MULTI_GENE = ("sum", "first", "all")
LINK_COLUMNS = ["status", "genes", "reason", "clean_name", "wanted", "source"]

Hit = tuple[str, list[str], str]  # (source, genes, why); source "ambiguous" lists the candidate genes


def _via(cand: str, cleaned: str) -> str:
    return "" if cand == cleaned else f" (via '{cand}')"


def _in_curated(cands: list[str], cleaned: str, species: str = "human") -> Hit | None:
    """Look the candidates up in the curated table; the first hit wins."""
    for cand in cands:
        hit = curated_index(species).get(name_key(cand))
        if hit is not None:
            used = scope().used
            if used is not None:
                used.add(name_key(hit.marker))
            return "curated", list(hit.genes), f"curated {hit.kind}{_via(cand, cleaned)}: {hit.evidence}"
    return None


def _symbol(cands: list[str], cleaned: str, genes_present: Mapping[str, list[str]] | None) -> Hit | None:
    """Find the first candidate that is an approved HGNC symbol, or the name of exactly one gene of this RNA."""
    approved = hgnc_index().approved
    for cand in cands:
        k = name_key(cand)
        if k in approved:
            return "hgnc", [approved[k]], f"HGNC approved symbol{_via(cand, cleaned)}: {approved[k]}"
        hits = (genes_present or {}).get(k, []) if k not in WHOLE_LOCI else []  # an RNA's "TRA" is no antigen
        if len(hits) == 1:
            return "symbol", hits, f"marker name{_via(cand, cleaned)} is the RNA gene {hits[0]}"
    return None


def _symbol_family(cands: list[str], cleaned: str) -> Hit | None:
    """Find a name that is an approved symbol without its "1": the first of its numbered genes.

    ``YAP`` → YAP1, ``NCAM`` → NCAM1, ``Twist`` → TWIST1, ``VCAM`` → VCAM1: proteins are called by the first member's
    name, as ``fibronectin`` is FN1 ("fibronectin 1"). The stem ends in a letter and has three characters or more,
    so ``IL1`` is never IL11.
    """
    approved = hgnc_index().approved
    for cand in cands:
        k = name_key(cand)
        if len(k) >= 3 and k[-1].isalpha() and k not in approved and k + "1" in approved:
            return "rule", [approved[k + "1"]], f"'{cand}' is the first of the numbered genes {approved[k + '1']}"
    return None


def _cd_family(cands: list[str], cleaned: str) -> Hit | None:
    """Link a CD number named without its letter to all of its two or three lettered designations.

    ``CD79`` → CD79A/CD79B, ``CD235`` → GYPA/GYPB; each designation is an HGNC alias or curated row of one gene.
    """
    for cand in cands:
        if not re.fullmatch(r"CD\d{1,3}", cand, re.IGNORECASE):
            continue
        members: list[str] = []
        for letter in "ABCDEF":
            key = name_key(cand) + letter
            hit = curated_index().get(key)
            genes = hit.genes if hit else hgnc_index().alias.get(key) or hgnc_index().previous.get(key) or ()
            if len(genes) == 1 and genes[0] not in members:
                members.append(genes[0])
        if 2 <= len(members) <= 3:
            return "rule", members, f"'{cand}' names its lettered designations {cand}a-{cand}{'abc'[len(members) - 1]}"
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
    part, (source, genes, why) = found[0]
    return source, genes, f"synonym list, '{part}': {why}"


_HGNC_TABLES = (
    ("previous", "previous symbol"),
    ("alias", "alias"),
    ("name", "approved name"),
    ("head", "approved name head"),
)


def _hgnc_tables(cands: list[str], cleaned: str, tables=_HGNC_TABLES) -> tuple[Hit | None, Hit | None]:
    """Find the first unique hit in HGNC's previous symbols, aliases and approved names; else the first ambiguous."""
    hgnc = hgnc_index()
    ambiguous = None
    for table, label in tables:
        for cand in cands:
            syms = getattr(hgnc, table).get(name_key(cand))
            if not syms:
                continue
            if len(syms) == 1:
                return ("hgnc", [syms[0]], f"HGNC {label}{_via(cand, cleaned)}: '{cand}' = {syms[0]}"), None
            ambiguous = ambiguous or (
                "ambiguous",
                list(syms),
                f"'{cand}' is an HGNC {label} of several genes ({', '.join(syms)})",
            )
    return None, ambiguous


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
    weak = [c for c, ok in scored if not ok]
    found = _in_curated(strong, cleaned)
    if found:
        return found
    # a slash name, also one a spelling rule wrote ("HLA-DRDPDQ" → HLA-DR/DP/DQ); a comma list of several names
    parts, kind = next((pk for c in [cleaned, *strong] if (pk := combo_parts(c))[1]), ([], ""))
    if kind == "combination":
        found = _combination(parts)
    elif kind == "synonyms":
        found = _synonyms(parts, genes_present)
    elif ", " in cleaned:
        found = _combination([p_.strip() for p_ in cleaned.split(",") if p_.strip()])
    found = found or _symbol(strong, cleaned, genes_present)
    if found:
        return found
    found, ambiguous = _hgnc_tables(strong, cleaned)
    found = found or _symbol_family(strong, cleaned)  # after HGNC's aliases: PSMA is FOLH1, not PSMA1
    found = found or _cd_family(strong, cleaned) or _joined(cleaned, genes_present)
    if found:
        return found
    return (
        _in_curated(weak, cleaned)
        or _symbol(weak, cleaned, genes_present)
        or _cd_designation(weak, cleaned)
        or ambiguous
    )


def _mgi(cands: list[str], cleaned: str, table: str) -> Hit | None:
    """Find the first candidate that is a current MGI symbol (``table="approved"``) or an MGI synonym of one gene."""
    mgi = mgi_index()
    for cand in cands:
        if table == "approved" and name_key(cand) in mgi.approved:
            sym = mgi.approved[name_key(cand)]
            return "mgi", [sym], f"MGI symbol{_via(cand, cleaned)}: {sym}"
        syms = mgi.synonym.get(name_key(cand), ()) if table == "synonym" else ()
        if len(syms) == 1:
            return "mgi", [syms[0]], f"MGI synonym{_via(cand, cleaned)}: '{cand}' = {syms[0]}"
    return None


def _to_mouse(hit: Hit, strong: list[str]) -> Hit | None:
    """Carry a human hit to mouse through HGNC's MGI-curated orthologs.

    A human gene with several mouse orthologs keeps the one spelled like it (CD4 → Cd4), else those the name's MGI
    synonyms point to (CD161 → Klrb1c of the five Klrb1 genes), else all of them.
    """
    mgi = mgi_index()
    named = {s for c in strong for s in mgi.synonym.get(name_key(c), ())}
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
    return hit[0], genes, f"human: {hit[2]}; {said}{note}"


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
    # "mCD4", "mF4/80", "mLy6C": an "m" before a capital names the mouse antigen (guesses, after the whole name)
    weak = [c[1:] for c in strong if re.match(r"^m[A-Z]", c)] + [c for c, ok in scored if not ok]
    # MGI's synonym names the mouse protein where the human answer's orthologs do not: "CD16" is Fcgr3 (FCGR3A's
    # ortholog is Fcgr4), "MGL1" is Clec10a (the human alias MGL1 is LLGL1); never for a name that is itself an MGI
    # symbol ("CD2" is Cd2, whatever gene lists CD2 as a synonym)
    synonym = None if _mgi(strong, cleaned, "approved") else _mgi(strong, cleaned, "synonym")

    def mouse_view(hit: Hit | None) -> Hit | None:
        found = _to_mouse(hit, strong) if hit else None
        return synonym if found and synonym and not set(synonym[1]) & set(found[1]) else found

    # "TTF-1" is NKX2-1 by the human table before it is the MGI symbol Ttf1
    found = (
        _in_curated(strong, cleaned, "mouse")
        or mouse_view(_in_curated(strong, cleaned))
        or _mgi(strong, cleaned, "approved")
    )
    if found:
        return found
    parts, kind = combo_parts(cleaned)
    if kind == "combination":  # "I-A/I-E": each part the mouse way
        subs = [_mouse_lookup(p_, candidates(p_)[1], None) for p_ in parts]
        if all(sub is not None and sub[0] != "ambiguous" for sub in subs):
            genes = list(dict.fromkeys(g for sub in subs if sub is not None for g in sub[1]))
            return "rule", genes, f"combination of {' + '.join(parts)}"
    human = _lookup(cleaned, scored, None)
    if human is not None and human[0] != "ambiguous":
        found = mouse_view(human)
        if found:
            return found
    found = _mgi(strong, cleaned, "synonym") or _in_curated(weak, cleaned, "mouse") or _mgi(weak, cleaned, "approved")
    if found or human is None or human[0] != "ambiguous":
        return found
    orth = [o for h in human[1] for o in mgi_index().orthologs.get(h, ())]
    return "ambiguous", list(dict.fromkeys(orth)) or human[1], human[2]


def _in_rna(gene: str, genes_present: Mapping[str, list[str]]) -> tuple[str | None, str]:
    """RNA var_name for an approved symbol, also through its previous symbols (older annotations)."""
    hits = genes_present.get(name_key(gene), [])
    if hits:
        return next((h for h in hits if h == gene), hits[0]), ""
    old = [o for o in hgnc_index().previous_of.get(gene, ()) if genes_present.get(name_key(o))]
    if len(old) == 1:
        return genes_present[name_key(old[0])][0], f" ({gene} as its previous symbol {old[0]})"
    return None, ""


def _resolve(
    row: dict[str, str], wanted: list[str], source: str, why: str, genes_present: Mapping[str, list[str]]
) -> dict[str, str]:
    """Fill a row from the genes a marker wants: linked to those present in the RNA, else ``gene_absent``."""
    found, missing, notes = [], [], []
    for g in wanted:
        hit, note = _in_rna(g, genes_present)
        if hit is None:
            missing.append(g)
        elif hit not in found:
            found.append(hit)
            notes.append(note)
    row.update(wanted=";".join(wanted), source=source)
    if found:
        extra = "".join(notes) + (f"; not in the RNA: {';'.join(missing)}" if missing else "")
        row.update(status="linked", genes=";".join(found), reason=f"{why}{extra}")
    else:
        row.update(status="gene_absent", reason=f"{why}; but none of {';'.join(wanted)} is in the RNA var_names")
    return row


def _link_one(
    name: str,
    *,
    genes_present: Mapping[str, list[str]],
    overrides: Mapping[str, list[str]],
    exclude: set[str],
    flagged_isotype: bool,
    species: str = "human",
) -> dict[str, str]:
    """One row of the link table: user exclusions → user overrides → exclusion rules → lookup."""
    cleaned, scored = candidates(name)
    row = {"clean_name": cleaned, "genes": "", "wanted": "", "source": "", "status": "", "reason": ""}
    if name in exclude or cleaned in exclude:
        row.update(status="excluded", source="user", reason="excluded by the user (exclude=...)")
        return row
    if name in overrides or cleaned in overrides:
        wanted = list(overrides.get(name, overrides.get(cleaned, [])))
        return _resolve(row, wanted, "user", "user override", genes_present)
    category = excluded(name) or excluded(cleaned) or other_species(name, species)
    if flagged_isotype and category is None:
        category = "isotype control (prot.var['isotype_control'])"
    if category:
        row.update(status="excluded", source="rule", reason=category)
        return row
    hit = (
        _mouse_lookup(cleaned, scored, genes_present) if species == "mouse" else _lookup(cleaned, scored, genes_present)
    )
    if hit is None:
        row.update(
            status="not_found",
            reason=f"no curated entry, HGNC symbol, alias or RNA gene for '{cleaned}'; pass "
            f"overrides={{'{name}': '<GENE>'}} if it has one",
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
    return row


def link_features(
    mdata: MuData,
    *,
    rna: str = "rna",
    prot: str = "prot",
    overrides: Mapping[str, str | Iterable[str]] | None = None,
    exclude: Iterable[str] | None = None,
    multi_gene: str = "sum",
    species: str = "auto",
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
        Markers never to link.
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
        warning that names ``species="mouse"``.

    Returns
    -------
    DataFrame indexed by the protein names with columns ``status`` (``linked``, ``excluded``, ``ambiguous``,
    ``not_found``, ``gene_absent``), ``genes`` (``;``-joined, empty when not linked), ``reason``,
    ``clean_name``, ``wanted`` and ``source``. Also stored in ``mdata.uns["mufuse"]["links"]``.

    References
    ----------
    - Seal R. L. et al. (2023) Genenames.org: the HGNC resources in 2023. *Nucleic Acids Res.* 51:D1003.
      doi:10.1093/nar/gkac888 (approved, previous and alias symbols; CC0).
    - Baldarelli R. M. et al. (2024) The mouse Gene Expression Database (GXD) and Mouse Genome Informatics.
      *Genetics* 227:iyae031. doi:10.1093/genetics/iyae031 (MGI symbols and synonyms; human orthologs through HGNC).
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
    links, params = compute_links(
        mdata, rna=rna, prot=prot, overrides=overrides, exclude=exclude, multi_gene=multi_gene, species=species
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
) -> tuple[dict[str, list[str]], set[str]]:
    """Check the markers and the user's arguments; return the overrides as gene lists and the exclusions as a set."""
    if prot_ad.n_vars == 0:
        raise LinkError(f"modality '{prot}' has no markers (n_vars == 0); nothing to link")
    if not prot_ad.var_names.is_unique:
        dup = prot_ad.var_names[prot_ad.var_names.duplicated()].unique()
        raise LinkError(
            f"modality '{prot}' has duplicated marker names ({', '.join(map(str, dup[:5]))}); links are stored by "
            f"name: run mdata['{prot}'].var_names_make_unique() first"
        )
    if multi_gene not in MULTI_GENE:
        raise MufuseError(f"multi_gene={multi_gene!r} is not one of {', '.join(MULTI_GENE)}")
    if species not in SPECIES:
        raise MufuseError(f"species={species!r} is not one of {', '.join(SPECIES)}")
    if overrides is not None and not isinstance(overrides, Mapping):
        raise LinkError("overrides must be a dict such as {'CD3_TotalSeqB': 'CD3E'}")
    over = {str(k): parse_genes(v) for k, v in (overrides or {}).items()}
    excl = {str(e) for e in ([exclude] if isinstance(exclude, str) else (exclude or []))}
    unknown = sorted(
        (set(over) | excl) - set(map(str, prot_ad.var_names)) - {clean_name(n)[0] for n in prot_ad.var_names}
    )
    if unknown:
        raise LinkError(
            f"overrides/exclude name markers that are not in modality '{prot}': {', '.join(unknown)}; "
            f"markers there are e.g. {', '.join(map(str, prot_ad.var_names[:5]))}"
        )
    for k, genes in over.items():
        if not genes:
            raise LinkError(
                f"override for marker '{k}' of modality '{prot}' names no gene; use exclude=['{k}'] to drop it"
            )
    return over, excl


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
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Compute the link table without writing anything (shared by ``link_features`` and ``harmonize``).

    ``genes`` describes the RNA genes to link to (default: those of the RNA counts, :func:`mufuse._counts.gene_space`).
    """
    rna_ad = _store.get_modality(mdata, rna, "rna")
    prot_ad = _store.get_modality(mdata, prot, "prot")
    over, excl = _link_arguments(prot_ad, prot, overrides, exclude, multi_gene, species)
    genes = _counts.gene_space(rna_ad, rna) if genes is None else genes
    genes_present = symbol_index(genes)
    asked = species
    if species == "auto":
        species = detect_species(gene_symbols(genes))
        log.info("    species: %s (from the case of the gene symbols of modality '%s')", species, rna)
    flags = _isotype_flags(prot_ad)
    rows = {
        name: _link_one(
            name,
            genes_present=genes_present,
            overrides=over,
            exclude=excl,
            flagged_isotype=flags.get(name, False),
            species=species,
        )
        for name in map(str, prot_ad.var_names)
    }
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
        "rna_names": _names_note(genes, rna),
        "species": species,
    }
    return links, params


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
