"""Marker name cleaning: vendor/assay affixes, metal tags, cycles, aliases, and the candidate spellings to look up.

Nothing here decides a link: :mod:`mufuse.pp._links` looks the candidates up in the curated table and the HGNC index
(:mod:`mufuse._genes`) in its fixed order, after :mod:`mufuse.pp._exclusions` has ruled out what links to nothing.
"""

from __future__ import annotations

import bisect
import html
import re
from functools import lru_cache

from .._genes import curated_index, curated_table, hgnc_index, mgi_index, name_key, name_words, scope
from ._roles import dye_or_channel, strip_conjugate

# typeset dashes (en, em, figure, minus, soft hyphen) that vendor tables and papers put where a name has a hyphen
DASHES = re.compile("[\u2010-\u2015\u2212\u00ad]")

_PREFIX = re.compile(
    r"^(adt|ab|prot|protein|anti[ ._-]*(?:human|mouse)(?:[ /_-]*(?:human|mouse|rat))?|anti(?:human|mouse)|anti|abseq|"
    # "TotalSeq-C0109 anti-mouse CD16/32": a vendor's product name
    r"hu|human|mouse|ms|mm|cite|x\d{4,}|totalseq(?:™|\(tm\))?(?:[ ._-]*[abcd]\d{0,4})?|"
    r"\d{5,}|\d{4}(?=[ ._-]+anti)|[abcd]0\d{3}(?=[ ._-]+[A-Za-z]))[ ._:-]+|^[hm](?=CD\d)",  # "0986_anti-mouse_TCRyd",
    # "B0157-CD45-2-TotalSeqB": a TotalSeq product number
    re.IGNORECASE,
)
# vendor/assay suffixes need a separator ("TCRab" keeps its "ab"); "bis", a second antibody to one antigen, also glued
# after a capital or digit ("TCRGDbis" of ImmgenT); TotalSeq is unambiguous without one; a TotalSeq
# product ID after the name ("CD4_A0001", BioLegend's A/B/C/D + four digits), never an HLA allele ("HLA-A0201")
_SUFFIX = re.compile(
    r"(?:[ ._-]*totalseq[ ._-]*[abcd]?\d*|[ ._-]+(?:ts[abcd]\d*|total[abcd]|adt|prot|protein|abseq|antibody|pab|"
    r"pabo|cite|human|hu|mouse|ms|bis)|(?-i:(?<=[A-Z0-9]{2})bis)|(?<!hla)[ ._-]+[abcd][01]\d{3})$",
    re.IGNORECASE,
)
# a flow panel's fluorochrome before the marker, as spectral cytometry exports write it ("PerCPCy5.5.CD16.32",
# "BV711.SCA.1", "PE-Cy7 CD3"); a separator must follow ("PECAM" keeps its PE)
_DYE_FIRST = re.compile(
    r"^(?:(?:BUV|BV|BB|BYG|SB|AF|A|eF|DL|V)\d{3}|PerCP(?:[-.]?(?:Cy5[.-]?5|eF710))?|PE(?:[-.]?(?:Cy[57](?:[.-]5)?|"
    r"CF594|Dazzle594))?|APC(?:[-.]?(?:Cy7|R700|eF780|H7|Fire750))?|FITC)[ ._-]+(?=[A-Za-z0-9])"
)
# the residues a phospho- or cleavage-specific antibody binds, after its protein ("pAKT_T308", "pRB_S807_S811",
# "p4EBP1_T37_46", "pERK_1_2_T202_Y204", "cCaspase_8_D387"), and a reagent's version ("pSMAD2_3_v3"): the protein
# stays; residue letters in capitals only, so no word of a name is read as a site
_MOD_SITES = re.compile(
    r"(?<=[A-Za-z0-9])(?:[ ._-]+(?:p?[STY]\d{1,4}|D\d{2,4})(?:[ ._/-]+(?:p?[STY]?\d{1,4}|D\d{2,4}))*(?:[ ._-]v\d)?"
    r"|[ ._-]v\d)$"
)

# an antibody's version or a channel's processing after a word: "Clusterin_1", "Survivin_2" (TAPE-Lab's CyTOF panels),
# "CD301b_corrected", "MHC2_B220clean" (a channel cleaned of B220's spillover), a dye's wavelength with its letters
# ("Lyve1_490LS", "MHC2_395xl"); a digit after a digit may be a family member ("SMAD2_3") and stays
_PROCESSED = re.compile(
    r"(?<=[A-Za-z0-9])[ ._-](?:corrected|clean(?:ed)?|[A-Z][A-Za-z0-9]*clean|\d{3}(?:xl|ls))$", re.IGNORECASE
)
_REPLICATE = re.compile(r"^(?P<word>[A-Z][a-z]{4,})_\d$")  # "Clusterin_1"; never "Caspase_3" (caspase 3)


def _strip_replicate(s: str) -> str:
    """Remove an antibody's number after a protein's one-word name that names one gene (``Clusterin_1``)."""
    m = _REPLICATE.match(s)
    if not m:
        return s
    hgnc, k = hgnc_index(), name_key(m["word"])
    numbered = name_key(s)  # "Syndecan_1", "Glypican_3", "Cadherin_1", "Transgelin_2": a member, by its number
    if any(numbered in t for t in (hgnc.approved, hgnc.name, hgnc.head, hgnc.alias, hgnc.previous)):
        return s
    if _KERATIN.match(s):  # "Cytokeratin_8" of "Cytokeratin 8/18" flattened: keratin 8, not cytokeratin's 8th antibody
        return s
    one = [t.get(k, ()) for t in (hgnc.name, hgnc.head, hgnc.alias)]
    return m["word"] if k in hgnc.approved or any(len(g) == 1 for g in one) else s


def _strip_sites(s: str) -> str:
    """Remove the residues after a protein's name (``pAKT_T308``), never the antigen itself.

    ``phospho S6`` keeps S6 (the ribosomal protein), ``KIR3DL1_S1`` is KIR3DL1/S1.
    """
    m = _MOD_SITES.search(s)
    # only a modified form carries its residues ("pAKT_T308", "AKT_pS473"); "Cyclin T1", "CD27 M-T271" (a clone),
    # "GalNAc-T3" keep theirs; a name that still holds a site after the cut names two proteins ("pZAP70_Y319_Syk_Y352")
    modified = re.match(r"(?:p|phospho|c|cl|cleaved)(?:[ ._-]|(?=[A-Z0-9]))", s) or re.search(r"[ ._-]p[STY]\d", s)
    if not m or not modified or unflatten(s):
        return s
    rest = s[: m.start()].strip(" ._-")
    if not rest or re.fullmatch(r"(?:p|phospho|cleaved|cl|c|anti|.*\bprotein)", rest, re.IGNORECASE):
        return s
    return s if _MOD_SITES.search(rest) or re.search(r"[ ._-]p?[STY]\d{2,4}[ ._-]", rest) else rest


# where the antibody stained, after the name: "CTLA4-i", "FoxP3_ic" (lower case only: "HLA-I" keeps its I)
_STAIN_SITE = re.compile(r"(?<=[A-Za-z0-9])[ ._-](?:i|ic|intracellular|surface)$")
# metal/isotope tags of mass cytometry and MIBI (``Ki67_Er168``, ``CD8(Gd155Di)``, ``CD20_161Dy``): a separator,
# an element symbol spelt with its case, a mass; never the digits of a CD number
ELEMENTS = (
    "La|Ce|Pr|Nd|Pm|Sm|Eu|Gd|Tb|Dy|Ho|Er|Tm|Yb|Lu|Y|In|Pt|Ir|Bi|Cd|Rh|Ba|Cs|Au|Ag|Na|Fe|Si|Ta|Hf|Pd|I|"
    "Xe|Os|Ru|Te|Sn|Zn|Cu|Ca|Mg|Al|Ti|Co|Ni|Ga|Br|Mo|Sb|Hg|Tl|Pb|Ar|Kr|Sc|Se|Mn|Cr|Sr|Zr|Nb|Li|Cl|As|Ge|C|P|S|K"
)

# "Di" (dual counts) and "Dd" (dual, Fluidigm's FCS export) may stand inside or after the parentheses: "CD3(Cd110)Di",
# "pLat(Er170)Dd" (CATALYST/Cytobank FCS), "CD8(Gd155Di)", or in both: "CD45.2((In115)Di)" (Nolan lab FCS headers)
_METAL = re.compile(
    rf"(?:[ ._:-]+|\()\(?(?:(?P<e1>{ELEMENTS})(?P<m1>\d{{2,3}})|(?P<m2>\d{{2,3}})(?P<e2>{ELEMENTS}))(?:D[di])?\)*"
    r"(?:D[di])?\)?$"
)
# a channel range without an element, only with the dual-count suffix: "CD3(110:114)Dd" (CD3 on five Cd isotopes)
_MASS_RANGE = re.compile(r"\(\d{2,3}(?:[:-]\d{2,3})?\)D[di]$")
# an element stands for itself only at the masses of its natural isotopes (IUPAC): "S100" is a protein, not
# sulfur-100, and MGI-cased CD names are no cadmium ("Cd19", "Cd-25": cadmium's isotopes are 106-116)
_MASSES = {
    "La": (138, 139), "Ce": (136, 142), "Pr": (141, 141), "Nd": (142, 150), "Pm": (145, 147), "Sm": (144, 154),
    "Eu": (151, 153), "Gd": (152, 160), "Tb": (159, 159), "Dy": (156, 164), "Ho": (165, 165), "Er": (162, 170),
    "Tm": (169, 169), "Yb": (168, 176), "Lu": (175, 176), "Y": (89, 89), "In": (113, 115), "Pt": (190, 198),
    "Ir": (191, 193), "Bi": (209, 209), "Cd": (106, 116), "Rh": (103, 103), "Ba": (130, 138), "Cs": (133, 133),
    "Au": (197, 197), "Ag": (107, 109), "Na": (23, 23), "Fe": (54, 58), "Si": (28, 30), "Ta": (180, 181),
    "Hf": (174, 180), "Pd": (102, 110), "I": (127, 127), "Xe": (124, 136), "Os": (184, 192), "Ru": (96, 104),
    "Te": (120, 130), "Sn": (112, 124), "Zn": (64, 70), "Cu": (63, 65), "Ca": (40, 48), "Mg": (24, 26),
    "Al": (27, 27), "Ti": (46, 50), "Co": (59, 59), "Ni": (58, 64), "Ga": (69, 71), "Br": (79, 81),
    "Mo": (92, 100), "Sb": (121, 123), "Hg": (196, 204), "Tl": (203, 205), "Pb": (204, 208), "Ar": (36, 40),
    "Kr": (78, 86), "Sc": (45, 45), "Se": (74, 82), "Mn": (55, 55), "Cr": (50, 54), "Sr": (84, 88),
    "Zr": (90, 96), "Nb": (93, 93), "Li": (6, 7), "Cl": (35, 37), "C": (12, 13), "P": (31, 31), "S": (32, 34),
    "K": (39, 41), "As": (75, 75), "Ge": (70, 76),
}  # fmt: skip


# the elements whose masses between the lightest and heaviest isotope are names too: MGI-cased CD names ("Cd109",
# "Cd115" are no cadmium; its natural isotopes are 106, 108, 110-114, 116)
_ISOTOPES = {"Cd": {106, 108, 110, 111, 112, 113, 114, 116}, "In": {113, 115}}


def isotope(elem: str, mass: str | int) -> bool:
    """Tell whether a mass is one of an element's natural isotopes (``Cd``, 110: yes; ``Cd``, 19: ``CD19``)."""
    if elem in _ISOTOPES:
        return int(mass) in _ISOTOPES[elem]
    low, high = _MASSES.get(elem, (0, 999))
    return low <= int(mass) <= high


def _strip_metal(s: str) -> str:
    """Remove a trailing metal tag (``Ki67_Er168``, ``CD8(Gd155Di)``) unless nothing would be left of the name."""
    m = _METAL.search(s)
    if not m:
        r = _MASS_RANGE.search(s)
        return s[: r.start()] if r and name_key(s[: r.start()]) else s
    elem, mass = (m.group("e1"), m.group("m1")) if m.group("e1") else (m.group("e2"), m.group("m2"))
    if not isotope(elem, mass):
        return s
    rest = s[: m.start()]
    return rest if name_key(rest) else s


def metal_tagged(name: str) -> bool:
    """Tell whether a name carries a metal tag (``141Pr_CD4``, ``CD8(Gd155)Di``), or is one (Ir191)."""
    s = str(name).strip()
    bare = re.fullmatch(rf"\(?(?:\d{{2,3}})?(?P<e>{ELEMENTS})(?P<m>\d{{2,3}})?(?:D[di])?\)?", s)
    return (
        _strip_metal(s) != s
        or _strip_metal_prefix(s) != s
        or bool(bare and bare["m"] and isotope(bare["e"], bare["m"]))
    )


def _strip_metal_prefix(s: str) -> str:
    """Remove a leading metal tag (``175Lu_PGP9``, ``Nd144Di_CD3``) unless nothing would be left of the name.

    A one-letter element stands for itself only at its own masses, as after the name: ``S100-PROT`` and
    ``K14-FITC`` keep their S100 and K14.
    """
    m = _METAL_PREFIX.match(s)
    if not m:
        return s
    tag = re.match(r"\(?(?:(\d{2,3})([A-Z][a-z]?)|\d*([A-Z][a-z]?)(\d{2,3}))", s)
    if tag:
        elem, mass = (tag.group(2), tag.group(1)) if tag.group(2) else (tag.group(3), tag.group(4))
        if not isotope(elem, mass):
            return s
    rest = s[m.end() :]
    return rest if name_key(rest) else s


_CYCLE = re.compile(r"[:|][ ]*cyc.*$|[ ._-]+cyc[ ._-]*\d+.*$", re.IGNORECASE)
_PAREN = re.compile(r"^(?P<main>[^()]*?)\s*\((?P<alias>[^()]+)\)\s*$")
_AKA = re.compile(r"[ ._-]+(?:aka|a[.]k[.]a[.]?|also[ ._-]known[ ._-]as)[ ._-]+", re.IGNORECASE)
_CLONE_DUP = re.compile(r"[._-]\d$")
# parentheses as R's make.names writes them: "CD274..B7.H1..PD.L1." for "CD274 (B7-H1, PD-L1)"
_R_PAREN = re.compile(r"^(?P<main>[^\s_/()]+?)\.\.(?P<alias>[^\s_/().][^\s/()]*?)\.{0,2}$")  # "IL.2R_." too


_BARCODE = re.compile(r"[ ._-]+[ACGTN]{8,}$")
_BD_ABSEQ = re.compile(r"^(?P<marker>[^:|]+)(?::(?P<clone>[^|]*))?\|(?P<gene>[^|]+)\|[A-Za-z]{2,4}\d{3,5}\|pAbO$", re.I)
_METAL_PREFIX = re.compile(rf"^\(?(?:\d{{2,3}}(?:{ELEMENTS})|(?:\d{{4,}})?(?:{ELEMENTS})\d{{2,3}})(?:Di)?\)?[ ._:-]+")
# Jackson et al. 2020 IMC columns: catalog number, metal, and the target cut to 7 characters ("1031747Er167Di ECadhe")
_TRUNCATED = re.compile(rf"^\d{{4,}}(?:{ELEMENTS})\d{{2,3}}Di[ _](?P<word>\S{{4,7}})$")
# fluorophores and dyes of a conjugate ("Nestin-AF488", "Ecad-488", "CK7-555", "NCAM-e660", "CD3-PE-Cy7"): the
# excitation lines of imaging and cytometry (Alexa Fluor, eFluor, DyLight, Brilliant Violet, CF dyes), never a
# marker's own number (those are two digits after a dash, or no dash: "TRA-1-60", "CD158")
_WAVELENGTH = r"(?:350|405|430|488|514|532|546|555|568|570|594|633|647|660|680|700|750|790)"
_FLUOROPHORE = re.compile(
    rf"[ ._-]+(?:a|af|alexa|alexa[ ._-]?fluor|e|ef|efluor|dl|dylight|cf|bv|buv|bb)?[ ._-]?{_WAVELENGTH}$"
    r"|[ ._-]+(?:fitc|tritc|pe|apc|cy[357](?:\.5)?|bv\d{3}|buv\d{3}|percp|ef\d{3})"
    r"(?:[ ._-]*(?:cy[357](?:\.5)?|dazzle))?$",
    re.IGNORECASE,
)
# a fluorochrome between the antigen and its clone, no brackets ("I-A/I-E_AF700_M5/114.15.2", "H-2Kb/H-2Db PE 28-8-6"):
# the clone is one word with a digit
_DYE_THEN_CLONE = re.compile(
    r"[ _]+(?:fitc|pe|apc|percp(?:[-.]?cy5[.-]?5)?|pe[-.]?cy[57](?:[.-]5)?|apc[-.]?(?:cy7|r700|h7|fire[ ._-]?750)|"
    rf"pe[-.]?(?:cf594|dazzle[ ._-]?594)|(?:bv|buv|bb|af|ef)\d{{3}}|alexa[ ._-]?fluor[ ._-]?{_WAVELENGTH}|"
    r"pacific[ ._-]?blue)"
    r"[ _]+(?:clone[ ._:-]*)?[A-Za-z0-9./-]*\d[A-Za-z0-9./-]*$",
    re.IGNORECASE,
)
_ROUND_BEFORE = re.compile(r"(?:^|[ ._-])(?:r|cycle|cyc)\d+(?:\.\d+)*$", re.IGNORECASE)


def _cut_dye_and_clone(s: str) -> str:
    """Cut a fluorochrome and the clone after it (``CD4_BV421_RM4-5``).

    Never a CyCIF round's dye and antigen (``R2.0.4_FITC_B220``) or a dye before the antigen (``PE-Cy7 CD3``).
    """
    m = _DYE_THEN_CLONE.search(s)
    if not m or _DYE_FIRST.sub("", s) != s or _ROUND_BEFORE.search(s[: m.start()]):
        return s
    head = s[: m.start()]
    for _ in range(3):  # "anti-mouse PECy7 CD16-32": the vendor's words before the dye are no antigen
        head = _PREFIX.sub("", _METAL_PREFIX.sub("", head + " ")).strip(" ._-")
    return s[: m.start()] if head else s


# CyCIF round/channel prefixes ("R3.0.4_CY7_TTF1", "R6.0.4_FITC_MHCII", "cycle2_A488_CD4")
_ROUND_PREFIX = re.compile(
    rf"^(?:r|cycle|cyc)\d+(?:\.\d+)*[ ._-]+(?:(?:cy[357]|fitc|tritc|dapi|a?f?{_WAVELENGTH})[ ._-]+)?",
    re.IGNORECASE,
)


# a marker's intensity column as image-analysis tools name it: the antigen inside a compartment and a statistic
# (QuPath "Cell: CD3: Mean"; CosMx "Mean.PanCK"; CellProfiler "Intensity_MeanIntensity_CD3"; MCMICRO "CD3_cellMask";
# HALO "CD3 Cell Intensity"; inForm "Nucleus CD8 (Opal 520) Mean (Normalized Counts, Total Weighting)")
_STAT = r"(?:mean|median|avg|average|sum|total|max|min|maximum|minimum|std|sd|std\.?[ ]?dev\.?|integrated|intensity)"
_PLACE = r"(?:cell|cells|nucleus|nuclei|nuclear|cytoplasm|cyto|membrane|entire[ ]cell|whole[ ]cell)"
_MEASURED = (
    re.compile(rf"^(?:roi:[^:]*:\s*)?{_PLACE}\s*:\s*(?P<m>.+?)\s*:\s*{_STAT}(?:\s+\S+)?$", re.I),  # QuPath
    re.compile(rf"^(?:roi:[^:]*:\s*)?{_PLACE}\s*:\s*(?P<m>[^:]+?)\s+{_STAT}$", re.I),  # QuPath 0.1 "Cell: CD3 mean"
    re.compile(rf"^(?P<m>[^:]+?)\s*:\s*{_PLACE}\s*:\s*{_STAT}$", re.I),  # QuPath 0.3 on "CD3: Cytoplasm: Mean"
    re.compile(rf"^{_STAT}[.](?P<m>.+)$", re.I),  # CosMx
    re.compile(r"^(?:mean|median)_(?P<m>.+)$", re.I),  # Imaris/CytoMAP "Mean_CD301b"
    re.compile(
        r"^intensity_(?:mean|median|integrated|max|min|std|mad|lowerquartile|upperquartile|massdisplacement|meanedge|"
        r"integratededge|maxedge|minedge|stdedge)intensity(?:edge)?_(?P<m>.+)$",
        re.I,
    ),  # CellProfiler
    re.compile(rf"^{_PLACE}\s+(?P<m>.+?)(?:\s*\((?:opal|dapi|cy|af|alexa)[^)]*\))?\s+{_STAT}(?:\s*\(.*\))?$", re.I),
    re.compile(rf"^(?P<m>.+?)[ _](?:{_PLACE})[ _]?(?:mask|ring|ringmask)?(?:[ _]{_STAT})?$", re.I),  # MCMICRO, HALO
    re.compile(rf"^(?P<m>.+?)[ _]{_STAT}[ _]?intensity$", re.I),
)


# QuPath's smoothed features ("Smoothed: 50 µm: Cell: CD3: Mean"): a weighted average over the neighbouring cells
SMOOTHED = re.compile(r"^smoothed\s*:\s*[^:]*:\s*", re.IGNORECASE)


def strip_measurement(name: str) -> str:
    """Return the antigen of an intensity column named by an image-analysis tool (the name itself when it is not one).

    Examples
    --------
    >>> strip_measurement("Cell: CD3: Mean"), strip_measurement("Mean.PanCK"), strip_measurement("CD8_cellMask")
    ('CD3', 'PanCK', 'CD8')
    >>> strip_measurement("CD20 Nucleus Intensity"), strip_measurement("Intensity_MeanIntensity_Ki67")
    ('CD20', 'Ki67')
    >>> strip_measurement("Cell: CD3 mean"), strip_measurement("Smoothed: 50 µm: Nucleus: Ki67: Mean")
    ('CD3', 'Ki67')
    >>> strip_measurement("B7-2: Cytoplasm: Mean")
    'B7-2'
    """
    s = SMOOTHED.sub("", str(name).strip())  # QuPath's neighbourhood averages name the antigen after their radius
    for pattern in _MEASURED:
        m = pattern.match(s)
        if m and m.group("m").strip(" ._:-"):
            return m.group("m").strip(" ._:-")
    return s


_MHC_SPELLED = re.compile(r"major[ ._-]+histocompatibility[ ._-]+complex(?:[ ._-]*\(MHC\))?", re.IGNORECASE)

_CYCLE_AFTER = re.compile(r"(?<=[A-Za-z0-9]{2})[ ._-]?cyc(?:le)?[ ._-]?\d{1,2}$", re.IGNORECASE)  # never "pCyc1"
_GLUED_OR = re.compile(  # "CD55orDAF"; never "RorC", "SorLA" (the first name holds a digit, both three letters)
    r"^(?P<a>(?=[A-Za-z0-9-]*\d)[A-Za-z0-9-]{2,}[A-Z0-9])(?:or| or | OR )(?P<b>[A-Z][A-Za-z0-9-]{2,})$"
)
# a subunit after the cytokines that share it: "IL-12/IL-23 p40", "IL-12/23p40"
_SUBUNIT_AFTER_LIST = re.compile(
    r"^(?P<list>IL[ ._-]?\d+(?:[ ._-]?/[ ._-]?(?:IL[ ._-]?)?\d+|[ ._-]+IL[ ._-]?\d+)+)[ ._-]*\(?(?P<sub>p\d{2})\)?$",
    re.IGNORECASE,
)


# a cleaved caspase as imaging and mass cytometry panels shorten it ("CC3", "cC7"), and p38 MAPK with or without its
# phospho mark ("pP38", "p-p38"); "p38" alone on a panel is the kinase
_CLEAVED_CASPASE = re.compile(r"^[cC]C(?P<n>[36789])$")
_P38 = re.compile(r"^(?:p[ ._-]?|phospho[ ._-]?)?p38$", re.IGNORECASE)


def _short_forms(s: str) -> str:
    """Spell out what signalling panels shorten once the residues are gone: "cC7", "CC8", "pP38"."""
    s = _CLEAVED_CASPASE.sub(r"cleaved caspase \g<n>", s)  # "cC7_D198", "CC8": never complement C7, C8
    return _P38.sub("p38 MAPK", s)  # "p38", "pP38_T180_Y182": the kinase (MAPK14), not AIMP2 or AHSA1 (HGNC's p38)


def _rewrite(s: str) -> str:
    """Rewrite a name's spelled-out, repeated or joined forms to the form the rules read."""
    s = _MHC_SPELLED.sub("MHC", s)  # "major histocompatibility complex (MHC) class II" is MHC class II
    s = _CYCLE_AFTER.sub("", s) or s  # "CD45cyc2": CODEX's reference stain, repeated each cycle
    s = _GLUED_OR.sub(r"\g<a>/\g<b>", s)  # "CD55orDAF", "LY6A or LY6E": two names of one antibody, as a slash
    s = _shared_subunit(s)  # "IL-12/IL-23 p40" is the p40 chain the two cytokines share (IL12B)
    s = _MHC_AFTER_LOCUS.sub(r"\g<locus>", s)  # "H-2Kb MHC class I": the locus its class follows
    return _MHC_BEFORE_LOCUS.sub("", s)  # "MHC I-A/I-E", "MHC class II I-A": the class II loci, never class I


def listed_subunit(s: str) -> bool:
    """Tell a subunit named after a list of cytokines (``IL-12/IL-23 p40``) that no curated row resolved."""
    return bool(_SUBUNIT_AFTER_LIST.match(s))


def _shared_subunit(s: str) -> str:
    """Return ``IL-12p40`` for ``IL-12/IL-23 p40``: the listed cytokine whose subunit of that mass is curated."""
    m = _SUBUNIT_AFTER_LIST.match(s)
    if not m:
        return s
    for number in re.findall(r"\d+", m["list"]):
        if name_key(f"IL-{number}{m['sub']}") in curated_index():
            return f"IL-{number}{m['sub']}"
    return s


_MHC_AFTER_LOCUS = re.compile(
    r"^(?P<locus>H-?2[ ._-]?[KDLQ][a-z]?|I[ ._-]?[AE](?:/I[ ._-]?[AE])?)[ ._-]+\(?"
    r"(?:MHC[ ._-]*(?:class[ ._-]*)?(?:II|I|[12])?|class[ ._-]*(?:II|I|[12]))\)?$",
    re.IGNORECASE,
)
_MHC_BEFORE_LOCUS = re.compile(
    r"^MHC[ ._-]*(?:class[ ._-]*)?(?:(?:(?:II|2)[ ._-]+)?(?=I[ ._-][AE](?![A-Za-z]{2}))"
    r"|(?:(?:I|1)[ ._-]+)?(?=H-?2[ ._-]?[KDLQ][a-z]?(?![A-Za-z])))",  # "MHC class I H-2Kb": that locus, not K and D
    re.IGNORECASE,
)


# a clone or a host written in parentheses after the name and its alias: "VISTA (PD-1H) (MIH63)", "CD4 (clone GK1.5)",
# "TCR Vβ6 (Rat monoclonal) (RR4-7)"
_CLONE_GROUP = re.compile(
    r"(?<=\S)\s*\((?:clone\b[^()]*|[^()\s]*\d[^()\s]*|[A-Za-z ]*\b(?:monoclonal|polyclonal)\b[^()]*)\)\s*$",
    re.IGNORECASE,
)


# a host and clonality, or "Antibody" and its clone, after the name with the brackets an export flattened
# ("Anti-mouse-TCR-Vβ2-Rat-monoclonal", "PE-anti-mouse-PLZF-Antibody-9E12", "Fc-RI-Antibody-Clone-MAR-1")
_FLAT_HOST = re.compile(
    r"(?<=[A-Za-z0-9αβγδε])[ ._-]+(?:(?:(?:armenian|syrian)[ ._-]+)?"
    r"(?:rat|mouse|hamster|rabbit|goat|donkey|sheep|human)[ ._-]+(?:monoclonal|polyclonal)(?:[ ._-].*)?"
    r"|antibody[ ._-]+(?:clone[ ._-]+)?[A-Za-z0-9]*\d[A-Za-z0-9.-]*)$",
    re.IGNORECASE,
)


# a cytometer's channel (detector or dye, then A, H or W: area, height, width) before the stain, one separator
# between each, the same on both sides of the letter (CytoML's "FJComp-BUV563-A_lineage" is left to the role rules);
# FlowJo's "Comp-" (compensated) or "FJComp-" before it
_FLAT_CHANNEL = re.compile(
    r"^(?:FJ)?(?:Comp[ ._-]+)?(?P<channel>.+?)(?P<s>[ ._-])[AHW](?P=s)(?P<stain>[^ ._-].*)$", re.I
)


def _parenthesised(s: str) -> str:
    """Cut a clone's or host's parentheses after the name's own (``VISTA (PD-1H) (MIH63)``); R's ``..`` as ``()``."""
    for _ in range(2):
        cut = _CLONE_GROUP.sub("", s)
        if cut != s and ("(" in cut or "clone" in s[len(cut) :].lower() or "clonal" in s[len(cut) :].lower()):
            s = cut
    return _R_PAREN.sub(r"\g<main> (\g<alias>)", s)  # R's make.names: "Folate.Receptor.b..FR.b." is "... (FR.b)"


def _stain_of_channel(s: str) -> str:
    """Return the stain of a cytometer channel written with it (FlowJo's ``Comp-BV421-A :: CCR7``, flattened or not)."""
    if "::" in s:  # FlowJo's "$PnN :: $PnS" ("Comp-BV421-A :: CCR7"), or the stain first ("CD3 :: FITC-A")
        before, after = (p_.strip() for p_ in s.rsplit("::", 1))
        return before if before and dye_or_channel(after) and not dye_or_channel(before) else (after or s)
    flat = _FLAT_CHANNEL.match(s)  # "Comp-PE-A-Ly108": FlowJo's "Comp-PE-A :: Ly108" with its " :: " flattened
    return flat["stain"] if flat and dye_or_channel(flat["channel"]) and not dye_or_channel(flat["stain"]) else s


# punctuation a file name or URL wrote as hex: "CD16%2F32" (percent-encoding, RFC 3986), "CD21,2f,35" (BD FACSDiva's
# file names); letters and digits never, so no antigen's own characters are read as a code
_HEX_PUNCT = r"(?:2[0-9a-f]|3[a-f]|40|5[b-f]|60|7[b-e])"
_HEX_ESCAPE = re.compile(rf"%(?P<a>{_HEX_PUNCT})|,(?P<b>{_HEX_PUNCT}),", re.IGNORECASE)
_UTF8_ESCAPE = re.compile(r"%[c-f][0-9a-f](?:%[89ab][0-9a-f]){1,3}", re.IGNORECASE)  # "TCR%CE%B3%CE%B4": TCRγδ


def _utf8(m: re.Match) -> str:
    """Decode one percent-encoded UTF-8 character; leave a sequence that is no UTF-8 as written."""
    try:
        return bytes.fromhex(m.group(0).replace("%", "")).decode("utf-8")
    except UnicodeDecodeError:
        return m.group(0)


def _unescape_hex(s: str) -> str:
    """Decode punctuation and percent-encoded UTF-8 (``CD16%2F32``, ``CD21,2f,35``, ``IFN-%CE%B3`` → ``IFN-γ``)."""
    s = _UTF8_ESCAPE.sub(_utf8, s)
    return _HEX_ESCAPE.sub(lambda m: chr(int(m.group("a") or m.group("b"), 16)), s)


def _main_and_aliases(s: str, aliases: list[str]) -> str:
    """Return the name before its alias ("aka", parentheses) and add the aliases to ``aliases``."""
    aka = _AKA.split(s, maxsplit=1)  # "PD_1H_aka_VISTA_1" (InfinityFlow's LEGENDScreen names): the name, its alias
    if len(aka) == 2 and name_key(aka[0]) and name_key(aka[1]):
        s = aka[0]
        aliases.append(aka[1])
    m = _PAREN.match(s) or _PAREN.match(_SUFFIX.sub("", s))  # "Folate_Receptor_b_(FR-b)_TotalA"
    if not (m and m.group("main")):
        return s
    main = m.group("main").rstrip(" ._-")  # "mF4/80-488 (BM8)", "CD4_PE_(RM4-5)": the dye before the clone
    s = _FLUOROPHORE.sub("", main) or main
    # "CD3 (CD3E)": an approved symbol in parentheses is more specific than the name before it, unless that name
    # is an approved symbol itself ("KLRG1 (MAFA)": MAFA, an alias of KLRG1, is also another gene's symbol);
    # "IL-33Rα (IL1RL1; ST2)": several names in the parentheses
    approved = hgnc_index().approved
    main_is_symbol = name_key(_PREFIX.sub("", s).strip(" ._-")) in approved
    names = [a.strip() for a in re.split(r"[;,]", m.group("alias")) if a.strip()]
    if len(names) == 1 and _SUBUNIT.fullmatch(names[0]) and not main_is_symbol:
        s = f"{s}{names[0]}"  # "IL-12 (p40)" is IL-12's p40 subunit (IL12B) before any gene called p40
    for alias in names:  # "CD270 (HVEM, TR2)": a list of other names, none more specific than the rest
        first = name_key(alias) in approved and not main_is_symbol and len(names) == 1
        aliases.insert(0, alias) if first else aliases.append(alias)
    return s


def _clean(name: str) -> tuple[str, list[str]]:
    """Return the cleaned name and its aliases (parenthetical, or the gene field of a BD AbSeq name)."""
    # a vendor table's HTML entities ("TCR V&gamma;2", "Fc&epsilon;RI&alpha;"); a typeset dash is a dash ("CD8a–FITC")
    s = DASHES.sub("-", _unescape_hex(html.unescape(str(name))).strip())
    s = strip_measurement(strip_conjugate(_stain_of_channel(s)))
    s = _rewrite(s)
    undyed = _DYE_FIRST.sub("", s)
    s = undyed if len(name_key(undyed)) >= 2 else s  # "PerCPCy5.5.CD16.32", "BV711.SCA.1": the dye before the marker
    s = _CYCLE.sub("", s)
    if " - " in s:  # "CD8 - cytotoxic T cells"
        s = s.split(" - ", 1)[0]
    s = _BARCODE.sub("", s)  # "CD127-GGCACCCATGTCTTT"
    s = re.sub(r"^X(?=\d)", "", s) if "." in s or re.match(r"^X\d+[A-Z]", s) else s  # R's make.names: "X4.1BB"
    s = _FLUOROPHORE.sub("", s) or s  # "Nestin-AF488"
    s = _ROUND_PREFIX.sub("", s) or s  # "R3.0.4_CY7_TTF1"
    s = _cut_dye_and_clone(s)  # "I-A/I-E_AF700_M5/114.15.2"
    aliases: list[str] = []
    bd = _BD_ABSEQ.match(s) or _BD_ABSEQ.match(_unflatten_abseq(s))  # "CD11b:M1_70|ITGAM|AHS0005|pAbO"
    if bd:
        s = bd.group("marker")
        s = s.split(":", 1)[0] if ":" in s else s  # a clone after the marker ("CD90.2:53-2.1")
        aliases.append(bd.group("gene"))
    if "--" in s:  # "CD19--HIB19-TSA": marker--clone
        s = s.split("--", 1)[0]
    for _ in range(3):
        s = _strip_metal(s)
        s = _strip_metal_prefix(s)
    if _METAL_PREFIX.match(str(name).strip()) and re.search(r"\dDi$", s):  # "175Lu_PGP9_5Di": Fluidigm's Di, glued
        s = s[:-2]
    unbracketed = _parenthesised(s)
    if unbracketed != s:  # "CD4-AF488 (clone GK1.5)": the dye before the clone
        unbracketed = unbracketed.rstrip(" ._-")
        s = _FLUOROPHORE.sub("", unbracketed) or unbracketed
    s = _FLAT_HOST.sub("", s) if "(" not in s else s
    s = _main_and_aliases(s, aliases)
    # a trailing "_" or "?" after the name is a letter the export lost ("IL-2R_", "CD3_"): kept for lost_letter
    raw = str(name).strip()
    lost_tail = raw.count("_") + raw.count("?") == 1 and re.search(r"[A-Za-z0-9][_?]$", raw) is not None
    s = _STAIN_SITE.sub("", s) or s  # "CTLA4-i": stained inside the cell (mass cytometry panels)
    for _ in range(4):  # affixes can stack: ADT_CD3_TotalSeqB_PROT
        before = s
        s = _PREFIX.sub("", s)
        s = re.sub(r"^MI[_-](?=[A-Za-z0-9])", "", s)  # CellProfiler's mean intensity ("MI_F480"; Seurat's "MI-pS6")
        s = _SUFFIX.sub("", s)
        s = _strip_sites(s)
        s = _strip_replicate(_PROCESSED.sub("", s) or s)
        s = _strip_metal(s)
        s = s.strip(" ._-")
        if s == before:
            break
    s = s + str(name).strip()[-1] if lost_tail and s and s[-1] not in "_?" else s
    return _short_forms(s) or str(name).strip(), aliases


# BD's AbSeq name with every separator flattened to a dash ("I-A-I-E-H2-Ab-Ad-Aq-Ed-Ek-AMM2019-pAbO"): the catalogue
# number and pAbO end it, and the gene field is the run of MGI- or HGNC-cased symbol words before them
_BD_FLAT = re.compile(r"^(?P<body>.+)-(?P<cat>[A-Za-z]{2,4}\d{3,5})-pAbO$", re.IGNORECASE)
# the same name after R's make.names ("I.A_I.E.H2.Ab_Ad_Aq_Ed_Ek.AMM2019.pAbO"): its bars and dashes are points and
# its underscores stay, so both are read as the dashes of the flattened form (a name with a dash is no R name)
_R_ABSEQ = re.compile(r"^[^|\s-]+[._][A-Za-z]{2,4}\d{3,5}[._]pAbO$", re.IGNORECASE)
_R_ABSEQ_SEP = re.compile(r"[._]")
_GENE_WORD = re.compile(r"^(?:[A-Z][a-z0-9]*[a-z][a-z0-9]*|[A-Z]\d)$")  # "Fcgr3", "Ab", "H2" (of H2-Ab1); no "CD32"


def _unflatten_abseq(s: str) -> str:
    """Return a flattened AbSeq name with BD's bars put back (marker|gene|catalogue|pAbO), or the name unchanged."""
    m = _BD_FLAT.match(s) or (_BD_FLAT.match(_R_ABSEQ_SEP.sub("-", s)) if _R_ABSEQ.match(s) else None)
    if not m:
        return s
    words = m["body"].split("-")
    # the gene field is the longest tail of words that splits into HGNC or MGI symbols ("HLA-DRA", "GYPA-GYPB",
    # "Ly6a-Ly6e"); else the run of MGI-cased words before the number ("H2-Ab-Ad-Aq-Ed-Ek")
    k = next((i for i in range(1, len(words)) if _symbols_only(words[i:])), len(words))
    if k == len(words):
        while k > 1 and _GENE_WORD.match(words[k - 1]):
            k -= 1
    if k == len(words):  # no gene field: read the name as it stands
        return s
    return f"{'-'.join(words[:k])}|{'_'.join(words[k:])}|{m['cat']}|pAbO"


def _symbols_only(words: list[str]) -> bool:
    """Tell whether dash-joined words split into approved HGNC or current MGI symbols, each of one or more words."""
    approved, mgi = hgnc_index().approved, mgi_index().approved
    ok = [True] + [False] * len(words)
    for end in range(1, len(words) + 1):
        keys = (name_key("-".join(words[i:end])) for i in range(end) if ok[i])
        ok[end] = any(key in approved or key in mgi for key in keys)
    return ok[-1]


# a subunit named by its mass in kDa after its protein's name: "IL-12 (p40)", "IL-12 (p70)", "IL-23 (p19)"
_SUBUNIT = re.compile(r"p\d{2,3}", re.IGNORECASE)
_KERATIN = re.compile(r"^(?:cyto)?keratin[ ._-]*(\d{1,2}[A-Ca-c]?)$|^c?k[ ._-]?(\d{1,2}[A-Ca-c]?)$", re.IGNORECASE)
CD_DESIGNATION = re.compile(r"^CD\d{1,3}[A-Za-z]?\d?$")
_PHOSPHO = re.compile(
    r"^(?:p|P|phospho)[ ._-]?(?P<rest>[A-Za-z][A-Za-z0-9-]{1,})$|^(?P<rest2>[A-Za-z][A-Za-z0-9-]+?)[ ._-]?p$"
)

# modified forms name their protein: phospho ("pERK", "phospho-S6", "S6_p"), cleaved ("cleaved PARP", "cCASP3"),
# c- names of proto-oncogene products ("cJUN", "cMYC"). A lower-case "p" before capitals reads as phospho first
# ("pERK", "p-ERK" are phospho-ERK on imaging panels, not PERK/EIF2AK3); the other forms are tried after the whole name.
# a symbol with its protein's Greek letter written out ("FAPalpha", "TNF-alpha"); "CD3epsilon" is CD3E by its key
_ALPHA_LETTER = re.compile(r"^(?P<sym>[A-Z][A-Z0-9]*[A-Z])a$")  # "AMPKa", "TNFa": alpha as its Latin letter
_GREEK_TAIL = re.compile(r"^(?P<sym>[A-Za-z0-9]+?)[ ._-]?(?:alpha|α)$", re.I)  # "TNF-β" is LTA: alpha only
# a Greek letter before a protein's word, as HGNC's names write it after: "α-Synuclein" is "synuclein alpha" (SNCA)
_GREEK_FIRST = re.compile(
    r"^(?P<g>[α-ω]|alpha|beta|gamma|delta|epsilon|kappa|[abgd](?=-))[ ._-]?(?P<word>[A-Za-z]{4,})$", re.I
)
# "p4E-BP1", "p14-3-3": a name that starts with a digit; "p53", "p21" are names themselves (digits only)
# "pPLCγ2", "pSMAD2_3", "pP38 MAPK" and "pp38 MAPK" (phospho-p38 MAPK, never the p44/42 MAPK of its second word)
_PHOSPHO_FIRST = re.compile(r"^(?:p|[pP][ _-])(?P<rest>(?:[A-Z]|p(?=\d))[\w/.-]+(?: [\w/.-]+)?|\d+[A-Za-z-][\w/.-]*)$")
_MODIFIED = re.compile(
    # "Phospho-IκBα" too; "cl" glued only before a capital or digit ("clCasp3"): "Clever-1", "Clusterin" are words
    r"^(?:phospho|cleaved|cl(?-i:(?=[ ._-]|[A-Z0-9])))[ ._-]?(?P<rest>[A-Za-z0-9α-ω][A-Za-z0-9α-ω -]+)$"
    r"|^c[ ._-]?(?P<c>[A-Z][A-Z0-9-]+[0-9]?(?:_\d+)?)$"
    r"|^(?P<rest2>[A-Za-z][A-Za-z0-9-]+?)[ ._-]p$",
    re.IGNORECASE,
)


# spellings of families named by their class or chains, rewritten to the curated key: "HLA class I", "pan-HLA-ABC",
# "MHC-I", "HLA-A,B,C" → MHCI; "HLA class II", "MHC-II" → MHCII; "HLA-DRDPDQ" → HLA-DR/DP/DQ; "AB_TCR", "TCR a/b",
# "TCR alpha beta" → TCRab; "gdTCR", "TCR gamma delta" → TCRgd; "integrin_b7", "Integrin alpha 4" → ITGB7, ITGA4
_ABC = r"a[ ,/._-]*b[ ,/._-]*c"  # "ABC", "A,B,C", "A-B-C"
_FAMILY = (
    (
        re.compile(
            rf"^(?:pan[ ._-]?)?(?:hla|mhc)[ ._-]*(?:class[ ._-]*)?(?:(?:i|1)(?:[ ._-]*\(?{_ABC}\)?)?|{_ABC})$",
            re.I,
        ),
        "MHCI",
    ),
    (re.compile(r"^h-2(?:[ ._-]*class[ ._-]*(?:i|1))?$", re.I), "MHCI"),  # "H-2": the mouse MHC class I antigens
    (re.compile(r"^(?:pan[ ._-]?)?(?:hla|mhc)[ ._-]*(?:class[ ._-]*)?(?:ii|2)$", re.I), "MHCII"),
    (re.compile(r"^hla[ ._-]*(?:dr[ ._/-]*dp[ ._/-]*dq|dr[ ._/-]*dq[ ._/-]*dp)$", re.I), "HLA-DR/DP/DQ"),
    (
        re.compile(
            r"^(?:ab|αβ|alpha[ ._/-]*beta|a[ ._/-]*(?:or[ ._-]*)?b)[ ._-]*tcr$|"
            r"^tcr[ ._-]*(?:ab|αβ|alpha[ ._/-]*beta|a[ ._/-]*(?:or[ ._-]*)?b)$",
            re.I,
        ),
        "TCRab",
    ),
    (
        re.compile(
            r"^(?:[gry]d|γδ|gamma[ ._/-]*delta|[gry][ ._/-]*d)[ ._-]*tcr$|"  # γ written "r" or "y" ("TCRr/d", "TCRyd")
            r"^tcr[ ._-]*(?:[gry]d|γδ|gamma[ ._/-]*delta|[gry][ ._/-]*d)$",
            re.I,
        ),
        "TCRgd",
    ),
)
_LIGHT = r"light[ ._-]*chain[ ._-]*"  # "Ig light chain k", "Ig.lightChainK"
_TAIL = r"(?:[ ._-]*light(?:[ ._-]*chain)?)?"  # "IgKappaLight", "kappa light chain", "Igκ"


def _light_chain(words: str, letter: str) -> re.Pattern[str]:
    """One Ig light chain in its spellings: "IgKappaLight", "Ig_light_chain_k", "IgK", "kappa light chain", "Igκ"."""
    ig = r"(?:ig[ ._-]*)"
    return re.compile(
        rf"^(?:ab[ ._-]*)?(?:{ig}?{_LIGHT}(?:{words}|{letter})|{ig}{letter}{_TAIL}|{ig}?(?:{words}){_TAIL})$", re.I
    )


# more spellings of one antigen, each rewritten to the curated key all spellings share
_SPELLINGS = (
    # Ig light chains: "IgKappaLight", "Ig_light_chain_kappa", "AB_Igkappa", "kappa light chain", "Igκ"
    (
        _light_chain("kappa|κ", "k"),
        "Kappa",
    ),
    (
        _light_chain("lambda|λ", "l"),
        "Lambda",
    ),
    # the invariant NKT TCR ("TCRa24", "TCR Va24-Ja18", "TCRVa24-Jz18"): V alpha 24 with J alpha 18
    (re.compile(r"^tcr[ ._-]*v?(?:a|α)[ ._-]*24(?:[ ._-]*j[ ._-]*[aαz]?[ ._-]*18)?$", re.I), "TCRVa24-Ja18"),
    # TCR variable segments in the Arden names ("TCRa7.2", "TCR Vα7.2", "TCRd2", "TCR-Vg9"): the curated TCRV key
    (re.compile(r"^tcr[ ._-]*v?(?P<chain>[abgdαβγδ])[ ._-]*(?P<n>\d+(?:[.-]\d+)?)$", re.I), "TCRV{chain}{n}"),
    # CD45 isoforms ("CD45RB", "CD45RABC"): PTPRC; RNA counts cannot tell the isoforms apart
    (re.compile(r"^cd45r[abco]{1,3}$", re.I), "PTPRC"),
    # granzymes ("GrzB", "GranB", "GzmK", "Granzyme-A"): HGNC GZMA/B/H/K/M
    (re.compile(r"^(?:granzyme|grzm?|granz?|gzm|grz)[ ._-]?(?P<x>[abhkm])$", re.I), "GZM{x}"),
    # collagens by type ("COL1", "Collagen I", "Collagen-IV"): the alpha1/alpha2 chains of that type
    (re.compile(r"^col(?:lagen)?[ ._-]*(?P<t>i{1,3}|iv|v|vi|[1-6])$", re.I), "Collagen {t}"),
    # keratin's gene stem as a pan-keratin name ("KRT", "panKRT", "pan-KRT"): the pan-keratin stain, never KRT1
    (re.compile(r"^(?:pan[ ._-]?)?krt$", re.I), "Keratin"),
    # ERK1/2 spelled with an underscore or as one word ("ERK1_2", "Erk1-2", "pERK1_2")
    (re.compile(r"^p?erk[ ._-]?1[ ._/-]+2$", re.I), "ERK"),
)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6}
_CYCLIN = re.compile(r"^cyc(?:lin)?[ ._-]?(?P<x>[A-Ka-k])(?P<n>\d?)$", re.I)
# integrin chains and heterodimers, the Greek letter written out, as a symbol or as a Latin look-alike, before or after
# the word: "integrin b7", "a6Integrin", "alpha6 integrin", "ITGa4b7", "Integrin αvβ3", "β1-integrin"
_INTEGRIN_CHAIN = r"(?:alpha|α|a|beta|β|b)[ ._-]*(?:\d{1,2}|iib|[vlmxde](?!(?!b[ ._-]*\d|beta)[a-z]))"  # "avb3" too
_INTEGRIN = re.compile(
    rf"^(?:integrin|itg)[ ._-]*(?P<c1>(?:{_INTEGRIN_CHAIN}[ ._/-]*){{1,2}})$|"
    rf"^(?P<c2>(?:{_INTEGRIN_CHAIN}[ ._/-]*){{1,2}})[ ._-]*integrin$|"
    # a bare pair with a lower-case Latin alpha ("a4b7", "a4B7"); upper-case "A2B5" is the ganglioside antibody
    r"^(?P<c3>(?:alpha|α|(?-i:a))[ ._-]*(?:\d{1,2}|iib|[vlmxde])[ ._-]*(?:beta|β|(?-i:b)|(?-i:(?<=a\d)B))[ ._-]*\d)$",
    re.I,
)


def _family(cleaned: str) -> str | None:
    """Rewrite a family spelling to the curated key or approved symbol it means (``None`` when it is none)."""
    for pattern, key in _FAMILY:
        if pattern.match(cleaned):
            return key
    for pattern, key in _SPELLINGS:
        m = pattern.match(cleaned)
        if m:
            groups = {k: v.lower() if k == "chain" else v for k, v in m.groupdict().items()}
            if "t" in groups:  # collagen type, roman or arabic: the curated "Collagen I" ... "Collagen VI"
                t = groups["t"].lower()
                n = _ROMAN.get(t, int(t) if t.isdigit() else 0)
                return "Collagen " + next(k for k, v in _ROMAN.items() if v == n).upper()
            if "chain" in groups:
                groups["chain"] = {"α": "a", "β": "b", "γ": "g", "δ": "d"}.get(groups["chain"], groups["chain"])
                groups["n"] = groups["n"].replace("-", ".")
            return key.format(**{k: v.upper() if k == "x" else v for k, v in groups.items()})
    m = _CYCLIN.match(cleaned)  # "CycD1", "CycE", "Cyclin B1": HGNC CCND1, CCNE1, CCNB1
    if m:
        symbol = f"CCN{m.group('x').upper()}{m.group('n')}"
        approved = hgnc_index().approved
        return symbol if symbol in approved else f"{symbol}1" if f"{symbol}1" in approved else None
    m = _INTEGRIN.match(cleaned)
    if m:  # one chain: its symbol; a heterodimer: both, as a slash name of two genes ("ITGA4/ITGB7")
        named = m.group("c1") or m.group("c2") or m.group("c3")
        chains = re.findall(r"(alpha|α|a|beta|β|b)[ ._-]*(\d{1,2}|iib|[vlmxde])", named, re.I)
        symbols = [
            f"ITG{'B' if c.lower() in ('beta', 'β', 'b') else 'A'}{n.upper().replace('IIB', '2B')}" for c, n in chains
        ]
        return "/".join(symbols) if all(hgnc_index().approved.get(name_key(s_)) == s_ for s_ in symbols) else None
    return None


# a lower-case word run into capitalised ones ("mastCellTryptase", "phosphoTau", "cleavedCaspase3"); "mTOR",
# "pSTAT3", "iNOS", "alphaSMA" and "CollagenIV" are not of that form and stay whole
_CAMEL = re.compile(r"^[a-z]{3,}(?:[A-Z][a-z]+\d*)+$")


def _camel_words(word: str) -> list[str]:
    return re.findall(r"[a-z]+|[A-Z][a-z]+\d*", word) if _CAMEL.match(word) else [word]


def _spans(cleaned: str) -> list[str]:
    """Word spans of a name, as guesses: ``ADT-HLA-DR-CD74`` → ``ADT-HLA-DR``, ..., ``HLA-DR``, ..., ``CD74``."""
    words = [w for w in re.split(r"[\s_|:.,;/()\[\]+-]+", cleaned) if w]
    words = [part for w in words for part in _camel_words(w)]  # "mastCellTryptase" → mast, Cell, Tryptase
    out = []
    for length in (3, 2, 1):
        for i in range(len(words) - length + 1):
            out.append("-".join(words[i : i + length]))
    return out


# IMC exports cut channel labels to 7 characters ("Vimenti"); shorter cuts would be taken for whole words ("Biotin")
_CUT_WORD = re.compile(r"^[A-Za-z]{7}$")


def _long_names() -> tuple[list[str], list[tuple[str, ...]]]:
    """One-word curated antigen names and HGNC approved gene names (keys, sorted) with their genes, for prefixes."""
    return _long_names_in(scope().held_out)


@lru_cache(maxsize=4)
def _long_names_in(held_out: frozenset[str]) -> tuple[list[str], list[tuple[str, ...]]]:
    entries: dict[str, set[tuple[str, ...]]] = {}
    for key, hit in curated_index().items():
        if re.fullmatch(r"[A-Z]?[a-z]+", hit.marker):  # one word: "Vimentin", never "CollagenIV" or "GranzymeB"
            entries.setdefault(key, set()).add(hit.genes)
    one_word = {name_key(a) for a, b in name_words()[1] if not b}  # a cut word completes to a one-word name
    for key, syms in hgnc_index().name.items():
        if key in one_word:
            entries.setdefault(key, set()).add(tuple(syms))
    keys = sorted(entries)
    return keys, [min(entries[k]) if len(entries[k]) == 1 else () for k in keys]


def _complete_cut(word: str) -> str | None:
    """Complete a cut word to the one curated antigen or approved gene name it starts (``None`` when not one).

    ``Vimenti`` → vimentin → VIM; ``Cytoker`` → cytokeratin → KRT8/KRT18/KRT19 (returned as the antigen's name);
    a stem that several genes' names start, or a whole word of gene names (``Smooth``), completes nothing.
    """
    if name_words()[0].get(word.lower(), 0) >= COMMON_WORD_NAMES:
        return None  # a whole word of gene names ("Smooth" of smooth muscle), not a cut one
    stem = name_key(word)
    keys, genes = _long_names()
    lo = bisect.bisect_left(keys, stem)
    hi = bisect.bisect_left(keys, stem + "\x7f")
    found = {genes[i] for i in range(lo, hi) if keys[i] != stem}
    if len(found) != 1 or () in found:
        return None
    (hit,) = found
    curated = [
        m
        for m in curated_table()["marker"]
        if name_key(m).startswith(stem) and curated_index()[name_key(m)].genes == hit
    ]
    return curated[0] if curated else hit[0] if len(hit) == 1 else None


COMMON_WORD_NAMES = 3  # a word in this many HGNC approved gene names or more describes genes, it names none


def _phrase_words(cleaned: str) -> set[str]:
    """Words of a name that are part of a phrase of gene names: common words ("light") beside their pair ("chain").

    A one-word guess from them would rest on an alias of a common word: "kappa light chain" → LIGHT → TNFSF14.
    """
    counts, pairs = name_words()
    words = [w for w in re.split(r"[\s_|:.,;/()\[\]+-]+", cleaned) if w]
    low = [w.lower() for w in words]
    out = set()
    for i, w in enumerate(words):
        if not w.isalpha() or w.isupper() or counts.get(low[i], 0) < COMMON_WORD_NAMES:
            continue
        if (i > 0 and (low[i - 1], low[i]) in pairs) or (i + 1 < len(words) and (low[i], low[i + 1]) in pairs):
            out.add(w)
    return out


_PARTNER = re.compile(r"^[ ._-]*(?:ligand|receptor|binding|l\b|r\b)", re.IGNORECASE)


def _before_partner(span: str, cleaned: str) -> bool:
    """Tell whether a guessed span stands before "ligand" or "receptor": "4-1BB" of "4-1BB Ligand" is not 4-1BB."""
    words = [w for w in re.split(r"[\s_|:.,;/()\[\]+-]+", cleaned) if w]
    last = span.split("-")[-1]
    return any(
        w == last and _PARTNER.match(" ".join(words[i + 1 : i + 2])) for i, w in enumerate(words) if i + 1 < len(words)
    )


# a Greek letter an export replaced by "_" or "?" ("TCR V_2" for TCR Vα2 or Vγ2, "TCR _/_", "Fc_RI_", "IL-2R_"): the
# letter named the chain, so no rule may guess it; only a curated row for that exact name links it
_LOST_GREEK = re.compile(
    r"tcr[ _]*v[_?](?=\d)|\btcr[ ]*[_?](?=[ /]|$)|\btcr[ ]+/[ ]*$|\btcr {2,}chain\b|"  # "TCR /", "TCR  chain"
    r"(?<=fc)[_?](?=r)|(?<=[a-z0-9]r)[_?](?=$|[\s/;,)])|"
    r"(?<=[a-z0-9])\?|^[^_]*[a-z0-9]_$|"
    r"\b(?:ifn|tnf|tgf|ror|ppar)-[_?]",
    re.IGNORECASE,
)


# a receptor chain or type named after its ligand, the chain as a Greek letter or the type as a numeral:
# "TGF-b Receptor II" = TGFBR2, "IFN-gamma R alpha chain" = IFNGR1, "IL-2 receptor beta" = IL2RB
_RECEPTOR = re.compile(
    r"^(?P<stem>[A-Za-z][A-Za-z0-9αβγδ.-]*?)[ ._-]*(?:receptor|rec|r)[ ._-]*"
    r"(?P<sub>iii|ii|i|[1-3]|alpha|beta|gamma|α|β|γ|a|b|g)?(?:[ ._-]*chain)?$",
    re.IGNORECASE,
)
_CHAIN_NUMBER = {"i": "1", "ii": "2", "iii": "3", "a": "1", "b": "2", "g": "3"}


def receptor_symbols(cleaned: str) -> list[str]:
    """Return the approved symbols a receptor name spells (``TGF-b Receptor II`` → TGFBR2), by letter, then number."""
    m = _RECEPTOR.match(cleaned)
    if not m:
        return []
    stem, sub = name_key(m.group("stem")), name_key(m.group("sub") or "").lower()
    approved = hgnc_index().approved
    # the stem names a ligand ("PIR-A" none), one of several ("PDGF": PDGFA, PDGFB)
    if len(stem) < 3 or not (stem in approved or f"{stem}1" in approved or f"{stem}A" in approved):
        return []
    if (m.group("sub") or "").lower() == "a" and f"{stem}RN" in approved:
        return [approved[f"{stem}RN"]]  # "IL-1Ra", "IL-36Ra": the receptor antagonist (IL1RN), not receptor alpha
    spelled = [f"{stem}R{sub.upper()}", f"{stem}R{_CHAIN_NUMBER.get(sub, sub)}"] if sub else []
    if sub in ("a", "") and stem in approved and f"{stem}RB" not in approved:
        # "IL-4Rα", "IL-21 Receptor": the alpha chain carries the receptor's name; "IL-33Rα" is the alias IL33R
        found = [approved[k] for k in spelled if k in approved]
        return list(dict.fromkeys(found or [approved.get(f"{stem}R", f"{stem}R")]))
    return list(dict.fromkeys(approved[k] for k in spelled if k in approved and k != name_key(cleaned)))


# protein families named by their word or its short form on imaging panels: no one gene, the members listed
# ("LAM" is laminin there, not the HGNC alias of TSC1/TSC2; "Cadherin" is not CDH17)
_FAMILY_WORDS = tuple(
    (re.compile(rf"^(?:pan[ ._-]?)?(?:{words})$", re.IGNORECASE), family, members)
    for words, family, members in (
        ("lams?|laminins?", "laminin", r"LAM[ABC]\d"),
        ("collagens?", "collagen", r"COL\d+A\d"),
        ("act|actins?", "actin", r"ACT(?:A1|A2|B|C1|G1|G2)"),
        ("tubulins?", "tubulin", r"TUB[ABGDE]\d?[A-C]?\d?"),
        ("cadherins?|cdh", "cadherin", r"CDH\d+"),
        ("claudins?", "claudin", r"CLDN\d+"),
        ("myosins?", "myosin", r"MY[HL]\d+[A-Z]?"),
        ("integrins?", "integrin", r"ITG[AB](?:\d+|[A-Z]|2B)"),
        ("granzymes?|gzm", "granzyme", r"GZM[ABHKM]"),
        ("caspases?", "caspase", r"CASP\d+"),
        ("cathepsins?", "cathepsin", r"CTS[A-Z]"),
        ("pkc", "protein kinase C", r"PRKC[ABDEGHIQZ]"),
        ("stats?", "STAT", r"STAT[1-6][AB]?"),
        ("syndecans?", "syndecan", r"SDC[1-4]"),
        ("neurofilaments?", "neurofilament", r"NEF[HLM]"),
        # HGNC keeps "IFN" as an alias of IFNA1 and "KIR" as KIR3DL1's previous symbol, "GATA" as an alias of QRSL1
        ("ifns?|interferons?", "interferon", r"IFN(?:A\d+|B1|G|W1|E|K|L[1-4])"),
        ("kirs?", "killer-cell immunoglobulin-like receptor", r"KIR[23]D[LS]\d[A-Z]?"),
        ("gata", "GATA transcription factor", r"GATA[1-6]"),
    )
)
# Fc receptors by the class of antibody they bind and their type, the Greek letter in any spelling: "FcγRIII" =
# FCGR3A/FCGR3B, "FcgRIIb" = FCGR2B, "Fc epsilon RI alpha" = FCER1A, "FcαRI" = FCAR, "FcμR" = FCMR
_FC_RECEPTOR = re.compile(
    r"^fc[ ._-]*(?P<cls>[^\W\d_]+?)[ ._-]*r[ ._-]*(?P<type>iv|iii|ii|i|[1-4])?(?P<sub>[abc])?"
    r"(?:[ ._-]*(?:α|alpha|a))?(?:[ ._-]*\d{2,3}[A-Z])?$",  # an allele after it: "FcgRIIA-131H", "FcγRIIIA-158V"
    re.IGNORECASE,
)


def fc_gamma_family(cleaned: str, species: str = "human") -> list[str]:
    """Return the Fc gamma receptor genes an ``FcγR`` without a type names (``FcYr``, ``Fc gamma R``); else ``[]``."""
    m = _FC_RECEPTOR.match(cleaned)
    if not m or m.group("type") or m.group("sub") or name_key(m.group("cls")) not in ("G", "Y"):
        return []
    symbols = set(mgi_index().symbols) if species == "mouse" else set(hgnc_index().approved.values())
    pattern = r"Fcgr[1-4][a-c]?" if species == "mouse" else r"FCGR[1-3][A-C]"
    return sorted(s_ for s_ in symbols if re.fullmatch(pattern, s_))


def fc_receptor(cleaned: str, species: str = "human") -> str | None:
    """Return the symbols of an Fc receptor name, slash-joined (``FcγRIII`` → ``FCGR3A/FCGR3B``; mouse: Fcgr3).

    Mouse Fc receptors are numbered on their own (mouse FcγRIII is Fcgr3, whose human ortholog is FCGR2A; FCGR3A's
    mouse ortholog is FcγRIV, Fcgr4), so a mouse name reads MGI's symbols, never the human ones carried over.
    """
    m = _FC_RECEPTOR.match(cleaned)
    if not m:
        return None
    cls = "G" if name_key(m.group("cls")) == "Y" else name_key(m.group("cls"))  # "FcyRIII": γ written y
    n = _ROMAN.get((m.group("type") or "").lower(), m.group("type") or "")
    sub = (m.group("sub") or "").upper()
    if species == "mouse":
        symbols = set(mgi_index().symbols)
        stem = {"G": "Fcgr", "E": "Fcer", "A": "Fcar", "M": "Fcmr"}.get(cls, "")
        if cls == "E":
            found = ["Fcer1a" if str(n) in ("", "1") else "Fcer2a"]
        else:
            found = [s_ for s_ in symbols if re.fullmatch(rf"{stem}{n}{sub.lower() or '[a-c]?'}", s_)] if stem else []
        return "/".join(sorted(s_ for s_ in found if s_ in symbols)) or None
    approved = set(hgnc_index().approved.values())
    if cls == "G" and n:
        found = [f"FCGR{n}{sub}"] if sub else sorted(s_ for s_ in approved if re.fullmatch(rf"FCGR{n}[A-C]", s_))
    elif cls == "E":
        found = ["FCER1A" if str(n) in ("", "1") else "FCER2"]
    else:
        found = {"A": ["FCAR"], "M": ["FCMR"]}.get(cls, [])
    found = [s_ for s_ in found if s_ in approved]
    return "/".join(found) or None


def protein_family(cleaned: str) -> tuple[str, list[str]] | None:
    """Return the family a name means and its HGNC members (``LAM`` → laminin, LAMA1 ...), or ``None``."""
    for pattern, family, members in _FAMILY_WORDS:
        if pattern.match(cleaned):
            found = {s_ for s_ in hgnc_index().approved.values() if re.fullmatch(members, s_)}
            symbols = sorted(found, key=lambda s_: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s_)])
            return family, symbols
    return None


def lost_letter(name: str) -> bool:
    """Tell whether an export replaced a Greek letter of the name by ``_`` or ``?`` (``TCR V_2``, ``Fc_RI_``)."""
    return bool(_LOST_GREEK.search(name))


def _spelled(cleaned: str, aliases: list[str]) -> list[str]:
    """Return the names a name spells by a rule (a slash, receptor chain, Fc receptor, PKC isozyme, alias family).

    ``CD16_32`` → CD16/32, ``TGF-b Receptor II`` → TGFBR2, ``FcγRIII`` → FCGR3A/FCGR3B, ``PKCθ`` → PRKCQ,
    ``LPAM-1 (Integrin α4β7)`` → ITGA4/ITGB7, ``SigF`` → Siglec-F.
    """
    out = [f for a in aliases if (f := _family(a))]
    out += [flat] if (flat := unflatten(cleaned)) else []
    # the second name repeats the first's stem: "Ly-6A/Ly-6E" (flattened "Ly-6A_Ly-6E") is Ly-6A/E
    pair = re.fullmatch(r"(?P<stem>[A-Za-z]+[-.]?\d*)(?P<a>[A-Za-z0-9]+)/(?P=stem)(?P<b>[A-Za-z0-9]+)", flat or cleaned)
    out += [f"{pair['stem']}{pair['a']}/{pair['b']}"] if pair and pair["a"] != pair["b"] else []
    out += receptor_symbols(cleaned)
    out += [fc] if (fc := fc_receptor(cleaned)) else []
    pkc = re.match(r"^p?pkc[ ._-]?(?P<isoform>[^\W\d_]+)$", cleaned, re.IGNORECASE)
    if pkc and len(name_key(pkc.group("isoform"))) == 1:  # "PKCθ", "PKC-theta", "PKCq": the isozyme PRKCQ
        out.append(f"PRKC{name_key(pkc.group('isoform'))}")
    sig = re.match(r"^Sig[ ._-]?(?P<x>[A-Z]|\d{1,2})$", cleaned)  # "SigF", "Sig-H", "Sig1": Siglec-F, -H, -1
    out += [f"Siglec-{sig.group('x')}"] if sig else []
    out += [chain] if (chain := family_chain(cleaned) or laminin_isoform(cleaned)) else []
    return out


# a numbered chain of a tubulin or laminin, the Greek letter in any spelling, the number Arabic or Roman, before or
# after the word, as UniProt and vendors write it: "Tubulin beta-3 chain", "beta-III tubulin", "Laminin alpha 1"
_CHAIN_STEMS = {"tubulin": "TUB", "laminin": "LAM"}
_FAMILY_CHAIN_GREEK = r"(?P<g>alpha|beta|gamma|delta|epsilon|[αβγδε])"
_FAMILY_CHAIN_NUMBER = r"(?P<n>\d{1,2}|i{1,3}|iv|v|vi{1,3})(?P<x>[a-d])?"
_GREEK_2 = _FAMILY_CHAIN_GREEK.replace("P<g>", "P<g2>")
_NUMBER_2 = _FAMILY_CHAIN_NUMBER.replace("P<n>", "P<n2>").replace("P<x>", "P<x2>")
_FAMILY_CHAIN = re.compile(
    rf"^(?P<w1>tubulin|laminin)(?:[ ._-]+subunit)?[ ._-]+{_FAMILY_CHAIN_GREEK}[ ._-]?{_FAMILY_CHAIN_NUMBER}"
    rf"(?:[ ._-]+chain)?$|^{_GREEK_2}[ ._-]?{_NUMBER_2}[ ._-]*(?P<w2>tubulin|laminin)$",
    re.IGNORECASE,
)
_ROMAN_CHAIN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8}
_GREEK_LATIN = {"alpha": "A", "α": "A", "beta": "B", "β": "B", "gamma": "G", "γ": "G", "delta": "D", "δ": "D"}
_GREEK_LATIN.update({"epsilon": "E", "ε": "E"})


def family_chain(cleaned: str) -> str | None:
    """Return the symbol a numbered tubulin or laminin chain spells (``Tubulin beta-3 chain`` → TUBB3), or ``None``.

    >>> family_chain("beta-III tubulin"), family_chain("Laminin alpha 1"), family_chain("Tubulin alpha-1A chain")
    ('TUBB3', 'LAMA1', 'TUBA1A')
    """
    m = _FAMILY_CHAIN.match(cleaned)
    if not m:
        return None
    word, greek = (m["w1"] or m["w2"]).lower(), (m["g"] or m["g2"]).lower()
    number, tail = (m["n"] or m["n2"]).lower(), (m["x"] or m["x2"] or "").upper()
    number = str(_ROMAN_CHAIN[number]) if number in _ROMAN_CHAIN else number
    letter = "C" if word == "laminin" and _GREEK_LATIN[greek] == "G" else _GREEK_LATIN[greek]  # laminin γ1 is LAMC1
    return f"{_CHAIN_STEMS[word]}{letter}{number}{tail}"


# laminin trimers: the code of Aumailley M. et al. (2005) A simplified laminin nomenclature. Matrix Biol 24:326-332
# gives the α, β and γ chain numbers ("laminin-511" = α5β1γ1); its Table 1 maps the older numbers (laminin-1 to -15)
_LAMININ_OLD = {"1": "111", "2": "211", "3": "121", "4": "221", "5": "332", "6": "311", "7": "321", "8": "411"}
_LAMININ_OLD.update({"9": "421", "10": "511", "11": "521", "12": "213", "14": "423", "15": "523"})
_LAMININ = re.compile(r"^(?:laminin|lam|lm|ln)[ ._-]?(?P<code>[1-5][1-4][1-3])$|^laminin[ ._-]?(?P<old>\d{1,2})$", re.I)


def laminin_isoform(cleaned: str) -> str | None:
    """Return the chains of a laminin trimer as a slash name (``Laminin-511`` → LAMA5/LAMB1/LAMC1), or ``None``.

    >>> laminin_isoform("Laminin-332"), laminin_isoform("Laminin 1"), laminin_isoform("Laminin 13")
    ('LAMA3/LAMB3/LAMC2', 'LAMA1/LAMB1/LAMC1', None)
    """
    m = _LAMININ.match(cleaned)
    code = m and (m["code"] or _LAMININ_OLD.get(m["old"]))
    return f"LAMA{code[0]}/LAMB{code[1]}/LAMC{code[2]}" if code else None


@lru_cache(maxsize=1)
def _cut_names() -> dict[str, tuple[str, ...]]:
    """MGI's written synonyms that end in a dot or slash and a number, by the key of what stands before it."""
    out: dict[str, list[str]] = {}
    for written in mgi_index().synonyms_of.values():
        for w in written:
            m = re.fullmatch(r"(?P<head>.*[A-Za-z].*?) ?[./] ?\d{1,2}", w)
            if m:
                out.setdefault(name_key(m["head"]), []).append(w)
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


def cut_at_separator(cleaned: str) -> str | None:
    """Complete a name an export cut at its dot or slash (``F4`` → F480 for F4/80, ``PGP9`` → PGP95), or ``None``.

    Only a name that is nothing itself (no symbol, alias, synonym or curated row), completed the one way MGI writes.
    """
    k = name_key(cleaned)
    hgnc, mgi = hgnc_index(), mgi_index()
    if not k or k in hgnc.approved or k in hgnc.alias or k in hgnc.previous or k in mgi.approved or k in mgi.synonym:
        return None
    if k in curated_index() or k in curated_index("mouse"):
        return None
    written = _cut_names().get(k, ())
    # joined, so that the completion is never split again as a slash name ("F4/80" into F4 and 80)
    return re.sub(r"[ ./]", "", written[0]) if len({name_key(w) for w in written}) == 1 else None


def _modified_forms(cleaned: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """Return the names a modified form or a Greek spelling stands for: those to try first, and those to try later.

    Phospho first (``pERK``, ``pSMAD2_3`` → SMAD2/3); then a Greek letter moved after the word (``α-Synuclein`` →
    "Synuclein α"), a symbol without its written-out alpha (``FAPalpha``), cleaved and proto-oncogene forms (``cJUN``),
    and phospho guesses (``S6p``).
    """
    first: list[tuple[str, bool]] = []
    later: list[tuple[str, bool]] = []
    phospho = _PHOSPHO_FIRST.match(cleaned)
    if phospho:
        first.append((phospho.group("rest"), True))
        if flat := unflatten(phospho.group("rest"), aliases=True):  # "pSMAD2_3", "pMEK1_2": phospho-SMAD2/3, MEK1/2
            first.append((flat, True))
    before = _GREEK_FIRST.match(cleaned)
    if before:
        later.append((f"{before.group('word')} {before.group('g')}", True))
    for form in [cleaned, *([phospho.group("rest")] if phospho else [])]:
        greek = _GREEK_TAIL.match(form) or _ALPHA_LETTER.match(form)
        # "FAPalpha" is FAP, "TNFalpha" TNF; "AMPKa", "pAMPKa": AMPK's alpha subunits (a curated name)
        k = name_key(greek.group("sym")) if greek else ""
        # "TCRa" is TCR alpha (Trac), never all of TCR
        if greek and not k.endswith("TCR") and (k in hgnc_index().approved or k in curated_index()):
            later.append((greek.group("sym"), True))
    mod = _MODIFIED.match(cleaned)
    # "cJUN", never "CD4" read as c-D4 nor "cgrp" (CGRP written lower-case) as c-GRP
    if mod and not (mod.group("c") and (cleaned[0] != "c" or cleaned[1:2].islower())):
        rest = mod.group("rest") or mod.group("c") or mod.group("rest2")
        # "CLEVER-1" (STAB1), "CLC3" (CLCN3) are no cleaved EVER-1, C3: "cl" glued to a name that is an HGNC symbol,
        # alias or old symbol as written is that name; glued capitals "CL" only before an antigen's name or alias
        hgnc, glued_cl = hgnc_index(), re.match(r"cl[A-Z0-9]", cleaned, re.IGNORECASE)
        whole = name_key(cleaned)
        known = whole in hgnc.approved or whole in hgnc.alias or whole in hgnc.previous
        usable = not re.match(r"CL[A-Z]", cleaned) or _names_antigen(rest) or name_key(rest) in hgnc.alias
        if not glued_cl or (not known and usable):
            later.append((rest, True))
            later += [(spelled, True) for spelled in _spelled(rest, [])]  # "Phospho-IκBα": IκBα spelled NFKBIA
    ph = _PHOSPHO.match(cleaned)
    if ph:  # phospho-epitopes name their protein: pS6, S6p, pmTOR, PATM
        later.append((ph.group("rest") or ph.group("rest2"), False))
    return first, later


def _initialism(cleaned: str) -> str | None:
    """Return the initials of a name spelled out in three to six words when a curated row has them, or ``None``.

    ``Alpha smooth muscle actin`` → aSMA. Curated rows only, and only a row whose words are the name's: initials that
    are some approved symbol are chance (``Francisella Tularensis, LPS`` is no FTL), and ``Skeletal Muscle Actin``
    is not the row of smooth muscle actin its initials spell.
    """
    words = [w for w in re.findall(r"[A-Za-z]+", cleaned) if w.lower() not in {"of", "and", "the"}]
    if len(words) < 3 or len(words) > 6 or any(len(w) < 2 for w in words) or len(cleaned) < 12:
        return None
    initials = "".join(w[0] for w in words).upper()
    row = curated_index().get(name_key(initials))
    # the row must spell the same words: "Skeletal Muscle Actin" (ACTA1) is no SMA, smooth muscle actin (ACTA2)
    said = f"{row.marker} {row.evidence}".lower() if row else ""
    return initials if row and all(w.lower() in said for w in words) else None


# a Greek letter in parentheses qualifies the name before it ("Folate Receptor (beta)", R's "Folate.Receptor..beta.");
# alone it is no name (HGNC's alias "B" is PPIB)
_GREEK_LETTER = r"alpha|beta|gamma|delta|epsilon|[αβγδε]"
_GREEK_QUALIFIER = re.compile(rf"(?:{_GREEK_LETTER}|[abgde])\d?", re.IGNORECASE)


def _qualified(cleaned: str, aliases: list[str]) -> tuple[list[tuple[str, bool]], list[str]]:
    """Return the name its Greek-letter alias qualifies (``Folate Receptor (beta)``) and the aliases that name."""
    aliases = [a for a in aliases if not lost_letter(a)]  # "CD122 (IL-2R_)": CD122 says it, IL-2R_ cannot
    qualified = [(f"{cleaned} {a}", True) for a in aliases if _GREEK_QUALIFIER.fullmatch(a)]
    return qualified, [a for a in aliases if not _GREEK_QUALIFIER.fullmatch(a)]


_TCR_CHAIN = re.compile(rf"tcr[ ._-]*(?:{_GREEK_LETTER}|[abgd](?![a-z]))", re.IGNORECASE)
_LONE_LETTER = re.compile(rf"(?:{_GREEK_LETTER})", re.IGNORECASE)


# the family words a pan-antibody is named by, written short after "pan" on imaging panels ("PanK", "panCyto",
# "pan-Ker", "PanCad"): a cut word that starts exactly one of them is that word; "K" alone is no kappa chain there
_PAN_WORDS = ("keratin", "cytokeratin", "cadherin", "actin", "tubulin", "laminin", "collagen")
_PAN_CUT = re.compile(r"^pan[-_ .]?(?P<word>[A-Za-z]+)(?P<rest>[-_ .].*)?$", re.IGNORECASE)


def pan_cut(cleaned: str) -> str | None:
    """Return ``pan-<family word>`` for a pan name whose family word is cut short (``PanK`` → pan-keratin)."""
    m = _PAN_CUT.match(cleaned)
    if not m:
        return None
    hgnc = hgnc_index()
    if cleaned.upper() == cleaned and any(name_key(cleaned) in t for t in (hgnc.approved, hgnc.alias, hgnc.previous)):
        return None  # "PANK", in a symbol's capitals, is PANK1's previous symbol; "PanK" the pan-keratin
    word = m["word"].lower()
    full = [w for w in _PAN_WORDS if w.startswith(word)]
    return f"pan-{full[0]}" if len(full) == 1 and word != full[0] else None


def _span_guesses(cleaned: str) -> list[str]:
    """Return the word spans of a name that may be guessed as names (:func:`_spans` less the words of phrases)."""
    phrase = _phrase_words(cleaned)
    v_segment = re.search(r"tcr[ ._-]*v|\bv[ ._-]?(?:alpha|beta|gamma|delta|[abgdrαβγδ])[ ._-]*\d", cleaned, re.I)
    out = []
    for span in _spans(cleaned):
        if span in phrase or _before_partner(span, cleaned):
            continue  # "light" of "kappa light chain": a word of a phrase, not a name (LIGHT = TNFSF14)
        if (v_segment or _TCR_CHAIN.search(cleaned)) and name_key(span) == "TCR":
            continue  # "TCR Vβ5.1", "Purified TCR γ/δ": one V segment or chain, never the whole receptor
        if re.match(rf"{re.escape(span)}[ ._-][A-Za-z](?:[/._-][A-Za-z])*$", cleaned):
            continue  # "PIR-A", "PIR.A.B" without the letter is another gene (PIR, pirin): the letter names the member
        if re.fullmatch(r"[A-Za-z0-9](?:-[A-Za-z0-9])+", span):
            continue  # "C-F-I" of "Ly49-C-F-I-H" (Ly49 C/F/I/H flattened): member letters, never a symbol (CFI)
        out.append(span)
    return out


def candidates(name: str) -> tuple[str, list[tuple[str, bool]]]:
    """Return the cleaned name and the candidates to look up, each strong (any lookup) or weak (a guess).

    Weak candidates are guesses (word spans, a clone-duplicate base, a phospho-epitope's protein): an HGNC alias
    hit on a guess ("Na/K" → TBK1) would be a false link, so they only count in the curated table and as approved
    symbols, after every strong candidate.
    """
    cleaned, aliases = _clean(name)
    cands, aliases = _qualified(cleaned, aliases)
    approved = hgnc_index().approved
    # an approved symbol in brackets first ("CD3 (CD3E)": the subunit), unless the name before it is a symbol or a
    # curated name of other genes ("Mast Cell Function-associated Antigen (MAFA)" is KLRG1; MAFA is another gene)
    whole, row = name_key(cleaned), curated_index().get(name_key(cleaned))
    front = [
        a
        for a in aliases[:1]
        if name_key(a) in approved and whole not in approved and (row is None or approved[name_key(a)] in row.genes)
    ]
    cands += [(a, True) for a in front]
    cands.append((cleaned, True))
    cands += [(a, True) for a in aliases if a not in front]
    cands += [(spelled, True) for spelled in _spelled(cleaned, aliases)]
    base = _CLONE_DUP.sub("", cleaned)
    if base != cleaned and re.match(r"^CD\d+[A-Za-z]*$", base, re.IGNORECASE):
        # Hao et al. 2021 style clone duplicates: "CD4-1", "CD4-2" are CD4 (panels write CD41 without a dash);
        # only CD names, so "PD-1", "LOX-1", "Notch-1" stay what they are
        cands.insert(0, (base, True))
    k = _KERATIN.match(cleaned)
    if k:
        cands.append((f"KRT{k.group(1) or k.group(2)}", True))
    family = _family(cleaned)
    if family and name_key(cleaned) in curated_index():
        cands.insert(1, (family, True))  # "CD45RA" keeps its own curated row
    elif family or _family(str(name).strip()):  # "AB_TCR": here "AB_" is not an antibody prefix
        cands.insert(0, (family or _family(str(name).strip()) or "", True))
    first, later = _modified_forms(cleaned)
    cands[:0] = first
    cands += later
    cands += [(cut, True)] if (cut := cut_at_separator(cleaned)) else []
    mouse_m = re.match(r"^m(?=[A-Z])(?P<rest>.+)$", cleaned)
    # only where the whole name's own reading is another gene's old or alias symbol ("MPD1" of MYH7); "mMCP-1" (mast
    # cell protease 1), "mAb", "mTEC", "mHLA-DR" keep theirs
    if mouse_m and _mouse_m(cleaned, mouse_m["rest"]):
        cands.insert(0, (mouse_m["rest"], True))  # "mPD_1" is mouse PD-1, not MYH7's previous symbol MPD1
    cands += [(variant, True) for variant in _typed_variants(cleaned)]
    related = _named_by_relation(cleaned)  # "Ig alpha" first (CD79A, never IgA); "CD40 Ligand" as CD40L after the rest
    cands = related + cands if _IG_GREEK.match(cleaned) else cands + related
    tr = _TRUNCATED.match(str(name).strip())
    if tr:  # complete a cut name when exactly one curated antigen starts with it
        stem = name_key(tr.group("word"))
        hits = {m for m in curated_table()["marker"] if name_key(m).startswith(stem) or m.upper().startswith(stem)}
        genes = {curated_index()[name_key(m)].genes for m in hits}
        if len(genes) == 1:
            cands.append((sorted(hits)[0], True))
    elif _CUT_WORD.match(cleaned):  # a label cut without its export prefix ("Vimenti"): the one word it starts
        completed = _complete_cut(cleaned)
        if completed:
            cands.append((completed, False))
    cands[:0] = [(pan, True)] if (pan := pan_cut(cleaned)) else []
    cands += [(span, False) for span in _span_guesses(cleaned)]  # "k", "l" of "IgG1_Rat_k" are dropped below
    cands += [(initials, False)] if (initials := _initialism(cleaned)) else []
    seen: dict[str, bool] = {}
    for c, strong in cands:
        # guesses of one or two letters are noise; a Greek letter alone is no name ("beta": HGNC's alias B, PPIB)
        if c and (strong or len(name_key(c)) >= 3) and not _LONE_LETTER.fullmatch(c.strip("()")):
            seen[c] = seen.get(c, False) or strong
    return cleaned, list(seen.items())


# a member letter before its family word, as a protein is spoken of ("E-Selectin", "P-selectin"); HGNC's approved
# names put it after ("selectin E")
_POINT_AS_P = re.compile(r"(?<=\d)p(?=\d)")
# γ typed as a lower-case y after an upper-case stem ("IFN-y", "IFNy", "RORyt", "PPARy", "PLCy1", "IL-2Ry"); "Ly6C"
# and "Ly-6G" begin with their own "Ly"
_GAMMA_AS_Y = re.compile(r"^(?P<stem>[A-Z][A-Z0-9-]*[A-Z0-9][ -]?)y(?P<tail>\d|[tT])?$")  # "RORyT" too
_LETTER_FIRST = re.compile(r"^(?P<letter>[A-Za-z])[ -](?P<word>[A-Za-z]{4,})$")


# a slash flattened by an export: "CD16_32", "CD16.32" (R's make.names), "CD16-32" for CD16/32; "CD11b_c" for
# CD11b/c; "CD21_CD35", "CD16-CD32" for CD21/CD35. A number of two digits, a letter tail after an underscore, or a
# second CD name continues the name as another antigen (three digits are a residue: "pS6_235"); one digit after a dot
# or dash is an allotype or a clone ("CD45.1", "CD4-1"); names curated whole ("TRA-1-60") are found first
_FLAT_SLASH = re.compile(
    r"^(?P<a>[A-Za-z][A-Za-z-]*?\d+(?P<end>[A-Za-z]{0,2}))[._-](?:(?P<b>\d{2}|CD\d{1,3}[A-Za-z]?)|(?P<t>[A-Za-z]{1,2}))$"
)


# two names of one family joined by an export: "Ly-6C_Ly-6G", "H-2Kb.H-2Db", "CD16-CD32" (the second repeats the
# first's letters before its number)
_FLAT_PAIR = re.compile(r"^(?P<a>(?P<stem>[A-Za-z]{2,}[-.]?)\d+[A-Za-z]{0,2})[._-](?P<b>(?P=stem)\d+[A-Za-z]{0,2})$")


# a keratin pair an export flattened: "Cytokeratin 8-18", "Keratin 8_18" (keratins 8 and 18, never pan-keratin)
_FLAT_KERATINS = re.compile(r"^(?P<a>(?i:cyto)?[Kk]eratin[ ._-]?\d{1,2})[._-](?P<b>\d{1,2})$")
# the slash lost with its separator: "CD2135", "CD1632" (punctuation stripped) are CD21/35, CD16/32; no CD number has
# four digits, so two of two digits are read
_FLAT_CD = re.compile(r"^CD(?P<a>\d{2})(?P<b>\d{2})$", re.IGNORECASE)


# members of one lettered or numbered family, the second written by what differs: "KIR3DL1_S1" (KIR3DL1/S1),
# "KIR2DL2_L3", "SMAD2_3"; both must be approved symbols ("CD4_2" is a clone duplicate, never CD4 and CD2)
# "_" or, written by Seurat or R, "-" and "." ("SMAD2-3", "pMEK1.2"), one separator throughout
_FLAT_TAIL = re.compile(
    r"^(?P<first>(?!CD\d)[A-Za-z][A-Za-z0-9-]*?\d)(?P<tails>(?P<sep>[_.-])[A-Za-z]?\d(?:(?P=sep)[A-Za-z]?\d)*)$"
)
# a comma list of tails: "CD158a,h" is CD158a/h
_COMMA_TAILS = re.compile(r"^[^,\s]+(?:,[A-Za-z0-9]{1,2})+$")


# a protein named as the ligand or receptor of another ("CD40 Ligand", "CD30-L", "G-CSF Receptor", "SCF_R"): the
# other's name then "L" or "R" is how panels and HGNC aliases write it (CD40L, G-CSFR); the other is never the antigen
RELATIVE = re.compile(
    r"^(?P<x>[A-Za-z0-9][A-Za-z0-9-]*?)[ ._-]*(?P<w>ligand|receptor)(?P<t>(?:[ ._-]?(?:alpha|beta|gamma|[αβγ]|\d))?)$",
    re.IGNORECASE,
)


def _named_by_relation(cleaned: str) -> list[tuple[str, bool]]:
    """Return what a name says through another protein: a BCR chain by its letter, a ligand or receptor by its partner.

    ``Ig alpha``/``Igα`` is CD79a (the BCR's Ig-α; ``IgA`` stays immunoglobulin A), ``Ig beta`` CD79b. ``CD40 Ligand``
    is CD40L (CD40LG), ``SCF Receptor`` SCFR (KIT): never CD40 or SCF; only a code before the word (``CD40``, ``G-CSF``,
    never ``Estrogen``), and where the tables know the whole name the "L"/"R" form is a guess (``TP receptor`` is MGI's
    synonym of Tbxa2r, never the symbol TPR).
    """
    if ig := _IG_GREEK.match(cleaned):
        return [("CD79A" if ig["g"].lower() in ("alpha", "α") else "CD79B", True)]
    partner = RELATIVE.match(cleaned)
    if not partner or len(name_key(partner["x"])) < 3 or re.search(r"[a-z]{4,}", partner["x"]):
        return []
    letter, strong = partner["w"][0].upper(), not _known_name(cleaned)
    return [(f"{partner['x']}{letter}{partner['t']}", strong), (f"{partner['x']}-{letter}", strong)]


def _known_name(name: str) -> bool:
    """Tell whether HGNC (symbol, alias, old symbol, approved name) or MGI (symbol, synonym) has a name as written."""
    k, hgnc, mgi = name_key(name), hgnc_index(), mgi_index()
    return any(k in table for table in (hgnc.approved, hgnc.alias, hgnc.previous, hgnc.name, mgi.approved, mgi.synonym))


def _typed_variants(cleaned: str) -> list[str]:
    """Return what a name typed with a look-alike stands for: ``NK1p1`` (NK1.1), ``IFN-y`` (IFN-g), ``E-Selectin``."""
    out = []
    if _POINT_AS_P.search(cleaned):  # "NK1p1", "CD45p2", "PGP9p5": a decimal point written "p" by a safe-name export
        dotted = _POINT_AS_P.sub(".", cleaned)  # "CD8p1" is CD8.1, never the symbol CD81 its key would be
        out.append(cleaned.split("p")[0] if name_key(dotted) in hgnc_index().approved else dotted)
    gamma = _GAMMA_AS_Y.match(cleaned)  # "IFN-y", "RORyt", "PLCy1": γ typed as its look-alike y
    out += [f"{gamma['stem']}g{gamma['tail'] or ''}"] if gamma else []
    lettered = _LETTER_FIRST.match(cleaned)  # "E-Selectin" is HGNC's approved name "selectin E" (SELE)
    out += [f"{lettered['word']} {lettered['letter']}"] if lettered else []
    fused = _FUSED_DYE.match(cleaned)  # "CD45a488", "CD4PE", "F480pe": the dye written onto the antigen
    out += [fused["antigen"]] if fused and _names_antigen(fused["antigen"]) else []
    # a digit typed for its look-alike letter ("Bc1-2" Bcl-2, "S1c7a1" Slc7a1, "1-A/1-E" I-A/I-E), only to a known name
    if not _member_name(cleaned):
        out += [v for v in _look_alike_letters(cleaned) if _member_name(v) or name_key(v) in curated_index("mouse")]
    ikb = _IKB.match(cleaned)  # "IkB zeta", "IκBε": the NF-κB inhibitors NFKBIA/B/D/E/Z by their Greek letter
    out += [f"NFKBI{name_key(ikb['g'])}"] if ikb else []
    integrin = _UNIPROT_INTEGRIN.match(cleaned)  # "ITB7", "ITA6": UniProt's entry names (ITB7_MOUSE) of integrins
    out += [f"ITG{integrin['ab']}{integrin['m']}"] if integrin else []
    numbered = _WORD_NUMBER.match(cleaned)  # "Synapsin-1": HGNC's approved name writes "synapsin I"
    if numbered and 1 <= int(numbered["n"]) <= len(_ROMAN_NAMES):
        out.append(f"{numbered['words']} {_ROMAN_NAMES[int(numbered['n']) - 1]}")
    # "Microtubule Associated Protein Tau 13": an approved name of three words or more, then its clone's number
    if numbered and numbered["words"].count(" ") >= 2 and name_key(numbered["words"]) in hgnc_index().name:
        out.append(numbered["words"])
    return out


def _look_alike_letters(cleaned: str) -> list[str]:
    """Return the name with each 1 beside a letter read as l (after a small letter) or I (before a dash and capital)."""
    k = name_key(cleaned)
    if "1" not in cleaned or len(cleaned) > 30 or k in hgnc_index().alias or k in hgnc_index().previous:
        return []  # "MRP14" is S100A9's alias, never MRPL4
    low = re.sub(r"(?<=[A-Za-z])1(?=[a-z]|[ ._-]\d)", "l", cleaned)  # "Bc1-2", "S1c7a1"
    cap = re.sub(r"(?<![A-Za-z0-9])1(?=-[A-Z](?![a-z]))", "I", cleaned)  # "1-A/1-E"
    return [v for v in dict.fromkeys((low, cap)) if v != cleaned]


# an inhibitor of NF-κB by its Greek letter (IκBγ is NEMO, IKBKG: not among them)
_IKB = re.compile(r"^I(?:κ|k|kappa)B[ ._-]?(?P<g>α|β|δ|ε|ζ|alpha|beta|delta|epsilon|zeta)$", re.IGNORECASE)
# UniProt's mnemonic of an integrin chain (ITA6_MOUSE, ITAM_HUMAN, ITB7): ITA/ITB and the chain's number or letter
_UNIPROT_INTEGRIN = re.compile(r"^IT(?P<ab>[AB])(?P<m>\d{1,2}|2B|[DELMVX])$")
# a protein's name in words and a member's number, which HGNC's approved names write in Roman numerals
_WORD_NUMBER = re.compile(r"^(?P<words>[A-Za-z][a-z]{3,}(?:[ -][A-Za-z][a-z]+)*)[ ._-]?(?P<n>\d{1,2})$")
_ROMAN_NAMES = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII")


# a fluorochrome written onto the antigen without a separator, as hand-typed flow panels do ("CD45a488", "CD4PE",
# "CD11bBV421", "Ly6GAF647"); only before a known antigen's name, so no name's own letters are cut ("PDGF-BB")
_FUSED_DYE = re.compile(
    rf"^(?P<antigen>[A-Za-z][A-Za-z0-9/.-]*?[A-Za-z0-9])(?:(?i:a|af|alexa|ef)?{_WAVELENGTH}|(?i:bv|buv|bb)\d{{3}}"
    r"|(?i:fitc|pe|apc|percp)(?:[-.]?(?i:cy[57](?:\.5)?|dazzle\d*))?)$"
)


# the B-cell receptor's signalling chains by their Greek letter, spelled or written (Ig-α = CD79a, Ig-β = CD79b)
_IG_GREEK = re.compile(r"^ig[ ._-]*(?P<g>alpha|beta|α|β)$", re.IGNORECASE)


def _mouse_m(cleaned: str, rest: str) -> bool:
    """Tell whether an "m" before a name marks the mouse antigen (``mPD_1``, ``mPD_L1``).

    The rest is a curated or approved antigen, or an MGI synonym of one gene (``mLy49C``: Klra3, ``mClm5``); the
    whole is nothing, or another gene's old symbol (``mMac1``: not PTEN's MMAC1).
    """
    hgnc, mgi, k = hgnc_index(), mgi_index(), name_key(cleaned)
    antigen = _names_antigen(rest) or len(mgi.synonym.get(name_key(rest), ())) == 1
    if not antigen or _names_antigen(cleaned) or len(name_key(rest)) < 3 or rest.upper().startswith("HLA"):
        return False
    weak = hgnc.previous.get(k) or hgnc.alias.get(k)  # "MPD1": MYH7's previous symbol
    unknown = not (weak or mgi.synonym.get(k))
    return bool(weak) or (unknown and len(mgi.synonym.get(name_key(rest), ())) <= 1)  # "MCP-1": Ccl2 or Mcpt1


def _names_antigen(name: str) -> bool:
    """Tell whether a name is a curated antigen or an approved HGNC or MGI symbol."""
    k = name_key(name)
    return (
        k in curated_index() or k in curated_index("mouse") or k in hgnc_index().approved or k in mgi_index().approved
    )


# members of a family named by a letter after a number, the others by their letter alone, any separator
_FLAT_LETTERS = re.compile(
    r"^(?P<first>[A-Za-z][A-Za-z0-9._-]*?\d[._-]?[A-Za-z])(?P<tails>(?P<sep>[_.-])[A-Za-z](?:(?P=sep)[A-Za-z])*)$"
)


# a family's number and two member letters of one case with nothing between them
_RUN_LETTERS = re.compile(
    r"^(?P<stem>[A-Za-z][A-Za-z-]*\d{1,3})(?:(?P<a>[A-Z])(?P<b>[A-Z])|(?P<a2>[a-z])(?P<b2>[a-z]))$"
)


def _member_name(name: str) -> bool:
    """Tell a member's name: a curated antigen, an approved symbol, one gene's HGNC alias or MGI synonym."""
    return _names_antigen(name) or _one_gene(name) or len(mgi_index().synonym.get(name_key(name), ())) == 1


def _one_gene(name: str) -> bool:
    """Tell whether a name is an approved symbol, or an HGNC alias of one gene only (``MEK1`` of MAP2K1)."""
    k, hgnc = name_key(name), hgnc_index()
    return k in hgnc.approved or len(hgnc.alias.get(k, ())) == 1


# Fc receptors II and III by their Roman numerals, the slash flattened: "FcgRIII-II", "Fc gamma RII_III", "FcyRIIb.III"
_FLAT_FC_ROMAN = re.compile(
    r"^(?P<a>(?i:fc)[ ._-]*(?i:gamma|γ|g|y)?[ ._-]*R?[ ._-]*(?:I{1,3}|IV)[ab]?)[-_. ](?P<b>(?:I{1,3}|IV)[ab]?)$"
)


def unflatten(cleaned: str, aliases: bool = False) -> str | None:
    """Return the slash name an export flattened (``CD16_32`` → ``CD16/32``), or ``None`` when it is not one."""
    four = _FLAT_CD.match(cleaned)
    if four:
        return f"CD{four.group('a')}/{four.group('b')}"
    keratins = _FLAT_KERATINS.match(cleaned)  # "Cytokeratin 8-18", "Keratin 8_18": keratins 8 and 18, not pan-keratin
    if keratins:
        return f"{keratins['a']}/{keratins['b']}"
    lettered = _FLAT_TAIL.match(cleaned)
    if lettered:  # "SMAD2_3", "SMAD1_5_9", "MEK1_2" (HGNC aliases of one gene each), "KIR3DL1_S1"
        first, tails = lettered["first"], lettered["tails"].split(lettered["sep"])[1:]
        stem, end = first[: -len(tails[0])], first[-len(tails[0]) :]
        same_shape = all(end[0].isalpha() == t[0].isalpha() and len(t) == len(end) for t in tails)
        numbers = [int(x) for x in (end, *tails) if x.isdigit()]
        same_shape &= numbers == sorted(numbers)  # a list counts up ("SMAD1_5_9"); "SOX9_5" is SOX9's antibody 5
        known = _one_gene if aliases else (lambda n: name_key(n) in hgnc_index().approved)
        # aliases only on a phospho panel's list ("pMEK1_2"): "PD-L1_2", "TIM3_4" are a second antibody of one
        if same_shape and len({end, *tails}) == len(tails) + 1 and all(known(stem + x) for x in (end, *tails)):
            return "/".join([first, *tails])
    letters = _FLAT_LETTERS.match(cleaned)  # "NKG2A-C-E", "Ly-49c_F_I_H": one member letter after another
    if letters and all(_member_name(letters["first"][:-1] + t) for t in letters["tails"][1:].split(letters["sep"])):
        return "/".join([letters["first"], *letters["tails"][1:].split(letters["sep"])])
    run = _RUN_LETTERS.match(cleaned)  # "Ly6GC" (Ly-6G/C of a CyTOF panel), "CD11bc": two member letters run together
    named = name_key(cleaned) in hgnc_index().alias or name_key(cleaned) in hgnc_index().previous  # "H3FA", "SNF2LB"
    if run and not named and not _member_name(cleaned):
        a, b = run["a"] or run["a2"], run["b"] or run["b2"]
        if _member_name(run["stem"] + a) and _member_name(run["stem"] + b):
            return f"{run['stem']}{a}/{b}"
    if _COMMA_TAILS.match(cleaned):
        return cleaned.replace(",", "/")
    pair = _FLAT_PAIR.match(cleaned) or _FLAT_FC_ROMAN.match(cleaned)
    if pair:
        return f"{pair.group('a')}/{pair.group('b')}"
    m = _FLAT_SLASH.match(cleaned)
    if not m or ((m.group("b") or "").upper().startswith("CD") and not CD_DESIGNATION.match(m.group("a"))):
        return None
    tail, end = m.group("t") or "", m.group("end")
    if tail and (len(tail) != len(end) or tail.isupper() != end.isupper()):  # a tail replaces the letters it stands for
        return None  # "CD14_Ab", "CD155_PVR": a suffix or an alias, not a flattened slash
    return f"{m.group('a')}/{m.group('b') or m.group('t')}"


# a plus between two names joins them like a slash ("CK8+18", "Laminin 1 + 2", "CD16 + CD32"); a plus after a name
# is a charge or a gate ("Na+/K+ ATPase", "CD4+ T") and joins nothing
_PLUS = re.compile(r"(?<=[A-Za-z0-9])\+(?=[A-Za-z0-9])|(?<=[A-Za-z0-9]) +\+ +(?=[A-Za-z0-9])")
# a Roman number after a slash replaces the first name's own (FcγRII/III is FcγRII and FcγRIII, Collagen I/III)
_ROMAN_NUMBER = re.compile(r"(?:I{1,3}|IV|VI{0,3}|IX|X)")
_ROMAN_END = re.compile(r"(?<![IVXa-z])(?:I{1,3}|IV|VI{0,3}|IX|X)$|(?<= )(?:I{1,3}|IV|VI{0,3}|IX|X)$")


def joined_by_plus(cleaned: str) -> bool:
    """Tell whether a plus joins two names (``CK8+18``, ``F4/80 + CD11b``), not a charge or a gate (``CD4+``)."""
    return bool(_PLUS.search(cleaned))


def combo_parts(cleaned: str) -> tuple[list[str], str]:
    """Split a slash name: ``CK8/18`` → combination ``[CK8, CK18]``; ``TCF1/TCF7`` → synonyms ``[TCF1, TCF7]``.

    Numbers, Roman numbers and short letter tails after a slash extend the first part (``CD16/32``, ``FcγRII/III``,
    ``CD45RA/RO``, ``HLA-DR/DP``): a combination of antigens. A plus joins antigens as a slash does (``CK8+18``),
    always a combination, each part keeping its own slash (``F4/80 + CD11b``). Several full names are synonyms of one
    antigen (``CX3CR1/GPR13``).
    """
    plus = bool(_PLUS.search(cleaned))
    if "/" not in cleaned and not plus:
        return [], ""
    # a plus joins antigens, each of which may hold a slash ("F4/80 + CD11b"); without one, the slash splits
    parts = [p.strip() for p in (_PLUS.split(cleaned) if plus else cleaned.split("/")) if p.strip()]
    if len(parts) < 2:
        return [], ""
    first = parts[0]
    # the text before the first part's number: "Cytokeratin_8/18" as "Cytokeratin 8/18"; a first part with more after
    # its name ("CD11b_M1/70": CD11b and its clone M1/70) continues at its own last number, never CD70
    prefix = re.match(r"^[A-Za-z ._-]*?(?=\d)", first)
    if prefix is not None and re.search(r"\d[A-Za-z]*[ ._-]+[A-Za-z]+\d+$", first):
        prefix = re.match(r"^.*?(?=\d+$)", first)
    out = [first]
    extended = False
    for p_ in parts[1:]:
        if p_.isdigit() and prefix is not None:  # CD16/32, CK8/18, Cytokeratin 8/18
            out.append(prefix.group(0) + p_)
            extended = True
        elif _ROMAN_NUMBER.fullmatch(p_) and (roman := _ROMAN_END.search(first)):  # FcγRII/III, Collagen I/III
            out.append(first[: roman.start()] + p_)
            extended = True
        elif p_.isalpha() and len(p_) <= 3 and len(first) > len(p_):  # CD45RA/RO, HLA-DR/DP
            out.append(first[: -len(p_)] + p_)
            extended = True
        elif re.fullmatch(r"[A-Za-z]{1,2}\d", p_) and re.search(rf"[A-Za-z]{{{len(p_) - 1}}}\d$", first):
            out.append(first[: -len(p_)] + p_)  # KIR2DL1/S1/S3, KIR2DL2/L3: the letters and number that differ
            extended = True
        else:
            out.append(p_)
    if len({name_key(p_) for p_ in out}) < len(out):  # "NK1/1" (NK1.1's point as a slash) names nothing twice
        return [], ""
    if plus:  # two antigens stained together, never two names of one ("Collagen IV + laminin": both or none)
        return out, "combination"
    if not extended and min(len(name_key(p_)) for p_ in out) < 3:  # "Na/K ATPase" is one name, not two
        return [], ""
    # "CD16/CD32", "CD21/CD35": two CD designations are two antigens (a multi-target clone), never synonyms; so are
    # two approved symbols ("ITGA4/ITGB7", "CDH1/CDH3")
    approved = hgnc_index().approved
    two = all(CD_DESIGNATION.match(p_) or name_key(p_) in approved or _KERATIN.match(p_) for p_ in out)
    distinct = two and len({name_key(p_) for p_ in out}) == len(out)
    return out, ("combination" if extended or distinct else "synonyms")


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
    >>> from mufuse.pp._names import clean_name
    >>> clean_name("CD3_TotalSeqB")
    ('CD3', ['CD3'])
    >>> clean_name("MHCII (HLA-DR)")
    ('MHCII', ['MHCII', 'HLA-DR'])
    """
    cleaned, cands = candidates(name)
    return cleaned, [c for c, _ in cands]
