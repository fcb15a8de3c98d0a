"""The role of every column: what a protein column measures and what an RNA row is, from its name and metadata.

Only *markers* (an antibody or stain of one antigen) and *genes* enter the matching. A protein table read whole holds
more: isotype controls, hashtags, nuclear and segmentation stains, cell shape and size, positions, row numbers and
annotations, cytometry channels without an antigen (scatter, time, a fluorochrome or metal alone), and technical rows
(blanks, background, negative-control probes, transcript counts). An RNA matrix read with Cell Ranger's
``gex_only=False`` holds antibody, CRISPR-guide, multiplexing and custom rows beside the genes.

Protein roles are decided from the name in this order: the categories of :mod:`mufuse.pp._exclusions` (isotype,
hashtag, stain, technical, channel), then the words of the name against the vocabularies below (a column is
morphology, position, identifier, channel or technical when *every* word of its name belongs to that vocabulary, so
that ``CD3_cellMask`` or ``Area_CD45`` never are). A name no role and no gene lookup claims is a marker when it reads
like an antigen (:func:`antigen_like`: a symbol-like word, a Greek letter, or a word of HGNC's approved gene names),
and ``unknown`` otherwise; unknown columns are left out of the matching with a warning that names them.

The vocabularies are the column names the public tools write (MCMICRO ``quantification``, CellProfiler
``MeasureObjectSizeShape``/``MeasureObjectIntensity``, ark-analysis ``regionprops`` features, 10x Xenium
``cells.csv``; checked on the others listed in ``docs/guide/link.md``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

from .._genes import hgnc_index, name_key, name_words

# role -> what it means (printed by ``mufuse links`` and counted in harmonize's report)
PROT_ROLES: dict[str, str] = {
    "marker": "antibody or stain of one antigen: matched",
    "isotype": "isotype control",
    "hashtag": "hashtag / sample barcode",
    "stain": "nuclear, viability, membrane or segmentation stain",
    "morphology": "cell shape or size",
    "position": "position in the image or slide",
    "identifier": "identifier, index, image or annotation",
    "channel": "cytometry or imaging channel without an antigen",
    "technical": "blank, background, control probe or count",
    "unknown": "no role fits and the name does not read as an antigen",
}

# exclusion categories (mufuse.pp._exclusions) -> role; a category not listed keeps the role "marker" (an antigen
# mufuse does not link: another species' antigen, an epitope tag, an MHC multimer, a pan-phospho stain)
_CATEGORY_ROLE = {
    "isotype control": "isotype",
    "hashtag / sample barcode": "hashtag",
    "DNA / nuclear stain": "stain",
    "segmentation channel": "stain",
    "viability / elemental channel": "stain",
    "blank / empty channel": "technical",
    "background / autofluorescence channel": "technical",
    "technical / control feature (not an antibody)": "technical",
    "elemental / mass channel": "channel",
    "channel named by its round and dye only (no marker)": "channel",
    "anti-fluorochrome / tag detection reagent": "technical",
    "dye or channel without an antigen": "channel",
    "secondary antibody (binds other antibodies, no gene)": "technical",
}


def category_role(category: str) -> str:
    """Return the role of an exclusion category (histone, channel sums and multi-antibody channels: stains)."""
    if category.startswith(("sum of several channels", "several antibodies in one channel", "histone")):
        return "stain"
    if category.startswith("isotype control"):
        return "isotype"
    return _CATEGORY_ROLE.get(category, "marker")


# words that say where in the cell a value was measured, and units: they never decide a role alone
_COMPARTMENT = {"cell", "cells", "nucleus", "nuclei", "nuclear", "cytoplasm", "cytoplasmic", "cyto", "membrane"}
_COMPARTMENT |= {"entire", "whole", "object", "objects", "mask", "ring", "expanded", "interior", "boundary"}
_UNITS = {"px", "pixel", "pixels", "um", "µm", "μm", "micron", "microns", "mm", "nm", "sq", "squared", "in", "of"}

# cell shape and size (MCMICRO: Area, MajorAxisLength, MinorAxisLength, Eccentricity, Solidity, Extent, Orientation;
# CellProfiler AreaShape_*; ark-analysis regionprops features; Xenium cell_area, nucleus_area)
_MORPH_CORE = {
    "area", "perimeter", "perim", "eccentricity", "solidity", "extent", "orientation", "circularity", "roundness",
    "compactness", "convexity", "elongation", "diameter", "feret", "caliper", "volume", "size", "aspect", "euler",
    "formfactor", "concavities", "concavity", "radius", "zernike", "anisotropy", "shape", "axis", "length", "width",
    "height", "thickness", "sphericity", "curvature", "asymmetry", "inertia", "moment", "moments", "hull", "ratio",
}  # fmt: skip
_MORPH = _MORPH_CORE | {
    "major", "minor", "convex", "equivalent", "equiv", "filled", "bbox", "bounding", "box", "max", "min", "maximum",
    "minimum", "mean", "median", "form", "factor", "number", "num", "resid", "dif", "diff", "square", "over", "nc",
    "to", "per", "by", "euclidean", "tensor", "eigenvalue", "central", "normalized", "hu", "principal", "angle",
    "degrees", "deg", "local", "global", "weighted", "polygon", "fitted", "ellipse", "x", "y", "z", "and",
}  # fmt: skip
# positions (MCMICRO X_centroid; CellProfiler Location_Center_X; Xenium x_centroid; QuPath "Centroid X µm")
_POS_CORE = {
    "x", "y", "z", "centroid", "center", "centre", "location", "position", "pos", "coord", "coords", "coordinate",
    "coordinates", "xmin", "xmax", "ymin", "ymax", "zmin", "zmax", "bbox", "spatial", "row", "col",
    "column", "xy",
}  # fmt: skip
_POS = _POS_CORE | {
    "min", "max", "local", "global", "start", "end", "top", "bottom", "left", "right", "image", "slide", "stage",
    "absolute", "relative", "fov", "tile", "of", "mass", "intensity", "weighted", "dif", "diff", "bounding", "box",
    "um", "grid",
}  # fmt: skip
# identifiers, indices, image and sample metadata, annotations
_ID_CORE = {
    "id", "ids", "cellid", "objectid", "label", "labels", "index", "idx", "unnamed", "barcode", "barcodes", "uuid",
    "entityid", "fov", "image", "imagenumber", "slide", "sample", "region", "tile", "roi", "tma", "core", "class",
    "classification", "phenotype", "parent", "cluster", "clusters", "annotation", "celltype", "leiden", "louvain",
    "batch", "patient", "donor", "acquisition", "file", "filename", "path", "well", "plate", "frame", "field",
    "name", "tissue", "category", "segment", "segmentation", "method", "objectnumber", "number", "lineage", "subject",
    "condition", "group", "timepoint", "replicate", "run", "scene", "section", "block", "spot", "level", "type",
}  # fmt: skip
_ID = _ID_CORE | {"cell", "object", "type", "global", "local", "positive", "negative", "of", "the", "num", "no", "nr"}
# cytometry channels without an antigen (FCS $PnN names: scatter, time, detectors, fluorochromes, acquisition values)
_CHANNEL_CORE = {
    "fsc", "ssc", "time", "event", "length", "center", "offset", "width", "residual", "beaddist", "bead", "beads",
    "dist", "fl1", "fl2", "fl3", "fl4", "fl5", "fl6", "fl7", "fl8", "fl9", "fl10", "fl11", "fl12", "comp", "saturated",
    "fitc", "pe", "apc", "percp", "pacific", "blue", "orange", "cy3", "cy5", "cy5.5", "cy7", "bv421", "bv510",
    "bv570", "bv605", "bv650", "bv711", "bv785", "buv395", "buv496", "buv563", "buv661", "buv737", "buv805", "af488",
    "af555", "af594", "af647", "af700", "alexa", "fluor", "texas", "red", "green", "violet", "uv", "channel", "ch",
    "dye", "opal", "eventlength", "gaussian", "dna", "acquisitiontime", "sampletime", "fsc-a", "ssc-a",
}  # fmt: skip
_CHANNEL = _CHANNEL_CORE | {"a", "h", "w", "di", "sc", "ir", "dazzle", "vio", "spark", "pe-cy7", "apc-cy7"}
# technical rows and quality values (Xenium transcript/control counts; CosMx negative probes; QC columns)
_TECH_CORE = {
    "blank", "empty", "background", "autofluorescence", "af", "unmapped", "negprb", "neg", "negative", "control",
    "codeword", "codewords", "probe", "probes", "transcript", "transcripts", "counts", "count", "total", "qc",
    "quality", "flag", "flagged", "filter", "filtered", "saturation", "nfeature", "ncount", "genes", "umi", "umis",
    "reads", "percent", "pct", "mito", "mt", "doublet", "score", "scores", "confidence", "snr", "noise",
}  # fmt: skip
_TECH = _TECH_CORE | {"n", "nucleus", "unassigned", "deprecated", "system", "intergenic", "per", "of", "adt", "rna"}

# a shape and a place together ("AreaShape_Center_X", "BoundingBoxMinimum_Y") are the cell's geometry: a position when a
# coordinate word is among them, else a shape
_WHERE = {"x", "y", "z", "xy", "centroid", "center", "centre", "location", "position", "pos", "coord", "coords"}
_WHERE |= {"coordinate", "coordinates", "xmin", "xmax", "ymin", "ymax", "zmin", "zmax", "spatial"}
# the words of every vocabulary, which a glued word is split into (one-letter channel suffixes left out)
_ALL_WORDS = frozenset(_POS | _MORPH | _ID | _CHANNEL | _TECH | _COMPARTMENT) - {"a", "h", "w", "n"}
_VOCABULARIES = (  # order: the first vocabulary holding every word of a name decides
    ("position", _POS_CORE, _POS),
    ("morphology", _MORPH_CORE, _MORPH),
    ("geometry", _POS_CORE | _MORPH_CORE, _POS | _MORPH),
    ("channel", _CHANNEL_CORE, _CHANNEL),
    ("technical", _TECH_CORE, _TECH),
    ("identifier", _ID_CORE, _ID),
)
VOCABULARY_REASON = {
    "position": "a position (coordinates of the cell)",
    "morphology": "a cell shape or size measurement",
    "channel": "a cytometry/imaging channel without an antigen (scatter, time, detector or dye)",
    "technical": "a technical / quality value (counts, controls, background)",
    "identifier": "an identifier, index, image or annotation column",
}

_SPLIT = re.compile(r"[^0-9A-Za-zµμαβγδεκλ]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _gene_word(word: str) -> bool:
    """Tell an approved HGNC symbol or the stem of numbered ones (``LAT``, ``LEFTY`` of LEFTY1/2): never split."""
    approved = hgnc_index().approved
    return name_key(word) in approved or name_key(word) + "1" in approved


def _unglue(word: str) -> list[str]:
    """Split a word glued from two vocabulary words ("xcentroid", "imageid"); the word itself otherwise."""
    if word in _ALL_WORDS or len(word) < 3 or _gene_word(word):
        return [word]
    for i in range(1, len(word)):
        if word[:i] in _ALL_WORDS and word[i:] in _ALL_WORDS:
            return [word[:i], word[i:]]
    return [word]


def words(name: str) -> list[str]:
    """Lower-case words of a column name, split at separators and camel case (``MajorAxisLength``).

    Examples
    --------
    >>> words("MajorAxisLength"), words("Centroid X µm"), words("CenterX_local_px")
    (['major', 'axis', 'length'], ['centroid', 'x', 'µm'], ['center', 'x', 'local', 'px'])
    """
    out: list[str] = []
    for part in _SPLIT.split(str(name)):
        out.extend(u for w in _CAMEL.split(part) if w for u in _unglue(w.lower()))
    return out


# a call or an identifier beside the values: "CD3 Positive Classification", "CD8_positive", "EntityID", "Object Id"
_ANNOTATION = re.compile(
    r"(?i:(?:^|[ ._-])(?:positive|negative)(?:[ ._-]+\w+)*[ ._-]*(?:classification|class|call|status|flag)?$)"
    r"|(?:^|[ ._-])(?:id|ID|Id)$|(?<=[a-z])(?:ID|Id)$",
)


def _fcs_channel(name: str) -> bool:
    """Tell a flow/mass cytometry channel named by its detector: ``FSC-A``, ``B515-A``, ``Comp-BV421-A``."""
    s = name.strip()
    return bool(
        re.fullmatch(
            r"(?:comp[ ._-]?)?(?:(?:fsc|ssc)(?:[ ._-][ahw])?|(?:fl\d{1,2}|[a-z]{1,4}\d{3})[ ._-][ahw])", s, re.I
        )
        or (
            re.fullmatch(r"(?:comp[ ._-]?)?[A-Za-z0-9.]+(?:[ ._-][A-Za-z0-9.]+)*[ ._-][AHW]", s)
            and set(words(s[:-2])) <= _CHANNEL
        )
    )


def vocabulary_role(name: str) -> str | None:
    """Return the role of a column whose words all belong to one non-marker vocabulary, else ``None``.

    Numbers, units and compartment words (cell, nucleus, mask, ...) are read through; at least one word must be a
    core word of the vocabulary (``Nucleus: Area`` is morphology, ``Cell`` alone is nothing).

    Examples
    --------
    >>> vocabulary_role("X_centroid"), vocabulary_role("MajorAxisLength"), vocabulary_role("CellID")
    ('position', 'morphology', 'identifier')
    >>> vocabulary_role("FSC-A"), vocabulary_role("transcript_counts"), vocabulary_role("CD3_cellMask") is None
    ('channel', 'technical', True)
    """
    if _fcs_channel(name):
        return "channel"
    if name_key(name) in hgnc_index().approved:  # "LAT", "COMP", "MAX": a gene's symbol is a marker's name
        return None
    if _ANNOTATION.search(name):
        return "identifier"
    ws = [w for w in words(name) if not w.isdigit() and w not in _UNITS]
    ws = [w for w in ws if w not in _COMPARTMENT] or ws
    if not ws:
        return None
    present = set(ws)
    for role, core, vocab in _VOCABULARIES:
        if present <= vocab and present & core:
            return role if role != "geometry" else ("position" if present & _WHERE else "morphology")
    return None


# words of HGNC approved names that describe a place or a kind of measurement, not a protein
_GENERIC = _COMPARTMENT | _MORPH | _POS | _ID | _TECH | _CHANNEL | {"protein", "human", "mouse", "antibody", "anti"}
# a symbol: a few letters with digits ("CD77", "S6p", "TCRa7"; at most 7 letters) or a short capital word ("HLA")
_SYMBOL_LIKE = re.compile(r"^(?=.*\d)(?!(?:.*[A-Za-z]){8})(?=.*[A-Za-z])[A-Za-z0-9.]{2,10}$|^[A-Z]{2,6}[a-z]{0,2}$")
_GREEK = re.compile(r"[αβγδεκλ]|alpha|beta|gamma|delta|kappa|lambda", re.I)


@lru_cache(maxsize=1)
def _specific_words() -> list[str]:
    counts, _ = name_words()
    return sorted(w for w in counts if w not in _GENERIC)


def antigen_like(cleaned: str) -> bool:
    """Whether a name no rule and no gene lookup knows still reads like an antigen.

    True when a part of it looks like a gene or protein symbol (letters with digits, ``CD77``, ``S6p``; or a short
    upper-case word, ``HLA``, ``CLA``), holds a Greek letter, or has a word that is, or begins, a word of HGNC's
    approved gene names other than place and measurement words (``amylase``, ``integrin``, ``Synapto``).
    ``Solidity``, ``Time`` or ``my_score`` do not.

    Examples
    --------
    >>> antigen_like("Amylase"), antigen_like("CD77"), antigen_like("Solidity"), antigen_like("Unnamed: 0")
    (True, True, False, False)
    """
    parts = [p for p in re.split(r"[\s_:;,./()\[\]-]+", cleaned) if p]
    if _GREEK.search(cleaned) or any(_SYMBOL_LIKE.match(p) and not p.isdigit() for p in parts):
        return True
    specific = _specific_words()
    for w in words(cleaned):
        if len(w) < 3 or w in _GENERIC:
            continue
        i = bisect_left(specific, w)
        if i < len(specific) and (specific[i] == w or (len(w) >= 5 and specific[i].startswith(w))):
            return True
    return False
