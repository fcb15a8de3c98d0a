"""Issue 31, batches 28-29: what exports and hand-typed panels do to a name, as kinds over their members.

The members come from the export styles that rewrite names (R's ``make.names``: every character that is not a
letter, digit, dot or underscore becomes a dot; Seurat: ``_`` becomes ``-``; spreadsheets and FCS keywords typed by
hand), applied to real panel names. Every approved HGNC or MGI symbol is in the RNA, so a wrong gene has every
chance; a name whose reading is not certain links to nothing.
"""

from __future__ import annotations

import pytest

from mufuse.pp._exclusions import cross_reactive, other_species

from .test_links_issue31 import _assert_links, _links


def _assert_species_links(names: dict[str, str], species: str) -> None:
    """Link the names beside the species' RNA and check each against its HGNC genes, written in mouse case there."""
    fix = str.upper if species == "human" else str.capitalize
    links = _links(list(names), species)
    _assert_links(links, {n: ";".join(fix(g) for g in genes.split(";")) for n, genes in names.items()})


# BioLegend writes a cross-reactive antibody's species as a slash list; exports rewrite the slash
_CROSS = ["anti-human/mouse CD49f", "anti-human/mouse/rat CD278 (ICOS)", "anti-mouse/human CD44"]
_SEPARATORS = ["/", "-", ".", "_", " "]


@pytest.mark.parametrize("separator", _SEPARATORS)
@pytest.mark.parametrize("species", ["human", "mouse"])
def test_a_cross_reactive_antibody_is_either_species_antigen_in_any_separator(species, separator):
    names = [n.replace("/", separator) for n in _CROSS]
    names += [f"TotalSeq.A0070.{names[0].replace(' ', '.').replace('-', '.')}", f"ADT-{names[0].replace(' ', '_')}"]
    links = _links(names, species)
    up = str.upper if species == "human" else str.capitalize
    want = [up("ITGA6"), "ICOS" if species == "human" else "Icos", "CD44" if species == "human" else "Cd44"]
    _assert_links(links, dict(zip(names, [*want, up("ITGA6"), up("ITGA6")], strict=True)))
    assert all(cross_reactive(n) for n in names)


@pytest.mark.parametrize("name", ["mouse_rat_CD29", "mouse-rat-CD29", "mouse.rat.CD29", "rat-CD90-mouse-CD90.1"])
def test_mouse_and_rat_reagents_are_no_rat_reporter(name):
    assert other_species(name, "mouse") is None or "rat antigen" not in other_species(name, "mouse")
    links = _links([name], "mouse")
    assert links.loc[name, "status"] == "linked", links.loc[name].to_dict()


@pytest.mark.parametrize(
    "name",
    ["anti-human CD49f", "anti-human-rat CD29", "PE anti-rat CD2", "rat-CD2 (OX34)", "mouse anti-human IgG Fc"],
)
def test_one_other_species_antigen_still_links_to_nothing(name):
    links = _links([name], "mouse")
    assert links.loc[name, "status"] != "linked", links.loc[name].to_dict()


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_a_decimal_point_typed_as_a_slash_is_the_allotype(species):
    """FCS keywords typed as ``NK1/1`` (NK1.1); a name that names one antigen twice is no combination."""
    links = _links(["NK1/1", "CD45/1", "CD45/2", "CD90/2", "CD4/8", "ERK1/2"], species)
    if species == "mouse":
        _assert_links(
            links,
            {"NK1/1": "Klrb1c", "CD45/1": "Ptprc", "CD45/2": "Ptprc", "CD90/2": "Thy1", "CD4/8": "Cd4;Cd8a"},
        )
    else:  # NK1.1 is a mouse antigen: beside human RNA no gene (never CD160, "NK1" + "NK1")
        assert links.loc["NK1/1", "status"] != "linked"
        _assert_links(links, {"CD4/8": "CD4;CD8A", "ERK1/2": "MAPK3;MAPK1"})


@pytest.mark.parametrize("separator", ["-", ".", "_"])
@pytest.mark.parametrize("species", ["human", "mouse"])
def test_a_list_that_counts_up_is_read_in_any_separator(species, separator):
    lists = {"pSMAD2_3": "SMAD2;SMAD3", "pSMAD1_5_9": "SMAD1;SMAD5;SMAD9", "pSTAT1_3": "STAT1;STAT3"}
    lists |= {"pMEK1_2": "MAP2K1;MAP2K2", "SMAD2_3": "SMAD2;SMAD3"}
    names = {n.replace("_", separator): g for n, g in lists.items()}
    links = _links(list(names), species)
    fix = str.upper if species == "human" else str.capitalize
    expected = {n: ";".join(fix(g) for g in genes.split(";")) for n, genes in names.items()}
    if separator != ".":
        _assert_links(links, expected)
    for name, genes in expected.items():  # "SMAD2.3" may be SMAD2's antibody 3: some of the listed genes, no other
        got = set(links.loc[name, "genes"].split(";"))
        assert links.loc[name, "status"] == "linked" and got <= set(genes.split(";")), (name, got)


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_a_second_antibody_or_a_name_with_a_dash_keeps_its_gene(species):
    keep = {"PD-L1_2": "CD274", "TIM3-4": "HAVCR2", "SOX9-5": "SOX9", "IL-2": "IL2", "Syndecan-1": "SDC1"}
    links = _links(list(keep), species)
    if species == "mouse":
        keep = {n: {"CD274": "Cd274", "HAVCR2": "Havcr2"}.get(g, g.capitalize()) for n, g in keep.items()}
    _assert_links(links, keep)


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_a_greek_letter_in_parentheses_qualifies_the_name(species):
    """``Folate Receptor (beta)`` is FR-β; R writes it ``Folate.Receptor..beta.``; a lone letter is never a gene
    (HGNC's alias "B" is PPIB)."""
    names = {
        "Folate Receptor (beta)": "FOLR2",
        "Folate.Receptor..beta.": "FOLR2",
        "Folate Receptor (alpha)": "FOLR1",
        "PDGFR (alpha)": "PDGFRA",
        "PDGFR (b)": "PDGFRB",
        "Integrin (b7)": "ITGB7",
    }
    links = _links(list(names), species)
    if species == "mouse":
        names = {n: g.capitalize() for n, g in names.items()}
    _assert_links(links, names)
    lone = _links(["(beta)", "CD8 (b)", "Receptor (β)", "beta"], species)
    assert not (lone["genes"].str.contains("PPIB", case=False)).any(), lone


# hand-typed flow panels write the conjugate onto the antigen ("CD45a488", infinityFlow's backbone)
_FUSED = {
    "CD45a488": "Ptprc",
    "CD4PE": "Cd4",
    "CD8aFITC": "Cd8a",
    "CD19PE-Cy7": "Cd19",
    "CD11bBV421": "Itgam",
    "B220PerCP": "Ptprc",
    "Ly6GAF647": "Ly6g",
    "CD44bv605": "Cd44",
    "F480pe": "Adgre1",
    "CD4af488": "Cd4",
}


def test_a_dye_written_onto_the_antigen_is_cut():
    links = _links(list(_FUSED), "mouse")
    _assert_links(links, _FUSED)
    human = _links(["CD45a488", "CD4PE", "CD11bBV421"], "human")
    _assert_links(human, {"CD45a488": "PTPRC", "CD4PE": "CD4", "CD11bBV421": "ITGAM"})


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_names_that_end_like_a_dye_keep_their_letters(species):
    """PECAM, PDGF-BB, Cope end in dye letters but are names; only a known antigen before a dye is cut."""
    links = _links(["PECAM", "PDGF-BB", "CD4e"], species)
    fix = str.upper if species == "human" else str.capitalize
    _assert_links(links, {"PECAM": fix("PECAM1"), "PDGF-BB": fix("PDGFB"), "CD4e": ""})


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_r_parentheses_around_an_alias_whose_letter_was_lost(species):
    """R writes ``CD122 (IL-2R_)`` as ``CD122..IL.2R_.``: CD122 names the chain, the alias cannot (never IL2RA)."""
    names = ["TotalSeq.C0227.anti.mouse.CD122..IL.2R_.", "CD122..IL.2R_.", "CD274..B7.H1..PD.L1."]
    links = _links(names, species)
    fix = str.upper if species == "human" else str.capitalize
    if species == "human":  # the anti-mouse reagent is another species' beside human RNA
        names = names[1:]
    _assert_links(links, dict(zip(names, [fix("IL2RB")] * (len(names) - 1) + [fix("CD274")], strict=True)))


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_a_lower_case_c_before_lower_case_letters_is_no_cleaved_or_cellular_form(species):
    """``cgrp`` is CGRP written lower-case (CALCA), not c- before GRP; ``cJUN``, ``cFos``, ``c-Kit`` keep their c."""
    links = _links(["cgrp", "cJUN", "cFos", "c-Kit", "cCaspase3"], species)
    fix = str.upper if species == "human" else str.capitalize
    expected = {"cgrp": "CALCA", "cJUN": "JUN", "cFos": "FOS", "c-Kit": "KIT", "cCaspase3": "CASP3"}
    expected = {n: fix(g) for n, g in expected.items()}
    if species == "human":  # HGNC gives the alias CGRP to CALCA and S100A12: no gene, never GRP
        expected["cgrp"] = ""
    _assert_links(links, expected)


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_a_clone_or_host_in_parentheses_after_the_alias_is_cut(species):
    """Key resources tables and vendor sheets add the clone or host after the alias: the name and alias still read."""
    names = {
        "VISTA (PD-1H) (MIH63)": "VSIR",
        "Folate Receptor β (FR-β) (clone 10/FR2)": "FOLR2",
        "CD127 (IL-7R_) (A7R34)": "IL7R",
        "CD4 (clone GK1.5)": "CD4",
        "CD137L (4-1BB) (TKS-1)": "TNFSF9",
        "Nur77 (Mouse monoclonal) (12.14)": "NR4A1",
    }
    _assert_species_links(names, species)


# batches 30-31: spatial ADT panels name the species before the antigen without "anti" (a Stereo-CITE-seq thymus
# panel's "Human-CD8" beside its "Mouse-CD31-Pecam"), papers typeset dashes, scripts number hashtags "tag1"
@pytest.mark.parametrize("separator", ["-", "_", " "])
def test_a_species_word_before_the_antigen_names_that_species_antigen(separator):
    human = [f"Human{separator}{a}" for a in ("CD8", "CD3", "CD19", "PD-L1", "IgG")]
    mouse = [f"Mouse{separator}{a}" for a in ("CD31-Pecam", "F480", "CD4")]
    cross = [f"Ms{separator}Hu{separator}CD11b", f"mouse{separator}rat{separator}human{separator}CD27"]
    in_mouse = _links([*human, *mouse, *cross], "mouse")
    assert (in_mouse.loc[human, "status"] == "excluded").all(), in_mouse.loc[human]
    _assert_links(in_mouse, dict(zip([*mouse, *cross], ["Pecam1", "Adgre1", "Cd4", "Itgam", "Cd27"], strict=True)))
    in_human = _links([*human[:3], *mouse, *cross], "human")
    assert (in_human.loc[mouse, "status"] == "excluded").all(), in_human.loc[mouse]
    want = ["CD8A", "CD3D;CD3E;CD3G", "CD19", "ITGAM", "CD27"]
    _assert_links(in_human, dict(zip([*human[:3], *cross], want, strict=True)))


def test_a_mouse_panels_own_igm_and_igd_are_antigens_its_igg_subclasses_isotypes():
    links = _links(["Mouse-IgD", "Mouse IgM", "Mouse-IgG1", "Mouse-IgG2a", "Rat-IgG2b", "Mouse-IgG2b"], "mouse")
    _assert_links(links, {"Mouse-IgD": "Ighd", "Mouse IgM": "Ighm"})
    assert (links.loc[["Mouse-IgG1", "Mouse-IgG2a", "Rat-IgG2b", "Mouse-IgG2b"], "status"] == "excluded").all()
    human = _links(["Mouse-IgD", "Mouse IgM"], "human")  # beside human RNA a mouse Ig is an isotype control
    assert (human["status"] == "excluded").all(), human


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_typeset_dashes_hashtags_beads_and_two_letter_synonyms(species):
    names = ["CD8a–FITC", "PE-conjugated anti–IL-12Rβ1", "tag1", "tag2", "Dynabeads® Biotin Binder", "NK"]
    links = _links(names, species)
    fix = str.upper if species == "human" else str.capitalize
    _assert_links(links, {"CD8a–FITC": fix("CD8A"), "PE-conjugated anti–IL-12Rβ1": fix("IL12RB1"), "NK": ""})
    assert (links.loc[["tag1", "tag2", "Dynabeads® Biotin Binder"], "status"] == "excluded").all(), links
    assert "Gpi1" not in links.loc["NK", "genes"], links.loc["NK"].to_dict()  # never MGI's "NK" of Gpi1


@pytest.mark.parametrize("separator", ["-", "_", "."])
@pytest.mark.parametrize("species", ["human", "mouse"])
def test_lettered_members_flattened_by_any_separator_link_every_member(species, separator):
    """``NKG2A/C/E``, ``Ly-49C/I``, ``IL-17A/F`` with the slash an export rewrote; unknown members link nothing."""
    names = {"NKG2A/C/E": "KLRC1;KLRC2;KLRC3", "IL-17A/F": "IL17A;IL17F"}
    if species == "mouse":
        names = {"NKG2A/C/E": "Klrc1;Klrc2;Klrc3", "IL-17A/F": "Il17a;Il17f", "Ly-49C/I": "Klra3;Klra9"}
    flat = {n.replace("/", separator): g for n, g in names.items()}
    links = _links([*flat, f"NKG2A{separator}Q"], species)
    _assert_links(links, flat)
    assert links.loc[f"NKG2A{separator}Q", "status"] != "linked"  # no member NKG2Q: never a part alone


_POPULATIONS = ["NK", "NKT", "DC", "pDC", "cDC1", "cDC2", "Mono", "Mast", "Treg", "Tfh", "Th1", "Th17", "ILC", "ILC2"]
_POPULATIONS += ["MAIT", "HSC", "LSK", "MPP", "GMP", "CLP", "NK cells", "B cells"]


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_a_cell_populations_name_is_no_antigen(species):
    """Gates, cell-type scores and authors' short labels name cells (MGI's NK is Gpi1, HGNC's cDC2 CDK1, LSK MATK);
    the antigens that mark them, and symbols written as symbols (PDC, phosducin), still link."""
    links = _links([*_POPULATIONS, "NK1.1", "NKp46", "Mac-1", "PDC"], species)
    assert (links.loc[_POPULATIONS, "status"] == "excluded").all(), links.loc[_POPULATIONS, ["status", "genes"]]
    fix = str.upper if species == "human" else str.capitalize
    expected = {"NKp46": fix("NCR1"), "PDC": fix("PDC")} | ({"Mac-1": "Itgam"} if species == "mouse" else {})
    _assert_links(links, expected)


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_a_complex_named_with_one_subunits_letter_is_that_subunit(species):
    """Signalling panels name a subunit by the complex and its Greek letter in any spelling: ``AMPK beta`` is PRKAB1
    and PRKAB2, never the catalytic α subunits ``AMPK`` alone stands for; a complex of other shapes (HIF: ARNT is
    HIF-β, HIF1A/EPAS1 HIF-α) is not read by letter."""
    names = {
        "AMPK beta": "PRKAB1;PRKAB2",
        "AMPK β1": "PRKAB1",
        "AMPKb1": "PRKAB1",
        "AMPK-gamma": "PRKAG1;PRKAG2;PRKAG3",
        "AMPKg": "PRKAG1;PRKAG2;PRKAG3",
        "CaMKII-gamma": "CAMK2G",
        "CK2 beta": "CSNK2B",
        "AMPK": "PRKAA1;PRKAA2",
    }
    _assert_species_links(names, species)
    from mufuse.pp._links import _complex_subunit

    assert _complex_subunit("HIF alpha") is None and _complex_subunit("PKC delta") is None  # not stem + letter


@pytest.mark.parametrize("separator", ["-", "_", "."])
@pytest.mark.parametrize("species", ["human", "mouse"])
def test_a_keratin_pair_flattened_is_the_two_keratins_not_pan_keratin(species, separator):
    names = [f"Cytokeratin 8{separator}18", f"Keratin 8{separator}18"]
    links = _links(names, species)
    fix = str.upper if species == "human" else str.capitalize
    _assert_links(links, dict.fromkeys(names, f"{fix('KRT8')};{fix('KRT18')}"))


@pytest.mark.parametrize("prefix", ["Biotin", "Purified", "Ultra-LEAF", "Hamster", "PE"])
def test_a_word_before_a_tcr_chain_never_makes_it_the_whole_receptor(prefix):
    """``Biotin TCR γ/δ (clone GL3)`` is the γδ TCR (a key resources table's), never TCR β through the bare word
    ``TCR``; biotin is a conjugate like a dye."""
    names = [f"{prefix} TCR γ/δ", f"{prefix} TCR g/d (clone GL3)"]
    links = _links([*names, f"{prefix} TCR β"], "mouse")
    for name in names:
        got = set(links.loc[name, "genes"].split(";"))
        assert links.loc[name, "status"] == "linked" and got <= {"Trdc", "Trgc1", "Trgc2", "Trgc3", "Trgc4"}, name
    _assert_links(links, {f"{prefix} TCR β": "Trbc1;Trbc2"})


@pytest.mark.parametrize(
    "name", ["TotalSeq-C0380 anti-rat CD90/mouse CD90.1", "rat-CD90-mouse-CD90.1", "mouse_rat_CD29"]
)
def test_a_rat_and_mouse_reagent_is_the_mouse_antigen_beside_mouse_rna_and_nothing_beside_human(name):
    assert _links([name], "mouse").loc[name, "status"] == "linked"
    assert _links([name], "human").loc[name, "status"] == "excluded"


def _sanitised(name: str, style: str) -> str:
    """Write every run of spaces, brackets, slashes and colons as one character, as name sanitisers do."""
    import re

    if style == "snake_case":  # R janitor::make_clean_names
        return re.sub(r"[^\w]+", "_", name).strip("_").lower()
    return re.sub(r"[^\w.]+" if style != "." else r"[^\w]+", style, name).strip(style)


_SANITISERS = ["-", "_", ".", "snake_case"]
# vendor names with an alias, a host or a clone in brackets; the alias, a word of it or a host is never the antigen
_BRACKETED = {
    "CD102 (ICAM-2)": "ICAM2",
    "CD120b (TNF-RII)": "TNFRSF1B",
    "CD137L (4-1BB Ligand)": "TNFSF9",
    "CD62L (L-Selectin)": "SELL",
    "CD122 (IL-2Rβ)": "IL2RB",
    "Folate Receptor β (FR-β)": "FOLR2",
    "Cytokeratin 8/18": "KRT8;KRT18",
    "PE anti-human PLZF Antibody (9E12)": "ZBTB16",
    "Anti-human Nur77 (Mouse monoclonal)": "NR4A1",
}


@pytest.mark.parametrize("style", _SANITISERS)
@pytest.mark.parametrize("species", ["human", "mouse"])
def test_a_bracketed_alias_flattened_by_a_sanitiser_is_read_as_the_bracketed_name(species, style):
    names = {_sanitised(n.replace("human", species), style): genes for n, genes in _BRACKETED.items()}
    _assert_species_links(names, species)


@pytest.mark.parametrize("style", _SANITISERS)
def test_mouse_channel_haplotype_and_fc_receptor_names_flattened_by_a_sanitiser(style):
    names = {
        "Comp-PE-A :: Ly108": "Slamf6",  # FlowJo's channel before the stain
        "FJComp-BV421-A :: CD4": "Cd4",
        "MHC Class II (I-Ab)": "H2-Aa;H2-Ab1",  # one haplotype, not all of MHC class II
        "CD16.2 (FcγRIV)": "Fcgr4",  # never CD16 (Fcgr3)
        "CD301a (MGL1)": "Clec10a",
        "Anti-mouse TCR Vβ8.3 (Armenian Hamster monoclonal)": "Trbv13-1",
    }
    if style == "snake_case":  # the decimal point lost too: "vβ8_3" may be Vβ8's third antibody; "cd16_2" is left
        names |= {"Anti-mouse TCR Vβ8.3 (Armenian Hamster monoclonal)": ""}
        del names["CD16.2 (FcγRIV)"]  # (it reads CD16, Fcgr3: the known miss of this style)
    links = _links([_sanitised(n, style) for n in names], "mouse")
    _assert_links(links, {_sanitised(n, style): genes for n, genes in names.items()})


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_a_chain_isoform_or_clone_after_a_cd_name_qualifies_it_and_is_no_alias(species):
    """``CD8-beta`` is CD8's beta chain and ``CD45-RA`` its isoform; ``Ly49-C-F-I-H`` holds no symbol ``CFI``."""
    names = {"CD8-beta": "CD8B", "CD3-epsilon": "CD3E", "CD45-RA": "PTPRC", "CD4-RM4-5": "CD4"}
    links = _links([*names, "Ly49-C-F-I-H", "Ly49_C_F_I_H"], species)
    if species == "mouse":
        names["CD8-beta"] = "Cd8b1"
    _assert_links(links, {n: g if species == "human" else g.capitalize() for n, g in names.items()})
    assert not {"CFI", "Cfi"} & set(links.loc[["Ly49-C-F-I-H", "Ly49_C_F_I_H"], "genes"])


@pytest.mark.parametrize("separator", ["-", "_", "."])
@pytest.mark.parametrize("species", ["human", "mouse"])
def test_a_totalseq_product_number_before_the_antigen_is_no_hashtag(species, separator):
    """BioLegend numbers every TotalSeq product; only the hashtags' numbers name a hashtag with no antigen after."""
    antigens = {"CD45{s}2": "Ptprc", "CD4": "Cd4", "CD8a": "Cd8a"} if species == "mouse" else {"CD4": "CD4"}
    antigens |= {"CD19": "Cd19" if species == "mouse" else "CD19"}
    names = {f"{p}{separator}{a.format(s=separator)}{separator}TotalSeq{p[0]}": g for a, g in antigens.items()
             for p in ("A0157", "B0178", "C0001", "D0114")}  # fmt: skip
    links = _links([*names, "A0251", "B0305", f"C0302{separator}Hashtag2", "A0310"], species)
    _assert_links(links, names)
    assert (links.loc[["A0251", "B0305", f"C0302{separator}Hashtag2", "A0310"], "role"] == "hashtag").all()


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_a_flowjo_table_statistic_of_a_dye_alone_is_a_channel(species):
    """FlowJo's table export ("Spectral BUV 395 Geo.Mean" after R) beside the same statistic of each antigen."""
    dyes = ["Spectral.APC_Geo.Mean", "Spectral.BUV.395_Geo.Mean", "Spectral.PE.Cy7_Geo.Mean", "BV421 rCV"]
    dyes += ["Comp-PE-A Mode", "Unmixed-APC-A_Median", "Spectral.GFP_Geo.Mean"]
    names = {"CD48_Geo.Mean": "CD48", "cKit_Median": "KIT", "CD150 rCV": "SLAMF1"}
    links = _links([*dyes, *names], species)
    assert (links.loc[dyes, "role"] == "channel").all(), links.loc[dyes, ["role", "status", "genes"]]
    _assert_links(links, {n: g if species == "human" else g.capitalize() for n, g in names.items()})


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_a_tcr_named_by_its_two_greek_chains_alone_in_any_spelling(species):
    """Mouse flow panels head the GL3 column ``gd``; beside human RNA ``GD`` stays HGNC's alias of PAEP (glycodelin)."""
    names = dict.fromkeys(["RORyT", "RORγT", "RORgT", "RORyt"], "RORC" if species == "human" else "Rorc")
    if species == "mouse":
        gd = ["gd", "γδ", "GD", "g/d", "gdT", "γδT", "gammadelta", "gamma delta"]
        names |= dict.fromkeys(gd, "Trdc;Trgc1;Trgc2;Trgc3;Trgc4")
    links = _links([*names, "GD2", "Gd155"], species)
    _assert_links(links, names | {"GD2": "", "Gd155": ""})


@pytest.mark.parametrize("species", ["human", "mouse"])
def test_two_member_letters_run_together_link_both_members(species):
    """``Ly6GC_(Pr141Di)`` of a CyTOF panel is Ly-6G/C; a name that is itself a member or symbol stays one."""
    names = {"CD11bc": "ITGAM;ITGAX", "CD11bc_(Nd144Di)": "ITGAM;ITGAX", "CD45RA": "PTPRC", "IL2RA": "IL2RA"}
    if species == "mouse":
        names = {n: ";".join(g.capitalize() for g in genes.split(";")) for n, genes in names.items()}
        names |= {"Ly6GC_(Pr141Di)": "Ly6g;Ly6c1;Ly6c2", "Ly6CG": "Ly6c1;Ly6c2;Ly6g", "Ly6AE": "Ly6a"}
    _assert_links(_links(list(names), species), names)


# a clone duplicate as Seurat's make.unique ("CD14.1"), scanpy's ("CD14-1") or a hand ("CD14_2") writes it, then a
# whole panel case-folded by an export: "cd14.1" was CD141 (THBD), "cd3.1" CD31 (PECAM1), mouse "cd8-1" Cd81
_DUPLICATED = {"CD2": "CD2", "CD3": "CD3D;CD3E;CD3G", "CD4": "CD4", "CD7": "CD7", "CD14": "CD14", "CD19": "CD19"}
_DUPLICATED |= {"CD22": "CD22", "CD24": "CD24", "CD27": "CD27", "CD28": "CD28", "CD33": "CD33", "CD36": "CD36"}


@pytest.mark.parametrize("case", [str.lower, str.upper, str.capitalize])
@pytest.mark.parametrize("suffix", [".1", "-1", "_2", ".2"])
@pytest.mark.parametrize("species", ["human", "mouse"])
def test_a_clone_duplicate_in_any_case_is_its_cd_antigen(species, suffix, case):
    names = {case(cd + suffix): genes for cd, genes in _DUPLICATED.items()}
    if species == "mouse":  # mouse CD3 is the complex too; CD8 written "cd8-1" is CD8, never Cd81
        names[case("CD8" + suffix)] = "CD8A"
        names[case("CD24" + suffix)] = "CD24A"  # MGI's Cd24a
    _assert_species_links(names, species)
