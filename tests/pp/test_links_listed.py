"""Issue 31, session 25: a name of several antigens links all of them or none; "pan" with its family word cut short.

Kinds, each over its members in both species, every approved HGNC or MGI symbol in the RNA so a wrong gene has every
chance: a slash list of antigens each named in its own right (``E-Cadherin / P-Cadherin``: not synonyms); two
antigens an export joined with a separator or ran together (``Tox-Tox2``, ``TCRg_TCRd``, ``K8K18``); a flattened
slash name before its flattened alias (``Ly-6G_C_Gr-1`` for ``Ly-6G/C (Gr-1)``); a pan-antibody whose family word is
written short (``PanK``, ``panCyto``). Each kind has its look-alikes that must keep one antigen: an antigen and its
clone (``CD45RO_UCHL1``: UCHL1 is a clone and a gene), a name and its alias, a word of one name (``p38 MAPK``).
"""

from __future__ import annotations

import pytest

from .test_links_exports import _assert_species_links, _sanitised
from .test_links_issue31 import _assert_links, _links

_SEPARATORS = ["-", "_", ".", " "]

# two antigens, each named by a curated row or an approved name: a slash lists both (in human genes)
_LISTED = {
    "E-Cadherin / P-Cadherin": "CDH1;CDH3",
    "Vimentin/Desmin": "VIM;DES",
    "Granzyme B/Perforin": "GZMB;PRF1",
    "mast cell chymase/tryptase": "CMA1;TPSAB1;TPSB2",
}
# names of one antigen, one of them another gene's alias or previous symbol: the slash is a synonym list
_SYNONYMS = {"TCF1/TCF7": "TCF7", "CX3CR1/GPR13": "CX3CR1", "PD-1/CD279": "PDCD1", "HER2/ErbB2": "ERBB2"}


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_a_slash_between_two_named_antigens_links_both_and_synonyms_stay_one(species):
    _assert_species_links(_LISTED | _SYNONYMS, species)


def test_mouse_slash_lists_read_by_mouse_names():
    """``Ly-6C/Ly-6G`` binds both; ``cd21/cd35`` is one mouse gene (Cr2 makes both) whatever the human rows say."""
    names = {"Ly-6C/Ly-6G": "Ly6c1;Ly6c2;Ly6g", "cd21/cd35": "Cr2", "CD21/CD35": "Cr2", "Ly-6A/Sca-1": "Ly6a"}
    _assert_links(_links(list(names), "mouse"), names)


# two antigens an export joined: one family's names, or two curated antigens of one gene each
_PAIRS = {"Tox{s}Tox2": "TOX;TOX2", "CD11a{s}CD18": "ITGAL;ITGB2", "pMKK3{s}MKK6": "MAP2K3;MAP2K6"}
_PAIRS |= {"IgD{s}IgM": "IGHD;IGHM", "IgM{s}IgD": "IGHM;IGHD"}  # two immunoglobulin classes (three letters each)
_PAIRS |= {"c-PARP{s}c-Casp3": "PARP1;CASP3", "KRT8{s}KRT18": "KRT8;KRT18", "Vimentin{s}Desmin": "VIM;DES"}
# an antigen and what follows it: a clone that is also a gene's symbol, an alias, a word of the antigen's own name
_NOT_PAIRS = {"CD45RO{s}UCHL1": "PTPRC", "CD62P{s}AK4": "SELP", "CD4{s}SK3": "CD4", "CD14{s}Ab": "CD14"}
_NOT_PAIRS |= {"pP38{s}MAPK": "MAPK14", "CD137L{s}4-1BB": "TNFSF9", "CD28{s}CD28.2": "CD28"}
# a CD name beside a protein's symbol in mixed case (Danenberg et al.'s IMC channel "CD31-vWF"); in capitals a
# symbol after an antigen may be its clone (UCHL1, AK4 above), so "Ki67_PCNA" stays Ki-67
_PAIRS |= {"CD31{s}vWF": "PECAM1;VWF", "vWF{s}CD31": "VWF;PECAM1"}
_NOT_PAIRS |= {"Ki67{s}PCNA": "MKI67"}


@pytest.mark.parametrize("separator", _SEPARATORS)
@pytest.mark.parametrize("species", ["human", "mouse"])
def test_two_antigens_joined_by_a_separator_link_both_and_a_clone_or_alias_adds_nothing(species, separator):
    names = {n.format(s=separator): genes for n, genes in (_PAIRS | _NOT_PAIRS).items()}
    _assert_species_links(names, species)


@pytest.mark.parametrize("separator", ["-", "_", ".", " "])
def test_an_antigen_of_two_words_joined_to_another_keeps_its_space(separator):
    """``Granzyme B_Perforin``: the space is the first antigen's own; the export's separator joins the two.

    Spaces alone (``Granzyme B Perforin``) split where both halves are antigens in their own right; a phrase of one
    antigen (``Estrogen Receptor alpha``, ``Mannose Receptor MMR``: an alias after its name) stays one.
    """
    names = {f"Granzyme B{separator}Perforin": "GZMB;PRF1", f"Perforin{separator}Granzyme B": "PRF1;GZMB"}
    names |= {"Estrogen Receptor alpha": "ESR1", "Mannose Receptor MMR": "MRC1", "Progesterone Receptor A": "PGR"}
    _assert_species_links(names, "human")


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_two_names_run_together_link_both_when_the_second_repeats_the_first_ones_letters(species):
    """``K8K18``, ``CD3CD28``; ``S100A9`` is one name (its "A9" repeats no letters of "S100")."""
    names = {"K8K18": "KRT8;KRT18", "CK8CK18": "KRT8;KRT18", "CD3CD28": "CD3D;CD3E;CD3G;CD28", "S100A9": "S100A9"}
    _assert_species_links(names, species)


@pytest.mark.parametrize("separator", ["-", "_", "."])
def test_mouse_family_pairs_joined_by_a_separator_link_both(separator):
    names = {f"LY6C1{separator}LY6C2": "Ly6c1;Ly6c2", f"TCRg{separator}TCRd": "Trgc1;Trgc2;Trgc3;Trgc4;Trdc"}
    names |= {f"Ly6A{separator}Ly6E": "Ly6a"}  # Ly-6A/E: two alleles of Ly6a, curated whole (Ly6e is TSA-1)
    _assert_links(_links(list(names), "mouse"), names)


# a slash name with its alias in brackets, as vendors write them (MGI genes)
_SLASH_ALIAS = {
    "Ly-6G/C (Gr-1)": "Ly6g;Ly6c1;Ly6c2",
    "Ly-6C/G (Gr-1)": "Ly6c1;Ly6c2;Ly6g",
    "CD11b/c (Mac-1)": "Itgam;Itgax",
    "H-2Kb/Db (MHC-I)": "H2-K1;H2-D1",
    "CD11a/18 (LFA-1)": "Itgal;Itgb2",
    "CD16/32 Median": "Fcgr3;Fcgr2b",
    "CD8 b (Ly-3)": "Cd8b1",  # a chain letter, then the alias: never CD8 alpha
    "CD8 a (Ly-2)": "Cd8a",
    "CD62L (L-Selectin)": "Sell",
}


@pytest.mark.parametrize("style", ["-", "_", ".", "snake_case"])
def test_a_flattened_slash_name_before_its_flattened_alias_links_every_antigen(style):
    names = {_sanitised(n, style): genes for n, genes in _SLASH_ALIAS.items()}
    if style == "snake_case":  # "h_2kb_db_mhc_i": the lone "i" is cut as a suffix, and "mhc" is myosin heavy chain
        del names["h_2kb_db_mhc_i"]
    names[_sanitised("141Pr_Ly-6G/C (Gr-1)", style)] = "Ly6g;Ly6c1;Ly6c2"  # a CyTOF channel's description
    _assert_links(_links(list(names), "mouse"), names)


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_a_member_letter_is_no_clones_letter(species):
    """``CD11c:B-LY6`` (BD's clone B-LY6) flattened is CD11c, never CD11c/b; ``Comp`` stays a channel's word."""
    names = {_sanitised("CD11c:B-LY6|ITGAX|AHS0056|pAbO", style): "ITGAX" for style in ["-", "_", ".", "snake_case"]}
    names |= {"CD11c_B_LY6": "ITGAX", "cd28_cd28_2": "CD28"}
    _assert_species_links(names, species)


# "pan" and a family word written short: the pan-antibody of the family, never a word's own gene
_PAN_KERATIN = ["PanK", "Pan-K", "panK", "PanKer", "pan-Ker", "pan_Ker", "Pan-Kera", "PanCyto", "panCyto", "PanKer_AE1"]


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_pan_with_its_family_word_cut_short_is_the_pan_antibody(species):
    """``PanK`` was the kappa light chain (IGKC, the curated "K"); ``panTub`` the gene TUB; ``Pan-Kera`` KERA."""
    names = {n: "KRT8;KRT18;KRT19" for n in _PAN_KERATIN}
    names |= {"PANK1": "PANK1", "PANK": "PANK1", "Pannexin": "PANX1"}  # symbols, and a word that starts with "pan"
    _assert_species_links(names, species)
    families = ["PanCad", "panTub", "pan-Tub", "PanCol", "PanLam"]
    links = _links([*families, "panAct"], species)
    assert (links.loc[families, "status"] == "ambiguous").all(), links.loc[families, ["status", "genes"]]
    assert links.loc[families, "reason"].str.contains("famil").all()
    # a pan name of a family of at most PAN_MEMBERS genes links them all, as pan-Akt does (session 27): six actins
    assert len(links.loc["panAct", "genes"].split(";")) == 6 and "pan antibody" in links.loc["panAct", "reason"]
    assert _links(["Pancreas", "PanIN"], species)["status"].ne("linked").all()


def test_long_names_run_together_link_without_splitting_their_halves_again():
    """MGI's synonyms that write a protein's full name without spaces: a half of a split is never split again.

    Before, each half was split in turn, and a 26-letter name took 28 s to link (the work grew with its length at
    every level); the links are the same.
    """
    names = {
        "ADENOMATOSISPOLYPOSISCOLI": "Apc",
        "ACTIVINRECEPTORLIKEKINASE1": "Acvrl1",
        "A20BINDINGINHIBITOROFNFKBACTIVATION": "Tnip1",
    }
    _assert_links(_links(list(names), "mouse"), names)


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_an_fc_gamma_receptor_without_its_type_names_the_family_and_no_member(species):
    """``FcYr`` (PhenoCycler: γ typed as Y), ``Fc gamma R``: which receptor is not said; numbered ones link."""
    names = ["FcYr", "FcgR", "FcγR", "Fc gamma R", "FcyR", "Fc-gamma-R"]
    links = _links([*names, "FcgRIIb"], species)
    assert (links.loc[names, "status"] == "ambiguous").all(), links.loc[names, ["status", "genes"]]
    assert links.loc[names, "reason"].str.contains("Fc gamma receptors").all()
    assert links.loc["FcgRIIb", "genes"] == ("FCGR2B" if species == "human" else "Fcgr2b")


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_dna_tagged_reagents_are_no_antigen_and_phospho_keeps_its_second_word(species):
    """Antigen-tracking DNA of an "Antibody Capture" reference, an rRNA stain are left out; ``pP38 MAPK`` is p38."""
    dna = ["protected_DNA", "unprotected_DNA", "ps-DNA", "DNA_tag", "18s_RNA"]
    links = _links([*dna, "DNA-PK", "pP38 MAPK", "pp38 MAPK", "CD137L 4-1BB"], species)
    assert (links.loc[dna, "status"] == "not_found").all() and (links.loc[dna, "role"] == "unknown").all()
    fix = str.upper if species == "human" else str.capitalize
    expected = {"DNA-PK": "PRKDC", "pP38 MAPK": "MAPK14", "pp38 MAPK": "MAPK14", "CD137L 4-1BB": "TNFSF9"}
    _assert_links(links, {n: fix(g) for n, g in expected.items()})


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_an_antibodys_own_isotype_after_its_antigen_is_no_isotype_control(species):
    """``CD3e (Armenian Hamster IgG)``: the CD3ε antibody and its host class, as panel lists write them."""
    fix = str.upper if species == "human" else str.capitalize
    names = {"CD3e (Armenian Hamster IgG)": "CD3E", "CD3e_ArmHamIgG": "CD3E", "CD4_Rat_IgG2b": "CD4"}
    _assert_links(_links(list(names), species), {n: fix(g) for n, g in names.items()})
    controls = [
        "Rat IgG2b",
        "IgG1_Rat_k",
        "Armenian Hamster IgG",
        "Mouse IgG1 kappa",
        "CD45 isotype",
        "CD4 Rat IgG2b iso",
    ]
    links = _links(controls, species)
    assert (links.loc[controls, "role"] == "isotype").all(), links.loc[controls, ["status", "role"]]


def test_mouse_antigens_before_their_hosts_class_link():
    names = {"F4/80 (Rat IgG2a)": "Adgre1", "Ly-6G Rat IgG2a": "Ly6g", "NK1.1 (Mouse IgG2a)": "Klrb1c"}
    _assert_links(_links(list(names), "mouse"), names)


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_a_cd_name_is_read_before_its_aliases_and_a_clones_slash_adds_no_cd_number(species):
    """``CD270 (HVEM, TR2)``: TR2 is NR2C1's previous symbol; ``CD11b_M1/70`` is CD11b and its clone, never CD70."""
    names = {"CD270 (HVEM, TR2)": "TNFRSF14", "cd270 (hvem, tr2)": "TNFRSF14", "CD11b_M1/70": "ITGAM"}
    _assert_species_links(names | {"CK8/18": "KRT8;KRT18"}, species)


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_catalogue_spellings_of_pan_phospho_cleaved_and_fc_allele_names(species):
    """Names the held-out list of the session's kinds missed: a pan antibody of one gene's isoforms, pan-Trk,
    Cell Signaling Technology's ``S6 Ribosomal Protein``, ``Phospho-`` before a Greek-lettered name, lamin A, an Fc
    receptor with its allele."""
    names = {
        "pan-Neurofascin": "NFASC",
        "panNeurofascin": "NFASC",
        "pan-Trk": "NTRK1;NTRK2;NTRK3",
        "Pan-Ras": "HRAS;KRAS;NRAS",
        "Phospho-S6 Ribosomal Protein (Ser235/236)": "RPS6",
        "Phospho-IκBα (Ser32)": "NFKBIA",
        "Cleaved Lamin A (Asp230)": "LMNA",
        "Lamin C": "LMNA",
    }
    _assert_species_links(names, species)
    fc = {"FcgRIIB-232I": "FCGR2B" if species == "human" else "Fcgr2b"}
    if species == "human":
        fc |= {"FcgRIIA-131H": "FCGR2A", "FcγRIIIA-158V": "FCGR3A"}
    _assert_links(_links(list(fc), species), fc)
