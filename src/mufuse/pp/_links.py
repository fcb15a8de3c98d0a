"""Link protein markers to RNA genes: clean the name, look it up, explain every decision."""

from __future__ import annotations

import gzip
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd
from mudata import MuData

from .. import _store
from .._errors import LinkError, MufuseError

log = logging.getLogger("mufuse")

STATUSES = ("linked", "excluded", "ambiguous", "not_found", "gene_absent")
MULTI_GENE = ("sum", "first", "all")
LINK_COLUMNS = ["status", "genes", "reason", "clean_name", "wanted", "source"]

# Names that must link to nothing, checked on the raw and the cleaned name (case-insensitive).
_EXCLUDE_RULES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"isotype|(^|[^a-z])ig[gmae]\d*[a-d]?([ ._-]*(k|kappa|l|lambda|κ|λ))?[ ._-]*(ctrl|control)"),
        "isotype control",
    ),
    (re.compile(r"^(mouse|rat|hamster|armenian[ ._-]?hamster)[ ._-]*ig[gmae]"), "isotype control"),
    # an Ig class named with a host species or "iso" is an isotype control: IgG1_Rat_k, Goat IgG, Arm.ham.IgG.iso
    (
        re.compile(
            r"(mouse|rat|hamster|ham|goat|rabbit|donkey|sheep|chicken)[ ._-]*ig[gmaed]|"
            r"ig[gmaed]\d*[a-d]?[ ._-]*(mouse|rat|hamster|ham|goat|rabbit|donkey|sheep|chicken|iso)"
        ),
        "isotype control",
    ),
    (re.compile(r"^(hashtag|hto|cmo|lmo)[ ._-]*\d*|hashtag|^(b\d{4}|c\d{4})$"), "hashtag / sample barcode"),
    (
        re.compile(r"dapi|hoechst|draq[57]|sytox|^dna[ ._-]*\d*$|^ir[ ._-]*19[13]|19[13]ir|^nucle(ar|us)([ ._-]|$)"),
        "DNA / nuclear stain",
    ),
    (
        re.compile(r"^(blank|empty|unused|none|na|n/a|bg|background|control|ctrl)([ ._-]*\d*)?$|blank|empty"),
        "blank / empty channel",
    ),
    (re.compile(r"background|autofluo|^af\d*$"), "background / autofluorescence channel"),
    (
        re.compile(r"viability|cisplatin|^(pt|rh)[ ._-]*1\d\d|^1\d\d(pt|rh)|live[ ._-]*dead|zombie"),
        "viability / elemental channel",
    ),
    (
        re.compile(r"^(gfp|egfp|yfp|rfp|mcherry|flag|ha[ ._-]*tag|myc[ ._-]*tag|his[ ._-]*tag|v5[ ._-]*tag)$"),
        "non-human epitope tag",
    ),
    (
        re.compile(r"^anti[ ._-]?(pe|apc|fitc|biotin|dextran|his|gfp|dig|digoxigenin|fluorescein|ova|tag)\b"),
        "anti-fluorochrome / tag detection reagent",
    ),
    (re.compile(r"^annexin[ ._-]?(v|5)\b"), "phosphatidylserine stain (Annexin V)"),
]

_PREFIX = re.compile(
    r"^(adt|ab|prot|protein|anti[ ._-]*human|antihuman|abseq|hu|human|cite|x\d{4,}|\d{5,})[ ._:-]+|^h(?=CD\d)",
    re.IGNORECASE,
)
# vendor/assay suffixes need a separator ("TCRab" keeps its "ab"); TotalSeq is unambiguous without one
_SUFFIX = re.compile(
    r"(?:[ ._-]*totalseq[ ._-]*[abcd]?\d*|[ ._-]+(?:ts[abcd]\d*|total[abcd]|adt|prot|protein|abseq|antibody|pab|"
    r"pabo|cite|human|hu))$",
    re.IGNORECASE,
)
# metal/isotope tags of mass cytometry and MIBI (``Ki67_Er168``, ``CD8(Gd155Di)``, ``CD20_161Dy``): a separator,
# an element symbol spelt with its case, a mass; never the digits of a CD number
_ELEMENTS = (
    "La|Ce|Pr|Nd|Pm|Sm|Eu|Gd|Tb|Dy|Ho|Er|Tm|Yb|Lu|Y|In|Pt|Ir|Bi|Cd|Rh|Ba|Cs|Au|Ag|Na|Fe|Si|Ta|Hf|Pd|I|"
    "Xe|Os|Ru|Te|Sn|Zn|Cu|Ca|Mg|Al|Ti|Co|Ni|Ga|Br|Mo|Sb|Hg|Tl|Pb|Ar|Kr|C|P|S|K"
)
# a channel that is only an element or isotope ("Au", "Si", "80ArAr", "Xe131", "191Ir"), spelt with its case;
# one-letter elements only with a real isotope mass ("P31", never "P21")
_ELEMENT_CHANNEL = re.compile(
    rf"^(?:(?P<m1>\d{{2,3}})(?P<e1>{_ELEMENTS})(?:{_ELEMENTS})?|(?P<e2>{_ELEMENTS})(?P<m2>\d{{2,3}})|(?P<e3>{_ELEMENTS}))"
    r"(?:Di)?$"
)
_ONE_LETTER_MASSES = {"C": {12, 13}, "P": {31}, "S": {32, 33, 34}, "K": {39, 40, 41}, "Y": {89}, "I": {127}}
# anti-mouse reagents (not cross-reactive with human): "CD29 (mouse)", "anti-mouse_CD45", "mouse-specific"
_MOUSE_ONLY = re.compile(r"^(?!.*human).*(\(mouse\)|anti[ ._-]?mouse|mouse[ ._-]specific)", re.IGNORECASE)


# clones that bind only the mouse antigen (vendor datasheets): a name carrying one is an anti-mouse reagent
_MOUSE_CLONES = {
    "RMP1-30": "anti-mouse PD-1",
    "29F.1A12": "anti-mouse PD-1",
    "17A2": "anti-mouse CD3",
    "145-2C11": "anti-mouse CD3e",
    "GK1.5": "anti-mouse CD4",
    "RM4-5": "anti-mouse CD4",
    "53-6.7": "anti-mouse CD8a",
    "30-F11": "anti-mouse CD45",
    "PK136": "anti-mouse NK1.1",
    "1D3": "anti-mouse CD19",
    "6D5": "anti-mouse CD19",
    "M5/114.15.2": "anti-mouse MHC II",
    "RB6-8C5": "anti-mouse Ly-6G/Ly-6C",
    "1A8": "anti-mouse Ly-6G",
    "HK1.4": "anti-mouse Ly-6C",
}


def _mouse_clone(name: str) -> str | None:
    for part in re.split(r"--|_|\s|\||:", name):
        part = re.sub(r"-TS[A-D]\d*$", "", part)  # "RMP1-30-TSA"
        if part in _MOUSE_CLONES:
            return f"{_MOUSE_CLONES[part]} clone {part}"
    return None


def _element_channel(name: str) -> bool:
    m = _ELEMENT_CHANNEL.match(name)
    if not m:
        return False
    elem, mass = (m.group("e1"), m.group("m1")) if m.group("e1") else (m.group("e2"), m.group("m2"))
    if elem is None:  # a bare element symbol
        return True
    return len(elem) > 1 or int(mass) in _ONE_LETTER_MASSES.get(elem, set())


_METAL = re.compile(rf"(?:[ ._:-]+|\()\(?(?:(?:{_ELEMENTS})\d{{2,3}}|\d{{2,3}}(?:{_ELEMENTS}))(?:Di)?\)*$")
_CYCLE = re.compile(r"[:|][ ]*cyc.*$|[ ._-]+cyc[ ._-]*\d+.*$", re.IGNORECASE)
_PAREN = re.compile(r"^(?P<main>[^()]*?)\s*\((?P<alias>[^()]+)\)\s*$")
_CLONE_DUP = re.compile(r"[._-]\d$")


_GREEK = str.maketrans(
    {
        "α": "A",
        "β": "B",
        "γ": "G",
        "δ": "D",
        "ε": "E",
        "κ": "K",
        "λ": "L",
        "ζ": "Z",
        "μ": "M",
        "Α": "A",
        "Β": "B",
        "Γ": "G",
        "Δ": "D",
        "Ε": "E",
        "Κ": "K",
        "Λ": "L",
        "Ζ": "Z",
        "Μ": "M",
    }
)
_GREEK_WORDS = re.compile(r"ALPHA|BETA|GAMMA|DELTA|EPSILON|KAPPA|LAMBDA|ZETA")


@lru_cache(maxsize=200_000)
def _key(name: str) -> str:
    """Comparison key: Greek letters and words to Latin letters, upper case, letters and digits only.

    ``HLA-DR`` → ``HLADR``, ``PD-1`` → ``PD1``, ``CD3 epsilon`` → ``CD3E``, ``TCR Vα7.2`` → ``TCRVA72``.
    """
    s = re.sub(r"[^A-Z0-9]", "", name.translate(_GREEK).upper())
    return _GREEK_WORDS.sub(lambda m: m.group(0)[0], s)


@dataclass(frozen=True)
class _Curated:
    marker: str
    genes: tuple[str, ...]
    kind: str
    evidence: str


@lru_cache(maxsize=1)
def curated_table() -> pd.DataFrame:
    """Return the curated protein → gene table shipped with mufuse.

    Returns
    -------
    DataFrame with columns ``marker``, ``genes`` (``;``-joined HGNC symbols), ``kind`` and ``evidence``.

    Examples
    --------
    >>> from mufuse.pp._links import curated_table
    >>> curated_table().set_index("marker").loc["CD3", "genes"]
    'CD3D;CD3E;CD3G'
    """
    with resources.files("mufuse.data").joinpath("protein_gene_links.tsv").open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, sep="\t", comment="#", dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def _curated_index() -> dict[str, _Curated]:
    out: dict[str, _Curated] = {}
    for row in curated_table().itertuples(index=False):
        out[_key(row.marker)] = _Curated(row.marker, tuple(row.genes.split(";")), row.kind, row.evidence)
    return out


def _excluded(name: str, raw: bool = True) -> str | None:
    if _element_channel(name.strip()):
        return "elemental / mass channel"
    if raw and _MOUSE_ONLY.search(name):
        return "non-human (mouse-only) antibody"
    clone = _mouse_clone(name) if raw else None
    if clone:
        return f"non-human (mouse-only) antibody: {clone}"
    low = name.strip().lower()
    for pattern, category in _EXCLUDE_RULES:
        if pattern.search(low):
            return category
    return None


_BARCODE = re.compile(r"[ ._-]+[ACGTN]{8,}$")
_BD_ABSEQ = re.compile(r"^(?P<marker>[^:|]+)(?::(?P<clone>[^|]*))?\|(?P<gene>[^|]+)\|[A-Za-z]{2,4}\d{3,5}\|pAbO$", re.I)
_METAL_PREFIX = re.compile(rf"^\(?(?:\d{{2,3}}(?:{_ELEMENTS})|(?:\d{{4,}})?(?:{_ELEMENTS})\d{{2,3}})(?:Di)?\)?[ ._:-]+")
# Jackson et al. 2020 IMC columns: catalog number, metal, and the target cut to 7 characters ("1031747Er167Di ECadhe")
_TRUNCATED = re.compile(rf"^\d{{4,}}(?:{_ELEMENTS})\d{{2,3}}Di[ _](?P<word>\S{{4,7}})$")
_FLUOROPHORE = re.compile(
    r"[ ._-]+(?:a|af|alexa|alexa[ ._-]?fluor)[ ._-]?\d{3}$|[ ._-]+(?:fitc|pe|apc|cy[357]|bv\d{3}|percp|ef\d{3})$",
    re.IGNORECASE,
)


def _clean(name: str) -> tuple[str, list[str]]:
    """Return the cleaned name and its aliases (parenthetical, or the gene field of a BD AbSeq name)."""
    s = str(name).strip()
    s = _CYCLE.sub("", s)
    if " - " in s:  # "CD8 - cytotoxic T cells"
        s = s.split(" - ", 1)[0]
    s = _BARCODE.sub("", s)  # "CD127-GGCACCCATGTCTTT"
    s = _FLUOROPHORE.sub("", s) or s  # "Nestin-AF488"
    aliases: list[str] = []
    bd = _BD_ABSEQ.match(s)  # "CD11b:M1_70|ITGAM|AHS0005|pAbO"
    if bd:
        s = bd.group("marker")
        aliases.append(bd.group("gene"))
    if "--" in s:  # "CD19--HIB19-TSA": marker--clone
        s = s.split("--", 1)[0]
    for _ in range(3):
        s = _METAL.sub("", s) if _key(_METAL.sub("", s)) else s
        s = _METAL_PREFIX.sub("", s) if _key(_METAL_PREFIX.sub("", s)) else s
    m = _PAREN.match(s)
    if m and m.group("main"):
        s, alias = m.group("main"), m.group("alias").strip()
        # "CD3 (CD3E)": an approved symbol in parentheses is more specific than the name before it
        aliases.insert(0, alias) if _key(alias) in hgnc_index().approved else aliases.append(alias)
    for _ in range(4):  # affixes can stack: ADT_CD3_TotalSeqB_PROT
        before = s
        s = _PREFIX.sub("", s)
        s = _SUFFIX.sub("", s)
        s = _METAL.sub("", s) if _key(_METAL.sub("", s)) else s
        s = s.strip(" ._-")
        if s == before:
            break
    return s or str(name).strip(), aliases


_KERATIN = re.compile(r"^(?:cyto)?keratin[ ._-]*(\d{1,2})$|^c?k[ ._-]?(\d{1,2})$", re.IGNORECASE)
_HISTONE_H3 = re.compile(r"^(?:p?HH3|H3K\d+\w*|H3S\d+\w*|histone[ ._-]*H3\w*|phospho[ ._-]*histone)", re.IGNORECASE)
_CD_DESIGNATION = re.compile(r"^CD\d{1,3}[A-Za-z]?\d?$")
_PHOSPHO = re.compile(
    r"^(?:p|P|phospho)[ ._-]?(?P<rest>[A-Za-z][A-Za-z0-9-]{1,})$|^(?P<rest2>[A-Za-z][A-Za-z0-9-]+?)[ ._-]?p$"
)


def _spans(cleaned: str) -> list[str]:
    """Word spans of a name, as guesses: ``ADT-HLA-DR-CD74`` → ``ADT-HLA-DR``, ..., ``HLA-DR``, ..., ``CD74``."""
    words = [w for w in re.split(r"[\s_|:.,;/()\[\]+-]+", cleaned) if w]
    out = []
    for length in (3, 2, 1):
        for i in range(len(words) - length + 1):
            out.append("-".join(words[i : i + length]))
    return out


def _candidates(name: str) -> tuple[str, list[tuple[str, bool]]]:
    """Return the cleaned name and the candidates to look up, each strong (any lookup) or weak (a guess).

    Weak candidates are guesses (word spans, a clone-duplicate base, a phospho-epitope's protein): an HGNC alias
    hit on a guess ("Na/K" → TBK1) would be a false link, so they only count in the curated table and as approved
    symbols, after every strong candidate.
    """
    cleaned, aliases = _clean(name)
    cands: list[tuple[str, bool]] = []
    front = [a for a in aliases if _key(a) in hgnc_index().approved and aliases.index(a) == 0]
    cands += [(a, True) for a in front]
    cands.append((cleaned, True))
    cands += [(a, True) for a in aliases if a not in front]
    base = _CLONE_DUP.sub("", cleaned)
    if base != cleaned and re.match(r"^CD\d+[A-Za-z]*$", base):
        # Hao et al. 2021 style clone duplicates: "CD4-1", "CD4-2" are CD4 (panels write CD41 without a dash);
        # only CD names, so "PD-1", "LOX-1", "Notch-1" stay what they are
        cands.insert(0, (base, True))
    k = _KERATIN.match(cleaned)
    if k:
        cands.append((f"KRT{k.group(1) or k.group(2)}", True))
    if _HISTONE_H3.match(cleaned):  # histone H3 and its marks (H3K27me3, pHH3)
        cands.append(("Histone-H3", True))
    ph = _PHOSPHO.match(cleaned)
    if ph:  # phospho-epitopes name their protein: pS6, S6p, pmTOR, PATM
        cands.append((ph.group("rest") or ph.group("rest2"), False))
    tr = _TRUNCATED.match(str(name).strip())
    if tr:  # complete a cut name when exactly one curated antigen starts with it
        stem = _key(tr.group("word"))
        hits = {m for m in curated_table()["marker"] if _key(m).startswith(stem) or m.upper().startswith(stem)}
        genes = {_curated_index()[_key(m)].genes for m in hits}
        if len(genes) == 1:
            cands.append((sorted(hits)[0], True))
    for span in _spans(cleaned):
        cands.append((span, False))  # "k", "l" of "IgG1_Rat_k" are dropped below (too short)
    seen: dict[str, bool] = {}
    for c, strong in cands:
        if c and (strong or len(_key(c)) >= 3):  # guesses of one or two letters are noise
            seen[c] = seen.get(c, False) or strong
    return cleaned, list(seen.items())


def _combo_parts(cleaned: str) -> tuple[list[str], str]:
    """Split a slash name: ``CK8/18`` → combination ``[CK8, CK18]``; ``TCF1/TCF7`` → synonyms ``[TCF1, TCF7]``.

    Numbers and short letter tails after a slash extend the first part (``CD16/32``, ``CD45RA/RO``, ``HLA-DR/DP``):
    a combination of antigens. Several full names are synonyms of one antigen (``CX3CR1/GPR13``).
    """
    if "/" not in cleaned:
        return [], ""
    parts = [p.strip() for p in cleaned.split("/") if p.strip()]
    if len(parts) < 2:
        return [], ""
    first = parts[0]
    prefix = re.match(r"^[A-Za-z -]*?(?=\d)", first)
    out = [first]
    extended = False
    for p_ in parts[1:]:
        if p_.isdigit() and prefix is not None:  # CD16/32, CK8/18, Cytokeratin 8/18
            out.append(prefix.group(0) + p_)
            extended = True
        elif p_.isalpha() and len(p_) <= 3 and len(first) > len(p_):  # CD45RA/RO, HLA-DR/DP
            out.append(first[: -len(p_)] + p_)
            extended = True
        else:
            out.append(p_)
    if not extended and min(len(_key(p_)) for p_ in out) < 3:  # "Na/K ATPase" is one name, not two
        return [], ""
    return out, ("combination" if extended else "synonyms")


def clean_name(name: str) -> tuple[str, list[str]]:
    """Clean a protein marker name and list the candidate names to look up.

    Removes vendor/assay affixes (``ADT_``, ``_TotalSeqB``, ``_PROT``), imaging cycle/channel suffixes and metal
    tags, and splits parenthetical aliases (``MHCII (HLA-DR)``).

    Parameters
    ----------
    name
        The marker name as it stands in ``prot.var_names``.

    Returns
    -------
    The cleaned name and the candidates to try, best first.

    Examples
    --------
    >>> from mufuse.pp._links import clean_name
    >>> clean_name("CD3_TotalSeqB")
    ('CD3', ['CD3'])
    >>> clean_name("MHCII (HLA-DR)")
    ('MHCII', ['MHCII', 'HLA-DR'])
    """
    cleaned, cands = _candidates(name)
    return cleaned, [c for c, _ in cands]


_ENSEMBL = re.compile(r"^ENS[A-Z]*G\d{6,}")
SYMBOL_COLUMNS = ("gene_symbols", "gene_symbol", "gene_name", "gene_names", "symbol", "symbols", "feature_name")


def gene_symbols(rna_ad) -> list[str]:
    """Gene symbols of the RNA features: ``var_names``, or a symbol column when ``var_names`` are Ensembl IDs.

    Parameters
    ----------
    rna_ad
        The RNA AnnData.

    Returns
    -------
    One symbol per feature, in ``var`` order.

    Examples
    --------
    >>> import anndata as ad, numpy as np, pandas as pd
    >>> var = pd.DataFrame({"gene_symbols": ["CD4", "CD8A"]}, index=["ENSG00000010610", "ENSG00000153563"])
    >>> gene_symbols(ad.AnnData(np.zeros((1, 2)), var=var))
    ['CD4', 'CD8A']
    """
    names = [str(v) for v in rna_ad.var_names]
    if not names or sum(bool(_ENSEMBL.match(n)) for n in names) < 0.5 * len(names):
        return names
    for col in SYMBOL_COLUMNS:
        if col in rna_ad.var.columns:
            sym = rna_ad.var[col].astype(str).tolist()
            return [s if s and s != "nan" else n for s, n in zip(sym, names, strict=True)]
    return names


def _parse_genes(spec: str | Iterable[str]) -> list[str]:
    if isinstance(spec, str):
        return [g.strip() for g in re.split(r"[;,]", spec) if g.strip()]
    return [str(g).strip() for g in spec if str(g).strip()]


@dataclass(frozen=True)
class _Hgnc:
    approved: dict[str, str]  # key -> approved symbol
    previous: dict[str, tuple[str, ...]]  # key -> approved symbols that had it as a previous symbol
    alias: dict[str, tuple[str, ...]]  # key -> approved symbols that list it as an alias
    name: dict[str, tuple[str, ...]]  # key of the approved name -> symbols
    previous_of: dict[str, tuple[str, ...]]  # approved symbol -> its previous symbols
    header: str


@lru_cache(maxsize=1)
def hgnc_index() -> _Hgnc:
    """Load the HGNC index shipped with mufuse (approved, previous and alias symbols; CC0 data).

    Returns
    -------
    Lookup tables keyed by :func:`_key` of a name.

    Examples
    --------
    >>> from mufuse.pp._links import hgnc_index
    >>> hgnc_index().previous["CD45"]
    ('PTPRC',)
    """
    approved: dict[str, str] = {}
    previous: dict[str, list[str]] = {}
    alias: dict[str, list[str]] = {}
    names: dict[str, list[str]] = {}
    previous_of: dict[str, tuple[str, ...]] = {}
    header_lines = []
    with resources.files("mufuse.data").joinpath("hgnc_index.tsv.gz").open("rb") as raw:
        text = gzip.decompress(raw.read()).decode("utf-8")
    lines = text.splitlines()
    for line in lines:
        if line.startswith("#"):
            header_lines.append(line[2:])
    body = [ln for ln in lines if not ln.startswith("#")][1:]
    for line in body:
        sym, aliases, prev, name, _locus, _ens = line.split("\t")
        approved[_key(sym)] = sym
        for p_ in filter(None, prev.split("|")):
            previous.setdefault(_key(p_), []).append(sym)
        previous_of[sym] = tuple(filter(None, prev.split("|")))
        for a_ in filter(None, aliases.split("|")):
            alias.setdefault(_key(a_), []).append(sym)
        names.setdefault(_key(name), []).append(sym)

    def uniq(d: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
        return {k: tuple(dict.fromkeys(v)) for k, v in d.items()}

    return _Hgnc(approved, uniq(previous), uniq(alias), uniq(names), previous_of, " ".join(header_lines))


def _lookup(
    cleaned: str, scored: list[tuple[str, bool]], genes_present: Mapping[str, list[str]] | None
) -> tuple[str, list[str], str] | None:
    """Find the genes of a cleaned marker name: ``(source, genes, why)``; source ``"ambiguous"`` lists candidates.

    Order: curated table (strong candidates) → slash combinations or synonym lists (each part looked up the same
    way) → HGNC approved symbol or a gene of this RNA with that name (strong) → HGNC previous symbol, alias,
    approved name (strong, unique) → curated table (guesses) → approved symbol (guesses) → ambiguous.
    """
    curated = _curated_index()
    hgnc = hgnc_index()
    strong = [c for c, ok in scored if ok]
    weak = [c for c, ok in scored if not ok]

    def via(cand: str) -> str:
        return "" if cand == cleaned else f" (via '{cand}')"

    def in_curated(cands: list[str]) -> tuple[str, list[str], str] | None:
        for cand in cands:
            hit = curated.get(_key(cand))
            if hit is not None:
                return "curated", list(hit.genes), f"curated {hit.kind}{via(cand)}: {hit.evidence}"
        return None

    def symbol(cands: list[str]) -> tuple[str, list[str], str] | None:
        for cand in cands:
            k = _key(cand)
            if k in hgnc.approved:
                return "hgnc", [hgnc.approved[k]], f"HGNC approved symbol{via(cand)}: {hgnc.approved[k]}"
            hits = (genes_present or {}).get(k, [])
            if len(hits) == 1:
                return "symbol", hits, f"marker name{via(cand)} is the RNA gene {hits[0]}"
        return None

    found = in_curated(strong)
    if found:
        return found
    parts, kind = _combo_parts(cleaned)
    if kind == "combination":
        genes: list[str] = []
        for part in parts:
            sub = _lookup(part, _candidates(part)[1], None)
            if sub is None or sub[0] == "ambiguous":
                break
            genes.extend(g for g in sub[1] if g not in genes)
        else:
            return "rule", genes, f"combination of {' + '.join(parts)}"
    elif kind == "synonyms":
        subs = [(p_, _lookup(p_, _candidates(p_)[1], genes_present)) for p_ in parts]
        subs = [(p_, r) for p_, r in subs if r is not None and r[0] != "ambiguous"]
        # an approved symbol among the synonyms names the antigen best ("TCF1/TCF7" → TCF7)
        subs.sort(key=lambda pr: _key(pr[0]) not in hgnc.approved)
        if subs:
            part, res = subs[0]
            assert res is not None
            return res[0], res[1], f"synonym list, '{part}': {res[2]}"
    found = symbol(strong)
    if found:
        return found
    ambiguous = None
    for table, label in ((hgnc.previous, "previous symbol"), (hgnc.alias, "alias"), (hgnc.name, "approved name")):
        for cand in strong:
            syms = table.get(_key(cand))
            if not syms:
                continue
            if len(syms) == 1:
                return "hgnc", [syms[0]], f"HGNC {label}{via(cand)}: '{cand}' = {syms[0]}"
            ambiguous = ambiguous or (
                "ambiguous",
                list(syms),
                f"'{cand}' is an HGNC {label} of several genes ({', '.join(syms)})",
            )
    found = in_curated(weak) or symbol(weak)
    if found:
        return found
    for cand in weak:  # a CD designation is unambiguous wherever it stands in the name ("Hu.CD138_MI15")
        if _CD_DESIGNATION.match(cand):
            for table, label in ((hgnc.previous, "previous symbol"), (hgnc.alias, "alias")):
                syms = table.get(_key(cand))
                if syms and len(syms) == 1:
                    return "hgnc", [syms[0]], f"HGNC {label}{via(cand)}: '{cand}' = {syms[0]}"
    return ambiguous


def _link_one(
    name: str,
    *,
    genes_present: Mapping[str, list[str]],
    overrides: Mapping[str, list[str]],
    exclude: set[str],
    flagged_isotype: bool,
) -> dict[str, str]:
    cleaned, scored = _candidates(name)
    row = {"clean_name": cleaned, "genes": "", "wanted": "", "source": "", "status": "", "reason": ""}
    hgnc = hgnc_index()

    def in_rna(gene: str) -> tuple[str | None, str]:
        """RNA var_name for an approved symbol, also through its previous symbols (older annotations)."""
        hits = genes_present.get(_key(gene), [])
        if hits:
            return next((h for h in hits if h == gene), hits[0]), ""
        old = [o for o in hgnc.previous_of.get(gene, ()) if genes_present.get(_key(o))]
        if len(old) == 1:
            return genes_present[_key(old[0])][0], f" ({gene} as its previous symbol {old[0]})"
        return None, ""

    def resolve(wanted: list[str], source: str, why: str) -> dict[str, str]:
        found, missing, notes = [], [], []
        for g in wanted:
            hit, note = in_rna(g)
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

    if name in exclude or cleaned in exclude:
        row.update(status="excluded", source="user", reason="excluded by the user (exclude=...)")
        return row
    if name in overrides or cleaned in overrides:
        return resolve(list(overrides.get(name, overrides.get(cleaned, []))), "user", "user override")
    category = _excluded(name) or _excluded(cleaned, raw=False)
    if flagged_isotype and category is None:
        category = "isotype control (prot.var['isotype_control'])"
    if category:
        row.update(status="excluded", source="rule", reason=category)
        return row

    hit = _lookup(cleaned, scored, genes_present)
    if hit is not None:
        source, genes, why = hit
        if source != "ambiguous":
            return resolve(genes, source, why)
        row.update(
            status="ambiguous",
            wanted=";".join(genes),
            source="hgnc",
            reason=f"{why}; pass overrides={{'{name}': '<GENE>'}}",
        )
        return row
    row.update(
        status="not_found",
        reason=f"no curated entry, HGNC symbol, alias or RNA gene for '{cleaned}'; pass "
        f"overrides={{'{name}': '<GENE>'}} if it has one",
    )
    return row


def link_features(
    mdata: MuData,
    *,
    rna: str = "rna",
    prot: str = "prot",
    overrides: Mapping[str, str | Iterable[str]] | None = None,
    exclude: Iterable[str] | None = None,
    multi_gene: str = "sum",
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
        ``{marker: "GENE1;GENE2"}``: wins over everything else.
    exclude
        Markers never to link.
    multi_gene
        How :func:`mufuse.pp.harmonize` turns a multi-gene protein into RNA columns: ``"sum"`` (one column,
        the genes' counts summed), ``"first"`` (the first gene present) or ``"all"`` (one feature per gene).

    Returns
    -------
    DataFrame indexed by the protein names with columns ``status`` (``linked``, ``excluded``, ``ambiguous``,
    ``not_found``, ``gene_absent``), ``genes`` (``;``-joined, empty when not linked), ``reason``,
    ``clean_name``, ``wanted`` and ``source``. Also stored in ``mdata.uns["mufuse"]["links"]``.

    Examples
    --------
    >>> import mufuse
    >>> mdata = mufuse.datasets.simulated(n_cells=300, seed=0)
    >>> links = mufuse.pp.link_features(mdata)
    >>> links.loc["CD3_TotalSeqB", "genes"]
    'CD3D;CD3E;CD3G'
    """
    links, params = _compute_links(
        mdata, rna=rna, prot=prot, overrides=overrides, exclude=exclude, multi_gene=multi_gene
    )
    _store.update(mdata, {_store.LINKS: links}, params={"link": params})
    counts = links["status"].value_counts()
    log.info(
        "linked %d of %d protein markers (%s)",
        counts.get("linked", 0),
        len(links),
        ", ".join(f"{k}: {v}" for k, v in counts.items()),
    )
    return links.copy()


def _compute_links(
    mdata: MuData,
    *,
    rna: str,
    prot: str,
    overrides: Mapping[str, str | Iterable[str]] | None,
    exclude: Iterable[str] | None,
    multi_gene: str,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Compute the link table without writing anything (shared by ``link_features`` and ``harmonize``)."""
    rna_ad = _store.get_modality(mdata, rna, "rna")
    prot_ad = _store.get_modality(mdata, prot, "prot")
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
    if overrides is not None and not isinstance(overrides, Mapping):
        raise LinkError("overrides must be a dict such as {'CD3_TotalSeqB': 'CD3E'}")
    over = {str(k): _parse_genes(v) for k, v in (overrides or {}).items()}
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
    genes_present: dict[str, list[str]] = {}
    symbols = gene_symbols(rna_ad)
    for var_name, sym in zip(map(str, rna_ad.var_names), symbols, strict=True):
        genes_present.setdefault(_key(sym), []).append(var_name)
    iso = prot_ad.var["isotype_control"] if "isotype_control" in prot_ad.var.columns else None
    rows = {}
    for name in map(str, prot_ad.var_names):
        flagged = bool(iso is not None and iso.get(name, False) is True) or bool(
            iso is not None and str(iso.get(name, "")).lower() == "true"
        )
        rows[name] = _link_one(name, genes_present=genes_present, overrides=over, exclude=excl, flagged_isotype=flagged)
    links = pd.DataFrame.from_dict(rows, orient="index")[LINK_COLUMNS]
    links.index.name = None
    links["status"] = links["status"].astype(str)
    params = {
        "multi_gene": multi_gene,
        "overrides": json.dumps({k: ";".join(v) for k, v in over.items()}, sort_keys=True),
        "exclude": json.dumps(sorted(excl)),
    }
    return links, params


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
        genes = _parse_genes(row["genes"])
        if multi_gene == "sum" or len(genes) == 1:
            rows.append((str(marker), str(marker), ";".join(genes)))
        elif multi_gene == "first":
            rows.append((str(marker), str(marker), genes[0]))
        else:
            rows.extend((f"{marker}:{g}", str(marker), g) for g in genes)
    return pd.DataFrame(rows, columns=["feature", "prot", "genes"]).set_index("feature").rename_axis(None)
