"""Issue 31, session 27: the kinds the mouse files of batches 64-68 showed, each over its members.

Scatter and detector parameters as instruments other than BD's write them (``FSCa``, Beckman Coulter's ``FS INT``,
Guava's ``FSC-HLin``: they were used as markers); "Annexin" alone or with a gate's sign (``Annexin-``: the Annexin V
stain, it was used as a marker); an "m" before a mouse antigen written as its MGI synonym (``mLy49C``, ``mClm5``,
``mMac1``: it was not found, or PTEN's old name MMAC1); a clone duplicate of a whole panel case-folded (``cd14.1``: it
was CD141). Every approved HGNC or MGI symbol is in the RNA, so a wrong gene has every chance.
"""

from __future__ import annotations

import pytest

from mufuse._genes import hgnc_index

from .test_links_exports import _assert_species_links
from .test_links_issue31 import _assert_links, _links

_SPECIES = ["human", "mouse"]

# the scatter parameters by instrument (FCS $PnN as each writes it)
_SCATTER = {
    "BD, glued or case-folded": ["FSCa", "FSCA", "fsch", "SSCw", "SSCH", "FSC_A", "fsc.w"],
    "Cytek Aurora, CytoFLEX": ["SSC-B-A", "SSC-B-H", "Violet SSC-A", "VSSC-A", "SSC1-A", "FSC2-H"],
    "Beckman Coulter Navios/Gallios": [
        "FS INT",
        "SS INT",
        "FS PEAK",
        "FS TOF",
        "FS Lin",
        "SS Log",
        "FL1 INT",
        "FL3 LOG",
    ],
    "Guava easyCyte": ["FSC-HLin", "SSC-HLog", "GRN-B-HLin", "YEL-B-HLog", "RED-R-HLin"],
    "back scatter": ["BSC-A", "BSC-H"],
}


@pytest.mark.parametrize("instrument", list(_SCATTER))
@pytest.mark.parametrize("species", _SPECIES)
def test_scatter_and_detector_parameters_of_every_instrument_are_channels(species, instrument):
    names = _SCATTER[instrument]
    links = _links(names, species)
    assert (links.loc[names, "role"] == "channel").all(), links.loc[names, ["status", "role", "reason"]]
    assert (links.loc[names, "genes"] == "").all()


@pytest.mark.parametrize("species", _SPECIES)
def test_gene_symbols_that_start_like_scatter_stay_genes(species):
    """``FS`` and ``SS`` alone are aliases (not channels); ``FSCN1``, ``SSC5D``, ``FLT3`` are genes."""
    genes = {"FSCN1": "FSCN1", "SSC5D": "SSC5D", "FLT3": "FLT3", "FSTL1": "FSTL1"}
    _assert_species_links(genes, species)
    links = _links(["FS", "SS"], species)
    assert (links.loc[["FS", "SS"], "role"] != "channel").all()


_ANNEXIN_STAIN = [
    "Annexin",
    "Annexin-",
    "Annexin+",
    "Annexin-PE",
    "Annexin_FITC",
    "Annexin APC",
    "AnnexinV",
    "Annexin V",
]


@pytest.mark.parametrize("species", _SPECIES)
def test_annexin_alone_is_the_annexin_v_stain_and_a_member_is_its_gene(species):
    links = _links(_ANNEXIN_STAIN, species)
    assert (links.loc[_ANNEXIN_STAIN, "status"] == "excluded").all(), links.loc[_ANNEXIN_STAIN, ["status", "reason"]]
    assert (links.loc[_ANNEXIN_STAIN, "role"] == "stain").all()
    members = {"Annexin A1": "ANXA1", "AnnexinA2": "ANXA2", "annexin_a2": "ANXA2", "Annexin-A5": "ANXA5"}
    _assert_species_links(members, species)


def test_an_m_before_a_mouse_antigen_written_as_its_mgi_synonym_is_that_antigen():
    """ImmPort's mouse vocabulary writes ``m`` + the antigen; where the rest is one gene's MGI synonym, that gene
    (``mMac1`` is Mac-1, never PTEN's old name MMAC1); two genes' synonym (``mClm1``) or a known whole stay."""
    names = {"mLy49C": "Klra3", "mClm5": "Cd300ld", "mClm3": "Cd300ld3", "mMac1": "Itgam", "mCD8A": "Cd8a"}
    names |= {"mIL7R": "Il7r", "mLy6G": "Ly6g", "mPD_1": "Pdcd1"}
    links = _links([*names, "mClm1", "mMCP-1"], "mouse")
    _assert_links(links, names)
    assert links.loc["mClm1", "status"] != "linked" and links.loc["mMCP-1", "genes"] != "Ccl2"


def test_an_mhc_class_written_as_a_number_before_its_loci_is_those_loci():
    """OMIP tables write ``MHC class 2 I‐A/I‐E`` (a Unicode hyphen): the I-A/I-E antibody, as ``MHC class II``."""
    names = ["MHC class 2 I‐A/I‐E", "MHC class 2 I-A/I-E", "MHC-2 I-A/I-E", "MHC_class_2_I-A_I-E"]
    links = _links([*names, "MHC class II I-A/I-E", "MHC class 2 I-A"], "mouse")
    want = links.loc["MHC class II I-A/I-E", "genes"]
    assert "H2-Ab1" in want and "H2-Eb1" in want
    assert (links.loc[names, "genes"] == want).all(), links.loc[names, ["genes", "reason"]]
    assert links.loc["MHC class 2 I-A", "genes"] == "H2-Aa;H2-Ab1"


# receptors whose ligand panels name as "<receptor> Ligand", and the ligand's genes (HGNC)
_LIGANDS = {"CD40": "CD40LG", "CD30": "TNFSF8", "CD27": "CD70", "OX40": "TNFSF4", "ICOS": "ICOSLG", "RANK": "TNFSF11"}
_LIGANDS |= {"GITR": "TNFSF18", "4-1BB": "TNFSF9", "Fas": "FASLG"}
_NO_LIGAND_READ = ["CD95", "CD2", "CD28", "NKG2D", "PD-1", "Notch", "CD226"]  # no one ligand, or none written so


@pytest.mark.parametrize("sep", [" ", "-", "_", ""])
@pytest.mark.parametrize("species", _SPECIES)
def test_a_receptors_ligand_is_the_ligand_never_the_receptor(species, sep):
    """``CD40 Ligand`` was read as ``CD40 (Ligand)``, CD40 itself; ``CD30_Ligand`` CD30: the ligand or nothing."""
    mouse = {"ICOSLG": "Icosl", "FASLG": "Fasl"}  # MGI's symbols where they are not HGNC's in mouse case
    names = {f"{x}{sep}Ligand": gene for x, gene in _LIGANDS.items()}
    if species == "mouse":
        _assert_links(_links(list(names), species), {n: mouse.get(g, g.capitalize()) for n, g in names.items()})
    else:
        _assert_species_links(names, species)
    others = [f"{x}{sep}Ligand" for x in _NO_LIGAND_READ]
    links = _links([*others, *_NO_LIGAND_READ], species)
    for x, name in zip(_NO_LIGAND_READ, others, strict=True):
        receptor = set(links.loc[x, "genes"].split(";")) - {""}
        assert not receptor & set(links.loc[name, "genes"].split(";")), links.loc[name, ["genes", "reason"]]


@pytest.mark.parametrize("species", _SPECIES)
def test_a_receptor_named_by_its_ligand_links_through_the_r_form(species):
    """``G-CSF Receptor`` is G-CSFR (CSF3R), ``SCF Receptor`` SCFR (KIT); ``CD40 Receptor`` is CD40 itself."""
    names = {"G-CSF Receptor": "CSF3R", "SCF Receptor": "KIT", "CD40 Receptor": "CD40"}
    names |= {"M-CSF Receptor": "CSF1R"} if species == "mouse" else {}  # MGI's synonym M-CSFR; HGNC has none
    _assert_species_links(names, species)


def test_hgnc_names_that_start_with_cl_are_not_read_as_cleaved_forms():
    """``cl`` glued before a capital is "cleaved" (``clCasp3``); a name HGNC has as written is that name: ``Clever-1``
    was TMC6 (its old symbol EVER1), ``CLC3`` C3. Every approved symbol and one-gene alias starting with CL."""
    hgnc = hgnc_index()
    names = {sym: sym for key, sym in hgnc.approved.items() if key.startswith("CL") and len(key) > 3}
    names |= {
        key: genes[0]
        for key, genes in hgnc.alias.items()
        if key.startswith("CL") and len(genes) == 1 and key not in hgnc.approved and key not in hgnc.previous
    }
    names |= {"Clever-1": "STAB1", "clCasp3": "CASP3", "CLCASP3": "CASP3", "cl-PARP": "PARP1", "CLPARP": "PARP1"}
    _assert_links(_links(list(names), "human"), names)


@pytest.mark.parametrize("word", [" and ", " & ", " AND "])
def test_one_antibodys_targets_joined_by_a_word_are_that_antibody_and_a_mix_stays_a_mix(word):
    """``CD16 and CD32`` is 2.4G2 (CD16/32), ``Ly6G and Ly6C`` Gr-1; ``CD45 and CD31`` stays several antibodies."""
    one = {f"CD16{word}CD32": "Fcgr3;Fcgr2b", f"Ly6G{word}Ly6C": "Ly6g;Ly6c1;Ly6c2"}
    mixes = [f"CD45{word}CD31", f"CD45{word}E-cadherin", f"HLA class I{word}Na-K-ATPase"]
    links = _links([*one, *mixes], "mouse")
    _assert_links(links, one)
    assert (links.loc[mixes, "status"] == "excluded").all(), links.loc[mixes, ["status", "reason"]]


@pytest.mark.parametrize("species", _SPECIES)
def test_greek_chain_names_written_in_latin_letters(species):
    """``Ig alpha``/``Igα`` is CD79a (never IgA), ``Ig beta`` CD79b; an integrin's αV glued to its β (``avb3``)."""
    names = {"Ig alpha": "CD79A", "Ig-alpha": "CD79A", "Igα": "CD79A", "Ig beta": "CD79B", "Igβ": "CD79B"}
    names |= {"Integrin avb3": "ITGAV;ITGB3", "integrin_aVb5": "ITGAV;ITGB5", "ITGavb6": "ITGAV;ITGB6"}
    names |= {"Integrin aLb2": "ITGAL;ITGB2", "Integrin aIIbb3": "ITGA2B;ITGB3"}
    _assert_species_links(names, species)
    links = _links(["IgA"], species)
    assert "CD79" not in links.loc["IgA", "genes"]


def test_a_long_name_with_another_genes_symbol_in_brackets_is_the_long_names_gene():
    """``Mast Cell Function-associated Antigen (MAFA)`` is KLRG1 (MAFA alone is the transcription factor's symbol);
    ``CD3 (CD3E)`` keeps the subunit its bracket names."""
    names = {"Mast Cell Function-associated Antigen (MAFA)": "KLRG1", "MAFA": "MAFA", "CD3 (CD3E)": "CD3E"}
    _assert_links(_links(list(names), "human"), names)


def test_a_cadmium_lookalike_is_a_cd_antigen_unless_the_panel_has_metal_channels():
    """``Cd110``-``Cd116``, ``Cd106``: MGI's case of CD110 (MPL) etc.; beside ``Ir191``, a metal tag or a mass
    cytometer's ``Event_length``, cadmium's isotopes."""
    names = {"Cd106": "Vcam1", "Cd110": "Mpl", "Cd111": "Nectin1", "Cd114": "Csf3r", "Cd116": "Csf2ra"}
    _assert_links(_links([*names, "Cd4"], "mouse"), names)
    for other in ["Ir191", "141Pr_CD4", "CD8(Gd155)Di", "Event_length"]:
        links = _links([*names, other], "mouse")
        assert (links.loc[list(names), "role"] == "channel").all(), (other, links.loc[list(names), "reason"])


@pytest.mark.parametrize("species", _SPECIES)
def test_a_pan_name_of_a_small_family_links_every_member_and_a_bare_family_word_none(species):
    """``pan-Actin`` binds the six actins; ``Actin`` alone, ``pan-Laminin`` (12 chains) name no gene set."""
    up = str.upper if species == "human" else str.capitalize
    actins = ";".join(up(g) for g in ["ACTA1", "ACTA2", "ACTB", "ACTC1", "ACTG1", "ACTG2"])
    links = _links(["pan-Actin", "PanActin", "Actin", "pan-Laminin"], species)
    assert links.loc["pan-Actin", "genes"] == links.loc["PanActin", "genes"] == actins
    assert (links.loc[["Actin", "pan-Laminin"], "status"] == "ambiguous").all()


@pytest.mark.parametrize("sep", ["/", "-", "_", ".", " "])
def test_fc_gamma_receptors_ii_and_iii_with_the_slash_flattened(sep):
    """``FcgRIII-II``, ``Fc gamma RII_III``: the 2.4G2-style antibody to both, in any separator and order."""
    names = {f"FcgRIII{sep}II": "Fcgr3;Fcgr2b", f"FcyRII{sep}III": "Fcgr2b;Fcgr3", f"FcgRIIb{sep}III": "Fcgr2b;Fcgr3"}
    links = _links(list(names), "mouse")
    for name, genes in names.items():
        assert set(links.loc[name, "genes"].split(";")) == set(genes.split(";")), links.loc[name, "reason"]


@pytest.mark.parametrize("species", _SPECIES)
def test_protein_names_in_the_words_of_hgnc_approved_names_in_another_order(species):
    """``Cardiac Actin`` is ACTC1, ``Skeletal Muscle Actin`` ACTA1 (its initials SMA are smooth muscle actin's); a
    curated name inside the words reads first."""
    names = {"Cardiac Actin": "ACTC1", "Skeletal Muscle Actin": "ACTA1", "Smooth Muscle Actin": "ACTA2"}
    names |= {"Lymphatic Vessel Endothelial Receptor": "LYVE1", "Sarcomeric Actin": "ACTA1;ACTC1"}
    names |= {"Estrogen Receptor alpha": "ESR1"}  # its curated row, not ESRRA's "estrogen related receptor alpha"
    names |= {"EGFR signaling": "EGFR"}  # a symbol among the words is that gene's (EPS8's name holds both words)
    _assert_species_links(names, species)


def test_an_allele_with_its_class_word_before_or_after_is_that_locus_only():
    """``MHC class I H-2Kb`` (an OMIP table's spelling) linked H2-K1 and H2-D1; ``H-2Kb MHC class I`` was read as a
    peptide-MHC complex ("MHC" as a peptide's three letters). Each is the one locus its allele names."""
    names = {"MHC class I H‐2Kb": "H2-K1", "MHC-I H-2Kb": "H2-K1", "MHC class I H-2Db": "H2-D1", "MHC I H-2Kd": "H2-K1"}
    names |= {"H-2Kb MHC class I": "H2-K1", "H-2Db MHC-I": "H2-D1", "H-2Kb (MHC class I)": "H2-K1"}
    links = _links([*names, "H-2Kb_OVA", "H2Db-GP33"], "mouse")
    _assert_links(links, names)
    assert (links.loc[["H-2Kb_OVA", "H2Db-GP33"], "status"] == "excluded").all()


@pytest.mark.parametrize("species", _SPECIES)
def test_a_protein_named_by_its_approved_names_first_words_and_number(species):
    """``Jagged-1`` is "jagged canonical Notch ligand 1" (JAG1), ``Delta-like 4`` DLL4; ``Delta-like 1`` names DLL1
    and DLK1 ("delta like non-canonical Notch ligand 1"): nothing. A lineage alone (``Erythroid``: MGI's synonym of
    Spta1) is no antigen."""
    names = {"Jagged-1": "JAG1", "Jagged 2": "JAG2", "Delta-like 4": "DLL4", "Delta-like ligand 4": "DLL4"}
    _assert_species_links(names, species)
    links = _links(["Delta like 1", "Erythroid", "Erythroid cells"], species)
    assert (links["status"] != "linked").all(), links[["status", "genes"]]
