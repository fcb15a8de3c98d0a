"""Issue 31, session 26: the kinds the mouse files of batches 54-56 showed, each over its members in both species.

A detector's look-alike that is an antigen (``B7-1``, ``B7.2_PE``, ``B72``: CD80 and CD86, never a cytometer's
detector ``B7-A``); an image-analysis column with the antigen before its compartment (QuPath 0.3 on: ``CD4: Cytoplasm:
Mean``); a name and its alias joined by "aka" (InfinityFlow's LEGENDScreen names: ``PD_1H_aka_VISTA_1``); a panel's
free slot (``not used``, ``no antibody``: it linked Nos1); a fluorescent reporter beside a word no rule knows
(``GFP_FICT``); a dye between the antigen and its clone (``mF4/80-AF488 (clone BM8)``: it linked Fgf16). Every approved
HGNC or MGI symbol is in the RNA, so a wrong gene has every chance.
"""

from __future__ import annotations

import pytest

from .test_links_exports import _assert_species_links
from .test_links_issue31 import _links

_SPECIES = ["human", "mouse"]


@pytest.mark.parametrize("species", _SPECIES)
def test_b7_names_are_antigens_and_detectors_stay_channels(species):
    """``B7-1``/``B7-2`` and their dotted, glued and dyed forms are CD80/CD86; detectors by number stay channels."""
    names = {
        f"B7{s}{n}{dye}": gene for s in ["-", "."] for n, gene in [("1", "CD80"), ("2", "CD86")] for dye in ["", "_PE"]
    }
    names |= {"B72": "CD86", "B71": "CD80", "B7-H3": "CD276", "B7-2 FITC": "CD86"}
    _assert_species_links(names, species)
    detectors = ["B7-A", "Comp-B7-A", "B7-A-1", "UV7-A", "YG10-A", "FL1-H", "B2 Mean"]
    links = _links(detectors, species)
    assert (links.loc[detectors, "role"] == "channel").all(), links.loc[detectors, ["status", "role"]]


@pytest.mark.parametrize("compartment", ["Cell", "Nucleus", "Cytoplasm", "Membrane"])
@pytest.mark.parametrize("species", _SPECIES)
def test_the_antigen_before_its_compartment_and_statistic_is_read(species, compartment):
    """QuPath 0.3 on writes ``CD4: Cytoplasm: Mean``; the older ``Cytoplasm: CD4: Mean`` reads as before."""
    names = {f"B72: {compartment}: Mean": "CD86", f"CD4: {compartment}: Median": "CD4"}
    names |= {f"{compartment}: Ki67: Mean": "MKI67", f"Smoothed: 25 µm: {compartment}: CD20: Mean": "MS4A1"}
    _assert_species_links(names, species)


@pytest.mark.parametrize("aka", ["_aka_", " aka ", "-aka-", " a.k.a. ", " also known as "])
@pytest.mark.parametrize("species", _SPECIES)
def test_a_name_and_its_alias_joined_by_aka_link_the_antigen(species, aka):
    """InfinityFlow's LEGENDScreen names: ``PD_1H_aka_VISTA_1``, ``CD31_aka_PECAM_1``, ``MERTK_aka_Mer``."""
    names = {f"PD_1H{aka}VISTA_1": "VSIR", f"CD31{aka}PECAM_1": "PECAM1", f"MERTK{aka}Mer": "MERTK"}
    names |= {f"CD93{aka}AA4_1_early_B_lineage": "CD93", f"Tim-4{aka}TIMD4": "TIMD4"}
    _assert_species_links(names, species)


_SLOTS = ["not used", "Not_used", "notused", "NOT-USED", "free", "Free 2", "spare", "unassigned_2", "no antibody"]
_SLOTS += ["No_Ab", "no stain", "nothing", "dummy", "placeholder", "TBD", "open", "Open 3"]


@pytest.mark.parametrize("species", _SPECIES)
def test_a_panels_free_slot_links_nothing_and_is_not_used(species):
    """A sheet's unused channel is no antigen (``no antibody`` linked Nos1 through MGI's synonym "no")."""
    links = _links(_SLOTS, species)
    assert (links.loc[_SLOTS, "status"] == "excluded").all(), links.loc[_SLOTS, ["status", "genes"]]
    # look-alikes that are antigens
    _assert_species_links({"NOS1": "NOS1", "FREM1": "FREM1", "Notch1": "NOTCH1"}, species)


@pytest.mark.parametrize("species", _SPECIES)
def test_a_reporter_beside_an_unknown_word_is_left_out_and_beside_its_gene_links_it(species):
    """``GFP_FICT`` (a misspelt FITC), ``tdTom-PE``: the reporter's signal, no antigen; ``Foxp3-GFP`` reports Foxp3."""
    unknown = ["GFP_FICT", "tdTom-PE", "eGFP_xyzq", "mCherry-Q7", "ZsGreen1", "iRFP670", "mScarlet-I", "DsRed-Express2"]
    links = _links(unknown, species)
    rows = links.loc[unknown]
    used = rows[(rows["status"] == "linked") | ((rows["status"] == "not_found") & (rows["role"] == "marker"))]
    assert used.empty, used[["status", "role", "genes"]]
    _assert_species_links({"Foxp3-GFP": "FOXP3", "Foxp3_RFP": "FOXP3", "GFAP": "GFAP"}, species)


@pytest.mark.parametrize("dye", ["-488", "-AF488", "_PE", " APC", "-BV421"])
@pytest.mark.parametrize("clone", [" (clone 93)", " (93)", "_(clone 93)"])
def test_a_dye_between_the_antigen_and_its_clone_is_cut(dye, clone):
    """``mF4/80-AF488 (clone BM8)`` linked Fgf16 ("mF4" is FGF16's previous symbol); ``CD16/32-PE (93)`` Fcgr3 only."""
    names = {f"mF4/80{dye}{clone}": "Adgre1", f"CD16/32{dye}{clone}": "Fcgr3;Fcgr2b", f"CD4{dye}{clone}": "Cd4"}
    links = _links(list(names), "mouse")
    got = {n: links.loc[n, "genes"] for n in names}
    assert got == names, got


@pytest.mark.parametrize("code", ["%2F", "%2f", ",2f,", ",2F,"])
@pytest.mark.parametrize("species", _SPECIES)
def test_a_slash_written_as_hex_reads_as_the_slash(species, code):
    """Percent-encoding (RFC 3986) and BD FACSDiva's file names write "/" as hex (IMPC's ``CD21,2f,35``)."""
    names = {f"CD21{code}35": "CR2;CR1", f"CD11b{code}c": "ITGAM;ITGAX"}
    if species == "mouse":
        names = {f"CD21{code}35": "Cr2", f"CD16{code}32": "Fcgr3;Fcgr2b", f"I-A{code}I-E": "H2-Aa;H2-Ab1;H2-Eb1"}
    links = _links(list(names), species)
    assert {n: links.loc[n, "genes"] for n in names} == names


def test_letters_and_digits_written_as_hex_are_not_decoded():
    """Only punctuation is read from a code: ``CD4%34`` stays as written (0x34 is "4": it is no CD44)."""
    links = _links(["CD4%34", "CD8%2E1"], "human")
    assert links.loc["CD4%34", "clean_name"] == "CD4%34" and links.loc["CD4%34", "genes"] != "CD44"
    assert links.loc["CD8%2E1", "clean_name"] == "CD8.1"


@pytest.mark.parametrize("species", _SPECIES)
def test_a_greek_letter_percent_encoded_as_utf8_is_read(species):
    """``IFN-%CE%B3`` is IFN-γ, ``TCR%CE%B3%CE%B4`` TCR γδ (a URL's or a file name's percent-encoding of UTF-8)."""
    if species == "human":
        names = {"IFN-%CE%B3": "IFNG", "HIF-1%CE%B1": "HIF1A", "TCR%CE%B3%CE%B4": "TRDC;TRGC1;TRGC2"}
    else:
        names = {"IFN-%CE%B3": "Ifng", "HIF-1%CE%B1": "Hif1a", "CD8%CE%B2": "Cd8b1"}
    links = _links(list(names), species)
    assert {n: links.loc[n, "genes"] for n in names} == names


def test_a_dye_then_a_clone_without_brackets_is_cut_and_a_rounds_dye_and_antigen_are_kept():
    """``I-A/I-E_AF700_M5/114.15.2``, ``CD4_BV421_RM4-5``; a CyCIF ``R2.0.4_FITC_B220`` and a vendor's
    ``anti-mouse PECy7 CD16-32`` keep their antigen after the dye."""
    names = {"I-A/I-E_AF700_M5/114.15.2": "H2-Aa;H2-Ab1;H2-Eb1", "CD4_BV421_RM4-5": "Cd4", "CD45 APC 30-F11": "Ptprc"}
    names |= {
        "H-2Kb/H-2Db PE 28-8-6": "H2-K1;H2-D1",
        "R2.0.4_FITC_B220": "Ptprc",
        "anti-mouse PECy7 CD16-32": "Fcgr3;Fcgr2b",
    }
    names |= {"151Eu_PECy5-5 CD3e": "Cd3e", "Ly-6G FITC 1A8": "Ly6g"}
    links = _links(list(names), "mouse")
    assert {n: links.loc[n, "genes"] for n in names} == names


def test_a_human_v_segment_named_without_its_receptor_links_as_with_it():
    """``Va7.2`` and ``Vα7.2`` are TCR Vα7.2 (TRAV1-2, MAIT cells), as the curated ``TCR Va7.2``; ``VA2`` stays."""
    links = _links(["Va7.2", "Vα7.2", "TCR Va7.2", "VA2"], "human")
    assert set(links.loc[["Va7.2", "Vα7.2", "TCR Va7.2"], "genes"]) == {"TRAV1-2"}
    assert links.loc["VA2", "genes"] != "TRAV1-2"


def test_two_mouse_antigens_named_by_coded_synonyms_link_both_and_a_word_synonym_adds_nothing():
    """``Ly65/Mac1``: MGI's Ly65 (Bst1) and Mac1 (Itgam), two antibodies in one channel; ``Erythroid`` (an MGI
    synonym of Spta1) in ``TER-119/Erythroid Cells`` names cells, no antigen."""
    names = {"Ly65/Mac1": "Bst1;Itgam", "Ly6G/Mac1": "Ly6g;Itgam", "Ly-6A/Sca-1": "Ly6a", "CD11b/Mac-1": "Itgam"}
    links = _links([*names, "TER-119/Erythroid Cells"], "mouse")
    assert {n: links.loc[n, "genes"] for n in names} == names
    assert "Spta1" not in links.loc["TER-119/Erythroid Cells", "genes"]


def test_an_mgi_symbol_written_with_its_hyphen_is_the_mouse_gene_never_the_human_symbol_of_its_letters():
    """``I-A-I-E_H2-Ab1`` (a name with the vendor's gene field, as BD's flattened AbSeq names and Stereo-CITE-seq
    maps write it) linked H2ab1, the mouse histone whose human ortholog H2AB1 its letters spell."""
    names = {"I-A-I-E_H2-Ab1": "H2-Ab1", "I-A-I-E-H2-Ab1": "H2-Ab1", "mouse_I-A-I-E_H2-Ab1": "H2-Ab1"}
    names |= {"I-A_I-E-H2-Aa": "H2-Aa", "H2-T23_Qa-1b": "H2-T23", "Mouse-CD31-Pecam": "Pecam1"}
    links = _links(list(names), "mouse")
    assert {n: links.loc[n, "genes"] for n in names} == names
