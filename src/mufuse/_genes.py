"""Gene knowledge below ``pp`` and ``tl``: RNA gene symbols, the HGNC index, the curated table, name keys.

Everything here is data plus lookups: no MuData is changed. :mod:`mufuse.pp._links` builds the lookup order on it,
:mod:`mufuse._validate` uses it for its Ensembl hints.

Sources: the HGNC index is derived from HGNC's gene table (CC0; Seal et al. 2023, *Nucleic Acids Res.* 51:D1003,
doi:10.1093/nar/gkac888), rebuilt by ``scripts/build_hgnc_index.py`` and version-stamped; the curated protein → gene
table (``data/protein_gene_links.tsv``) names the evidence of every row.
"""

from __future__ import annotations

import gzip
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import pandas as pd

from ._errors import MufuseError

# every Greek letter to the Latin letter gene symbols write it with (HGNC: PRKCQ for PKCθ, PRKCH for PKCη, IFNW1 for
# IFN-ω, FCMR for FcμR); a letter dropped instead would make "PKCθ" the alias PKC (PRRT2)
_GREEK_LATIN = {
    "α": "A", "β": "B", "γ": "G", "δ": "D", "ε": "E", "ζ": "Z", "η": "H", "θ": "Q", "ι": "I", "κ": "K", "λ": "L",
    "μ": "M", "ν": "N", "ξ": "X", "ο": "O", "π": "P", "ρ": "R", "σ": "S", "ς": "S", "τ": "T", "υ": "U", "φ": "F",
    "χ": "C", "ψ": "Y", "ω": "W", "ϑ": "Q", "ϕ": "F", "µ": "M",
    "ß": "B", "ɣ": "G", "ɑ": "A", "к": "K",  # look-alikes typed for β, γ, α, κ (sharp s, Latin gamma, Cyrillic)
}  # fmt: skip
_GREEK = str.maketrans(
    {**_GREEK_LATIN, **{k.upper(): v for k, v in _GREEK_LATIN.items() if len(k.upper()) == 1 and k.upper() != k}}
)
# written-out letters long enough not to stand inside other words ("ETA" is in "METALLOTHIONEIN", "MU" in "MUC1")
_GREEK_WORDS = re.compile(r"ALPHA|BETA|GAMMA|DELTA|EPSILON|KAPPA|LAMBDA|ZETA|THETA|IOTA|OMEGA")
_GREEK_WORD_LATIN = {"THETA": "Q", "OMEGA": "W"}

ENSEMBL = re.compile(r"^ENS[A-Z]*G\d{6,}")
# columns of var that hold gene symbols (scanpy/10x, CELLxGENE, Seurat conversions, monocle, biomaRt), case-insensitive
SYMBOL_COLUMNS = (
    "gene_symbols",
    "gene_symbol",
    "gene_name",
    "gene_names",
    "symbol",
    "symbols",
    "feature_name",
    "gene_short_name",
    "features",
    "gene",
    "genes",
    "hgnc_symbol",
    "external_gene_name",
    "name",
)
# genome or species prefixes of multi-species references: 10x barnyard ("GRCh38_CD3E", "mm10___Cd3e", "hg19_CD3E"),
# mixed-species CITE-seq ("HUMAN_CD3E", "MOUSE_Cd3e"); no gene symbol starts with one of these and a separator
_GENOME_PREFIX = re.compile(
    r"^(?P<prefix>(?P<genome>GRCh3[78]|hg19|hg38|HUMAN|[Hh]uman|GRCm3[89]|mm9|mm10|mm39|MOUSE|[Mm]ouse)[-_.:]+)"
    r"(?=[A-Za-z0-9])"
)
_MOUSE_GENOME = re.compile(r"GRCm|mm\d|mouse", re.IGNORECASE)
# an Ensembl ID joined to the symbol ("ENSG00000010610_CD4", "CD4|ENSG00000010610", "ENSG00000010610.10-CD4")
_ENSEMBL_JOINED = re.compile(
    r"^(?:ENS[A-Z]*G\d{6,}(?:\.\d+)?[-_|:]+(?P<after>\S+)|(?P<before>\S+?)[-_|:]+ENS[A-Z]*G\d{6,}(?:\.\d+)?)$"
)


@lru_cache(maxsize=200_000)
def name_key(name: str) -> str:
    """Comparison key: Greek letters and words to Latin letters, upper case, letters and digits only.

    ``HLA-DR`` → ``HLADR``, ``PD-1`` → ``PD1``, ``CD3 epsilon`` → ``CD3E``, ``TCR Vα7.2`` → ``TCRVA72``.

    Examples
    --------
    >>> name_key("TCR Vα7.2"), name_key("CD3 epsilon")
    ('TCRVA72', 'CD3E')
    """
    s = re.sub(r"[^A-Z0-9]", "", name.translate(_GREEK).upper())
    return _GREEK_WORDS.sub(lambda m: _GREEK_WORD_LATIN.get(m.group(0), m.group(0)[0]), s)


@dataclass(frozen=True)
class Curated:
    """One row of the curated table: the marker, its genes, the kind of fact and its evidence."""

    marker: str
    genes: tuple[str, ...]
    kind: str
    evidence: str


SPECIES = ("auto", "human", "mouse")
_CURATED_FILES = {"human": "protein_gene_links.tsv", "mouse": "mouse_protein_gene_links.tsv"}


def read_tsv(lines: Iterable[str]) -> pd.DataFrame:
    """Read a tab-separated table whose lines starting with ``#`` are comments; a ``#`` inside a row is data.

    FlowJo's stain names carry one (``MHCII#PerCp-Cy5-5``), which pandas' ``comment="#"`` would cut the row at.
    """
    text = "".join(line for line in lines if not line.startswith("#"))
    return pd.read_csv(io.StringIO(text), sep="\t", dtype=str, keep_default_na=False)


@lru_cache(maxsize=2)
def _curated_file(species: str = "human") -> pd.DataFrame:
    with resources.files("mufuse.data").joinpath(_CURATED_FILES[species]).open("r", encoding="utf-8") as fh:
        return read_tsv(fh)


@dataclass
class CuratedScope:
    """What the linker may use of the curated table, and which rows it used (for leave-one-source-out scoring)."""

    held_out: frozenset[str] = frozenset()  # name_key of markers the linker must not know
    used: set[str] | None = None  # when a set: name_key of every curated marker a lookup returned


_SCOPE = CuratedScope()


@contextmanager
def curated_scope(held_out: Iterable[str] = (), used: set[str] | None = None) -> Iterator[CuratedScope]:
    """Link as if the curated rows of ``held_out`` markers were never written; record the rows used into ``used``.

    A benchmark hook: ``benchmarks/link_panels.py`` scores each panel source without the curated facts only that
    source needs, to tell rules that generalize from facts written for one panel.

    Examples
    --------
    >>> with curated_scope(held_out={"CD3"}):
    ...     "CD3" in curated_index()
    False
    """
    global _SCOPE
    before = _SCOPE
    _SCOPE = CuratedScope(frozenset(name_key(m) for m in held_out), used)
    try:
        yield _SCOPE
    finally:
        _SCOPE = before


def scope() -> CuratedScope:
    """Return the curated scope in force (the whole table unless :func:`curated_scope` says otherwise)."""
    return _SCOPE


def curated_table(species: str = "human") -> pd.DataFrame:
    """Return a curated protein → gene table shipped with mufuse (``species`` ``"human"`` or ``"mouse"``).

    Returns
    -------
    DataFrame with columns ``marker``, ``genes`` (``;``-joined HGNC symbols, MGI symbols for mouse), ``kind`` and
    ``evidence``.

    Examples
    --------
    >>> from mufuse._genes import curated_table
    >>> curated_table().set_index("marker").loc["CD3", "genes"]
    'CD3D;CD3E;CD3G'
    """
    return _curated_rows(_SCOPE.held_out, species)


@lru_cache(maxsize=8)
def _curated_rows(held_out: frozenset[str], species: str = "human") -> pd.DataFrame:
    table = _curated_file(species)
    return table[~table["marker"].map(name_key).isin(held_out)] if held_out else table


def curated_index(species: str = "human") -> dict[str, Curated]:
    """Return a curated table keyed by :func:`name_key` of each marker.

    Examples
    --------
    >>> curated_index()["HLADR"].genes
    ('HLA-DRA', 'HLA-DRB1')
    """
    return _curated_keyed(_SCOPE.held_out, species)


@lru_cache(maxsize=8)
def _curated_keyed(held_out: frozenset[str], species: str = "human") -> dict[str, Curated]:
    out: dict[str, Curated] = {}
    for row in _curated_rows(held_out, species).itertuples(index=False):
        out[name_key(row.marker)] = Curated(row.marker, tuple(row.genes.split(";")), row.kind, row.evidence)
    return out


# whole immunoglobulin / TCR loci: no antibody binds a locus and no RNA reference has a feature for one; their
# constant-region genes (IGKC, TRAC, ...) are what a marker links to ("TCRg" is TRGC1/TRGC2, "TRA-1-81" no TCR)
WHOLE_LOCI = frozenset({"IGH", "IGK", "IGL", "TRA", "TRB", "TRG", "TRD"})


@dataclass(frozen=True)
class Hgnc:
    """HGNC lookup tables, each keyed by :func:`name_key` of a name."""

    approved: dict[str, str]  # key -> approved symbol
    previous: dict[str, tuple[str, ...]]  # key -> approved symbols that had it as a previous symbol
    alias: dict[str, tuple[str, ...]]  # key -> approved symbols that list it as an alias
    name: dict[str, tuple[str, ...]]  # key of the approved name -> symbols
    head: dict[str, tuple[str, ...]]  # key of an approved name's head -> symbols ("mucin 1", "fibronectin")
    previous_of: dict[str, tuple[str, ...]]  # approved symbol -> its previous symbols
    header: str
    # key of an approved name's first word, the protein's own name ("geminin DNA replication inhibitor": GEMININ)
    first_word: dict[str, tuple[str, ...]] = field(default_factory=dict)


@lru_cache(maxsize=1)
def hgnc_index() -> Hgnc:
    """Load the HGNC index shipped with mufuse (approved, previous and alias symbols; CC0 data).

    Returns
    -------
    Lookup tables keyed by :func:`name_key` of a name.

    Examples
    --------
    >>> from mufuse._genes import hgnc_index
    >>> hgnc_index().previous["CD45"]
    ('PTPRC',)
    """
    approved: dict[str, str] = {}
    previous: dict[str, list[str]] = {}
    alias: dict[str, list[str]] = {}
    names: dict[str, list[str]] = {}
    heads: dict[str, list[str]] = {}
    first: dict[str, list[str]] = {}
    previous_of: dict[str, tuple[str, ...]] = {}
    with resources.files("mufuse.data").joinpath("hgnc_index.tsv.gz").open("rb") as raw:
        lines = gzip.decompress(raw.read()).decode("utf-8").splitlines()
    header = " ".join(line[2:] for line in lines if line.startswith("#"))
    for line in [ln for ln in lines if not ln.startswith("#")][1:]:
        sym, aliases, prev, name, _locus, _ens = line.split("\t")
        if sym in WHOLE_LOCI:
            continue
        approved[name_key(sym)] = sym
        for p_ in filter(None, prev.split("|")):
            previous.setdefault(name_key(p_), []).append(sym)
        previous_of[sym] = tuple(filter(None, prev.split("|")))
        for a_ in filter(None, aliases.split("|")):
            alias.setdefault(name_key(a_), []).append(sym)
        names.setdefault(name_key(name), []).append(sym)
        # the head of a name, as proteins are called: before its comma ("mucin 1, cell surface associated" is
        # mucin 1), without the number of a gene that has no second ("fibronectin 1" is fibronectin)
        for head in {name.split(",")[0].strip(), re.sub(r"(?<=\D) 1$", "", name)} - {name}:
            heads.setdefault(name_key(head), []).append(sym)
        # "myosin light chain 2", "tubulin alpha 1a": "myosin light chain", "tubulin alpha" name a family
        numbered = re.search(r"(?<=\D) (?:[2-9]|\d{1,2}[A-Za-z])$", name)
        if numbered:
            heads.setdefault(name_key(name[: numbered.start()]), []).append(sym)
        word = re.split(r"[ ,]", name, maxsplit=1)[0]
        # a gene named after another's protein is no bearer of its name ("geminin coiled-coil domain containing")
        # and a name whose first word only qualifies its role ("calcitonin receptor", "cardiolipin synthase 1",
        # "kinase suppressor of ras 1"), or is followed by a member letter ("fetuin B": fetuin-A is AHSG)
        derived = re.search(
            r"\b(?:domains?|like|associated|interacting|binding|related|regulator|receptors?|synthase|synthetase|"
            r"kinase|lipase|suppressor|anchor|transporter|oxidase|reductase|dehydrogenase|hydrolase|transferase|"
            r"polymerase|and|concentrating|membrane|subtype|hormone|esterase|protease|peptidase|phosphatase|"
            r"isomerase|ligase|carrier|channel|exchanger|homolog|family|containing|activating|superfamily|member|"
            r"response|mediator|ligand|induced|transcript|transcription|factor|finger|\w*transferase|\w*kinase)\b"
            r"|^\S+ (?:[A-Z]{1,2}\d?|[IVX]+)(?: |$)",  # "tenascin XB", "selectin P ligand", "ribophorin II": a member
            name,
        )
        if " " in name and len(word) > 4 and word.isalpha() and word.islower() and not derived:
            first.setdefault(name_key(word), []).append(sym)

    def uniq(d: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
        return {k: tuple(dict.fromkeys(v)) for k, v in d.items()}

    heads = {k: v for k, v in heads.items() if k not in names}  # a full name wins over another gene's head
    return Hgnc(approved, uniq(previous), uniq(alias), uniq(names), uniq(heads), previous_of, header, uniq(first))


@dataclass(frozen=True)
class Mgi:
    """MGI lookup tables for mouse panels, each keyed by :func:`name_key` of a name."""

    approved: dict[str, str]  # key -> current MGI symbol
    synonym: dict[str, tuple[str, ...]]  # key -> MGI symbols that list it as a synonym
    orthologs: dict[str, tuple[str, ...]]  # human approved symbol -> its mouse orthologs (HGNC/MGI)
    symbols: tuple[str, ...]  # every MGI symbol of the index
    header: str
    synonyms_of: dict[str, tuple[str, ...]] = field(default_factory=dict)  # symbol -> its MGI synonyms, as written


@lru_cache(maxsize=1)
def mgi_index() -> Mgi:
    """Load the MGI index shipped with mufuse: mouse symbols, MGI synonyms and human orthologs.

    Built by ``scripts/build_mgi_index.py`` from MGI's marker list (Mouse Genome Informatics, The Jackson
    Laboratory; Baldarelli et al. 2024, *Genetics* 227:iyae031) and HGNC's MGI-curated ortholog column (CC0).

    Examples
    --------
    >>> from mufuse._genes import mgi_index
    >>> mgi = mgi_index()
    >>> mgi.synonym["F480"], mgi.orthologs["CD4"]
    (('Adgre1',), ('Cd4',))
    """
    approved: dict[str, str] = {}
    synonym: dict[str, list[str]] = {}
    orthologs: dict[str, list[str]] = {}
    symbols: list[str] = []
    written: dict[str, tuple[str, ...]] = {}
    with resources.files("mufuse.data").joinpath("mgi_index.tsv.gz").open("rb") as raw:
        lines = gzip.decompress(raw.read()).decode("utf-8").splitlines()
    header = " ".join(line[2:] for line in lines if line.startswith("#"))
    for line in [ln for ln in lines if not ln.startswith("#")][1:]:
        sym, synonyms, _ens, human = line.split("\t")
        symbols.append(sym)
        written[sym] = tuple(filter(None, synonyms.split("|")))
        approved.setdefault(name_key(sym), sym)
        for syn in filter(None, synonyms.split("|")):
            synonym.setdefault(name_key(syn), []).append(sym)
        for h in filter(None, human.split("|")):
            orthologs.setdefault(h, []).append(sym)
    return Mgi(
        approved,
        {k: tuple(dict.fromkeys(v)) for k, v in synonym.items()},
        {k: tuple(v) for k, v in orthologs.items()},
        tuple(symbols),
        header,
        written,
    )


@dataclass(frozen=True)
class Family:
    """A FamPlex protein family or complex: its identifier, kind and HGNC member genes."""

    entity: str  # FamPlex identifier ("AKT", "p14_3_3")
    kind: str  # "family" (paralogs) or "complex" (subunits)
    members: tuple[str, ...]  # approved HGNC symbols


@lru_cache(maxsize=1)
def famplex_index() -> dict[str, tuple[Family, ...]]:
    """Load the FamPlex index shipped with mufuse: names of protein families and complexes, keyed by :func:`name_key`.

    Built by ``scripts/build_famplex_index.py`` from FamPlex (Bachman, Gyori & Sorger 2018, *BMC Bioinformatics*
    19:248; CC0): the names papers and antibody vendors give a family (``Akt``, ``JNK``, ``14-3-3``) with the HGNC
    genes it covers, where HGNC gives such a name to one member only (``Akt`` is an alias of AKT1).

    Examples
    --------
    >>> from mufuse._genes import famplex_index
    >>> famplex_index()["AKT"][0].members
    ('AKT1', 'AKT2', 'AKT3')
    """
    out: dict[str, dict[str, Family]] = {}
    with resources.files("mufuse.data").joinpath("famplex_index.tsv.gz").open("rb") as raw:
        lines = gzip.decompress(raw.read()).decode("utf-8").splitlines()
    for line in [ln for ln in lines if not ln.startswith("#")][1:]:
        text, entity, kind, members = line.split("\t")
        out.setdefault(name_key(text), {})[entity] = Family(entity, kind, tuple(members.split("|")))
    return {k: tuple(v.values()) for k, v in out.items() if k}


def detect_species(symbols: Iterable[str]) -> str:
    """Tell mouse from human gene symbols by their case: MGI writes ``Cd3e``, HGNC ``CD3E``.

    Ensembl mouse IDs (``ENSMUSG``) and mouse genome prefixes (``mm10___``) also count as mouse. Mouse when more
    than half of the symbols with two or more letters are mouse-cased; human otherwise (also for mixed-species
    references, whose markers link to the human genes).

    Examples
    --------
    >>> detect_species(["Cd3e", "Cd4", "Ptprc", "mt-Co1"]), detect_species(["CD3E", "CD4", "C1orf112"])
    ('mouse', 'human')
    """
    mouse = n = 0
    for raw in symbols:
        name, prefix = undecorate(str(raw))
        if prefix and prefix != "Ensembl ID":
            n += 1
            mouse += is_mouse_prefix(prefix)
            continue
        if str(raw).startswith("ENSMUSG"):
            n += 1
            mouse += 1
            continue
        letters = re.sub(r"[^A-Za-z]", "", name)
        if len(letters) < 2 or str(raw).startswith("ENS"):
            continue
        n += 1
        mouse += letters[1:] != letters[1:].upper()
    return "mouse" if n and mouse > n / 2 else "human"


@lru_cache(maxsize=1)
def _hgnc_names() -> list[tuple[str, str, str]]:
    """Read the shipped HGNC index's approved symbol, approved name and locus type of every gene (one read)."""
    with resources.files("mufuse.data").joinpath("hgnc_index.tsv.gz").open("rb") as raw:
        lines = gzip.decompress(raw.read()).decode("utf-8").splitlines()
    rows = [ln.split("\t") for ln in lines if not ln.startswith("#")][1:]
    return [(cols[0], cols[3], cols[4]) for cols in rows]


@lru_cache(maxsize=1)
def name_words() -> tuple[dict[str, int], frozenset[tuple[str, str]]]:
    """Words of HGNC approved gene names (lower case, letters only, 3+ letters) and the word pairs they hold.

    Returns ``(counts, pairs)``: for each word, how many names hold it, and every pair of adjacent words of a name
    ("light chain", "zinc finger", "growth factor", "neurofilament light"); a one-word name is the pair
    ``(word, "")``. A word held by many names describes genes
    instead of naming one; inside such a pair it is part of a phrase, and a guess that keeps only that word would rest
    on an alias of a common word (LIGHT is an alias of TNFSF14; "kappa light chain" is not TNFSF14).

    Examples
    --------
    >>> counts, pairs = name_words()
    >>> counts["light"] >= 3, ("light", "chain") in pairs, ("tau", "phospho") in pairs
    (True, True, False)
    """
    counts: dict[str, int] = {}
    pairs: set[tuple[str, str]] = set()
    for _, name, _ in _hgnc_names():
        words = re.findall(r"[a-z]{3,}", name.lower())
        if len(name.split()) == 1:
            pairs.add((words[0] if words else "", ""))  # a one-word name ("vimentin"): a pair with nothing
        for word in set(words):
            counts[word] = counts.get(word, 0) + 1
        pairs.update(itertools.pairwise(words))
    return counts, frozenset(pairs)


@lru_cache(maxsize=1)
def name_word_sets() -> dict[str, tuple[str, frozenset[str]]]:
    """Return the words (3+ letters) of each protein-coding gene's HGNC approved name: ``{symbol: (name, words)}``.

    Examples
    --------
    >>> name_word_sets()["ACTC1"][1] >= {"cardiac", "actin"}
    True
    """
    return {
        symbol: (name, frozenset(re.findall(r"[a-z]{3,}", name.lower())))
        for symbol, name, locus in _hgnc_names()
        if locus == "protein"
    }


@lru_cache(maxsize=1)
def name_first_words() -> dict[str, tuple[str, ...]]:
    """Return, for the first word of protein-coding genes' HGNC approved names, the genes (``jagged``: JAG1, JAG2)."""
    out: dict[str, list[str]] = {}
    for symbol, (name, _) in name_word_sets().items():
        first = re.findall(r"[a-z0-9]+", name.lower())
        if first:
            out.setdefault(first[0], []).append(symbol)
    return {word: tuple(symbols) for word, symbols in out.items()}


@lru_cache(maxsize=1)
def name_word_genes() -> dict[str, frozenset[str]]:
    """Return, for each word of a protein-coding gene's HGNC approved name, the genes whose name holds it."""
    out: dict[str, set[str]] = {}
    for symbol, (_, words) in name_word_sets().items():
        for word in words:
            out.setdefault(word, set()).add(symbol)
    return {word: frozenset(symbols) for word, symbols in out.items()}


def looks_ensembl(names: Iterable[str]) -> bool:
    """Tell whether at least half of the names are Ensembl gene IDs.

    Examples
    --------
    >>> looks_ensembl(["ENSG00000010610", "CD8A"]), looks_ensembl(["CD4", "CD8A", "ENSG00000010610"])
    (True, False)
    """
    names = [str(n) for n in names]
    return bool(names) and sum(bool(ENSEMBL.match(n)) for n in names) >= 0.5 * len(names)


@lru_cache(maxsize=200_000)  # called for every gene by several readers of one RNA
def undecorate(name: str) -> tuple[str, str]:
    """Return a gene name without a genome/species prefix or a joined Ensembl ID, and what was removed.

    Examples
    --------
    >>> undecorate("GRCh38_CD3E"), undecorate("mm10___Cd3e"), undecorate("ENSG00000010610_CD4"), undecorate("CD4")
    (('CD3E', 'GRCh38_'), ('Cd3e', 'mm10___'), ('CD4', 'Ensembl ID'), ('CD4', ''))
    """
    m = _GENOME_PREFIX.match(name)
    if m:
        return name[m.end() :], m.group("prefix")
    m = _ENSEMBL_JOINED.match(name)
    if m:
        return m.group("after") or m.group("before"), "Ensembl ID"
    return name, ""


def is_mouse_prefix(prefix: str) -> bool:
    """Tell whether a prefix removed by :func:`undecorate` names a mouse genome.

    Examples
    --------
    >>> is_mouse_prefix("mm10___"), is_mouse_prefix("GRCh38_")
    (True, False)
    """
    return bool(_MOUSE_GENOME.match(prefix))


def _symbol_column(var: pd.DataFrame) -> str | None:
    by_lower = {str(c).lower(): c for c in var.columns}
    return next((by_lower[c] for c in SYMBOL_COLUMNS if c in by_lower), None)


def _raw_symbols(rna_ad) -> list[str]:
    """``var_names``, or the symbol column when the names are Ensembl IDs or plain numbers (row indices)."""
    names = [str(v) for v in rna_ad.var_names]
    numbers = bool(names) and all(n.isdigit() for n in names[:1000])
    col = _symbol_column(rna_ad.var) if looks_ensembl(names) or numbers else None
    if col is None:
        return names
    sym = rna_ad.var[col].astype(str).tolist()
    return [s if s and s != "nan" else n for s, n in zip(sym, names, strict=True)]


def decorations(rna_ad) -> dict[str, int]:
    """Count the decorations :func:`gene_symbols` removes from the gene names, e.g. ``{"GRCh38_": 20000}``.

    Examples
    --------
    >>> import anndata as ad, numpy as np, pandas as pd
    >>> a = ad.AnnData(np.zeros((1, 3)), var=pd.DataFrame(index=["GRCh38_CD4", "GRCh38_CD8A", "mm10___Cd4"]))
    >>> decorations(a)
    {'GRCh38_': 2, 'mm10___': 1}
    """
    out: dict[str, int] = {}
    for name in _raw_symbols(rna_ad):
        kind = undecorate(name)[1]
        if kind:
            out[kind] = out.get(kind, 0) + 1
    return out


def gene_symbols(rna_ad) -> list[str]:
    """Gene symbols of the RNA features: ``var_names``, or a symbol column when ``var_names`` are Ensembl IDs.

    Genome and species prefixes of multi-species references (``GRCh38_``, ``mm10___``, ``HUMAN_``, ``MOUSE_``) and
    Ensembl IDs joined to the symbol (``ENSG00000010610_CD4``) are removed (:func:`undecorate`).

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
    return [undecorate(s)[0] for s in _raw_symbols(rna_ad)]


def symbol_index(rna_ad) -> dict[str, list[str]]:
    """Map :func:`name_key` of each RNA gene symbol to the ``var_names`` that carry it.

    Examples
    --------
    >>> import anndata as ad, numpy as np, pandas as pd
    >>> symbol_index(ad.AnnData(np.zeros((1, 2)), var=pd.DataFrame(index=["HLA-DRA", "CD8A"])))
    {'HLADRA': ['HLA-DRA'], 'CD8A': ['CD8A']}
    """
    roles, _ = rna_roles(rna_ad.var, rna_ad.var_names)
    genes = (roles == "gene").to_numpy()  # antibody, guide, hashing rows of a gex_only=False read are no genes
    decorated = [
        (str(v), *undecorate(raw))
        for v, raw, gene in zip(rna_ad.var_names, _raw_symbols(rna_ad), genes, strict=True)
        if gene
    ]
    mouse = {v for v, _, kind in decorated if kind and is_mouse_prefix(kind)}
    # mixed-species RNA (a barnyard): a human panel's antibodies bind the human proteins, so only human genes link
    skip = mouse if 0 < len(mouse) < len(decorated) else set()
    present: dict[str, list[str]] = {}
    for var_name, sym, _ in decorated:
        if var_name not in skip:
            present.setdefault(name_key(sym), []).append(var_name)
    return present


_GENE_SEPARATORS = re.compile(r"[;,/|+\s]+")


def parse_genes(spec: str | Iterable[str]) -> list[str]:
    """Split a gene specification into symbols.

    Accepts ``;`` (mufuse's tables), ``/`` (MaxFuse's protein-gene conversion files), ``,``, ``|``, ``+`` and
    spaces as separators, or a list (each item split the same way). Gene symbols never contain these characters.

    Examples
    --------
    >>> parse_genes("CD3D; CD3E,CD3G"), parse_genes("KRT8/KRT18/KRT19"), parse_genes(["CD4 ", "", "CD8A/CD8B"])
    (['CD3D', 'CD3E', 'CD3G'], ['KRT8', 'KRT18', 'KRT19'], ['CD4', 'CD8A', 'CD8B'])
    """
    items = [spec] if isinstance(spec, str) else [str(g) for g in spec]
    return [g for item in items for g in _GENE_SEPARATORS.split(item.strip()) if g]


# the role of each RNA row (mufuse.pp.RNA_ROLES): only genes are linked, counted in library sizes and HVGs
RNA_ROLES: dict[str, str] = {
    "gene": "gene expression: matched",
    "antibody_capture": "antibody capture (CITE-seq ADT) row",
    "crispr_guide": "CRISPR guide capture row",
    "multiplexing": "multiplexing / hashing capture row",
    "custom": "custom feature row",
    "peaks": "chromatin peak",
    "other": "feature type that is not gene expression",
}


# Cell Ranger's feature_types (features.tsv, third column) and what scanpy/muon call the column
FEATURE_TYPE_COLUMNS = ("feature_types", "feature_type", "featuretype", "feature_types-0")
# Cell Ranger's feature types (lib/python/cellranger/rna/library.py of Cell Ranger 10) and their other spellings
_FEATURE_TYPE_ROLE = {
    "gene expression": "gene",
    "antibody capture": "antibody_capture",
    "protein expression": "antibody_capture",
    "crispr guide capture": "crispr_guide",
    "crispr": "crispr_guide",
    "multiplexing capture": "multiplexing",
    "multiplexing tag capture": "multiplexing",
    "featuretest": "multiplexing",
    "custom": "custom",
    "peaks": "peaks",
    "chromatin accessibility": "peaks",
}
_PEAK = re.compile(r"^(chr)?[0-9XYMT]{1,2}[:_-]\d+[_-]\d+$", re.I)


def rna_roles(var: pd.DataFrame, var_names) -> tuple[pd.Series, str | None]:
    """Return the role of every RNA row: from a ``feature_types`` column when there is one, else peaks by name.

    Returns the roles (index: ``var_names``) and the column read (``None`` when none).

    Examples
    --------
    >>> import pandas as pd
    >>> var = pd.DataFrame({"feature_types": ["Gene Expression", "Antibody Capture"]}, index=["CD3E", "CD3_TotalSeqB"])
    >>> rna_roles(var, var.index)[0].tolist()
    ['gene', 'antibody_capture']
    """
    index = pd.Index(map(str, var_names))
    by_lower = {str(c).lower(): c for c in var.columns}
    column = next((by_lower[c] for c in FEATURE_TYPE_COLUMNS if c in by_lower), None)
    if column is not None:
        kinds = var[column].astype(str).str.strip().str.lower().str.replace("_", " ")
        roles = kinds.map(lambda k: _FEATURE_TYPE_ROLE.get(k, "gene" if k in ("", "nan", "none") else "other"))
        return pd.Series(roles.to_numpy(), index=index), str(column)
    peaks = [bool(_PEAK.match(n)) for n in index]
    if sum(peaks) > 0.5 * len(index):  # a peak matrix, not genes: left to the caller's checks
        return pd.Series("gene", index=index), None
    return pd.Series(["peaks" if p else "gene" for p in peaks], index=index), None


def gene_rows(rna_ad, modality: str) -> tuple[pd.Series, str | None]:
    """:func:`rna_roles` of a modality's rows; :class:`mufuse.MufuseError` when none of them is a gene.

    Examples
    --------
    >>> import anndata as ad, numpy as np, pandas as pd
    >>> a = ad.AnnData(np.zeros((1, 1)), var=pd.DataFrame({"feature_types": ["Gene Expression"]}, index=["CD4"]))
    >>> gene_rows(a, "rna")[0].tolist()
    ['gene']
    """
    roles, column = rna_roles(rna_ad.var, rna_ad.var_names)
    if len(roles) and not (roles == "gene").any():
        raise MufuseError(
            f"modality '{modality}' has no gene expression rows (var['{column}'] holds "
            f"{', '.join(sorted(set(map(str, rna_ad.var[column]))))}): put the gene expression counts in '{modality}'"
        )
    return roles, column
