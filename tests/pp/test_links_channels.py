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
_SLOTS += ["No_Ab", "no stain", "nothing", "dummy", "placeholder"]


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
    unknown = ["GFP_FICT", "tdTom-PE", "eGFP_xyzq", "mCherry-Q7"]
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
