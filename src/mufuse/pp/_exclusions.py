"""What links to nothing: isotype controls, hashtags, stains, blanks, elemental channels, anti-mouse reagents.

Each rule names its category, which becomes the ``reason`` of an ``excluded`` marker. Rules are checked on the raw
name and on the cleaned one (:func:`mufuse.pp._names.clean_name`), case-insensitively.
"""

from __future__ import annotations

import re

from ._names import ELEMENTS, ONE_LETTER_MASSES

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
    # pan-phospho antibodies bind a modified residue on any protein ("pTyr", "phospho-tyrosine")
    (
        re.compile(r"^(p|phospho)[ ._-]?(tyr|tyrosine|ser|serine|thr|threonine)$"),
        "phospho-amino-acid stain (a modification on many proteins, no single gene)",
    ),
    # a CyCIF channel named by its round and dye only ("R1.0.1_CY3"): no marker
    (
        re.compile(r"^(r|cycle|cyc)\d+(\.\d+)*[ ._-]+(cy[357]|fitc|tritc|a?f?\d{3})$"),
        "channel named by its round and dye only (no marker)",
    ),
    # peptide-MHC and CD1d multimers stain the T cells' receptor, not a gene of the panel ("CD1d tetramer")
    (re.compile(r"tetramer|dextramer|pentamer|multimer"), "MHC / CD1d multimer (stains the T cell receptor)"),
    # secondary antibodies bind other antibodies ("Goat anti-rabbit AF488", "Secondary only")
    (
        re.compile(
            r"(goat|donkey|chicken|sheep|rabbit|mouse|rat)[ ._-]+anti[ ._-]*(rabbit|goat|mouse|rat|chicken)|"
            r"secondary"
        ),
        "secondary antibody (binds other antibodies, no gene)",
    ),
    # segmentation masks and compartments exported as channels
    (re.compile(r"^(nuclei|nucleus|segmentation|cell[ ._-]?mask|membrane|cytoplasm)$"), "segmentation channel"),
    # channels summed for segmentation ("sum_PanCK_CD45", "sum_CD45_E-cadherin_Na-K-ATPase")
    (re.compile(r"^sum[ ._-]"), "sum of several channels (a segmentation / membrane channel, no single protein)"),
    # several antibodies stained into one channel ("HLA class I and Na-K-ATPase", "CD45 & E-cadherin")
    (re.compile(r"\S (and|&) \S"), "several antibodies in one channel (a segmentation / membrane mix)"),
    # histones and their marks (Histone H3, H3K27me3, H3K9ac, pHH3, gamma-H2AX): nuclear stains, used for
    # segmentation like DNA dyes; how much of a mark a nucleus carries says nothing about any histone gene's RNA
    (
        re.compile(
            r"histone|^(g|y|γ|gamma[ ._-]*)h2ax|^(p|phospho[ ._-]*)?h?h(1|2a|2ax|2b|3|4)(\.\d)?"
            r"([ ._-]*[kst]\d+[ ._-]*(me[1-3]?|ac|ph|ub|cr|p)?)*([ ._-]+(total|ph|phospho))?$"
        ),
        "histone / histone-mark stain (nuclear; says nothing about histone gene expression)",
    ),
    # rows that counting tools and imaging platforms add beside the markers: CITE-seq-Count's "unmapped", Xenium's
    # negative-control probes and codewords, CosMx's negative probes and system controls
    (
        re.compile(
            r"^(unmapped|no[ ._-]?match|ambiguous)$|^(neg[ ._-]?control[ ._-]?(probe|codeword)|negprb|"
            r"unassigned[ ._-]?codeword|deprecated[ ._-]?codeword|system[ ._-]?control|intergenic[ ._-]?region|"
            r"antisense|false[ ._-]?code)"
        ),
        "technical / control feature (not an antibody)",
    ),
]

# a channel that is only an element or isotope ("Au", "Si", "80ArAr", "Xe131", "191Ir"), spelt with its case;
# one-letter elements only with a real isotope mass ("P31", never "P21")
_ELEMENT_CHANNEL = re.compile(
    rf"^(?:(?P<m1>\d{{2,3}})(?P<e1>{ELEMENTS})(?:{ELEMENTS})?|(?P<e2>{ELEMENTS})(?P<m2>\d{{2,3}})|(?P<e3>{ELEMENTS}))"
    r"(?:Di)?$"
)
# anti-mouse reagents (not cross-reactive with human): "CD29 (mouse)", "anti-mouse_CD45", "mouse-specific"
# an antibody named for one species' antigen only: beside the other species' RNA it measures spike-in cells or is a
# cross-species control ("anti-mouse CD45", "mCD29" beside human RNA; "anti-human CD4", "hCD4", "Hu.CD3" beside mouse
# RNA); cross-reactive ones name both ("anti-mouse/human CD44"); "Mouse IgG1" names an isotype's host, not an antigen
_ANTIGEN_OF = {
    "mouse": re.compile(r"^(?!.*human).*(\(mouse\)|anti[ ._-]?mouse|mouse[ ._-]specific)|^m(?=CD\d)", re.IGNORECASE),
    "human": re.compile(r"^(?!.*mouse).*(\(human\)|anti[ ._-]?human|human[ ._-]specific)|^h(?=CD\d)|^hu[ ._]", re.I),
}


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
    return len(elem) > 1 or int(mass) in ONE_LETTER_MASSES.get(elem, set())


def other_species(name: str, species: str = "human") -> str | None:
    """Say why an antibody against the other species' antigen links to nothing (``None`` when it is not one).

    Examples
    --------
    >>> other_species("anti-mouse CD45") is not None, other_species("anti-mouse/human CD44"), other_species("Hu.CD3")
    (True, None, None)
    >>> other_species("Hu.CD3", "mouse") is not None
    True
    """
    other = "mouse" if species == "human" else "human"
    clone = _mouse_clone(name) if other == "mouse" else None
    if not (_ANTIGEN_OF[other].search(name.strip()) or clone):
        return None
    return (
        f"antibody against a {other} antigen{f' ({clone})' if clone else ''} beside {species} RNA (spike-in cells "
        f"or a cross-species control); pass species='{other}' if the RNA is {other}"
    )


def excluded(name: str) -> str | None:
    """Return why a marker links to nothing (its category), or ``None`` when no rule applies.

    Parameters
    ----------
    name
        The marker name, as given or cleaned (both are checked).

    Examples
    --------
    >>> excluded("IgG1_Rat_k"), excluded("DAPI"), excluded("191Ir"), excluded("CD4") is None
    ('isotype control', 'DNA / nuclear stain', 'elemental / mass channel', True)
    """
    if _element_channel(name.strip()):
        return "elemental / mass channel"
    low = name.strip().lower()
    for pattern, category in _EXCLUDE_RULES:
        if pattern.search(low):
            return category
    return None
