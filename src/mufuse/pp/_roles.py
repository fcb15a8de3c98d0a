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

import itertools
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
    "viability dye": "stain",
    "phosphatidylserine stain (Annexin V)": "stain",
    "Fc-receptor blocking reagent (no readout)": "technical",
    "label-free optical channel (no antibody)": "channel",
    "blank / empty channel": "technical",
    "background / autofluorescence channel": "technical",
    "technical / control feature (not an antibody)": "technical",
    "elemental / mass channel": "channel",
    "channel named by its round and dye only (no marker)": "channel",
    "anti-fluorochrome / tag detection reagent": "technical",
    "dye or channel without an antigen": "channel",
    "secondary antibody (binds other antibodies, no gene)": "technical",
    "embedding coordinate / analysis output": "identifier",
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
_COMPARTMENT |= {"entire", "whole", "object", "objects", "mask", "ring", "expanded", "interior", "boundary", "nuc"}
_COMPARTMENT |= {"segmentation"}  # Squidpy "segmentation_ch-1_mean_intensity_std": measured in the segmented cells
_UNITS = {"px", "pixel", "pixels", "um", "µm", "μm", "micron", "microns", "mm", "nm", "sq", "squared", "in", "of"}
_UNITS |= {"um2", "µm2", "μm2", "px2", "mm2", "megapixel", "megapixels", "per", "pxl", "fullres", "lowres", "hires"}
_UNITS |= {"vx", "voxel", "voxels", "sec", "secs", "seconds", "ms", "1d", "2d", "3d"}  # Cytokit "size_vx"

# cell shape and size (MCMICRO: Area, MajorAxisLength, MinorAxisLength, Eccentricity, Solidity, Extent, Orientation;
# CellProfiler AreaShape_*; ark-analysis regionprops features; Xenium cell_area, nucleus_area)
_MORPH_CORE = {
    "area", "perimeter", "perim", "eccentricity", "solidity", "extent", "orientation", "circularity", "roundness",
    "compactness", "convexity", "elongation", "diameter", "feret", "caliper", "volume", "size", "aspect", "euler",
    "formfactor", "concavities", "concavity", "radius", "zernike", "anisotropy", "shape", "axis", "length", "width",
    "height", "thickness", "sphericity", "curvature", "asymmetry", "inertia", "moment", "moments", "hull", "ratio",
    "surface", "neighbors", "neighbours", "neighbor", "neighbour", "delaunay", "touching", "distance", "triangle",
    "adjacent", "adj", "eigvals", "eigenvalues", "crofton",
}  # fmt: skip
_MORPH = _MORPH_CORE | {
    "major", "minor", "convex", "equivalent", "equiv", "filled", "bbox", "bounding", "box", "max", "min", "maximum",
    "minimum", "mean", "median", "form", "factor", "number", "num", "resid", "dif", "diff", "square", "over", "nc",
    "to", "per", "by", "euclidean", "tensor", "eigenvalue", "central", "normalized", "hu", "principal", "angle",
    "degrees", "deg", "local", "global", "weighted", "polygon", "fitted", "ellipse", "x", "y", "z", "and",
    "closest", "first", "second", "third", "between", "percent", "points", "nn", "knn", "dist", "nearest",
    "intermediate", "std", "sd", "pct", "n", "bg", "count", "eigenvalues",
}  # fmt: skip
# positions (MCMICRO X_centroid; CellProfiler Location_Center_X; Xenium x_centroid; QuPath "Centroid X µm")
_POS_CORE = {
    "x", "y", "z", "centroid", "center", "centre", "location", "position", "pos", "coord", "coords", "coordinate",
    "coordinates", "xmin", "xmax", "ymin", "ymax", "zmin", "zmax", "bbox", "spatial", "row", "col",
    "column", "xy", "array", "slice", "within", "withintile",
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
    "metadata", "pathname", "url", "sector", "target", "groups", "patients", "spots", "samples",
    "neighborhood", "neighbourhood", "kmeans", "phenograph", "flowsom", "som", "meta", "unique", "source", "recovery",
    "analysis", "classifier", "inputs", "description", "inform", "final", "neighbor", "neighbour", "neighbors",
    "neighbours", "parents", "children", "track",
    # experimental design and gating labels (HDCytoData "individual"; RUCova "dose", "irradiated", "line", "bc")
    "individual", "individuals", "dose", "treatment", "treated", "drug", "stimulation", "stimulus", "stim", "algorithm",
    "irradiated", "irradiation", "line", "cellline", "bc", "gate", "gated", "population", "populations",
}  # fmt: skip
_ID = _ID_CORE | {"cell", "object", "type", "global", "local", "positive", "negative", "of", "the", "num", "no", "nr"}
_ID |= {"row", "col", "column", "rename", "renamed", "aggregate", "spatial", "number", "x", "y", "tile", "start", "end"}
_ID |= {"recovered", "acquisition", "new", "old", "ab", "cells", "objects", "mask", "area", "category", "process"}
# compartments of a tissue that annotation columns are named after ("tumorCluster", "immuneGroup": MIBI TNBC cellData)
_ID |= {"tumor", "tumour", "immune", "stroma", "stromal", "epithelial", "epithelium", "cancer", "normal", "nb", "nr"}
_ID |= {"event", "islet", "islets", "closest", "vessel", "structure"}
# CytoMAP's summed surfaces ("Mean_Myeloid", "BloodVessels"); a lineage alone ("Erythroid": MGI's synonym of Spta1)
_ID_CORE |= {"myeloid", "lymphoid", "erythroid", "bloodvessels"}
_ID |= _ID_CORE | {"vessels", "blood"}  # "event_number"; Damond 2019 "islet_parent"
# cytometry channels without an antigen (FCS $PnN names: scatter, time, detectors, fluorochromes, acquisition values)
_CHANNEL_CORE = {
    "fsc", "ssc", "time", "event", "length", "center", "offset", "width", "residual",
    "dist", "separation", "mahalanobis",  # a mass cytometry debarcoder's columns (bc_separation_dist)
    "fl1", "fl2", "fl3", "fl4", "fl5", "fl6", "fl7", "fl8", "fl9", "fl10", "fl11", "fl12", "comp", "saturated",
    "fitc", "pe", "apc", "percp", "pacific", "blue", "orange", "cy3", "cy5", "cy5.5", "cy7", "bv421", "bv510",
    "bv570", "bv605", "bv650", "bv711", "bv785", "buv395", "buv496", "buv563", "buv661", "buv737", "buv805", "af488",
    "af555", "af594", "af647", "af700", "alexa", "fluor", "texas", "red", "green", "violet", "uv", "channel", "ch",
    "dye", "opal", "eventlength", "gaussian", "dna", "acquisitiontime", "sampletime", "fsc-a", "ssc-a",
    "forward", "side", "scatter",
}  # fmt: skip
_CHANNEL = _CHANNEL_CORE | {"a", "h", "w", "di", "sc", "ir", "dazzle", "vio", "spark", "pe-cy7", "apc-cy7"}
# technical rows and quality values (Xenium transcript/control counts; CosMx negative probes; QC columns)
_TECH_CORE = {
    "blank", "empty", "background", "autofluorescence", "af", "unmapped", "negprb", "neg", "negative", "control",
    "codeword", "codewords", "probe", "probes", "transcript", "transcripts", "counts", "count", "total", "qc",
    "quality", "flag", "flagged", "filter", "filtered", "saturation", "nfeature", "ncount", "genes", "umi", "umis",
    "reads", "percent", "pct", "mito", "mt", "doublet", "score", "scores", "confidence", "snr", "noise",
    "density", "homogeneity", "probability", "probab", "error", "errors", "complexity", "falsecode", "flags",
    "feature", "features", "gene", "dnb", "prop", "perc", "detection", "missing", "bead", "beads", "md5", "digest",
    "execution", "channels", "nfeatures", "ncounts", "ngenes", "border", "genomic",
    "singlet", "singlets", "debris", "outlier", "outliers", "gating",  # QC gates (RUCova "singlets", "beadsOut")
    # HALO "% Nucleus Completeness"; QuPath "Num Detections"; Xenium transcripts' "qv"; scanpy "n_genes_by_counts";
    # Fluidigm's calibration beads ("140Ce_EQBeads")
    "completeness", "detections", "qv", "eqbeads", "eq",
}  # fmt: skip
_TECH = _TECH_CORE | {"n", "nucleus", "unassigned", "deprecated", "system", "intergenic", "per", "of", "adt", "rna"}
_TECH |= {"data", "from", "fov", "image", "num", "points", "profile", "time", "cluster", "size", "core", "sum"}
_TECH |= {"on", "touches", "touching", "edge", "out", "low", "high", "pt", "in", "by"}  # Cytokit "nb:on_border"

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
    "stain": "a nuclear stain",
}

_SPLIT = re.compile(r"[^0-9A-Za-zµμαβγδεκλ]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _gene_word(word: str) -> bool:
    """Tell a word never to split: an approved symbol, a stem of numbered ones, a protein's one-word name.

    ``LAT``, ``LEFTY`` (of LEFTY1/2), ``Clusterin`` (never "cluster" and "in").
    """
    hgnc, k = hgnc_index(), name_key(word)
    return k in hgnc.approved or k + "1" in hgnc.approved or (len(k) > 5 and (k in hgnc.name or k in hgnc.head))


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
    r"|(?:^|[ ._-])(?:id|ID|Id|idx|Idx)$|(?<=[a-z])(?:ID|Id|Idx|Nb|Nr|No|Num)$"
    # a yes/no call ("tumorYN", MIBI TNBC cellData)
    r"|(?<=[a-z])YN$|(?:^|[ ._-])(?:yn|YN|yes[ ._-]?no)$",
)


# a cell population's name as a gate, a cell-type score or an author's short label ("NK" for the NK-1.1 antibody,
# "pDC", "Treg", "LSK"): no antigen, and read as one it is another gene's alias (MGI's NK is Gpi1, HGNC's cDC2 CDK1,
# LSK MATK); "Eos" (IKZF4) and "Mac-1" (CD11b) are antigens and stay
_POPULATION = re.compile(
    r"^(?:i?NKT?|(?:mo|c|p)?DC[12]?|Mono(?:cytes?)?|Neut(?:rophils?)?|Baso(?:phils?)?|Mast|Tregs?|Tfh|Th(?:1|2|9|17|22)|"
    r"ILC[123]?|MAIT|HSC|LSK|L?MPP|CMP|GMP|MEP|CLP|Plasma|[BT]|NK)(?:[ ._-]?cells?)?s?$"
)


# spectral cytometers' detectors (AutoSpectral's cytometer_database: Cytek Aurora "UV7-A", "YG10-A"; Sony ID7000
# "488CH4-A"; BD FACSDiscover "V7 (530)-A"; Agilent NovoCyte Opteon "UV380-A"; Mosaic "IR1-A", "U20-A"; Xenith
# "349nm - 387/11-A", "561nm - 860/LP-A")
_SPECTRAL = re.compile(
    r"(?:comp[ ._-]?)?(?:\d{3}(?:nm)?[ ._-]*ch\d{1,2}|(?:uv|u|v|b|g|yg|y|r|ir)\d{1,2}(?:[ ._-]*\(\d{3}\))?"
    r"|\d{3}[ ._-]*nm[ ._-]+(?:-[ ._-]*)?\d{3}/(?:\d{1,3}|lp|sp))[ ._-][ahw]",
    re.IGNORECASE,
)


# scatter and detector parameters as other instruments write them: the statistic glued (``FSCa``, ``SSCH``),
# numbered or violet/back scatter (``SSC1-A``, ``VSSC-A``, ``BSC-A``), Beckman Coulter's ``FS INT``, ``SS PEAK``,
# ``FL3 LOG``, Guava's ``FSC-HLin``, ``GRN-B-HLog``; ``FS`` or ``SS`` alone stays a name
_PARAMETER = r"(?:[ahw](?:lin|log)?|int|peak|tof|lin|log|area|height|width)"
_SCATTER = re.compile(
    rf"(?:comp[ ._-]?)?(?:(?:(?:v|violet[ ._-]?|b)?(?:fsc|ssc)\d?|bsc)[ ._-]?{_PARAMETER}"
    rf"|(?:fs|ss|fl\d{{1,2}})[ ._-]?(?:int|peak|tof|lin|log)"
    rf"|(?:grn|yel|red|nir|blu|org)[ ._-][a-z][ ._-][ahw](?:lin|log))",
    re.IGNORECASE,
)


def _fcs_channel(name: str) -> bool:
    """Tell a flow/mass cytometry channel named by its detector (``FSC-A``, ``B515-A``, ``Comp-BV421-A``).

    Also a spectral cytometer's detectors as R writes them: ``Comp.GYG.670.A``, ``FSC.PMT.A``; and FlowJo's
    compensated parameters, whatever the dye (``FJComp-Nova Blue 530-A``, ``FJComp-BB660-P2-A``,
    ``Comp-SBUV445-A``): a parameter with the marker beside it (``Comp-BV421-A :: CD4``) is the marker's.
    """
    s = name.strip()
    if "::" not in s and (
        re.fullmatch(r"fjcomp[ ._-].*[ ._-][ahw]", s, re.I) or re.fullmatch(r"comp[ ._-].*\d{3}.*[ ._-][ahw]", s, re.I)
    ):
        return True
    return bool(
        re.fullmatch(
            r"(?:comp[ ._-]?)?(?:(?:fsc|ssc)(?:[ ._-]pmt)?(?:[ ._-][ahw])?|"
            r"(?:fl\d{1,2}|[a-z]{1,4}[ ._-]?\d{3})[ ._-][ahw])",
            s,
            re.I,
        )
        or _SCATTER.fullmatch(s)
        or _SPECTRAL.fullmatch(s)
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
    name = untool(name)
    if _fcs_channel(name) or _ACQUISITION.match(name):
        return "channel"
    array = _ARRAY_INDEX.match(name)  # scikit-image's array properties: "bbox-1" is no BBOX1, "moments_hu-3"
    if array and array.group("base") != name and (role := vocabulary_role(array.group("base"))):
        return role
    if _POPULATION.match(name.strip()):  # case-sensitive: "pDC" is the cells, "PDC" phosducin's symbol
        return "identifier"
    if name_key(name) in hgnc_index().approved:  # "LAT", "COMP", "MAX": a gene's symbol is a marker's name
        return None
    if _PIXEL_COUNT.match(name):
        return "morphology"
    if _ANNOTATION.search(name):
        return "identifier"
    if _TMA.match(name):
        return "identifier"
    ws = [_stem(w) for w in words(name) if not w.isdigit() and w not in _UNITS]
    if ws and all(w in _COMPARTMENT for w in ws):
        return "identifier"  # a column named "cell" or "Object" holds the cell's number (MERSCOPE, steinbock)
    ws = [w for w in ws if w not in _COMPARTMENT]
    if not ws:
        return None
    present = set(ws)
    for role, core, vocab in _VOCABULARIES:
        if present <= vocab and present & core:
            return role if role != "geometry" else ("position" if present & _WHERE else "morphology")
    if present <= _ALL_WORDS:  # words of several vocabularies ("Missing core", "Region Area"): the most core words
        hits = [
            (len(present & core), -i, role) for i, (role, core, _) in enumerate(_VOCABULARIES) if role != "geometry"
        ]
        best = max(hits)
        return best[2] if best[0] else None
    return None


# a tool's namespace before a colon (Cytokit "cm:size", "ni:PHA:mean", "cg:n_neighbors": cell/nucleus morphology,
# intensity, graph); QuPath's "Cell: Area" is read by its words
_NAMESPACE = re.compile(r"^[a-z]{2}:(?=\S)")


def untool(name: str) -> str:
    """Drop a tool's lower-case two-letter namespace before a colon (``cm:diameter`` → ``diameter``)."""
    return _NAMESPACE.sub("", str(name).strip())


# scikit-image regionprops_table writes an array property one column per index: "bbox-0", "centroid-1",
# "moments_hu-3", "inertia_tensor-0-1", "intensity_mean-2" (lower case, a dash before each index)
_ARRAY_INDEX = re.compile(r"^(?P<base>[a-z][a-z_]*[a-z])(?:-\d{1,2})+$")
# a cell's size as its number of pixels or voxels (skimage "num_pixels", "pixel_count")
_PIXEL_COUNT = re.compile(
    r"^(?:num|n|number|count)[ ._-]*(?:of[ ._-]*)?(?:pixels?|voxels?|px)$"
    r"|^(?:pixel|voxel)s?[ ._-]*(?:count|number|num)$",
    re.IGNORECASE,
)
# acquisition parameters of mass cytometry's FCS files, written like shape words (Fluidigm "Cell_length")
_ACQUISITION = re.compile(r"^(?:Cell|Event)_length$|^cell[ ._-]?length$|^event[ ._-]?length$")

# tissue-microarray layout columns (inForm "TMA Sector", "TMA Row"; CODEX "TMA_AB")
_TMA = re.compile(r"^tma(?:[ ._-]+\w+)?$", re.IGNORECASE)


def _stem(word: str) -> str:
    """Read a vocabulary word with a number glued on ("bead2", "neighborhood10", "cellbound1") read as the word."""
    stem = word.rstrip("0123456789")
    return stem if stem != word and stem in _NUMBERED else word


# words tools number ("Bead2", "neighborhood10", "CellId1", "fov3"); never a short word a gene shares ("COL1")
_NUMBERED = {"bead", "beads", "neighborhood", "neighbourhood", "id", "cellid", "cluster", "region", "tile", "fov"}
_NUMBERED |= {"image", "roi", "sample", "slide", "label", "object", "objectid", "level", "batch", "group", "spot"}


# words of HGNC approved names that describe a place or a kind of measurement, not a protein
_GENERIC = _COMPARTMENT | _MORPH | _POS | _ID | _TECH | _CHANNEL | {"protein", "human", "mouse", "antibody", "anti"}
# a symbol: a few letters with digits ("CD77", "S6p", "TCRa7"; at most 7 letters) or a short capital word ("HLA")
_SYMBOL_LIKE = re.compile(r"^(?=.*\d)(?!(?:.*[A-Za-z]){8})(?=.*[A-Za-z])[A-Za-z0-9.]{2,10}$|^[A-Z]{2,6}[a-z]{0,2}$")
_GREEK = re.compile(r"[αβγδεκλ]|alpha|beta|gamma|delta|kappa|lambda", re.I)


@lru_cache(maxsize=1)
def _specific_words() -> list[str]:
    counts, _ = name_words()
    return sorted(w for w in counts if w not in _GENERIC)


# fluorescent proteins of reporter mice and cells (FPbase names; "tdTom" as panels shorten it): never a gene's symbol
# or alias; the exclusion rules and reporter_channel read the one list
FLUORESCENT_PROTEINS = (
    r"(?:e?[gyrcb]fp2?|mcherry|td[ ._-]?tom(?:ato)?|zs[ ._-]?(?:green|yellow)1?|mneon[ ._-]?green|m?venus|m?citrine|"
    r"mkate2?|mscarlet(?:[ ._-]?i)?|mturquoise2?|dsred(?:\d|[ ._-]?express2?)?|m?tag[bry]fp2?|mplum|morange2?|"
    r"m?i?rfp[ ._-]?\d{3}|dendra2?|meos\d(?:\.\d)?|mruby\d?|amcyan|ypet|cerulean|td[ ._-]?katushka2?|mko2?|"
    r"e2[ ._-]?crimson|mcardinal|mclover\d?)"
)
_REPORTER = re.compile(FLUORESCENT_PROTEINS, re.IGNORECASE)


def reporter_channel(name: str) -> bool:
    """Tell whether a name holds a fluorescent reporter's name as a word (``GFP_FICT``, ``tdTom-PE``).

    Examples
    --------
    >>> reporter_channel("GFP_FICT"), reporter_channel("Foxp3-GFP"), reporter_channel("GFAP")
    (True, True, False)
    """
    return any(_REPORTER.fullmatch(p) for p in re.split(r"[\s_:;,./()\[\]-]+", name) if p)


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
    # a nucleic acid is no antigen: "protected_DNA", "OVA-psDNA" (DNA-tagged antigen-tracking reagents, Walsh et al.)
    nucleic = [p for p in parts if re.fullmatch(r"(?:ds|ss|ps|c|r|m)?[DR]NA", p, re.IGNORECASE)]
    if nucleic:  # "18s_RNA": a ribosomal RNA stain (10x Xenium's interior stain) names its RNA by its size
        parts = [p for p in parts if p not in nucleic and not re.fullmatch(r"\d{1,2}s", p, re.IGNORECASE)]
    if reporter_channel(cleaned):  # "tdTom-PE": a reporter's channel, no antigen named
        return False
    parts += [p[1:] for p in parts if re.fullmatch(r"p[A-Z]{2,}[A-Za-z0-9]*", p)]  # phospho-epitopes: "pAUR"
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


# --- names with a tool's structure: the measurement, compartment and processing words around a channel's name ---
# statistics and processing steps tools write around a channel's name (QuPath "Cell: CD3: Mean", "Nucleus:
# Hematoxylin OD mean"; CosMx "Mean.CD45"; MERSCOPE "Cellbound1_raw"; CellProfiler "MeanIntensity"; FlowJo
# "_asinh_aligned"; QuPath's "bis" of a repeated channel name)
_STATISTIC = {
    "mean", "median", "max", "min", "sum", "std", "stdev", "sd", "dev", "range", "integrated", "intensity", "avg",
    "average", "mad", "variance", "quartile", "lower", "upper", "edge", "od", "raw", "high", "low", "pass", "asinh",
    "arcsinh", "aligned", "transformed", "rs", "bis", "total", "maxintensity", "meanintensity", "minintensity",
    "medianintensity", "stdintensity", "integratedintensity", "massdisplacement", "maxintensityedge", "fullstack",
    "stack", "full", "filtered", "mass", "displacement", "lowerquartileintensity", "upperquartileintensity",
    # scikit-image and Squidpy image features ("standard_deviation_intensity", "summary_ch-0_quantile-0.9",
    # "histogram_ch-0_bin-0", "texture_ch-0_contrast_dist-1_angle-0.00")
    "standard", "deviation", "summary", "quantile", "histogram", "bin", "texture", "contrast", "dissimilarity",
    "homogeneity", "correlation", "asm", "energy", "entropy", "dist", "angle", "intensities",
    # FlowJo's table statistics ("Geo. Mean", "rCV", "Mode") and a spectral cytometer's unmixed channel
    # ("Spectral BUV 395 Geo.Mean" of a FlowJo table, "Unmixed-PE-A")
    "geo", "geometric", "cv", "rcv", "rsd", "mode", "spectral", "unmixed",
}  # fmt: skip
# fluorochromes, fluorescent proteins, chromogens and detectors (BD, BioLegend, Thermo Fisher, Miltenyi, Cytek, Bio-Rad
# fluorochrome lists; Attune "BL1", Aurora "B2", LSR "YG 780/60" detector names): a channel with no antigen
_FLUOR = {
    "fitc", "tritc", "rhodamine", "pe", "apc", "percp", "tr", "texas",
    "texasred", "dazzle", "fire", "efluor", "eflour", "fluor", "alexa",
    "bv", "buv", "bb", "bux", "super", "bright", "superbright", "pacific", "pac", "pacblu", "pacblue", "pacorange",
    "pacgreen", "qdot", "spark", "nir", "novafluor", "cfluor", "realblue", "realyellow", "vio", "vioblue", "viogreen",
    "viobright", "kiravia", "starbright", "h7", "zsgreen", "gfp", "egfp", "yfp", "eyfp", "rfp", "cfp", "bfp",
    "mcherry", "tdtomato", "dsred", "venus", "mkate", "mkate2", "mneongreen", "mcitrine", "cerulean", "dab", "opal",
    "cy", "dylight", "atto", "ef", "red", "green", "blue", "orange", "violet", "yellow", "far", "ultraviolet", "uv",
    "bl", "rl", "vl", "yl", "yg", "laser", "fl", "cy3", "cy5", "cy55", "cy7", "petr", "pecy5", "pecy7", "percpcy55",
    "apccy7", "apch7", "pecf594", "ecd", "aqua", "comp", "fjcomp", "compensated", "fsc", "conjugated", "biotin",
    "biotinylated",
    "ssc", "brilliant", "cyanine",
}  # fmt: skip
# a channel's number, cycle, region or generic marker slot ("c12", "ch001", "Ch1Cy1", "cyc001", "reg014", "Marker1"),
# and a fluorochrome or detector with its wavelength ("BV421", "PE-Cy5.5", "AF647", "B515", "Opal570", "Fire810")
_INDEX_TOKEN = re.compile(r"^(?:(?:ch|chan|channel|cyc|cycle|cy|reg|region|c|marker|stain)\d+){1,3}$")
_FLUOR_TOKEN = re.compile(
    r"^(?:(?:bv|buv|bb|bux|sb|qd|qdot|af|a|opal|cf|ef|efluor|eflour|dy|dylight|atto|rb|ry|nfb|nfr|nfy|nfv|vio|pe|apc|"
    r"fire|dazzle|spark|nir|kiravia|cfluor[a-z]?|r(?=7[01]\d$))\d{3}|(?:cy|cyanine)[357](?:\.?5)?|h7"
    # Beckman PC5/PC5.5/PC7 and Krome Orange; a laser's detector at an emission wavelength ("B530", "V450", never the
    # mouse antigen "B220"); Annexin "A1" and HLA "A2" are no dyes (a dye's number has three digits)
    r"|pc(?:5(?:\.5)?|7)|(?:v|b|r|yg|uv|u|y|g|bl|rl|vl|yl|ko)[3-8]\d\d)$"
)
# detectors by laser and number (Cytek Aurora "B2", "UV7"; Attune "BL1"; FACSCalibur "FL3") and CosMx's channel
# colours ("Mean.G"): only read as channels beside a detector suffix ("-A"), a "Comp-" prefix or a statistic, so that
# "B7-H3" stays an antigen; a detector's number is at most 32 (Aurora B1-B14, UV1-UV16; "B72" is B7-2, CD86)
_DETECTOR = re.compile(r"^(?:b|v|r|g|u|yg|uv|bl|rl|vl|yl|fl)(?:[1-9]|[12]\d|3[0-2])?$")  # never "y": a place
_NUCLEAR = {"dna", "dapi", "hoechst", "nuclear", "nuclei", "ir191", "ir193"}
# stains that say nothing about one antigen: nuclear and H&E dyes, poly-T and rRNA probes, cell-boundary stains,
# viability dyes (7-AAD, ViViD, Zombie, Ghost Dye, LIVE/DEAD Fixable, propidium iodide), also in a dump channel
_STAIN = re.compile(
    r"h(?:a)?ematoxylin|eosin(?!o)|polyt|poly[ ._-]t(?:[ ._-]|$)|(?:^|[^a-z])r(?:rna)(?:[^a-z]|$)|cellbound|"
    r"(?:^|[^a-z])vivid(?:[^a-z]|$)|7[ ._-]?aad|zombie|ghost[ ._-]?dye|live[ ._/-]*dead|fixable[ ._-]*viability|"
    r"propidium|(?:^|[^a-z])fvd(?:[^a-z]|$)|"
    r"(?:^|[^a-z])dead(?:[ ._-]?cells?)?(?:[^a-z]|$)|"
    # proliferation and tracking dyes (CFSE, CellTrace Violet/Yellow/Far Red, PKH26/67, VPD450), organelle and
    # viability dyes (Calcein, MitoTracker, LysoTracker, TMRM/TMRE): they stain every cell's content, no antigen
    r"cfse|cell[ ._-]?trace|(?:^|[^a-z])ct[vy](?:[^a-z]|$)|pkh[ ._-]?(?:26|67)|vpd[ ._-]?450|proliferation[ ._-]?dye|"
    r"calcein|mitotracker|lysotracker|(?:^|[^a-z])tmr[me](?:[^a-z]|$)"
)
# phalloidin (F-actin) and lectins: bind a toxin site or glycans of many proteins. By their words (never a protein's
# "C-type lectin", "mannose-binding lectin", "lectin-like"), or by the abbreviations their vendors sell them under
# (Vector Laboratories' lectin list): WGA, ConA, PHA-L/E, UEA I, PNA, SNA (EBL, SNL), MAL I/II, MAA, SBA, DBA, ECL,
# GSL I/II and its isolectin B4, LEL, LTL, RCA I (RCA120), SJA, STL, VVA, WFA, DSL, AAL, as the whole name beside a
# dye: some are HGNC aliases of unrelated genes (SNA: SNAI1, DBA: RPS19, ECL: CCL21, GSL: CTSA), and inside a longer
# name they are something else ("HMW-MAA" is CSPG4, "CD81 LEL" a tetraspanin's large extracellular loop, "DBA/2" a
# strain). MAL2, LCA, MPL, NPL and PSA name proteins more often and are not read as lectins
_LECTIN_WORD = re.compile(
    r"phalloidin|agglutinin|(?<![a-z])(?<!type[ ._-])(?<!binding[ ._-])(?:iso)?lectins?(?![a-z])(?![ ._-]*like)"
    r"(?![ ._-]*(?:receptor|domain|family|type))"
)
_LECTIN_ABBR = {"wga", "swga", "cona", "pha", "pna", "sna", "snl", "ebl", "sba", "dba", "ecl", "gsl", "ib4", "lel"}
_LECTIN_ABBR |= {"ltl", "maa", "rca", "sja", "stl", "vva", "vvl", "wfa", "wfl", "dsl", "aal", "uea", "mal", "gs"}
# what may follow an abbreviation: a Roman or Arabic number (UEA I, GSL-II, RCA120), PHA's letter, GS's isolectin B4
_LECTIN_NEXT = {"uea": {"i", "1"}, "gsl": {"i", "ii", "1", "2"}, "mal": {"i", "ii"}, "rca": {"i", "1", "120"}}
_LECTIN_NEXT |= {"pha": {"l", "e"}, "gs": {"ib4"}}
_LECTIN_GLUED = re.compile(r"^(?:(uea|gsl|rca)(i{1,2}|[12]|120)|(mal)(i{1,2})|(pha)([le])|(gs)(ib4))$")
_LECTIN_ALONE = _LECTIN_ABBR - {"mal", "gs"}  # "MAL" is the T-cell protein; "GS" glutamine synthetase


def _lectin(low: str) -> bool:
    """Tell whether a lower-cased name is a lectin or phalloidin stain (``PNA-FITC``, ``SNL/EBL_Cy5``, ``MAL II``).

    A tool's structure around the channel counts for nothing: statistics and compartments (``Cell: PNA: Mean``), and
    a namespace before its first colon (``ci:PHA:mean``).
    """
    if _LECTIN_WORD.search(low):
        return True
    segments = low.split(":")
    if len(segments) == 1:
        return _lectin_tokens(low)
    found = [i for i, seg in enumerate(segments) if _lectin_tokens(seg)]
    namespace = re.fullmatch(r"\s*[a-z]{1,3}\s*", segments[0]) is not None  # "ci:", never an antigen ("CD81:")
    rest = [seg for i, seg in enumerate(segments) if i not in found and not (i == 0 and namespace)]
    return bool(found) and all(not _tokens(seg) for seg in rest)


def _tokens(part: str) -> list[str]:
    """Return the words of a name part that may name its antigen: no dye, wavelength, statistic or compartment."""
    # a dye's word or wavelength ("PNA-FITC", "IB4-488") goes; a number glued on is read apart ("RCA120", "UEA1")
    tokens = [t for t in re.split(r"[\s._/+,;:()\[\]-]+", part) if t and not _conjugate_word(t)]
    tokens = [_LECTIN_GLUED.sub(r"\1\3\5\7 \2\4\6\8", t) for t in tokens]
    tokens = [t for t in " ".join(tokens).split() if not re.fullmatch(r"\d{3}", t) or t == "120"]
    return [t for t in tokens if t not in _STATISTIC and t not in _COMPARTMENT]


def _lectin_tokens(part: str) -> bool:
    """Tell whether a name part is a lectin's abbreviation, with its number or letter (``GSL II``, ``PHA-L``)."""
    tokens = _tokens(part)
    if not tokens or tokens[0] not in _LECTIN_ABBR:
        return False
    prev = ""
    for tok in tokens:
        if tok in _LECTIN_ALONE or (tok in ("mal", "gs") and prev == ""):
            prev = tok
        elif prev in _LECTIN_NEXT and tok in _LECTIN_NEXT[prev]:
            prev = "done"
        else:
            return False
    return prev not in ("mal", "gs")


# CellProfiler's measurement categories (cellprofiler_core.constants.measurement; the module docs): the category
# decides the role, and for intensities the image (channel) name after the statistic does
_CP_ROLE = {
    "location": "position",
    "areashape": "morphology",
    "neighbors": "morphology",
    "texture": "morphology",
    "granularity": "morphology",
    "radialdistribution": "morphology",
    "objectskeleton": "morphology",
    "correlation": "morphology",
    "metadata": "identifier",
    "filename": "identifier",
    "pathname": "identifier",
    "url": "identifier",
    "parent": "identifier",
    "children": "identifier",
    "trackobjects": "identifier",
    "number": "identifier",
    "imagenumber": "identifier",
    "objectnumber": "identifier",
    "group": "identifier",
    "md5digest": "technical",
    "executiontime": "technical",
    "height": "technical",
    "width": "technical",
    "scaling": "technical",
    "moduleerror": "technical",
    "imagequality": "technical",
    "threshold": "technical",
    "count": "technical",
}
_CP_INTENSITY = re.compile(
    r"^intensity_(?:mean|median|max|min|std|integrated|mad|lowerquartile|upperquartile|mass)\w*?intensity(?:edge)?"
    r"(?:_(?P<image>.+))?$|^intensity_massdisplacement(?:_(?P<image2>.+))?$",
    re.IGNORECASE,
)
_CP_CATEGORY = re.compile(r"^(?P<cat>[A-Za-z0-9]+)_(?=\S)")
# a distance to a region or a line ("Distance to stroma", "Distance from Process Region Edge (pixels)", QuPath
# "Signed distance to annotation Islet µm"): the cell's place
_DISTANCE = re.compile(
    r"^(?:signed[ ._-]+|min(?:imum)?[ ._-]+|max(?:imum)?[ ._-]+)?dist(?:ance)?[ ._-]*(?:to|from)(?=[ ._-]|$)", re.I
)


_CHANNEL_INDEX = re.compile(r"(?<![A-Za-z])(ch|chan|channel)[ ._-](\d{1,3})(?![0-9])", re.IGNORECASE)


def _channel_words(ws: list[str], fcs: bool) -> str | None:
    """Role of the words around a channel's name once statistics and compartments are gone (None: an antigen)."""
    left = [w for w in ws if not w.isdigit() and w not in _UNITS and w not in _COMPARTMENT and w not in _STATISTIC]
    context = fcs or len(left) < len(ws)
    if not left:  # an intensity with no channel named ("mean_intensity", "intensity_max"): no antigen
        return "channel" if {"intensity", "intensities", "histogram", "texture"} & set(ws) else None
    if any(w.startswith("probab") for w in left):
        return "technical"  # a pixel-classifier probability map (ilastik "ProbabStack")
    if set(left) <= _NUCLEAR and context:
        return "stain"
    strong = [w for w in left if w in _FLUOR or _FLUOR_TOKEN.match(w) or _INDEX_TOKEN.match(w)]
    # a detector's word before a number of its own is an antigen's name ("B7-1", "B7.2_PE": CD80, CD86)
    numbered = {w for w, after in itertools.pairwise(ws) if w[-1].isdigit() and after.isdigit() and len(after) <= 2}
    weak = [w for w in left if _DETECTOR.match(w) and w not in strong and w not in numbered]
    if len(strong) + len(weak) == len(left) and (strong or (weak and context)):
        return "channel"
    return None


def structure_role(name: str) -> tuple[str, str] | None:
    """Return the role and reason of a name built by a tool around a channel, or ``None``.

    Reads the structures that public tools write: CellProfiler categories (``Location_Center_X``,
    ``Intensity_MeanIntensity_FullStack_c12``, ``Metadata_Well``), stains (H&E, poly-T, cell-boundary, viability dyes,
    also in a dump channel), distances to regions, and channels named by their fluorochrome, detector or number
    alone, with statistics and compartments around them (``Cell: Opal 570 mean``, ``Comp-PE-Cy7-A``,
    ``reg014_cyc001_ch001_Ch1Cy1``). A name that is itself an approved gene symbol (``MAX``, ``COMP``) is a marker.

    Examples
    --------
    >>> structure_role("Location_Center_X")[0], structure_role("Cell: Hematoxylin OD mean")[0]
    ('position', 'stain')
    >>> structure_role("Comp-PerCP-Cy5.5-A")[0], structure_role("Cell: CD3: Mean") is None
    ('channel', True)
    """
    s = untool(name)
    if name_key(s) in hgnc_index().approved:
        return None
    s = _CHANNEL_INDEX.sub(r"\1\2", s)  # Squidpy "summary_ch-0_mean": the channel's number is one word
    low = s.lower()
    if _STAIN.search(low):
        return "stain", "a nuclear, H&E, RNA, cell-boundary or viability stain (also in a dump channel), no antigen"
    if _lectin(low):
        return "stain", "a lectin or phalloidin: binds the glycans (or F-actin) of many proteins, no one gene's product"
    if "completeness" in low:  # HALO "Opal 520 CD3 % Nucleus Completeness": how much of a compartment was segmented
        return "technical", VOCABULARY_REASON["technical"] + ": a segmentation's completeness, not an intensity"
    if _DISTANCE.match(s):
        return "position", VOCABULARY_REASON["position"] + ": a distance to a region"
    cp = _CP_INTENSITY.match(s)
    if cp:
        image = cp.group("image") or cp.group("image2") or ""
        inner = _channel_words(words(image), True) if image else "channel"
        if inner is None:
            return None
        return inner, f"CellProfiler intensity of image '{image}': " + VOCABULARY_REASON[inner]
    cat = _CP_CATEGORY.match(s)
    if cat and cat.group("cat").lower() in _CP_ROLE and cat.group("cat")[0].isupper():
        role = _CP_ROLE[cat.group("cat").lower()]
        if role == "morphology" and set(words(s)) & _WHERE:  # "AreaShape_Center_X", "AreaShape_BoundingBoxMinimum_Y"
            role = "position"
        return role, f"CellProfiler '{cat.group('cat')}' measurement: " + VOCABULARY_REASON[role]
    body = re.sub(r"^(?:fj)?comp[ ._-]+", "", low)
    # FlowJo's processing suffixes, then the detector's value: area, height or width ("-A", "-H", "-W", "-A-1")
    body = re.sub(r"(?:_(?:asinh|arcsinh|logicle|aligned|transformed|scaled|norm\w*))+$", "", body)
    tail = re.compile(r"[ ._-](?:[ahw]|area|height|width)(?:[ ._-]\d)?(?=$|[ ._-])")
    fcs = body != low or bool(tail.search(body))
    body = tail.sub(" ", body)
    found = None if paren_antigen(s) else _channel_words(words(re.sub(r"\([^()]*\)", " ", body)), fcs)
    return (found, VOCABULARY_REASON[found]) if found else None


def paren_antigen(name: str) -> bool:
    """Tell whether a name carries an antigen in parentheses ("Comp-BV421-A (CCR7)"), not units or a laser."""
    groups = re.findall(r"\(([^()]*)\)", str(name))
    return any(not measure_only(g) and re.search(r"[A-Za-z]{2}", g) for g in groups)


# every word a tool writes around a channel's name: a word span made of these alone is never a gene ("Max", "Comp")
_MEASURE_WORDS = frozenset(
    _ALL_WORDS | _STATISTIC | _FLUOR | _UNITS | {"weighting", "yg", "uv", "bl", "rl", "vl", "yl"}
)


def measure_only(candidate: str) -> bool:
    """Tell whether a candidate is made only of measurement, compartment or channel words (``Max-distance``)."""
    ws = words(candidate)
    return bool(ws) and all(w in _MEASURE_WORDS or w.isdigit() for w in ws)


# fluorochrome words that are never part of an antigen's name (no colour words, no single letters, no detectors)
_CONJUGATE = _FLUOR - {"red", "green", "blue", "orange", "violet", "yellow", "far", "uv", "comp", "fjcomp"}
_CONJUGATE -= {"compensated", "fsc", "ssc", "laser", "fl", "bl", "rl", "vl", "yl", "yg", "aqua"}
# a dye family's letters are a dye only with their number ("BB 515"); alone they end a name ("PDGF-BB", a homodimer)
_DYE_STEM = {"bb", "bv", "buv", "bux"}
_CONJUGATE -= _DYE_STEM


def _conjugate_word(word: str) -> bool:
    w = word.lower()
    return w in _CONJUGATE or bool(_FLUOR_TOKEN.match(w))


def dye_or_channel(part: str) -> bool:
    """Tell a fluorochrome or a detector channel written beside an antigen (``PE``, ``FITC-A``, ``Comp-BV421-A``)."""
    tokens = re.findall(r"[^ /._#|~@=-]+", part)
    dye = bool(tokens) and any(_conjugate_word(t) for t in tokens)
    return _fcs_channel(part) or (dye and all(_conjugate_word(t) or t.isdigit() or t in "AHW" for t in tokens))


def _dye_and_tail(word: str, tail: str) -> bool:
    """Tell a dye and what ends it: a dye family's number ("BB 515"), a detector's parameter letter ("FITC-A")."""
    return (tail.isdigit() and word.lower() in _DYE_STEM) or (tail in ("A", "H", "W") and _conjugate_word(word))


def strip_conjugate(name: str) -> str:
    """Remove a fluorochrome written before or after the antigen, slashes included (``APC/Fire 750 anti-human CD4``).

    The numbers of a fluorochrome go with it (``Alexa Fluor 647``, ``PE/Dazzle 594``); a name that is nothing but
    fluorochrome words is returned as it is.

    Examples
    --------
    >>> strip_conjugate("APC/Fire 750 anti-human CD4"), strip_conjugate("CD8a PE/Cyanine7"), strip_conjugate("APC")
    ('anti-human CD4', 'CD8a', 'APC')
    """
    s = str(name)
    tokens = list(re.finditer(r"[^ /._#|~@=-]+", s))  # FlowJo's "MHCII#PerCp-Cy5-5", "CD3|PE", "CD4@BV421"
    i, j = 0, len(tokens)
    while i < j and (_conjugate_word(tokens[i].group()) or (i and tokens[i].group().isdigit())):
        i += 1
    while j > i and (
        _conjugate_word(tokens[j - 1].group())
        or (tokens[j - 1].group().isdigit() and j - 2 >= i and _conjugate_word(tokens[j - 2].group()))
        or (j - 2 > i and _dye_and_tail(tokens[j - 2].group(), tokens[j - 1].group()))
    ):
        j -= 2 if j - 2 > i and _dye_and_tail(tokens[j - 2].group(), tokens[j - 1].group()) else 1
    if (i == 0 and j == len(tokens)) or i >= j:
        return s
    return s[tokens[i].start() : tokens[j - 1].end()]


# --- roles only the whole table can tell ---
def _xy_partner(name: str) -> str | None:
    """Return the name with its one ``x``/``X`` turned into ``y``/``Y`` (``rx`` → ``ry``), or ``None``."""
    spots = [i for i, c in enumerate(name) if c in "xX"]
    if len(spots) != 1:
        return None
    i = spots[0]
    return name[:i] + ("y" if name[i] == "x" else "Y") + name[i + 1 :]


def table_roles(names: list[str]) -> dict[str, tuple[str, str]]:
    """Roles that a column's neighbours decide: coordinate pairs and fluorochromes of a cytometry file.

    - **Coordinate pairs.** Two columns that differ only by ``x`` and ``y`` (Cytokit's region coordinates ``rx``,
      ``ry``; ``cx``/``cy``; ``Xpos``/``Ypos``) are a position when what is left of the name is at most three letters
      or vocabulary words: ``rx`` alone would be an alias of RAX.
    - **A fluorochrome alone beside scatter or detector channels** (flowCore's compensation controls, ``$PnS`` =
      ``APC``, ``FITC``, ``PE``) is a channel, also when the fluorochrome's name is a gene symbol (APC).

    Returns
    -------
    ``{name: (role, reason)}`` for the columns decided here.

    Examples
    --------
    >>> sorted(table_roles(["rx", "ry", "CD3"]))
    ['rx', 'ry']
    >>> table_roles(["FSC-H", "SSC-H", "APC"])["APC"][0], "APC" in table_roles(["APC", "CD3"])
    ('channel', False)
    """
    present = set(names)
    out: dict[str, tuple[str, str]] = {}
    for name in names:
        partner = _xy_partner(name)
        if partner is None or partner not in present or vocabulary_role(name) == vocabulary_role(partner) == "position":
            continue  # no pair, or a pair the vocabulary reads already ("X_centroid")
        rest = re.sub(r"[xX]", " ", name)
        if len(re.sub(r"[^A-Za-z]", "", rest)) <= 3 or all(w in _ALL_WORDS for w in words(rest)):
            why = f"{VOCABULARY_REASON['position']}: '{name}' and '{partner}' differ only by x and y"
            out[name] = out[partner] = ("position", why)
    if any(_fcs_channel(n) or set(words(n)) & {"fsc", "ssc", "scatter"} for n in names):
        for name in names:
            if name.strip().lower() in _FLUOR or _FLUOR_TOKEN.match(name.strip().lower()):
                why = f"{VOCABULARY_REASON['channel']}: a fluorochrome alone beside the file's scatter channels"
                out.setdefault(name, ("channel", why))
    return out
