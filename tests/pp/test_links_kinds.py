"""Issue 18: kinds of panel names the linker must read, each a kind found on panels it was not written from.

Every test links with every approved HGNC symbol (or MGI symbol) in the RNA, the benchmark's setting, so a wrong
gene has every chance to be picked.
"""

from __future__ import annotations

import anndata as ad
import mudata
import numpy as np
import pandas as pd
import pytest

import mufuse
from mufuse._errors import MufuseError
from mufuse._genes import detect_species, hgnc_index, mgi_index


def _link(markers, species="human", **kwargs):
    genes = (
        sorted(set(hgnc_index().approved.values())) if species == "human" else list(dict.fromkeys(mgi_index().symbols))
    )
    rna = ad.AnnData(np.zeros((2, len(genes)), np.float32), var=pd.DataFrame(index=genes))
    prot = ad.AnnData(np.zeros((2, len(markers)), np.float32), var=pd.DataFrame(index=markers))
    mdata = mudata.MuData({"rna": rna, "prot": prot})
    return mufuse.pp.link_features(mdata, **kwargs), mdata


def _check(links, marker, genes):
    row = links.loc[marker]
    if genes:
        assert (row["status"], row["genes"]) == ("linked", genes), row.to_dict()
    else:
        assert row["status"] != "linked", row.to_dict()


@pytest.mark.parametrize(
    ("marker", "genes"),
    [
        # conjugates: the dye after the name (CyCIF antibody names, cytometry)
        ("Ecad-488", "CDH1"),
        ("NCAM-e660", "NCAM1"),
        ("CD3-PE-Cy7", "CD3D;CD3E;CD3G"),
        ("Vimentin-AF647", "VIM"),
        ("TRA-1-60", "PODXL"),  # two digits after a dash belong to the name
        # CyCIF round and channel before the name; a channel with nothing else names no marker
        ("R3.0.4_CY7_CD4", "CD4"),
        ("R1.0.1_CY3", ""),
        # modified forms name their protein
        ("pERK-488", "MAPK3;MAPK1"),  # phospho-ERK, not PERK (EIF2AK3)
        ("phospho-S6", "RPS6"),
        ("p-ERK-488", "MAPK3;MAPK1"),  # with a hyphen too
        ("p-Rb", "RB1"),  # not PRB1 (first of numbered genes)
        ("p-SRC", "SRC"),  # not PSRC1
        ("S6_p", "RPS6"),
        ("cleaved PARP", "PARP1"),
        ("cJUN-488", "JUN"),
        ("pTyr-647", ""),  # a modified residue on every protein
        # a protein's name is the head of its gene's approved name
        ("Mucin-1", "MUC1"),
        ("Fibronectin", "FN1"),
        ("Myosin light chain", ""),  # a family: MYL1, MYL2, ... (never the first alone)
        # a name without its gene's number is the first of the numbered genes, unless HGNC says otherwise
        ("NCAM", "NCAM1"),
        ("Twist", "TWIST1"),
        ("PSMA", "FOLH1"),  # HGNC alias of FOLH1, not PSMA1
        # a CD number without its letter: all lettered designations
        ("CD79", "CD79A;CD79B"),
        # a CD name joined to the protein's name: the genes both agree on
        ("CD79_IgB", "CD79B"),
        ("CD3_epsilon", "CD3E"),
        # lists and mixes
        ("Cytokeratin 5, Cytokeratin 8", "KRT5;KRT8"),
        ("HLA class I and Na-K-ATPase", ""),
        ("sum_PanCK_CD45", ""),
        ("Goat anti-rabbit AF488", ""),  # a secondary antibody
        ("Secondary only", ""),
        ("Nuclei", ""),  # a segmentation channel
        ("CD1d tetramer", ""),  # stains the iNKT TCR, not CD1D
        # a symbol with its Greek letter written out
        ("FAPalpha", "FAP"),
        ("FceRI", "FCER1A"),  # the receptor named without its chain: panels' clones bind the alpha chain
        ("TNF-alpha", "TNF"),
        # one letter elements only at their masses: S100 is a protein, not sulfur-100
        ("anti-S100", "S100B;S100A1"),
        # whole Ig/TCR loci are never linked
        ("TRA-1-81", "PODXL"),
        # no guess on the name before "ligand" or "receptor"
        ("CD137L_4-1BB_Ligand", "TNFSF9"),
    ],
)
def test_name_kinds(marker, genes):
    links, _ = _link([marker])
    _check(links, marker, genes)


@pytest.mark.parametrize(
    ("markers", "genes"),
    [
        # family spellings rewritten to one key
        (
            ["HLA class I", "pan-HLA class I", "HLA-ABC", "MHC-I", "HLA-A,B,C", "HLA-class-1-A-B-C"],
            "HLA-A;HLA-B;HLA-C;B2M",
        ),
        (["HLA class II", "MHC-II"], "HLA-DRA;HLA-DRB1"),
        (["AB_TCR", "TCR_a_or_b", "TCR alpha beta", "abTCR", "TCR-2"], "TRAC;TRBC1;TRBC2"),
        (["gdTCR", "TCR gamma delta", "TCR-1"], "TRDC;TRGC1;TRGC2"),
        (["TCR"], "TRAC;TRBC1;TRBC2;TRDC;TRGC1;TRGC2"),  # no chain named: the constant regions of all
        (["integrin_b7", "Integrin beta 7", "Integrin-7"], "ITGB7"),  # Hao et al.'s Integrin-7 is beta 7
        (["Integrin alpha 4"], "ITGA4"),
        (["CD66"], "CEACAM1;CEACAM3;CEACAM5;CEACAM6"),
        (["IgKappaLight", "Ig_light_chain_k", "AB_Igkappa", "kappa light chain", "IgK"], "IGKC"),
        (["IgLambdaLight", "Ig-Light-Chain-L", "IgL"], "IGLC1;IGLC2;IGLC3;IGLC7"),
        (["TCRa7.2", "TCR Va7.2", "TCRa7-2"], "TRAV1-2"),
        (["TCRa24", "TCRVa24-Jz18"], "TRAV10;TRAJ18"),
        (["GrzB", "GranB", "Granzyme B"], "GZMB"),
        (["COL1", "Collagen I", "Collagen-1"], "COL1A1;COL1A2"),
        (["CycA2", "Cyclin A2"], "CCNA2"),
        (["CycE-660"], "CCNE1"),
        (["ERK1_2", "pERK1_2", "Erk1/2"], "MAPK3;MAPK1"),
        (["CD45RB", "CD45RABC"], "PTPRC"),
        (["HLA-DRDPDQ", "HLA-DR/DP/DQ"], None),  # both the same set
    ],
)
def test_family_spellings_share_one_answer(markers, genes):
    links, _ = _link(markers)
    answers = {links.loc[m, "genes"] for m in markers}
    assert len(answers) == 1, links.loc[markers, ["status", "genes"]]
    assert (links.loc[markers, "status"] == "linked").all()
    if genes is not None:
        assert answers == {genes}


@pytest.mark.parametrize(
    ("marker", "species", "status"),
    [
        ("mCD29", "human", "excluded"),  # a mouse antigen beside human RNA
        ("anti-mouse CD45", "human", "excluded"),
        ("anti-mouse/human CD44", "human", "linked"),  # cross-reactive
        ("anti-mouse/rat CD29", "mouse", "linked"),
        ("anti-human CD4", "mouse", "excluded"),
        ("Hu.CD3", "mouse", "excluded"),
        ("Hu.CD3", "human", "linked"),
        ("Mouse IgG1", "human", "excluded"),  # an isotype control: the host, not the antigen
    ],
)
def test_antibodies_against_the_other_species(marker, species, status):
    links, _ = _link([marker], species=species)
    assert links.loc[marker, "status"] == status, links.loc[marker].to_dict()
    if status == "excluded" and "IgG" not in marker:
        assert "antigen beside" in links.loc[marker, "reason"]


@pytest.mark.parametrize(
    ("marker", "genes"),
    [
        ("F4/80", "Adgre1"),
        ("mF4/80-488", "Adgre1"),  # an "m" before the antigen, a dye after it
        ("NK-1.1", "Klrb1c"),
        ("Ly-6C", "Ly6c1;Ly6c2"),
        ("mLy6C-647", "Ly6c1;Ly6c2"),
        ("Ly-6G", "Ly6g"),
        ("Ly-6A/E", "Ly6a"),
        ("I-A/I-E", "H2-Aa;H2-Ab1;H2-Eb1"),
        ("MHC II", "H2-Aa;H2-Ab1;H2-Eb1"),
        ("TER-119/Erythroid Cells", ""),  # Ly76: no gene of that name in the RNA (gene_absent)
        ("CD24", "Cd24a"),  # human knowledge carried over by HGNC's mouse ortholog
        ("CD23", "Fcer2a"),
        ("CD45.1", "Ptprc"),
        ("CD45.2", "Ptprc"),
        ("CD45R/B220", "Ptprc"),
        ("CD3", "Cd3d;Cd3e;Cd3g"),
        ("CD161", "Klrb1c"),  # of the five Klrb1 orthologs, the one MGI names CD161
        ("CD16/32", "Fcgr3;Fcgr2b"),
        ("Ly-49A", "Klra1"),  # MGI synonym
        ("Siglec-F", "Siglecf"),  # MGI symbol
        ("TTF1", "Nkx2-1"),  # the human curated fact (TTF-1 is NKX2-1) before the MGI symbol Ttf1
        ("mCD3E-FITC", "Cd3e"),
        ("CD301a (MGL1)", "Clec10a"),  # MGI's synonym before a human alias of another protein (MGL1 = LLGL1)
        ("MGL1", "Clec10a"),
        ("CD16", "Fcgr3"),  # MGI's CD16, not Fcgr4 (the ortholog of human FCGR3A)
        ("CD2", "Cd2"),  # an MGI symbol itself: never another gene's synonym (Ccnd2 lists CD2)
        ("TCR", "Trbc1;Trbc2"),  # a mouse panel's bare TCR is H57-597's TCR beta (gamma/delta is named so)
        ("TCR Vβ5.1, 5.2", "Trbv12-2;Trbv12-1"),  # the two V segments (MGI Tcrb-V5.1, V5.2), never the receptor
        ("PIR-A/B", "Pira1;Pira2;Pira6;Pira12;Pira13;Pirb"),  # curated: PIR-A and PIR-B, never pirin (Pir)
        ("Rat IgG2b kappa Isotype", ""),
    ],
)
def test_mouse_panels_link_to_mouse_genes(marker, genes):
    links, mdata = _link([marker], species="mouse")
    _check(links, marker, genes)
    assert mdata.uns["mufuse"]["params"]["link"]["species"] == "mouse"
    if marker.startswith("TER-119"):
        assert links.loc[marker, "status"] == "gene_absent" and "Ly76" in links.loc[marker, "reason"]


def test_species_is_detected_from_the_rna_and_can_be_overridden():
    assert detect_species(["Cd3e", "Cd4", "Ptprc", "mt-Co1", "Gm12345"]) == "mouse"
    assert detect_species(["CD3E", "CD4", "PTPRC", "MT-CO1", "C1orf112"]) == "human"
    assert detect_species(["ENSMUSG00000032093", "ENSMUSG00000023274"]) == "mouse"
    assert detect_species(["mm10___Cd3e", "mm10___Cd4"]) == "mouse"
    # mouse genes given in upper case: the user says which species
    rna = ad.AnnData(np.zeros((2, 3), np.float32), var=pd.DataFrame(index=["ADGRE1", "CD4", "PTPRC"]))
    prot = ad.AnnData(np.zeros((2, 2), np.float32), var=pd.DataFrame(index=["F4/80", "CD4"]))
    mdata = mudata.MuData({"rna": rna, "prot": prot})
    human = mufuse.pp.link_features(mdata)
    assert mdata.uns["mufuse"]["params"]["link"]["species"] == "human"
    assert human.loc["F4/80", "status"] != "linked"
    mouse = mufuse.pp.link_features(mdata, species="mouse")
    assert mouse.loc["F4/80", "genes"] == "ADGRE1"  # Adgre1, as this RNA spells it
    assert mdata.uns["mufuse"]["params"]["link"]["species"] == "mouse"


def test_unknown_species_is_refused_before_anything_changes():
    rna = ad.AnnData(np.zeros((2, 2), np.float32), var=pd.DataFrame(index=["Cd4", "Cd8a"]))
    prot = ad.AnnData(np.zeros((2, 1), np.float32), var=pd.DataFrame(index=["CD4"]))
    mdata = mudata.MuData({"rna": rna, "prot": prot})
    with pytest.raises(MufuseError, match="species='rat' is not one of auto, human, mouse"):
        mufuse.pp.link_features(mdata, species="rat")
    assert "mufuse" not in mdata.uns


def test_a_mouse_mudata_harmonizes_and_round_trips(tmp_path):
    """End to end on mouse gene names: link (species detected), harmonize, write and read the .h5mu."""
    rng = np.random.default_rng(0)
    genes = ["Cd3d", "Cd3e", "Cd3g", "Cd4", "Cd8a", "Cd19", "Adgre1", "Itgam", "Ly6c1", "Ly6c2", "Ptprc", "Klrb1c"]
    genes += [f"Gm{i}" for i in range(200)]
    markers = ["CD3", "CD4", "CD8a", "CD19", "F4/80", "CD11b", "Ly-6C", "CD45.2", "NK-1.1", "Rat IgG2a Isotype"]
    rna = ad.AnnData(rng.poisson(1.0, (300, len(genes))).astype(np.float32), var=pd.DataFrame(index=genes))
    prot = ad.AnnData(rng.poisson(20.0, (300, len(markers))).astype(np.float32), var=pd.DataFrame(index=markers))
    rna.obs_names = [f"r{i}" for i in range(300)]
    prot.obs_names = [f"p{i}" for i in range(300)]
    mdata = mudata.MuData({"rna": rna, "prot": prot})
    mufuse.pp.harmonize(mdata)
    links = mdata.uns["mufuse"]["links"]
    assert mdata.uns["mufuse"]["params"]["link"]["species"] == "mouse"
    assert int((links["status"] == "linked").sum()) == 9
    assert links.loc["F4/80", "genes"] == "Adgre1"
    path = tmp_path / "mouse.h5mu"
    mdata.write(path)
    back = mudata.read_h5mu(path)
    assert back.uns["mufuse"]["params"]["link"]["species"] == "mouse"


def test_a_locus_symbol_in_the_rna_is_never_linked():
    """An RNA that carries the whole-locus symbols (TRA, IGK) still links TCR and Ig names to constant regions."""
    genes = ["TRA", "IGK", "TRAC", "TRBC1", "TRBC2", "IGKC", "CD4"]
    rna = ad.AnnData(np.zeros((2, len(genes)), np.float32), var=pd.DataFrame(index=genes))
    prot = ad.AnnData(np.zeros((2, 3), np.float32), var=pd.DataFrame(index=["TRA", "IgK", "TCRab"]))
    links = mufuse.pp.link_features(mudata.MuData({"rna": rna, "prot": prot}))
    assert links.loc["TRA", "status"] != "linked"
    assert links.loc["IgK", "genes"] == "IGKC"
    assert links.loc["TCRab", "genes"] == "TRAC;TRBC1;TRBC2"


def test_mouse_antigens_beside_upper_case_rna_say_how_to_fix_it():
    """Mouse data with upper-cased symbols reads as human; a panel of mouse antigens then gets a warning and reasons
    that name species='mouse'; with it, the antigens link."""
    genes = ["CD3E", "CD4", "ADGRE1", "LY6C1", "LY6C2", "LY6A", "PTPRC"]
    markers = ["CD4", "F4/80", "Ly-6C", "Ly-6A/E (Sca-1)", "MHCII", "TCR"]
    rna = ad.AnnData(np.ones((3, len(genes)), np.float32), var=pd.DataFrame(index=genes))
    prot = ad.AnnData(np.ones((3, len(markers)), np.float32), var=pd.DataFrame(index=markers))
    mdata = mudata.MuData({"rna": rna, "prot": prot})
    with pytest.warns(UserWarning, match=r"names mouse antigens \(F4/80, Ly-6C, Ly-6A/E \(Sca-1\)\).*species='mouse'"):
        links = mufuse.pp.link_features(mdata)
    assert "pass species='mouse'" in links.loc["F4/80", "reason"]
    assert "species=" not in links.loc["MHCII", "reason"]  # a name human panels use too
    mouse = mufuse.pp.link_features(mdata, species="mouse")
    assert mouse.loc["F4/80", "genes"] == "ADGRE1" and mouse.loc["Ly-6A/E (Sca-1)", "genes"] == "LY6A"
