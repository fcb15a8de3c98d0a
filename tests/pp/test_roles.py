"""Every column has a role: kinds of non-marker columns from the public tools that write them, never matched.

Each kind is tested over many spellings from several sources (the column names the tools write; the sources are in
docs/guide/link.md), not over one example: positions, shapes, identifiers, cytometry channels, technical rows,
isotype controls, hashtags, stains, dyes and elements, typos of the rules' keywords, unknown names; the RNA's
feature types; antigens read from a var column; the user's include/exclude.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import anndata as ad
import mudata
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

import mufuse
from conftest import assert_unchanged, snapshot
from mufuse._genes import hgnc_index, mgi_index, rna_roles
from mufuse.pp._names import strip_measurement
from mufuse.pp._roles import antigen_like, vocabulary_role


@pytest.fixture(scope="module")
def all_genes() -> list[str]:
    return sorted(set(hgnc_index().approved.values()))


def _link(names, genes, var=None, **kwargs) -> pd.DataFrame:
    var = pd.DataFrame(index=list(names)) if var is None else var
    m = mudata.MuData(
        {
            "rna": ad.AnnData(np.zeros((2, len(genes)), np.float32), var=pd.DataFrame(index=genes)),
            "prot": ad.AnnData(np.zeros((2, len(var)), np.float32), var=var),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mufuse.pp.link_features(m, **kwargs)


# column names as the tools write them (MCMICRO quantification, CellProfiler, ark-analysis, QuPath, HALO, inForm,
# CosMx, Xenium, MERSCOPE, steinbock, scimap, FCS files), with the role each must get
NON_MARKERS = {
    "position": [
        "X_centroid", "Y_centroid", "x_centroid", "Location_Center_X", "Location_Center_Y", "AreaShape_Center_X",
        "Centroid X µm", "Centroid Y µm", "centroid-0", "centroid-1", "Cell X Position", "Cell Y Position",
        "CenterX_local_px", "CenterY_global_px", "center_x", "center_y", "min_x", "max_y", "XMin", "YMax", "x", "y",
        "Z", "X_position", "spatial_x", "global_y", "Xcentroid",
    ],
    "morphology": [
        "Area", "MajorAxisLength", "MinorAxisLength", "Eccentricity", "Solidity", "Extent", "Orientation",
        "AreaShape_Area", "AreaShape_Perimeter", "AreaShape_FormFactor", "AreaShape_Compactness", "cell_size",
        "area", "perimeter", "major_axis_length", "minor_axis_length", "convex_area", "equivalent_diameter",
        "major_minor_axis_ratio", "perim_square_over_area", "num_concavities", "nc_ratio", "Nucleus: Area µm^2",
        "Nucleus: Perimeter", "Nucleus: Circularity", "Cell: Max caliper", "Cell Area", "Nucleus Area",
        "Entire Cell Area (pixels)", "AspectRatio", "Width", "Height", "cell_area", "nucleus_area", "volume",
        "anisotropy", "perimeter_area_ratio", "axis_major_length", "Cytoplasm Area (µm²)", "EulerNumber",
    ],
    "identifier": [
        "CellID", "cell_id", "cell_ID", "Object Id", "ObjectNumber", "ImageNumber", "label", "Unnamed: 0", "fov",
        "EntityID", "Image", "Name", "Class", "Parent", "Phenotype", "Tissue Category", "Sample Name", "ROI", "index",
        "segmentation_method", "CD3 Positive Classification", "CD8 Positive Nucleus Classification", "imageid",
        "Slide ID", "Annotation ID", "barcode", "Cluster", "cell_type",
    ],
    "channel": [
        "FSC-A", "FSC-H", "SSC-A", "SSC-W", "Time", "Event_length", "Offset", "Residual", "beadDist",
        "FL1-A", "Comp-FITC-A", "B515-A", "V450-A", "Comp-BV421-A", "Ce140Di", "Ba138Di", "Xe131", "80ArAr", "ArAr80",
        "A488", "A555", "AF647", "Control-488nm", "chan_39", "CH2CY13", "Phycoerythrin", "Allophycocyanin",
        "Iridium", "Fe-56", "100Ru_Ruthenium",
    ],
    "technical": [
        "transcript_counts", "control_probe_counts", "control_codeword_counts", "unassigned_codeword_counts",
        "total_counts", "Blank", "blank_1", "EMPTY", "EMPYT_A488_14", "Background", "190BCKG", "unmapped",
        "NegPrb1", "nCount_ADT", "autofluorescence",
    ],
    "isotype": [
        "IgG1", "IgG2a", "IgG2b", "IgG1-AAGAGGCAGTAG", "IgG2a-CTCTATTCAGAC", "mIgG1", "Rag-IgG2c", "IgG2bKiso",
        "IsoIgG1", "IgG1_2_control", "control_mIgM", "Isoytpe mIgG1_Ab", "Mouse_IgG1", "Rat IgG2b, k Isotype Ctrl",
        "IgG1k", "Ctrl_IgG1",
    ],
    "hashtag": ["hash1", "hash2", "hash3", "hash4", "Hash-tag1", "HTO_1", "Hashtag1", "CMO301", "hashtag_3"],
    "stain": [
        "DAPI", "Hoechst", "HOECSHT2", "DNA1", "dsDNA", "Ir191", "Mem1", "Mean.MembraneStain", "BrdU-488",
        "Ru Counterstain", "HandE1", "anti-5HMC",
    ],
}  # fmt: skip
MARKERS = {
    "CD3_cellMask": "CD3E",
    "Cell: CD8: Mean": "CD8A",
    "Nucleus: Ki67: Mean": "MKI67",
    "Mean.PanCK": "KRT8",
    "Max.CD68": "CD68",
    "Intensity_MeanIntensity_CD20": "MS4A1",
    "CD45 Cell Intensity": "PTPRC",
    "Nucleus FOXP3 (Opal 570) Mean (Normalized Counts, Total Weighting)": "FOXP3",
    "CD4_nucleiMask": "CD4",
    "CD56": "NCAM1",
    "IgM": "IGHM",
    "HLA-A": "HLA-A",
}


@pytest.mark.parametrize(("role", "name"), [(r, n) for r, names in NON_MARKERS.items() for n in names])
def test_each_kind_of_non_marker_column_gets_its_role_and_is_never_linked(role, name, all_genes):
    row = _link([name, "CD4"], all_genes).loc[name]
    assert (row["role"], row["status"]) == (role, "excluded"), row["reason"]
    assert row["genes"] == ""


@pytest.mark.parametrize(("name", "gene"), list(MARKERS.items()))
def test_a_marker_inside_a_tools_measurement_name_links(name, gene, all_genes):
    row = _link([name], all_genes).loc[name]
    assert row["role"] == "marker" and row["status"] == "linked"
    assert gene in row["genes"].split(";")


def test_measurement_names_give_their_antigen():
    assert strip_measurement("Cytoplasm: CD3: Std.Dev.") == "CD3"
    assert strip_measurement("CD3") == "CD3"
    assert strip_measurement("Cell Area") == "Cell Area"  # not a marker: left to the roles


def test_hashtags_never_link_to_the_genes_whose_aliases_they_spell(all_genes):
    links = _link([f"hash{i}" for i in range(1, 5)], all_genes)  # HGNC: HASH1..4 are aliases of ASCL1..4
    assert set(links["role"]) == {"hashtag"} and not links["genes"].str.len().any()


def test_a_name_of_two_meanings_is_never_a_marker(all_genes):
    # "Center" is a CyTOF acquisition value and a position, "Width" a FCS value and a shape: never matched
    links = _link(["Center", "Width", "CD4"], all_genes)
    assert links.loc["Center", "role"] in ("position", "channel") and links.loc["Width", "role"] != "marker"


def test_vocabulary_needs_every_word():
    # a marker beside a shape or place word is no shape
    for name in ("Area_CD45", "CD3_Position", "Ki67_index", "CD8_x"):
        assert vocabulary_role(name) is None, name


@pytest.mark.parametrize(
    ("name", "reads"),
    [
        ("Amylase", True), ("integrin", True), ("Synapto", True), ("CD77", True), ("TCRa7", True), ("HLA", True),
        ("Folate_Receptor", True), ("S6p", True), ("NKG2G", True), ("γδTCR", True),
        ("Solidity2", False), ("foo_score", False), ("Centroid", False), ("Noodle", False), ("my value", False),
        ("sample weight", False),
    ],
)  # fmt: skip
def test_antigen_like(name, reads):
    assert antigen_like(name) is reads


def test_unknown_columns_are_left_out_with_a_warning_and_include_brings_them_back():
    m = mufuse.datasets.simulated(n_cells=200, seed=0)
    prot = m["prot"]
    extra = np.random.default_rng(1).normal(10, 1, (prot.n_obs, 3)).astype(np.float32)
    names = ["Noodle", "Area", "Amylase"]
    m.mod["prot"] = ad.AnnData(
        np.hstack([np.asarray(prot.X.todense() if sparse.issparse(prot.X) else prot.X), extra]),
        obs=prot.obs,
        var=pd.DataFrame(index=[*prot.var_names, *names]),
    )
    m.update()
    with pytest.warns(UserWarning) as seen:
        mufuse.pp.harmonize(m)
    said = " ".join(str(w.message) for w in seen)
    assert "Noodle" in said and "include=" in said  # left out, with how to use it
    assert "Amylase" in said and "exclude=" in said  # used unlinked, with how to leave it out
    active = list(m.uns["mufuse"]["active"]["prot"]) if "active" in m.uns["mufuse"] else None
    links = m.uns["mufuse"]["links"]
    assert links.loc["Noodle", "role"] == "unknown" and links.loc["Area", "role"] == "morphology"
    assert m["prot"].obsm["mufuse_active"].shape[1] == int(
        ((links["role"] == "marker") & (links["status"] != "excluded")).sum()
    ), active
    report = m.uns["mufuse"]["report"]["roles"]["prot"]
    assert report["morphology"] == 1 and report["unknown"] == 1
    mufuse.pp.link_features(m, include=["Noodle", "Area"])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        mufuse.pp.harmonize(m)
    links = m.uns["mufuse"]["links"]
    assert links.loc["Noodle", "role"] == "marker" and links.loc["Area", "role"] == "marker"
    assert "included by the user" in links.loc["Area", "reason"]
    said = " ".join(str(w.message) for w in seen)  # what the user asked for is not said to "read as an antigen"
    assert "Amylase" in said and "Noodle" not in said and "Area" not in said


def test_include_and_exclude_cannot_name_one_column():
    m = mufuse.datasets.simulated(n_cells=50, seed=0)
    name = str(m["prot"].var_names[0])
    with pytest.raises(mufuse.MufuseError, match="both included and excluded"):
        mufuse.pp.link_features(m, include=[name], exclude=[name])


def _imaging(with_extra: bool) -> mudata.MuData:
    m = mufuse.datasets.simulated(n_cells=300, paired=False, seed=2)
    prot = m["prot"]
    x = np.asarray(prot.X.todense() if sparse.issparse(prot.X) else prot.X, dtype=np.float32)
    var = list(map(str, prot.var_names))
    if with_extra:
        rng = np.random.default_rng(0)
        extra = {
            "CellID": np.arange(prot.n_obs, dtype=np.float32),
            "X_centroid": rng.uniform(0, 5000, prot.n_obs),
            "Y_centroid": rng.uniform(0, 5000, prot.n_obs),
            "Area": rng.gamma(20, 10, prot.n_obs),
            "Eccentricity": rng.uniform(0, 1, prot.n_obs),
            "Orientation": rng.uniform(-90, 90, prot.n_obs),
        }
        x = np.hstack([x, np.column_stack(list(extra.values())).astype(np.float32)])
        var += list(extra)
    m.mod["prot"] = ad.AnnData(x, obs=prot.obs, var=pd.DataFrame(index=var))
    m.update()
    return m


@pytest.mark.parametrize("transform", ["total_log1p", "clr", "arcsinh"])
def test_shape_and_position_columns_change_nothing_of_the_matching_inputs(transform):
    plain, messy = _imaging(False), _imaging(True)
    for m in (plain, messy):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mufuse.pp.harmonize(m, prot_transform=transform)
    for key in ("mufuse_shared", "mufuse_active"):
        np.testing.assert_allclose(messy["prot"].obsm[key], plain["prot"].obsm[key], atol=1e-5)


def _with_antibody_rows() -> tuple[mudata.MuData, mudata.MuData]:
    """The simulated data, and the same with its antibody counts also as rows of the RNA (gex_only=False)."""
    clean = mufuse.datasets.simulated(n_cells=300, seed=3)
    rna, prot = clean["rna"], clean["prot"]
    x = sparse.hstack([sparse.csr_matrix(rna.X), sparse.csr_matrix(prot.X) * 50]).tocsr().astype(np.float32)
    kinds = ["Gene Expression"] * rna.n_vars + ["Antibody Capture"] * prot.n_vars
    names = ad.utils.make_index_unique(pd.Index([*rna.var_names, *prot.var_names]))  # "CD4", "CD4-1", as scanpy
    var = pd.DataFrame({"feature_types": kinds}, index=names)
    both = mudata.MuData({"rna": ad.AnnData(x, obs=rna.obs, var=var), "prot": prot.copy()})
    return clean, both


def test_rna_rows_that_are_not_genes_stay_out_of_library_size_hvgs_and_links():
    clean, both = _with_antibody_rows()
    before = snapshot(both)  # the user's matrices: harmonize adds obsm only
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(clean)
    with pytest.warns(UserWarning, match="not genes"):
        mufuse.pp.harmonize(both)
    assert_unchanged(both, before, obsm_too=False)
    np.testing.assert_allclose(both["rna"].obsm["mufuse_shared"], clean["rna"].obsm["mufuse_shared"], atol=1e-5)
    assert list(both.uns["mufuse"]["active"]["rna"]) == list(clean.uns["mufuse"]["active"]["rna"])
    assert both.uns["mufuse"]["report"]["roles"]["rna"] == {"gene": clean["rna"].n_vars, "antibody_capture": 19}


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        ("Gene Expression", "gene"), ("Antibody Capture", "antibody_capture"), ("CRISPR Guide Capture", "crispr_guide"),
        ("Multiplexing Capture", "multiplexing"), ("Custom", "custom"), ("Peaks", "peaks"), ("VDJ", "other"),
    ],
)  # fmt: skip
def test_feature_types_give_rna_roles(kind, role):
    var = pd.DataFrame({"feature_types": [kind]}, index=["x"])
    assert rna_roles(var, var.index)[0].iloc[0] == role


def test_an_rna_without_gene_rows_is_refused():
    m = mufuse.datasets.simulated(n_cells=50, seed=0)
    m["rna"].var["feature_types"] = "Antibody Capture"
    with pytest.raises(mufuse.MufuseError, match="no gene expression rows"):
        mufuse.pp.harmonize(m)


def test_antigens_are_read_from_the_var_column_that_holds_them(all_genes):
    chan = ["FSC-A", "FL1-A", "FL2-A", "Nd142Di", "Ir191Di", "Time"]
    var = pd.DataFrame({"marker": ["", "CD3", "CD4", "CD19", "DNA1", None]}, index=chan)
    links = _link(chan, all_genes, var=var)
    assert links.loc["FL1-A", "genes"] == "CD3D;CD3E;CD3G" and links.loc["Nd142Di", "genes"] == "CD19"
    assert links.loc["Ir191Di", "role"] == "stain" and links.loc["FSC-A", "role"] == "channel"
    assert "var['marker']" in links.loc["FL2-A", "reason"]


def test_two_columns_that_disagree_are_said_and_neither_is_read(all_genes):
    chan = ["Q001", "Q002", "Q003"]
    var = pd.DataFrame({"marker": ["CD3", "CD4", "CD19"], "target": ["CD8", "CD14", "CD20"]}, index=chan)
    m = mudata.MuData(
        {
            "rna": ad.AnnData(np.zeros((2, len(all_genes)), np.float32), var=pd.DataFrame(index=all_genes)),
            "prot": ad.AnnData(np.zeros((2, 3), np.float32), var=var),
        }
    )
    with pytest.warns(UserWarning, match="several var columns"):
        links = mufuse.pp.link_features(m)
    assert (links["status"] != "linked").all()
    for order in (["marker", "target"], ["target", "marker"]):  # the column order never decides
        m["prot"].var = var[order]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert (mufuse.pp.link_features(m)["status"] != "linked").all()


def test_links_prints_roles(tmp_path):
    m = _imaging(True)
    path = tmp_path / "m.h5mu"
    m.write(path)
    import contextlib
    import io

    from mufuse.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["links", str(path), "--include", "Area"])
    text = out.getvalue()
    assert code == 0
    assert "role" in text.splitlines()[0] and "position" in text and "other columns, not matched: " in text
    assert next(ln for ln in text.splitlines() if ln.startswith("Area ")).split()[2] == "marker"


def test_a_symbol_under_several_ids_links_to_all_of_them_whatever_their_order():
    ids = [f"ENSG{i:011d}" for i in range(1, 6)]
    var = pd.DataFrame({"gene_symbols": ["CD4", "CD8A", "CD4", "CD3E", "MS4A1"]}, index=ids)
    seen = []
    for order in (slice(None), slice(None, None, -1)):
        m = mudata.MuData(
            {
                "rna": ad.AnnData(np.ones((3, 5), np.float32), var=var.iloc[order]),
                "prot": ad.AnnData(np.ones((3, 2), np.float32), var=pd.DataFrame(index=["CD4", "CD8"])),
            }
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            links = mufuse.pp.link_features(m)
        seen.append(links.loc["CD4", "genes"])
        assert "carried by 2 RNA rows" in links.loc["CD4", "reason"]
    assert seen[0] == seen[1] == f"{ids[0]};{ids[2]}"


def _names_file(name: str) -> pd.DataFrame:
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "data" / name
    return pd.read_csv(path, sep="\t", comment="#", dtype=str, keep_default_na=False)


def test_real_hashing_isotype_and_counting_rows_are_never_matched(all_genes):
    """Every name of the held-out CITE-seq feature file gets its role; markers among them link to their genes."""
    table = _names_file("feature_names_citeseq.tsv").set_index("name")
    links = _link(list(table.index), all_genes)
    matched = (links["role"] == "marker") & (links["status"] != "excluded")
    wrong = []
    for name, want in table.iterrows():
        row = links.loc[name]
        if want["role"] == "marker":
            ok = row["status"] == "linked" and set(row["genes"].split(";")) <= set(want["genes"].split(";"))
        elif want["role"] == "not matched":
            ok = not matched[name] and row["status"] != "linked"
        else:
            ok = row["role"] == want["role"] and row["status"] == "excluded"
        if not ok:
            wrong.append((name, want["role"], row["role"], row["status"], row["genes"]))
    assert not wrong, wrong


def test_the_messy_dataset_is_matched_on_its_markers_only(tmp_path):
    import contextlib
    import io

    from mufuse.cli import main

    m = mufuse.datasets.messy(n_cells=300, seed=1)
    path = tmp_path / "messy.h5mu"
    m.write(path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["links", str(path)]) == 0
    assert "19 antibody_capture" in out.getvalue()  # the RNA's antibody rows are said
    with pytest.warns(UserWarning, match="not genes"):
        mufuse.pp.harmonize(m)
    links = m.uns["mufuse"]["links"]
    markers = links.index[links["role"] == "marker"]
    assert list(m.uns["mufuse"]["active"]["prot"]) == list(markers)  # 16 markers, no shape, position, ID or stain
    assert len(markers) == 16 and (links.loc[markers, "status"] == "linked").all()
    assert not any("-1" in str(g) for g in links["genes"])  # never an antibody row of the RNA


# fluorochromes, fluorescent proteins and detectors as vendors write them (BioLegend, BD Horizon, Thermo Fisher
# eBioscience/Invitrogen, Miltenyi, Cytek, Bio-Rad, Beckman colour lists; Cytek Aurora, Attune, LSR detector names)
FLUORS = [
    "FITC", "PE", "APC", "PerCP", "PE-Cy5", "PE-Cy5.5", "PE-Cy7", "PE/Cyanine7", "PE/Cyanine5", "PE/Dazzle 594",
    "PE-CF594", "PE-Texas Red", "PE-Fire 640", "PE-Fire 810", "APC-Cy7", "APC/Cyanine7", "APC-H7", "APC-R700",
    "APC/Fire 750", "APC-eFluor 780", "Alexa Fluor 488", "Alexa Fluor 647", "Alexa Fluor 700", "AF532", "PerCP-Cy5.5",
    "PerCP/Cyanine5.5", "PerCP-eFluor 710", "Pacific Blue", "Pacific Orange", "eFluor 450", "eFluor 506",
    "Super Bright 600", "Spark Blue 550", "Spark NIR 685", "Spark YG 570", "NovaFluor Blue 610", "cFluor V420",
    "cFluor B532", "Qdot 605", "VioBlue", "VioGreen", "Vio515", "PE-Vio770", "APC-Vio770", "StarBright Violet 515",
    "RB545", "RY586", "Kiravia Blue 520", "Brilliant Violet 421", "BV421", "BV510", "BV605", "BV650", "BV711",
    "BV785", "BUV395", "BUV496", "BUV563", "BUV615", "BUV661", "BUV737", "BUV805", "BB515", "BB700", "ECD", "PC5.5",
    "PC7", "KO525", "DyLight 650", "CF568", "ATTO 550", "Cy3", "Cy5", "mCherry", "tdTomato", "ZsGreen", "EGFP",
    "B2", "V7", "R1", "UV7", "YG3", "BL1", "RL1", "VL1", "YL2", "FL3", "B530/30", "V 450/50", "YG 780/60",
]  # fmt: skip
FCS_STYLES = ["{f}-A", "{f}-H", "{f}-W", "Comp-{f}-A", "FJComp-{f}-A", "{f}-Area", "Comp-{f}-A-1"]


@pytest.mark.parametrize("style", FCS_STYLES)
def test_a_channel_named_only_by_its_fluorochrome_or_detector_is_a_channel(style, all_genes):
    names = [style.format(f=f) for f in FLUORS]
    links = _link([*names, "CD4"], all_genes)
    wrong = links.loc[names].query("role != 'channel' or status != 'excluded'")
    assert wrong.empty, wrong[["role", "status", "genes"]].to_string()


@pytest.mark.parametrize(
    "style", ["CD4 {f}", "{f}-A :: CD4", "Comp-{f}-A (CD4)", "CD4-{f}", "{f} anti-human CD4", "CD4_{f}-A"]
)
def test_a_fluorochrome_beside_an_antigen_leaves_the_antigen(style, all_genes):
    names = [style.format(f=f) for f in ["FITC", "PE-Cy7", "BV421", "Alexa Fluor 647", "APC/Fire 750", "Pacific Blue"]]
    links = _link(names, all_genes)
    wrong = links.query("role != 'marker' or status != 'linked' or genes != 'CD4'")
    assert wrong.empty, wrong[["role", "status", "genes", "reason"]].to_string()


# a stain, a dye or a channel number inside the measurement names of imaging tools (QuPath, inForm, CosMx, MERSCOPE,
# CellProfiler, Akoya CODEX processor): never a marker
WRAPPED = {
    "stain": [
        "Nucleus: Hematoxylin OD mean", "Cell: Haematoxylin OD max", "Cytoplasm: Eosin OD std dev",
        "Hematoxylin: Nucleus: Mean", "Mean.rRNA", "Max.PolyT", "PolyT_raw", "Cellbound1_raw", "Cellbound3_high_pass",
        "LIVE/DEAD", "Live-Dead Aqua", "7-AAD-A", "Zombie NIR-A", "Ghost Dye Red 780-A", "FVD eFluor 780-A",
        "VIVID / CD14", "Propidium Iodide-A", "Intensity_MeanIntensity_DNA", "Intensity_MaxIntensity_DNA_rs",
        "Fixable Viability Dye eF506",
    ],
    "channel": [
        "Nucleus: DAB OD mean", "Cell: Opal 570 mean", "Cell: Texas Red mean", "Cell: Cy5 bis mean", "Mean.G", "Max.R",
        "Membrane Cy3 Mean (Normalized Counts, Total Weighting)", "Entire Cell FITC Mean (Normalized Counts, Total "
        "Weighting)", "reg014_cyc001_ch001_Ch1Cy1", "reg001_cyc004_ch003", "Intensity_MeanIntensity_FullStack_c12",
        "Intensity_IntegratedIntensity_FullStack_c3", "Intensity_MeanIntensity_Marker1_rs", "Cell: Channel 3 mean",
        "Nucleus: AF647: Mean", "Cell: BV421: Median",
    ],
    "technical": ["Intensity_MeanIntensity_ProbabStack_c1", "bg2a_cellRingMask", "153Eu_Bead2", "175Lu_Bead4"],
}  # fmt: skip


@pytest.mark.parametrize(("role", "name"), [(r, n) for r, names in WRAPPED.items() for n in names])
def test_a_stain_dye_or_channel_inside_a_measurement_name_is_never_a_marker(role, name, all_genes):
    row = _link([name, "CD4"], all_genes).loc[name]
    assert (row["role"], row["status"], row["genes"]) == (role, "excluded", ""), row["reason"]


# CellProfiler's measurement categories (cellprofiler_core.constants.measurement), each with an antigen-free feature
CELLPROFILER = {
    "position": ["Location_Center_X", "Location_CenterMassIntensity_X_DNA", "Location_MaxIntensity_Y_FullStack_c1",
                 "AreaShape_BoundingBoxMinimum_X", "Location_Center_Z"],
    "morphology": ["AreaShape_SurfaceArea", "AreaShape_Zernike_3_1", "Neighbors_FirstClosestDistance_8",
                   "Neighbors_AngleBetweenNeighbors_Adjacent", "Texture_Contrast_CD3_3_00_256",
                   "Granularity_1_DNA", "RadialDistribution_FracAtD_CD45_1of4", "Correlation_Correlation_CD3_CD8"],
    "identifier": ["Metadata_Site", "Metadata_Well", "Metadata_acid", "FileName_DNA", "PathName_FullStack",
                   "Parent_Cells", "Children_Nuclei_Count", "TrackObjects_Label_50", "ImageNumber", "ObjectNumber",
                   "Number_Object_Number"],
    "technical": ["MD5Digest_FullStack", "ExecutionTime_09MeasureObjectSizeShape", "Height_FullStack",
                  "Width_DNA", "Scaling_FullStack", "ModuleError_05IdentifyPrimaryObjects", "Count_Cells",
                  "Threshold_FinalThreshold_Nuclei"],
}  # fmt: skip


@pytest.mark.parametrize(("role", "name"), [(r, n) for r, names in CELLPROFILER.items() for n in names])
def test_cellprofiler_categories_decide_the_role(role, name, all_genes):
    row = _link([name, "CD4"], all_genes).loc[name]
    assert (row["role"], row["status"], row["genes"]) == (role, "excluded", ""), row["reason"]


def test_cellprofiler_intensity_of_an_antigen_image_is_that_marker(all_genes):
    names = ["Intensity_MeanIntensity_CD20", "Intensity_MedianIntensity_CD3_rs", "Intensity_MeanIntensityEdge_Ki67"]
    links = _link(names, all_genes)
    assert (links["role"] == "marker").all() and (links["status"] == "linked").all(), links.to_string()


@pytest.mark.parametrize(
    "name",
    [
        "Distance to stroma", "Distance from Process Region Edge (pixels)", "Distance from Tissue Category Edge "
        "(microns)", "Signed distance to annotation Islet µm", "Signed distance to annotation Tissue µm",
        "distance_to_tumor", "Min distance to CD8 T cell", "dist_to_vessel", "Distance to Tumor Boundary (µm)",
    ],
)  # fmt: skip
def test_a_distance_to_a_region_is_a_position(name, all_genes):
    row = _link([name, "CD4"], all_genes).loc[name]
    assert (row["role"], row["status"], row["genes"]) == ("position", "excluded", ""), row["reason"]


@pytest.mark.parametrize(
    "name",
    ["Rb IgG", "Hmr IgG", "Ms IgG1", "Ms IgG2a", "Rt IgG2b", "Gt IgG", "Dk IgG", "AH IgG", "Rbt IgG", "Rab IgG",
     "Chk IgY", "GP IgG", "Ms IgM", "Rb IgG kappa", "Ms-IgG1k"],
)  # fmt: skip
def test_an_isotype_named_by_its_host_written_short_is_an_isotype(name, all_genes):
    row = _link([name, "CD4"], all_genes).loc[name]
    assert (row["role"], row["genes"]) == ("isotype", ""), row["reason"]


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("cell", "identifier"), ("Object", "identifier"), ("cells", "identifier"), ("TMA Sector", "identifier"),
        ("TMA Row", "identifier"), ("TMA_AB", "identifier"), ("TMA core", "identifier"),
        ("neighbour_4_CellId1", "identifier"), ("neighborhood10", "identifier"), ("fov3", "identifier"),
        ("array_row", "position"), ("array_col", "position"), ("Z-slice", "position"), ("Area.um2", "morphology"),
        ("Region Area (μm²)", "identifier"), ("Cell Density (per megapixel)", "technical"),
        ("nFeature_RNA", "technical"), ("geneCount", "technical"), ("propNegative", "technical"),
        ("percOfDataFromError", "technical"), ("Detection probability", "technical"), ("Missing core", "technical"),
        ("image_num_channels", "technical"), ("Delaunay: Max distance", "morphology"),
        ("Delaunay: Num neighbors", "morphology"), ("Number_Neighbors", "identifier"),
    ],
)  # fmt: skip
def test_layout_numbered_and_mixed_word_columns_get_a_non_marker_role(name, role, all_genes):
    row = _link([name, "CD4"], all_genes).loc[name]
    assert (row["role"], row["status"], row["genes"]) == (role, "excluded", ""), row["reason"]


@pytest.mark.parametrize("compartment", ["Nucleus", "Cell", "Cytoplasm", "Membrane"])
def test_a_statistic_word_that_is_a_gene_symbol_never_links(compartment, all_genes):
    stats = ["max", "min", "mean", "median", "sum", "std dev", "range"]
    unknown = [f"{compartment}: Zorblin OD {s}" for s in stats] + [
        f"Delaunay: {s.title()} triangle area" for s in stats
    ]
    known = [f"{compartment}: CD3: {s.title()}" for s in stats]
    links = _link(unknown + known, all_genes)
    assert (links.loc[unknown, "genes"] == "").all(), links.loc[unknown, ["genes", "reason"]].to_string()
    assert (links.loc[known, "genes"] == "CD3D;CD3E;CD3G").all(), links.loc[known, ["genes", "reason"]].to_string()


def _column_roles() -> pd.DataFrame:
    path = Path(__file__).resolve().parents[1] / "data/column_roles.tsv"
    return pd.read_csv(path, sep="\t", comment="#", dtype=str, keep_default_na=False).drop_duplicates(["name", "tool"])


def test_real_column_sets_of_public_tools_match_only_their_markers(all_genes):
    """tests/data/column_roles.tsv: each tool's columns as one table; markers matched, nothing else ever."""
    table = _column_roles()
    assert table["tool"].nunique() >= 25 and len(table) >= 500
    wrong = []
    for tool, sub in table.groupby("tool"):
        links = _link(list(dict.fromkeys(sub["name"])), all_genes)
        for name, want in zip(sub["name"], sub["role"], strict=True):
            row = links.loc[name]  # another measurement of a matched antigen counts as matched (one per antigen)
            matched = row["role"] == "marker" and (row["status"] != "excluded" or row["source"] == "measurement")
            if matched != (want == "marker") or (want != "marker" and links.loc[name, "genes"]):
                wrong.append((tool, name, want, links.loc[name, "role"], links.loc[name, "genes"]))
    assert not wrong, wrong


# mass cytometry channel names as FCS files and their readers write them: the antigen with its metal and mass in
# either order, in or out of parentheses, with Fluidigm's "Di"/"Dd" suffix in or after them (CATALYST/Cytobank
# "CD3(Cd110)Di", "pLat(Er170)Dd"; Bodenmiller BCR-XL "CD3(110:114)Dd"; steinbock/IMC "141Pr_aSMA", "Pr141Di_aSMA")
CYTOF_STYLES = [
    "{a}({e}{m})Di", "{a}({e}{m})Dd", "{a}({m}{e})Di", "{a}({e}{m}Di)", "{a}({e}{m}Dd)", "{a} ({e}{m}Di)",
    "{m}{e}_{a}", "{e}{m}Di_{a}", "{a}_{e}{m}", "{a}_{m}{e}", "{a}-{e}{m}",
]  # fmt: skip
CYTOF_ANTIGENS = {"CD3": "CD3D;CD3E;CD3G", "CD45": "PTPRC", "pLat": "LAT", "CD20": "MS4A1", "Ki67": "MKI67",
                  "HLA-DR": "HLA-DRA;HLA-DRB1", "pZap70": "ZAP70", "pSlp76": "LCP2", "CD11c": "ITGAX"}  # fmt: skip
METALS = [("Cd", "110"), ("In", "115"), ("Er", "170"), ("Y", "89"), ("Pr", "141"), ("Lu", "175"), ("Gd", "155")]


@pytest.mark.parametrize("style", CYTOF_STYLES)
def test_a_mass_cytometry_channel_links_its_antigen_whatever_the_metal_tag(style, all_genes):
    names = {
        style.format(a=a, e=e, m=m): genes
        for (a, genes), (e, m) in zip(CYTOF_ANTIGENS.items(), METALS * 2, strict=False)
    }
    links = _link(list(names), all_genes)
    got = links["genes"].to_dict()
    assert got == names, links[["genes", "reason"]].to_string()


def test_mass_cytometry_barcodes_dna_and_ranges_get_their_roles(all_genes):
    # Bodenmiller et al. 2012 barcoding channels, the DNA intercalator, a marker read over a range of masses
    names = {f"BC{i}({e}{m})Dd": "hashtag" for i, (e, m) in enumerate(METALS, 1)}
    names |= {"DNA-1(Ir191)Dd": "stain", "DNA2(Ir193)Di": "stain", "Barcode_3": "hashtag", "bc12": "hashtag"}
    links = _link([*names, "CD3(110:114)Dd"], all_genes)
    assert links.loc[list(names), "role"].to_dict() == names
    assert (links.loc[list(names), "genes"] == "").all()
    assert links.loc["CD3(110:114)Dd", "genes"] == "CD3D;CD3E;CD3G"


# scikit-image regionprops_table properties (new and old names), array properties expanded one column per index
SKIMAGE = {
    "morphology": ["area", "area_bbox", "area_convex", "area_filled", "axis_major_length", "axis_minor_length",
                   "eccentricity", "equivalent_diameter_area", "euler_number", "extent", "feret_diameter_max",
                   "orientation", "perimeter", "perimeter_crofton", "solidity", "num_pixels", "inertia_tensor-0-0",
                   "inertia_tensor-1-1", "inertia_tensor_eigvals-0", "inertia_tensor_eigvals-1", "moments_hu-3",
                   "moments_central-0-2", "moments_normalized-2-0", "convex_area", "filled_area",
                   "major_axis_length", "minor_axis_length", "equivalent_diameter", "intermediate_axis_length"],
    "position": ["bbox-0", "bbox-1", "bbox-2", "bbox-3", "centroid-0", "centroid-1", "centroid_local-0",
                 "centroid_weighted-1", "weighted_centroid-0", "local_centroid-1"],
    "channel": ["intensity_mean", "intensity_max", "intensity_min", "intensity_std", "mean_intensity",
                "max_intensity", "min_intensity", "standard_deviation_intensity", "intensity_mean-0",
                "intensity_max-2"],
}  # fmt: skip


@pytest.mark.parametrize(("role", "name"), [(r, n) for r, names in SKIMAGE.items() for n in names])
def test_scikit_image_regionprops_columns_get_their_role(role, name, all_genes):
    names = [n for ns in SKIMAGE.values() for n in ns]
    row = _link([*names, "CD4"], all_genes).loc[name]
    assert (row["role"], row["status"], row["genes"]) == (role, "excluded", ""), row["reason"]


# a tool's namespace before a colon (Cytokit: cm/nm cell and nucleus morphology, ci/ni intensity, cg cell graph,
# cb/nb border), Squidpy's image features (channel index "ch-0"), intensity columns that name no channel
NAMESPACED = {
    "morphology": ["cm:size", "cm:diameter_vx", "nm:perimeter", "cm:circularity", "nm:solidity", "cg:n_neighbors",
                   "cg:adj_neighbor_pct", "cg:adj_bg_pct", "segmentation_area_std", "segmentation_area_mean"],
    "identifier": ["cg:neighbor_ids", "tumorYN", "tumorCluster", "immuneGroup", "cluster_2d", "ImageNb", "CellNb",
                   "RegionNr", "cellIdx"],
    "technical": ["cb:on_border", "nb:on_border", "genomic_control_counts"],
    "channel": ["summary_ch-0_mean", "summary_ch-2_quantile-0.9", "histogram_ch-0_bin-3",
                "texture_ch-1_contrast_dist-1_angle-0.00", "texture_ch-0_ASM_dist-1_angle-0.79",
                "segmentation_ch-1_mean_intensity_std", "Forward Scatter", "Side Scatter", "Cell_length",
                "Time (51.20 sec.)"],
    "stain": ["ci:PHA:mean", "ni:Phalloidin:mean", "WGA", "ConA_AF488", "PHA-L", "UEA-1", "Lectin (tomato)"],
}  # fmt: skip


@pytest.mark.parametrize(("role", "name"), [(r, n) for r, names in NAMESPACED.items() for n in names])
def test_namespaced_image_feature_and_label_columns_get_their_role(role, name, all_genes):
    row = _link([name, "CD4", "ci:CD4:mean"], all_genes).loc[name]
    assert (row["role"], row["status"], row["genes"]) == (role, "excluded", ""), row["reason"]


def test_the_antigen_inside_a_namespaced_column_and_lectin_named_proteins_stay_markers(all_genes):
    names = {"ci:CD4:mean": "CD4", "ni:Ki67:mean": "MKI67", "Galectin-9": "LGALS9", "CD62P (P-Selectin)": "SELP",
             "198Pt_CD8": "CD8A", "Pt195_CD45": "PTPRC"}  # fmt: skip
    links = _link(list(names), all_genes)
    assert links["genes"].to_dict() == names and (links["role"] == "marker").all()


@pytest.mark.parametrize(("x", "y"), [("rx", "ry"), ("cx", "cy"), ("Xpos", "Ypos"), ("x_um", "y_um"), ("gx", "gy")])
def test_two_columns_that_differ_by_x_and_y_are_a_position(x, y, all_genes):
    links = _link([x, y, "CD4"], all_genes)
    assert (links.loc[[x, y], "role"] == "position").all() and (links.loc[[x, y], "genes"] == "").all()


def test_a_fluorochrome_alone_is_a_channel_beside_scatter_channels_only(all_genes):
    fcs = _link(["FSC-H", "SSC-H", "FITC", "PE", "APC"], all_genes)
    assert (fcs.loc[["FITC", "PE", "APC"], "role"] == "channel").all() and (fcs["genes"] == "").all()
    cite = _link(["APC", "CD4", "CD8"], all_genes)  # an antibody against APC beside other antibodies: the gene
    assert cite.loc["APC", "genes"] == "APC"


def test_held_out_column_sets_match_only_their_markers(all_genes):
    """tests/data/column_roles_heldout.tsv: 19 tools scored before their rules were written; every row holds now."""
    path = Path(__file__).resolve().parents[1] / "data/column_roles_heldout.tsv"
    table = pd.read_csv(path, sep="\t", comment="#", dtype=str, keep_default_na=False)
    assert table["tool"].nunique() >= 19 and len(table) >= 590
    mouse = sorted(set(mgi_index().approved.values()))
    wrong = []
    for tool, sub in table.groupby("tool"):
        links = _link(list(dict.fromkeys(sub["name"])), mouse if "mouse" in tool.lower() else all_genes)
        for name, want in zip(sub["name"], sub["role"], strict=True):
            row = links.loc[name]  # another measurement of a matched antigen counts as matched (one per antigen)
            matched = row["role"] == "marker" and (row["status"] != "excluded" or row["source"] == "measurement")
            if matched != (want == "marker") or (want != "marker" and links.loc[name, "genes"]):
                wrong.append((tool, name, want, links.loc[name, "role"], links.loc[name, "genes"]))
    assert not wrong, wrong


# spectral cytometers' detector names (AutoSpectral's inst/extdata/cytometer_database.csv: Cytek Aurora, Sony
# ID7000, BD FACSDiscover, Agilent NovoCyte Opteon, Mosaic, Xenith), every detector of each instrument
SPECTRAL = sorted(
    {f"{d}{i}-A" for d, n in [("UV", 16), ("V", 16), ("B", 14), ("YG", 10), ("R", 8)] for i in range(1, n + 1)}
    | {f"{w}CH{i}-A" for w in (320, 355, 405, 488, 561, 637) for i in range(1, 36)}
    | {f"{d}{i} ({nm})-A" for d, i, nm in [("UV", 1, 375), ("UV", 22, 845), ("V", 7, 530), ("YG", 12, 845),
                                            ("B", 16, 845), ("R", 8, 845)]}
    | {"UV380-A", "UV815-A", "V424-A", "B508-A", "Y582-A", "Y815-A", "R661-A", "R815-A"}
    | {f"{d}{i}-A" for d, n in [("U", 20), ("V", 20), ("B", 16), ("Y", 12), ("R", 10), ("IR", 3)]
       for i in range(1, n + 1)}
    | {f"FL{i:02d}-A" for i in range(51)}
    | {"349nm - 387/11-A", "405nm - 770/LP-A", "488nm - 520/40-A", "561nm - 860/LP-A", "781nm - 844/25-A"}
)  # fmt: skip


def test_every_detector_of_spectral_cytometers_is_a_channel(all_genes):
    links = _link([*SPECTRAL, "CD4"], all_genes)
    wrong = links.loc[SPECTRAL].query("role != 'channel' or status != 'excluded'")
    assert wrong.empty, wrong[["role", "status", "genes"]].to_string()


# design, gating and QC labels of cytometry tables (HDCytoData, RUCova) and viability/barcode metal channels
DESIGN = {
    "identifier": ["individual", "dose", "irradiated", "line", "bc", "event_number", "treatment", "stim",
                   "islet_parent", "population_id", "file_number"],
    "technical": ["singlets", "beadsOut", "debris", "outliers"],
    "stain": ["Dead_cells_194Pt", "Dead_cells_195Pt", "dead", "Viability", "Cisplatin", "Pt194Di_norm", "195Pt_raw",
              "195Pt_PM2", "198Pt_PM4"],
    "hashtag": ["Pd102Di", "Pd104Di", "Pd105Di", "Pd106Di", "Pd108Di", "Pd110Di", "102Pd", "110Pd"],
}  # fmt: skip


@pytest.mark.parametrize(("role", "name"), [(r, n) for r, names in DESIGN.items() for n in names])
def test_design_gating_viability_and_barcode_columns_of_cytometry_tables(role, name, all_genes):
    test_cellprofiler_categories_decide_the_role(role, name, all_genes)


def test_exclude_names_a_column_its_antigen_or_its_cleaned_name(all_genes):
    names = ["CD3_cellMask", "Cell: CD3: Mean", "CD4", "CD8"]
    by_antigen = _link(names, all_genes, exclude=["CD3"])
    assert list(by_antigen.index[by_antigen["status"] == "excluded"]) == names[:2]
    by_column = _link(names, all_genes, exclude=["CD3_cellMask"])
    assert list(by_column.index[by_column["status"] == "excluded"]) == names[:1]


# one antigen measured several times by an image-analysis tool (QuPath, MCMICRO, HALO, inForm, CosMx): one column each
MEASURED_TWICE = {
    "QuPath": (["Cell: CD3: Mean", "Nucleus: CD3: Mean", "Cytoplasm: CD3: Median", "Smoothed: 50 µm: Cell: CD3: Mean",
                "Membrane: CD3: Max", "Cell: CD3: Std.Dev."], "Cell: CD3: Mean"),
    "QuPath 0.1": (["Nucleus: CD3 mean", "Cell: CD3 mean", "Cell: CD3 max"], "Cell: CD3 mean"),
    "MCMICRO": (["CD3_nucleiRingMask", "CD3", "CD3_cellRingMask"], "CD3"),
    "HALO": (["CD3 Nucleus Intensity", "CD3 Cytoplasm Intensity", "CD3 Cell Intensity"], "CD3 Cell Intensity"),
    "CosMx": (["Max.CD3", "Mean.CD3"], "Mean.CD3"),
}  # fmt: skip


@pytest.mark.parametrize("tool", list(MEASURED_TWICE))
def test_one_column_per_antigen_is_matched_whatever_the_column_order(tool, all_genes):
    names, best = MEASURED_TWICE[tool]
    for order in (names, names[::-1]):
        links = _link([*order, "CD4", "CD8"], all_genes)
        matched = links.index[(links["role"] == "marker") & (links["status"] != "excluded")]
        assert set(matched) == {best, "CD4", "CD8"}, links[["status", "reason"]].to_string()
        assert (links.loc[[n for n in names if n != best], "source"] == "measurement").all()


def test_included_measurements_and_two_clones_of_one_antigen_are_all_matched(all_genes):
    for asked in (["Nucleus: CD3: Mean"], ["CD3"]):  # the column, or every column of the antigen
        links = _link(["Cell: CD3: Mean", "Nucleus: CD3: Mean", "CD4"], all_genes, include=asked)
        assert (links["status"] == "linked").all(), asked
    clones = _link(["CD3.1", "CD3.2", "CD4"], all_genes)  # no measurement words: two antibodies, both matched
    assert (clones["status"] == "linked").all()


def test_exclude_reaches_every_measurement_of_an_antigen(all_genes):
    names = ["Cell: CD3 mean", "Nucleus: CD3 mean", "Smoothed: 50 µm: Cell: CD3: Mean", "Cell: CD4 mean", "CD8"]
    links = _link(names, all_genes, exclude=["CD3"])
    assert (links.loc[names[:3], "source"] == "user").all() and links.loc["Cell: CD4 mean", "status"] == "linked"


# stains and channels new users met (the spectral cytometers' autofluorescence channel, proliferation and organelle
# dyes) and QC/annotation columns of HALO, QuPath, Xenium, scanpy and Fluidigm
MORE_ROLES = {
    "technical": ["AF-A", "Comp-AF-A", "AF1-A", "AF3-H", "140Ce_EQBeads", "% Nucleus Completeness", "Num Detections",
                  "qv", "n_genes_by_counts"],
    "stain": ["CFSE", "CTV", "CellTrace Violet", "CellTrace Far Red-A", "PKH26", "PKH67", "Calcein AM",
              "MitoTracker Deep Red", "TMRM", "VPD450", "Proliferation Dye eFluor 670"],
    "identifier": ["Algorithm Name"],
}  # fmt: skip
MORE_ROLES["technical"] += ["Opal 520 CD3 % Nucleus Completeness", "Opal 570 CD8 % Cytoplasm Completeness"]


@pytest.mark.parametrize(("role", "name"), [(r, n) for r, names in MORE_ROLES.items() for n in names])
def test_more_stains_channels_and_qc_columns(role, name, all_genes):
    test_namespaced_image_feature_and_label_columns_get_their_role(role, name, all_genes)


def test_a_name_that_is_not_there_gets_the_closest_columns(all_genes):
    with pytest.raises(mufuse.LinkError, match="did you mean 'AF-A'"):
        _link(["AF-A", "CD4", "FSC-A"], all_genes, exclude=["AFA"])
