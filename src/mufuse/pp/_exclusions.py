"""What links to nothing: isotype controls, hashtags, stains, blanks, elemental channels, anti-mouse reagents.

Each rule names its category, which becomes the ``reason`` of an ``excluded`` marker. Rules are checked on the raw
name and on the cleaned one (:func:`mufuse.pp._names.clean_name`), case-insensitively.
"""

from __future__ import annotations

import re

from .._genes import curated_index, hgnc_index, name_key
from ._names import DASHES, ELEMENTS, isotope
from ._roles import FLUORESCENT_PROTEINS

# a background channel's abbreviations (CyCIF's "bk 488", "Bkgd647", "Bkgrd 488", "bkgnd_555"): the long forms
# anywhere, the short ones beside a channel (a wavelength with or without its dye's letters, or a dye)
_BACKGROUND_WORD = r"(bckg|bkg|bkgd|bkgrd|bkgnd|bkgrnd|bckgrd|bckgnd|bgnd|bgrd|backgr\w*)"
_BACKGROUND_SHORT = r"(bk|bck|bg|bgd|back)"
_CHANNEL = r"((a|af|alexa|cy|dy|atto|opal)?[ ._-]?\d{3}(nm)?|cy[357](\.5)?|fitc|tritc|txred|pe|apc|dapi)"

# Names that must link to nothing, checked on the raw and the cleaned name (case-insensitive).
# the colours and fluorochromes a viability dye is named by ("Aqua", "NIR", "eF780", "BV510")
_VIABILITY_DYE = (
    r"(?:dye|stain|fixable|aqua|blue|violet|yellow|green|red|far[ ._-]?red|near[ ._-]?ir|n?ir|uv|amcyan|"
    r"bv\d{3}|buv\d{3}|ef(?:luor)?[ ._-]?\d{3}|af\d{3}|apc[ ._-]?cy7|pe|fitc|\d{3})"
)
# what follows a secondary antibody's species first: its class, fragment, dye or enzyme, never an antigen ("Rat
# anti-mouse CD4 (GK1.5)" is a primary antibody, as key resources tables write them; "goat anti-rabbit IgG H&L" not)
_SECONDARY_TAIL = (
    r"[ ._,-]*(?:$|ig|\(|h[ ]*[+&]|f\(ab|fab|af\d|alexa|fluor|\d{3}|cy\d|fitc|pe\b|apc|hrp|biotin|secondary|antibody|"
    r"polyclonal|conj|plus|cross|highly|min\b)"
)
_EXCLUDE_RULES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"isotype|(^|[^a-z])ig[gmae]\d*[a-d]?([ ._-]*(k|kappa|l|lambda|κ|λ))?[ ._-]*(ctrl|control)"),
        "isotype control",
    ),
    (re.compile(r"^(mouse|rat|hamster|armenian[ ._-]?hamster)[ ._-]*ig[gmae]"), "isotype control"),
    # the host written short, as vendors and CosMx/GeoMx panels do ("Rb IgG", "Hmr IgG", "Ms IgG1", "AH IgG", "Gt
    # IgG"): rabbit, mouse, rat, Armenian/Syrian hamster, goat, donkey, sheep, chicken, guinea pig, llama
    (
        re.compile(
            r"^(rb|rbt|rab|ms|mu|rt|ah|arm[ ._-]?ham|sh|hmr|hm|gt|dk|shp|ck|chk|gp|gpig|llama)[ ._-]*"
            r"ig[gmaey]\d*[a-c]?([ ._-]*(k|kappa|l|lambda|κ|λ))?$"
        ),
        "isotype control",
    ),
    # an Ig class named with a host species or "iso" is an isotype control: IgG1_Rat_k, Goat IgG, Arm.ham.IgG.iso
    (
        re.compile(
            r"(?<!anti)(?<!anti[ ._-])(mouse|rat|hamster|ham|goat|rabbit|donkey|sheep|chicken)[ ._-]*ig[gmaed]|"
            r"ig[gmaed]\d*[a-d]?[ ._-]*(mouse|rat|hamster|ham|goat|rabbit|donkey|sheep|chicken|iso)"
        ),
        "isotype control",
    ),
    # an isotype named by its rodent subclass alone ("IgG1", "IgG2a-AAGAGG...", "mIgG2b", "IgG1k"): the controls of
    # CITE-seq panels; an antibody against human IgG is named for IgG or its Fc ("IgG", "IgG Fc"), not a subclass
    (re.compile(r"^(m|r|ms|rat|mouse|ham)?[ ._-]?igg([1-4]|2[a-c])[ ._-]?(k|kappa|l|lambda)?$"), "isotype control"),
    # a rodent IgG subclass anywhere ("Rag-IgG2c", "IgG2bKiso"): human IgG has subclasses 1-4 only, so an antibody
    # named with IgG2a/b/c is a rodent isotype control; an Ig class with a control word anywhere ("IgG1_2_control",
    # "control_mIgM", "IsoIgG1", "IgG1Kiso")
    (re.compile(r"igg2[a-c]|ig[gmaed]\d*[a-c]?.*(iso|ctrl|control)|(iso|ctrl|control).*ig[gmaed]"), "isotype control"),
    (
        re.compile(
            r"^(hashtag|hto|cmo)[ ._-]*\d*|^lmo[ ._-]+\d+|hashtag|"
            # BioLegend's hashtag products by number alone (A0251-A0265 human, A0301-A0315 mouse; B, C likewise);
            # another product number before an antigen is the antibody's ("B0157-CD45-2-TotalSeqB": CD45.2)
            r"^[abc]0(25[1-9]|26\d|30\d|31[0-5])([ ._-]|$)|"
            r"(^|[ ._-])hash[ ._-]*(tag)?[ ._-]*\d+$|"
            # "Mouse_HTO_3", "HTO28", ImmgenT's "HT1".."HT20" (HT7 is MGI's synonym of Bsg; HT31 stays AKAP13);
            # MULTI-seq "Bar12"; Singleron "CLindex_TAG_3"; BD Rhapsody "SampleTag05_hs"
            r"(^|[ ._-])hto([ ._-]|\d|$)|^ht[ ._-]?([1-9]|1\d|20)$|^bar[ ._-]?\d+$|^clindex[ ._-]?tag|"
            r"^sample[ ._-]?tag[ ._-]?\d+|"
            # mass cytometry's debarcoding channels ("BC1(La139)Dd" .. "BC7" of Bodenmiller et al. 2012; "Barcode_3")
            r"^(bc|barcode)[ ._-]?\d{1,2}$|^tag\d{1,2}$|"  # "tag1", "tag2": a CITE-seq script's hashtags
            # cell lines hashed by name (Stoeckius et al. 2018: "HEK-A", "K562_B", "THP1-C")
            r"^(hek(293t?)?|k562|kg[ ._-]?1|thp[ ._-]?1|jurkat|hela|a549|mcf[ ._-]?7|u937|hl[ ._-]?60|raji)[ ._-][a-h]$"
        ),
        "hashtag / sample barcode",
    ),
    (
        re.compile(
            r"dapi|hoechst|draq[57]|sytox|^(ds|ss)?dna[ ._-]*\d*$|^ir[ ._-]*19[13]|19[13]ir|"
            r"^nucle(ar|us)([ ._-]*(stain|dye|marker|channel|\d+))?$|"
            r"counterstain|^(anti[ ._-]*)?(brdu|edu|idu|cldu|5[ ._-]?h?mc)([ ._-]|$)|^h[ ._-]?(and|&)?[ ._-]?e\d*$|"
            # the cyanine nucleic-acid stains (dimers TOTO-3, YOYO-1, JOJO-1 ...; monomers TO-PRO-3 ...) and SYTO n
            r"^(toto|yoyo|jojo|popo|bobo|lolo)[ ._-]?\d$|^(to|yo|jo|po|bo|lo)[ ._-]?pro[ ._-]?\d$|^syto[ ._-]?\d{1,2}$"
        ),
        "DNA / nuclear stain",
    ),
    (
        # a per-cell table's analysis columns: embedding coordinates (tSNE, UMAP, Cytosplore's HSNE and its "CSPLR_"
        # columns) and cluster assignments of FlowSOM or PhenoGraph
        re.compile(
            r"^csplr[ ._-]|^((fi|opt|open|bh|vi)[ ._-]?t?|t)[ ._-]?sne[ ._-]*\d?$|^umap[ ._-]*\d?$|"
            r"^hsne(data)?[ ._-]*[xy12]?$|"
            r"^(flowsom|phenograph)([ ._-]*(cluster|meta[ ._-]?cluster|id)s?)?$"
        ),
        "embedding coordinate / analysis output",
    ),
    (
        # and a slot a panel's sheet left free ("not used", "Not_used", "free", "no antibody", "unassigned")
        re.compile(
            r"^(blank|empty|unused|not[ ._-]?used|none|na|n/a|bg|background|control|ctrl|free|spare|unassigned|"
            r"tbd|tba|open|"
            r"no[ ._-]?(antibody|ab|stain|marker)|nothing|dummy|placeholder)([ ._-]*\d*)?$|blank|empty"
        ),
        "blank / empty channel",
    ),
    (
        re.compile(
            # an autofluorescence channel also as a spectral cytometer exports it ("AF-A", "Comp-AF1-A")
            r"background|autofluo|^(comp[ ._-]?)?af\d{0,2}([ ._-][ahw])?$|"
            rf"(^|\d|[ ._-]){_BACKGROUND_WORD}([ ._-]|\d|$)|^bg\d+[a-z]?([ ._-]|$)|"
            # the short forms only beside a channel: "bk 488", "A488_bk", "bck-Cy5" (alone, "BK" is bradykinin)
            rf"^{_BACKGROUND_SHORT}[ ._-]*{_CHANNEL}$|^{_CHANNEL}[ ._-]*{_BACKGROUND_SHORT}$"
        ),
        "background / autofluorescence channel",
    ),
    (
        # cisplatin's and rhodium's channels alone ("195Pt", "Pt194Di", "Rh103Di"); a platinum-labelled antibody
        # names its antigen ("198Pt_CD8")
        re.compile(
            r"viability|cisplatin|live[ ._-]*dead|zombie|"
            r"^((pt|rh)[ ._-]*1\d\d|1\d\d(pt|rh))(di)?([ ._-]*(norm\w*|raw|arcsinh|asinh|scaled))?$"
        ),
        "viability / elemental channel",
    ),
    (
        # viability dyes written short, alone or beside their colour or fluorochrome: "L/D", "L_D", "LD-NIR",
        # "L/D Aqua", "Amcyan LD", "Viab", "FVS510", "PI" (propidium iodide; never the genes FMN1's alias LD, PI of
        # SERPINA1, Via of Sema6a)
        re.compile(
            rf"^(?:{_VIABILITY_DYE}[ ._/-]*)*(?:l[ ._/+-]?d|live[ ._/+-]?(?:and[ ._-]?)?dead|via|viab|fv[ds]|pi)"
            rf"(?:[ ._/-]*{_VIABILITY_DYE})*$"
        ),
        "viability dye",
    ),
    (
        re.compile(
            # reporters also written with a one-letter "a" for anti (CyCIF "AGFP", "a-mCherry")
            rf"^(a[ ._-]?({FLUORESCENT_PROTEINS}|flag)|{FLUORESCENT_PROTEINS}|"
            r"flag|ha([ ._-]*tag|\.11)?|myc[ ._-]*tag|"
            r"(6x)?his[ ._-]*tag|v5([ ._-]*tag)?|vsv[ ._-]?g|hsv([ ._-]*tag)?|ollas|t7[ ._-]*tag|strep[ ._-]*tag|"
            r"avi[ ._-]*tag|halo[ ._-]*tag|snap[ ._-]*tag|spot[ ._-]*tag|"
            # Pro-Code and commercial epitope tags (Wroblewska et al. 2018, Cell 175:1141; vendor tag lists): NWS is
            # the Strep-tag variant NWSHPQFEK; bare "NE" (ELANE), "MBP" and "C-tag"/"CTAG" (CTAG1B) stay genes
            r"nws|[es][ ._-]*tag|au[15]([ ._-]*tag)?|kt3|ty1|ee[ ._-]*tag|glu[ ._-]*glu|sbp([ ._-]*tag)?|"
            r"gst[ ._-]*tag|mbp[ ._-]*tag|ne[ ._-]*tag|xpress|alfa([ ._-]*tag)?|hpc4|softag[ ._-]*\d?|"
            # a clone after the reporter, no brackets ("GFP D5.1", "FLAG M2")
            r"(twin[ ._-]*)?strep([ ._-]*tag)?([ ._-]*(ii|2))?)([ ._-]+(clone[ ._-]*)?[a-z]{0,3}\d[\w.-]*)?$"
        ),
        "non-human epitope tag",
    ),
    (
        re.compile(r"^anti[ ._-]?(pe|apc|fitc|biotin|dextran|his|gfp|dig|digoxigenin|fluorescein|ova|tag)\b"),
        "anti-fluorochrome / tag detection reagent",
    ),
    # "Annexin" alone, with a gate's sign or a dye, is the Annexin V stain of flow panels; a member (A1, II) is not
    (
        re.compile(r"^(?:annexin[ ._-]?(v|5)\b|annexin(?![ ._-]*(?:a[ ._-]?\d|[ivx]+\b|\d|[a-z]\d)))"),
        "phosphatidylserine stain (Annexin V)",
    ),
    # label-free optical channels of intravital and multiphoton imaging: second/third harmonic generation (collagen,
    # membranes), bright field, phase contrast, reflectance
    (
        re.compile(
            r"^(?:shg|thg|(?:second|third)[ ._-]*harmonic(?:[ ._-]*generation)?|bright[ ._-]?field|bf|dic|"
            r"phase(?:[ ._-]*contrast)?|reflectance|reflection)$"
        ),
        "label-free optical channel (no antibody)",
    ),
    # Fc-receptor blocking reagents listed with a panel's antibodies ("Fc Block", "TruStain FcX"): no readout
    (
        re.compile(
            r"^(?:(?:mouse|human|bd|anti)[ ._-]*)*fc[ ._-]*(?:r|receptor|gamma|γ)?[ ._-]*block(?:ing|er)?"
            r"(?:[ ._-]*(?:reagent|solution))?$"
            r"|^(?:(?:mouse|human)[ ._-]*)?tru[ ._-]*stain[ ._-]*(?:fcx)?(?:[ ._-]*plus)?$"
            # an antibody named as the block it is used for ("CD16/32 (Fc block)", "2.4G2 Fc block")
            r"|[ (]fc[ ._-]*block(?:ing|er)?\)?$"
        ),
        "Fc-receptor blocking reagent (no readout)",
    ),
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
    # a transgenic TCR named by its line ("DO11.10 TCR", typed "D011.10"; "OT-I TCR", "P14 TCR", "2D2 TCR") or by
    # DO11.10's clonotypic antibody KJ1-26: the line's receptor, which no RNA gene measures apart from every T cell's;
    # a V segment named with it ("TCR Va2 (OT-II TCR)") is the antigen, and the segment rules read it
    (
        re.compile(
            r"^(?!.*(?:^|[^a-z])(?:tcr[ ._-]*)?v[ ._-]?(?:alpha|beta|gamma|delta|[abgdαβγδ])[ ._-]?\d)(?:"
            r".*(?:^|[^a-z0-9])(?:d[o0]11[ .]?10|kj1[ ._-]?26)(?:[^a-z0-9]|$)|"
            r".*(?:^|[^a-z0-9])(?:ot[ ._-]?(?:i{1,2}|[12])|p14|smarta|5c\.?c7|b3k506|llo(?:56|118)|bdc[ ._-]?2\.5|2d2|"
            r"marilyn|pmel[ ._-]?1)[ ._-]*(?:tg[ ._-]*)?(?:tcr|clonotyp))"
        ),
        "transgenic TCR named by its line, or its clonotypic antibody (no RNA gene measures one line's receptor)",
    ),
    # secondary antibodies bind other antibodies ("Goat anti-rabbit AF488", "Secondary only")
    (
        re.compile(
            r"(goat|donkey|chicken|sheep|rabbit|mouse|rat)[ ._-]+anti[ ._-]*(rabbit|goat|mouse|rat|chicken)"
            rf"(?={_SECONDARY_TAIL})|secondary"
        ),
        "secondary antibody (binds other antibodies, no gene)",
    ),
    # segmentation masks and compartments exported as channels
    (
        re.compile(
            r"^(nuclei|nucleus|segmentation|cell[ ._-]?mask|membrane|cytoplasm|mem[ ._-]?\d+)$|membrane[ ._-]?stain|"
            # the IMC cell segmentation kit's plasma-membrane stains on platinum ("195Pt_PM2", "198Pt_PM4")
            r"^(1\d\d[ ._-]*pt|pt[ ._-]*1\d\d)(di)?[ ._-]*(pm|plasma[ ._-]?membrane)[ ._-]?\d*$"
        ),
        "segmentation channel",
    ),
    # channels summed for segmentation ("sum_PanCK_CD45", "sum_CD45_E-cadherin_Na-K-ATPase")
    (re.compile(r"^sum[ ._-]"), "sum of several channels (a segmentation / membrane channel, no single protein)"),
    # several antibodies stained into one channel ("HLA class I and Na-K-ATPase", "CD45 & E-cadherin")
    (re.compile(r"\S (and|&) \S"), "several antibodies in one channel (a segmentation / membrane mix)"),
    # histones and their marks (Histone H3, H3K27me3, H3K9ac, pHH3, gamma-H2AX): nuclear stains, used for
    # segmentation like DNA dyes; how much of a mark a nucleus carries says nothing about any histone gene's RNA
    (
        re.compile(
            r"histone|^(g|y|γ|gamma)[ ._-]*h2ax|"
            r"^(p|phospho[ ._-]*|(mono|di|tri)[ ._-]?me(thyl)?[ ._-]*)?h?h(1|2a|2ax|2b|3|4)(\.\d)?"
            r"([ ._-]*p?[kst]\d+[ ._-]*(me[1-3]?|ac|ph|ub|cr|p)?)*([ ._-]+(total|ph|phospho))?$"
        ),
        "histone / histone-mark stain (nuclear; says nothing about histone gene expression)",
    ),
    # rows that counting tools and imaging platforms add beside the markers: CITE-seq-Count's "unmapped", Xenium's
    # negative-control probes and codewords, CosMx's negative probes and system controls
    (
        re.compile(
            r"^(unmapped|no[ ._-]?match|ambiguous|bad[ ._-]?struct|total[ ._-]?reads)$|"
            r"^(neg[ ._-]?control[ ._-]?(probe|codeword)|negprb|"
            r"unassigned[ ._-]?codeword|deprecated[ ._-]?codeword|system[ ._-]?control|intergenic[ ._-]?region|"
            r"antisense|false[ ._-]?code)|"
            # magnetic beads of a sort or an enrichment ("Dynabeads® Biotin Binder", "CD4 MicroBeads")
            r"dynabeads|microbeads"
        ),
        "technical / control feature (not an antibody)",
    ),
]

# a dye, a fluorochrome or a channel index without an antigen: "A488", "Control-488nm", "EMPTY_A488_14", "CH2CY13",
# "chan_39", "Phycoerythrin" (imaging cycles left empty, spectral controls, detection reagents)
_DYE = r"(?:a|af|alexa(?:[ ._-]?fluor)?|cy|dy|dylight|atto|cf|bv|buv|opal|ef|efluor)[ ._-]?\d{3}(?:nm)?"
_EXCLUDE_RULES.append(
    (
        re.compile(
            rf"^(?:(?:control|empty|blank|ch|chan|channel|c)[ ._-]*\d*[ ._-]*)?{_DYE}(?:[ ._-]*\d+)?$"
            r"|^(?:ch|chan|channel)[ ._-]*\d+(?:[ ._-]*(?:cy\d|a\d{3}|\d+))*$"
            r"|^(?:control|empty|blank)[ ._-]*\d{3}[ ._-]*nm$"
            # streptavidin also by its short names, the dye stripped ("SA-PE", "SAv BV421"): a detection reagent
            r"|^(?:allophycocyanin|phycoerythrin|fluorescein|streptavidin|sa|sav|stv|biotin|pe|fitc|percp|tritc|"
            r"cy[357](?:\.5)?)$"
        ),
        "dye or channel without an antigen",
    )
)

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
# "anti-mouse/human CD44", "mouse/human CD44": a cross-reactive antibody names both and is neither species' alone; the
# host before "anti" ("mouse anti-human IgG Fc") is no antigen
# the list in any export's separators ("anti-human/mouse/rat", R's "anti.human.mouse.rat", Seurat's "anti-human-mouse")
_BOTH = (
    r"(?!.*(?:mouse|human)[ ._/-]*(?:(?:rat|monkey|primate|rhesus|cynomolgus|hamster|dog|pig|chicken)[ ._/-]*)*"
    r"(?:mouse|human)(?![a-z]))"
)
# a rat antigen in either species' panel: a reporter or a cross-species control ("PE anti-rat CD2", "rat-CD2 (OX34)");
# "anti-rat IgG" is a secondary antibody, excluded as such
# "mouse_rat_CD29", "anti-rat/mouse CD90", "rat-CD90-mouse-CD90.1" (Seurat's dashes) are cross-reactive
# the rat MHC is RT1 ("RT1b", "RT1-D", "OX-6 (RT1B)"): no mouse or human gene
_RAT_ANTIGEN = re.compile(
    r"anti[ ._-]?rat[ ._-]+(?!ig|mouse|human)|^rat-cd\d|\brt1[ ._-]?(?:aa|bb|db|a|b|d|e|u)?\b", re.IGNORECASE
)
_ANTIGEN_OF = {
    "mouse": re.compile(
        rf"^(?!.*anti[ ._-]?human){_BOTH}.*(\(mouse\)|anti[ ._-]?mouse|mouse[ ._-]specific)|^m(?=CD\d)"
        # a species word before the antigen ("Mouse-CD31-Pecam" of a spatial ADT panel, "mouse_rat_CD29")
        rf"|^{_BOTH}mouse[ ._-]+(?!anti|ig|human|monoclonal|polyclonal|mab)(?=[a-z ._-]*\d)"
        r"|(?-i:anti[ ._-]?m(?=[A-Z]))",  # "anti-mCD4"; "anti-Myc" is no mouse antigen
        re.I,
    ),
    # HLA names only the human MHC: in a mouse panel it is a transgene's ("HLA-DR" of HLA-DR3 mice) or a spike-in's
    "human": re.compile(
        rf"^(?!.*anti[ ._-]?mouse){_BOTH}.*(\(human\)|anti[ ._-]?human|human[ ._-]specific)|^h(?=CD\d)|^hu[ ._]|"
        r"^human[ ._-]+(?!anti|mouse|rat)|"  # "Human-CD8", "Human-IgG" beside mouse RNA
        r"^hla(?:[ ._-]|$)|(?-i:anti[ ._-]?h(?=[A-Z]))",
        re.I,
    ),
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


# elements of mass cytometry and MIBI channels, written out ("Iridium191", "100Ru_Ruthenium")
_ELEMENT_NAMES = (
    "iridium|ruthenium|rhodium|platinum|barium|lanthanum|cerium|praseodymium|neodymium|samarium|europium|gadolinium|"
    "terbium|dysprosium|holmium|erbium|thulium|ytterbium|lutetium|xenon|iodine|lead|bismuth|gold|silver|osmium|"
    "tantalum|indium|yttrium|cadmium|palladium|tellurium|caesium|cesium|hafnium|argon|silicon|sodium|iron|calcium|"
    "carbon|phosphorus|tin|zinc|copper|aluminium|aluminum|titanium|nickel|cobalt"
)
_ELEMENT_WORD = re.compile(rf"^(?:\d{{2,3}})?(?:{_ELEMENT_NAMES})(?:\d{{2,3}})?$", re.IGNORECASE)
# "Fe-56", "Ir_191": an element and its mass apart; "ArAr80", "80ArAr": the argon dimer of ICP-MS
_ELEMENT_SPACED = re.compile(
    rf"^(?:(?P<e>{ELEMENTS})[ ._-](?P<m>\d{{2,3}})|(?P<m2>\d{{2,3}})[ ._-](?P<e2>{ELEMENTS}))$"
)
_ARGON = re.compile(r"^\d{0,3}ArAr\d{0,3}$")


_IRIDIUM = re.compile(r"^(?:ir[ ._-]*19[13]|19[13][ ._-]*ir|iridium[ ._-]*19[13])(?:di)?$", re.IGNORECASE)


def _element_channel(name: str) -> bool:
    """Tell a channel that is only elements or isotopes, in any of their spellings, parts joined by ``_`` or spaces."""
    parts = [p for p in re.split(r"[_\s]+", name) if p]
    return bool(parts) and all(_element_part(p) for p in parts)


def _element_part(name: str) -> bool:
    if _ELEMENT_WORD.match(name) or _ARGON.match(name):
        return True
    spaced = _ELEMENT_SPACED.match(name)
    if spaced:
        elem, mass = (
            (spaced.group("e"), spaced.group("m")) if spaced.group("e") else (spaced.group("e2"), spaced.group("m2"))
        )
        return isotope(elem, mass)
    m = _ELEMENT_CHANNEL.match(name)
    if not m:
        return False
    elem, mass = (m.group("e1"), m.group("m1")) if m.group("e1") else (m.group("e2"), m.group("m2"))
    if elem is None:  # a bare element symbol
        return True
    return isotope(elem, mass)


_SPECIES_LIST = re.compile(
    r"(?<![a-z])(?:mouse|human|rat|ms|hu)[ ._/-]*"
    r"(?:(?:monkey|primate|rhesus|cynomolgus|hamster|dog|pig|chicken)[ ._/-]*)*(?:mouse|human|rat|ms|hu)(?![a-z])",
    re.I,
)


# beside mouse RNA, "Mouse-IgD", "Mouse IgM" name the B cells' own immunoglobulin (a Stereo-CITE-seq thymus panel's):
# an isotype control of a mouse panel is a rat, hamster or mouse IgG, named with its subclass
_OWN_IG = re.compile(r"^(?:mouse|ms)[ ._-]*ig[mdae]$", re.IGNORECASE)


def own_immunoglobulin(name: str, species: str) -> bool:
    """Tell a mouse panel's own IgM, IgD, IgA or IgE named with its species (an antigen, no isotype control).

    Examples
    --------
    >>> own_immunoglobulin("Mouse-IgD", "mouse"), own_immunoglobulin("Mouse-IgG1", "mouse")
    (True, False)
    """
    return species == "mouse" and bool(_OWN_IG.match(DASHES.sub("-", name.strip())))


def cross_reactive(name: str) -> bool:
    """Tell a reagent named for two species or more, in any separators (``anti-human/mouse``, ``mouse-rat-CD29``).

    Examples
    --------
    >>> cross_reactive("anti.human.mouse.CD49f"), cross_reactive("mouse_rat_CD29"), cross_reactive("anti-human CD4")
    (True, True, False)
    """
    return bool(_SPECIES_LIST.search(DASHES.sub("-", name)))


def other_species(name: str, species: str = "human") -> str | None:
    """Say why an antibody against the other species' antigen links to nothing (``None`` when it is not one).

    Examples
    --------
    >>> other_species("anti-mouse CD45") is not None, other_species("anti-mouse/human CD44"), other_species("Hu.CD3")
    (True, None, None)
    >>> other_species("Hu.CD3", "mouse") is not None
    True
    """
    name = DASHES.sub("-", name)
    # the panel's species named after the rat antigen ("anti-rat CD90/mouse CD90.1" beside mouse RNA) binds it too
    own = re.search(rf"[ ._/-]{species}[ ._-]+(?!anti)", name, re.IGNORECASE)
    if _RAT_ANTIGEN.search(name.strip()) and not own:
        return f"antibody against a rat antigen beside {species} RNA (a reporter or a cross-species control)"
    other = "mouse" if species == "human" else "human"
    clone = _mouse_clone(name) if other == "mouse" else None
    if not (_ANTIGEN_OF[other].search(name.strip()) or clone):
        return None
    return (
        f"antibody against a {other} antigen{f' ({clone})' if clone else ''} beside {species} RNA (spike-in cells "
        f"or a cross-species control); pass species='{other}' if the RNA is {other}"
    )


# palladium barcoding channels (Zunder et al. 2015, Nat. Protoc. 10:316: 102, 104, 105, 106, 108, 110Pd)
_PALLADIUM = re.compile(  # also named as the barcode ("102Pd_BC102", "Pd104Di_barcode")
    r"^(?:Pd[ ._-]?(?:10[24568]|110)|(?:10[24568]|110)[ ._-]?Pd)(?:Di)?(?:[ ._-]*(?:bc|barcode)[ ._-]?\d*)?$",
    re.IGNORECASE,
)


# a peptide-MHC or lipid-CD1d complex named by its peptide or lipid: an antibody that binds H-2Kb only with the
# ovalbumin peptide ("H-2Kb bound to SIINFEKL", clone 25-D1.16), a dextramer of 10x's dCODE panels
# ("A0201_NLVPMVATV_CMV_pp65"), "α-GalCer:CD1d complex" (clone L363): the peptide decides the signal, no RNA gene does
_MHC_WORD = re.compile(r"h[-.]?2|hla|mhc|\bi[-.]?[ae]|cd1d|(?<![a-z])[abc]\*?\d{2}:?\d{2}", re.IGNORECASE)
# eight or more amino-acid letters, not only those of a DNA barcode ("HLA-DR-AATAGCGAGCAAGTA" is a barcoded antibody)
_PEPTIDE = re.compile(r"(?<![A-Za-z])(?![ACGTN]+(?![A-Za-z]))[ACDEFGHIKLMNPQRSTVWY]{8,15}(?![A-Za-z])")
_BOUND = re.compile(  # "major histocompatibility complex" names the MHC itself, not a complex with a peptide
    r"bound[ ._-]+to|loaded[ ._-]+with|galcer|(?<!histocompatibility)[ ._-]complex(?:[ ._-]|$)", re.IGNORECASE
)
PEPTIDE_MHC = "peptide-MHC / lipid-CD1d complex (its peptide or lipid decides the signal; no RNA gene measures it)"
# a typed allele and the short label of its peptide or lipid: "HLA-A2-NLV" (NLVPMVATV), "HLA-A*02:01 GIL", "H2Db-GP33",
# "H-2Kb_OVA", "CD1d-PBS57", "MR1-5-OP-RU"; the first three residues in capitals or a protein and position; never a dye
# ("HLA-A2-APC", "HLA-A2 BV421") or a clone ("HLA-A2 (BB7.2)")
_ALLELE = r"(?i:HLA-?[ABCE]\*?\d{1,2}(?::\d{2,3})?|H-?2-?[KDLQ][bdkqs]|I-?A[bdgks]\d?|CD1d|MR1)"
_DYE = r"(?:BUV|BV|BB|BYG|AF|Cy|DL|eF|SB|PE|APC|FITC|PerCP|ECD|V\d{3}|A\d{3})\d*(?![A-Za-z])"
# a mass cytometry channel after the allele ("H-2Kb_In115", "CD1d_Er168") is the antibody's metal, not a peptide, and
# "H-2Kb C0456" a TotalSeq product ID
_MASS_TAG = rf"\(?(?:(?:{ELEMENTS})\d{{2,3}}|\d{{2,3}}(?:{ELEMENTS}))(?:D[di])?\)?$"
_SHORT_PEPTIDE = re.compile(
    # nor a TotalSeq product ID, nor the allele's class after it ("H-2Kb MHC class I": "MHC" is no peptide's label)
    rf"^{_ALLELE}[-_ /.:]+(?!{_DYE})(?!{_MASS_TAG})(?![ABCD][01]\d{{3}}$)(?!(?i:mhc|hla)(?![A-Za-z0-9]))"
    rf"(?:[ACDEFGHIKLMNPQRSTVWY]{{3}}|[A-Za-z]{{1,3}}-?\d{{2,4}}|(?i:pbs-?57|[aα]-?galcer|5-op-ru|ova))(?![A-Za-z0-9])"
)


# the lipid or metabolite first ("PBS57-CD1d", "5-OP-RU MR1"), and the unloaded control tetramer ("mCD1d unloaded")
_LIGAND_FIRST = re.compile(
    r"^(?:pbs-?\d{2}|[aα]-?galcer|och|5-op-ru|(?:ac-)?6-fp)[-_ /.:]+[mh]?(?:cd1d|mr1)\b"
    r"|(?:cd1d|mr1)\b.*\b(?:unloaded|empty)\b|\b(?:unloaded|empty)\b.*\b(?:cd1d|mr1)\b",
    re.IGNORECASE,
)


def _peptide_mhc(name: str) -> bool:
    """Tell whether a name is a peptide-MHC or lipid-CD1d complex (``H-2Kb bound to SIINFEKL``)."""
    if _SHORT_PEPTIDE.match(name) or _LIGAND_FIRST.search(name):
        return True
    return bool(_MHC_WORD.search(name) and (_PEPTIDE.search(_MHC_WORD.sub(" ", name)) or _BOUND.search(name)))


def excluded(name: str) -> str | None:
    """Return why a marker links to nothing (its category), or ``None`` when no rule applies.

    Parameters
    ----------
    name
        The marker name, as given or cleaned (both are checked).

    Examples
    --------
    >>> excluded("IgG1_Rat_k"), excluded("DAPI"), excluded("Xe131"), excluded("CD4") is None
    ('isotype control', 'DNA / nuclear stain', 'elemental / mass channel', True)
    """
    if _IRIDIUM.match(name.strip()):  # the DNA intercalator of mass cytometry, before the element channels
        return "DNA / nuclear stain"
    if _PALLADIUM.match(name.strip()):  # barcodes, before the element channels
        return "hashtag / sample barcode"
    if _element_channel(name.strip()):
        return "elemental / mass channel"
    if _peptide_mhc(name.strip()):
        return PEPTIDE_MHC
    low = untypo(DASHES.sub("-", name.strip()).lower())  # "anti–hB7-H3": an en dash is a dash
    for pattern, category in _EXCLUDE_RULES:
        if (m := pattern.search(low)) and not (category == "isotype control" and _host_of_antibody(low, m.start())):
            return category
    return None


_CONTROL_WORD = re.compile(r"iso|ctrl|control")
# the host written before the class ("Armenian Hamster", "ArmHam", "Rat"), cut to reach the antigen's name
_HOST_TAIL = re.compile(
    r"[\s._(,-]*(?:(?:armenian|syrian|arm)[\s._-]*)?(?:hamster|ham|rat|mouse|ms|goat|rabbit|rb|donkey|sheep|chicken)?"
    r"[\s._(,-]*$"
)


def _host_of_antibody(low: str, start: int) -> bool:
    """Tell whether a host and class follow an antigen's name: ``CD3e (Armenian Hamster IgG)`` is that antibody.

    The antibody's own isotype, as panel lists write it beside the antigen; an isotype control names no antigen
    before its host (``Rat IgG2b``, ``IgG1_Rat_k``) or says it is one (``CD45 isotype``, ``CD4 Rat IgG2b iso``).
    """
    before = _HOST_TAIL.sub("", low[:start])
    if not before or _CONTROL_WORD.search(low):
        return False
    key = name_key(before)
    return (
        bool(re.fullmatch(r"cd\d{1,3}[a-z]{0,2}(\.\d)?", before))
        or key in curated_index()
        or key in curated_index("mouse")
        or key in hgnc_index().approved
    )


# words the rules look for, long enough that one slip of the keyboard leaves them recognisable
_KEYWORDS = ("empty", "blank", "hoechst", "isotype", "control", "background", "hashtag", "nuclear", "nucleus")


def _one_slip(word: str, key: str) -> bool:
    """Tell whether ``word`` is ``key`` with one letter changed, added, dropped, or two neighbours swapped."""
    if word == key or abs(len(word) - len(key)) > 1:
        return word == key
    if len(word) == len(key):
        diff = [i for i, (a, b) in enumerate(zip(word, key, strict=True)) if a != b]
        swapped = (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and word[diff[0]] == key[diff[1]]
            and word[diff[1]] == key[diff[0]]
        )
        return len(diff) == 1 or swapped
    short, long_ = (word, key) if len(word) < len(key) else (key, word)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def untypo(low: str) -> str:
    """Spell the rules' keywords right in a lower-case name: ``EMPYT_A488`` → ``empty_a488``.

    Examples
    --------
    >>> untypo("empyt_a488_14"), untypo("isoytpe migg1_ab"), untypo("cd45")
    ('empty_a488_14', 'isotype migg1_ab', 'cd45')
    """

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        return next((k for k in _KEYWORDS if _one_slip(word, k)), word)

    return re.sub(r"[a-z]{5,}", fix, low)
