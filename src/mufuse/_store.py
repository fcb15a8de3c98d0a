"""The storage keys of DESIGN §4 and the helpers that read and write them: the one place that knows them."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from mudata import MuData

from ._errors import MufuseError

UNS_KEY = "mufuse"
SHARED_KEY = "mufuse_shared"
ACTIVE_KEY = "mufuse_active"
MATCH_KEY = "mufuse_match"
SCORE_KEY = "mufuse_score"
CONFIDENCE_KEY = "mufuse_confidence"  # label-free confidence of the cell's best pair (tl._confidence)
EMBEDDING_KEY = "X_mufuse"  # MaxFuse's canonical-correlation space, same columns in both modalities
TRANSFERRED_KEY = "mufuse_transferred"  # features carried through the matching, a DataFrame per modality

# keys inside mdata.uns["mufuse"]
LINKS = "links"
SHARED = "shared"
ACTIVE = "active"
REPORT = "report"
PARAMS = "params"
MATCHING = "matching"
EVALUATION = "evaluation"
CELLS = "cells"  # what the stored results were computed on: {"harmonize": {mod: fingerprint}, "matching": {...}}
# the link table's `source` of a column the user left out, and of another measurement of an antigen already matched
SOURCE_USER = "user"
SOURCE_MEASUREMENT = "measurement"

# the call that writes each stage's results, named in the message when they no longer fit the data
_RERUN = {"harmonize": "mufuse.pp.harmonize(mdata)", "matching": "mufuse.tl.match(mdata) (or tl.add_matching)"}
# the steps that read harmonize's arrays before any matching exists (their "what"): they need harmonize only
_BEFORE_MATCHING = {
    "match",
    "to_maxfuse",
    "run_maxfuse",
    "check_scales",
    "diagnose",
    "harmonize",
    "pl.scales",
    "mufuse check",
}


def get_modality(mdata: MuData, name: str, role: str):
    """Return ``mdata[name]`` or raise a :class:`MufuseError` that lists the modalities present."""
    if not isinstance(mdata, MuData):
        raise MufuseError(
            f"expected a MuData with {role} modality '{name}', got {type(mdata).__name__}; "
            "build one with mudata.MuData({'rna': rna_adata, 'prot': prot_adata})"
        )
    if name not in mdata.mod:
        have = ", ".join(repr(k) for k in mdata.mod) or "none"
        raise MufuseError(
            f"the {role} modality '{name}' is not in the MuData (modalities: {have}); pass {role}=<name of the {role} "
            "modality>"
        )
    return mdata.mod[name]


def uns(mdata: MuData) -> dict[str, Any]:
    """Return ``mdata.uns['mufuse']`` (empty dict if absent; not created)."""
    return mdata.uns.get(UNS_KEY, {})


def _name_hashes(index: pd.Index) -> np.ndarray:
    """Return a uint64 hash per name (pandas' hash of the name as a string)."""
    return pd.util.hash_pandas_object(pd.Series(np.asarray(index, dtype=str)), index=False).to_numpy()


def _names_hash(index: pd.Index) -> str:
    """Hash a set of names regardless of order: a reordering keeps it, a rename, a subset or an addition changes it."""
    if len(index) == 0:
        return "0"
    return format(int(_name_hashes(index).sum(dtype=np.uint64)), "016x")


# the obsm arrays each stage writes, whose values are checked by the stage's readers (require_current)
STAGE_ARRAYS = {"harmonize": (SHARED_KEY, ACTIVE_KEY), "matching": (EMBEDDING_KEY,)}
CHECKSUM_ROWS = 4096  # about this many cells, chosen by the hash of their names, enter an array's checksum
CHECKSUM_TOLERANCE = 1e-7  # relative: summation order (a reordering of cells) moves the checksum far less


def array_checksum(adata, key: str) -> list[float]:
    """Return ``[checksum, scale, n_nan]`` of ``adata.obsm[key]``, tied to the cells' names, not their order.

    About :data:`CHECKSUM_ROWS` cells, chosen by the hash of their obs names, enter a weighted sum whose weights come
    from the names (rows) and the column positions: a reordering of the cells (names and rows together) keeps it; new
    values, rows moved apart from their names (``obsm[key][::-1]``), a rescaling or permuted columns change it. One
    gather of those rows: cheap at any number of cells.
    """
    arr = adata.obsm[key]
    arr = arr.to_numpy() if isinstance(arr, pd.DataFrame) else arr
    h = _name_hashes(adata.obs_names)
    step = max(1, len(h) // CHECKSUM_ROWS)
    rows = np.flatnonzero(h % np.uint64(step) == 0)
    block = arr[rows]
    block = np.asarray(block.todense() if hasattr(block, "todense") else block, dtype=np.float64).reshape(len(rows), -1)
    w_rows = ((h[rows] >> np.uint64(11)) % np.uint64(1 << 20)).astype(np.float64) / (1 << 20) - 0.5
    w_cols = np.cos(np.arange(block.shape[1]) * 2.399963 + 0.5)  # golden angle: no two columns weigh alike
    finite = np.where(np.isfinite(block), block, 0.0)
    total = float(w_rows @ finite @ w_cols)
    return [total, float(np.abs(finite).sum()), float(block.size - np.isfinite(block).sum())]


def _lazy(adata, key: str) -> bool:
    """Whether ``obsm[key]`` is a lazy (dask) array: computed from the counts when read, so never checksummed.

    Its rows come block by block from the counts (out of core); gathering the checksum's rows would be a pass over
    them at every write and every read. Its values are what the counts give, and the counts are not checked either.
    """
    return type(adata.obsm[key]).__module__.split(".")[0] == "dask"


def _arrays_changed(adata, recorded: dict) -> list[str]:
    """Return the obsm keys whose values differ from their recorded checksum (or that are gone)."""
    changed = []
    for key, then in recorded.items():
        if key not in adata.obsm:
            changed.append(key)
            continue
        now = array_checksum(adata, key)
        scale = max(abs(float(then[1])), abs(now[1]), 1e-30)
        if abs(now[0] - float(then[0])) > CHECKSUM_TOLERANCE * scale or now[2] != float(then[2]):
            changed.append(key)
    return changed


def fingerprint(adata) -> dict[str, Any]:
    """Return what a stored result depends on in one modality: its cells (count and names) and its features.

    Recorded by each writing step in ``uns['mufuse']['cells']`` and compared by :func:`require_current`.
    """
    return {
        "n_obs": int(adata.n_obs),
        "obs": _names_hash(adata.obs_names),
        "n_vars": int(adata.n_vars),
        "var": _names_hash(adata.var_names),
    }


TABLE_KEY = "matching_table"  # in the ``cells`` entry: an order-free hash of the stored matching's rows


def _table_hash(table: pd.DataFrame, rna: str, prot: str) -> str:
    """Hash the pairs, scores, confidences and stages of a matching table regardless of row order."""
    table = pd.DataFrame(table)
    pair = sorted((rna, prot))  # the same hash whichever modality a caller names first (transfers go both ways)
    rows = table[[*pair, "score", *(c for c in ("confidence", "stage") if c in table.columns)]].copy()
    for col in rows.columns:  # float32 is what a cast keeps of a score: no edit of the values
        rows[col] = rows[col].astype(np.float32) if col in ("score", "confidence") else rows[col].astype(str)
    h = pd.util.hash_pandas_object(rows, index=False).to_numpy()
    return format(int(h.sum(dtype=np.uint64)), "016x") + f":{len(rows)}"


def record(mdata: MuData, rna: str, prot: str, stage: str, table: pd.DataFrame | None = None) -> dict[str, Any]:
    """Return the ``cells`` entry after ``stage`` wrote its results (the later stages' records dropped).

    ``table`` is the matching the ``matching`` stage stores: its hash is kept to tell later edits of it.
    """
    kept = {} if stage == "harmonize" else dict(uns(mdata).get(CELLS, {}))
    kept.pop("matching", None)
    kept.pop(TABLE_KEY, None)
    if table is not None:
        kept[TABLE_KEY] = _table_hash(table, rna, prot)
    kept[stage] = {}
    for name in (rna, prot):
        mod = mdata.mod[name]
        keys = [key for key in STAGE_ARRAYS[stage] if key in mod.obsm and not _lazy(mod, key)]
        arrays = {key: array_checksum(mod, key) for key in keys}
        kept[stage][name] = {**fingerprint(mod), "arrays": arrays}
    return kept


def require_current(mdata: MuData, rna: str, prot: str, *, stage: str, what: str) -> None:
    """Raise a :class:`MufuseError` when the cells of a modality changed since ``stage`` stored its results.

    A subset, an addition or a rename of cells after ``harmonize`` (or after the matching) leaves stored results that
    describe other cells: z-scores of another population, pairs of cells that are gone. Results written by a mufuse
    that recorded nothing are taken as they are.
    """
    recorded = dict(uns(mdata).get(CELLS, {})).get(stage)
    if not recorded:
        return
    for name in (rna, prot):
        then = dict(dict(recorded).get(name, {}))
        if not then or name not in mdata.mod:
            continue
        now = fingerprint(mdata.mod[name])
        if int(then["n_obs"]) == now["n_obs"] and str(then["obs"]) == now["obs"]:
            _require_same_arrays(mdata.mod[name], name, dict(then.get("arrays", {})), stage, what)
            continue
        change = (
            f"{int(then['n_obs'])} cells then, {now['n_obs']} now"
            if int(then["n_obs"]) != now["n_obs"]
            else f"the same number of cells ({now['n_obs']}) under other obs_names"
        )
        raise MufuseError(
            f"modality '{name}' changed since its cells were used by {stage} ({change}): the stored results describe "
            f"other cells. Run {_rerun(mdata, rna, prot, stage, what)} again before {what} (subset or rename cells "
            "before harmonize, not after)"
        )
    if stage == "matching":
        _require_same_table(mdata, rna, prot, what)


def _rerun(mdata: MuData, rna: str, prot: str, stage: str, what: str = "") -> str:
    """Return the calls that make ``stage``'s results again: harmonize first when its arrays no longer fit.

    A reader of the matching (``evaluate_matching``, the transfers, the plots) needs the matching made again too.
    """
    if stage == "harmonize" and MATCHING in uns(mdata) and what not in _BEFORE_MATCHING:
        return f"{_RERUN['harmonize']}, then {_RERUN['matching']},"
    if stage == "matching":
        then = dict(dict(uns(mdata).get(CELLS, {})).get("harmonize", {}))
        for name in (rna, prot):
            rec = dict(then.get(name, {}))
            if rec and name in mdata.mod and str(rec.get("obs")) != _names_hash(mdata.mod[name].obs_names):
                return f"{_RERUN['harmonize']}, then {_RERUN['matching']},"
    return _RERUN[stage]


def _require_same_table(mdata: MuData, rna: str, prot: str, what: str) -> None:
    """Refuse a matching table edited in place since it was stored (the cells' partners and embedding are its)."""
    then = dict(uns(mdata).get(CELLS, {})).get(TABLE_KEY)
    table = uns(mdata).get(MATCHING)
    if then is None or table is None:
        return
    table = pd.DataFrame(table)
    if not {rna, prot, "score"} <= set(table.columns) or _table_hash(table, rna, prot) != str(then):
        raise MufuseError(
            f"the stored matching (uns['mufuse']['matching'], {len(table)} pairs now, {str(then).split(':')[-1]} "
            f"stored) was edited since it was stored: obs['{MATCH_KEY}'], the joint embedding and the evaluation "
            f"belong to the pairs as stored. Store pairs of your own with mufuse.tl.add_matching(mdata, table) (a "
            f"table with columns '{rna}', '{prot}', 'score'), or run {_RERUN['matching']} again, before {what}"
        )


def _require_same_arrays(adata, name: str, recorded: dict, stage: str, what: str) -> None:
    """Refuse arrays ``stage`` wrote that were edited, replaced or removed since (their recorded checksums differ)."""
    changed = _arrays_changed(adata, recorded)
    if changed:
        keys = ", ".join(f"obsm['{k}']" for k in changed)
        raise MufuseError(
            f"{keys} of modality '{name}' changed since {stage} wrote {'them' if len(changed) > 1 else 'it'} (new "
            f"values, rows moved apart from their obs_names, or removed): the stored results were computed from the "
            f"arrays as written. Run {_RERUN[stage]} again before {what} (keep your own arrays under other obsm keys)"
        )


def _used_features(mdata: MuData, name: str, rna: str) -> list[str]:
    """Return the features the harmonized arrays of modality ``name`` were built from (var names)."""
    store = uns(mdata)
    used = [str(f) for f in dict(store.get(ACTIVE, {})).get(name, [])]
    shared = pd.DataFrame(store.get(SHARED, {}))
    if name == rna and "genes" in shared.columns:
        used += [g for genes in shared["genes"].astype(str) for g in genes.split(";") if g]
    elif name != rna and "prot" in shared.columns:
        used += [str(f) for f in shared["prot"]]
    return list(dict.fromkeys(used))


def _require_same_links(mdata: MuData, prot: str, what: str) -> None:
    """Refuse arrays built from other links than the stored ones (``link_features(exclude=...)`` after harmonize)."""
    store = uns(mdata)
    links, shared = store.get(LINKS), pd.DataFrame(store.get(SHARED, {}))
    if links is None or not isinstance(links, pd.DataFrame) or "prot" not in shared.columns:
        return
    links = links.reindex(shared["prot"].astype(str))
    now = links["status"].astype(str).where(links["status"].notna(), "missing")
    changed = list(dict.fromkeys(f for f, st in now.items() if st != "linked"))
    if changed:
        more = f" and {len(changed) - 5} more" if len(changed) > 5 else ""
        raise MufuseError(
            f"the links of modality '{prot}' changed since harmonize ({', '.join(map(repr, changed[:5]))}{more} no "
            f"longer linked: a later link_features excluded them), and the harmonized arrays still hold them as "
            f"shared features. Run mufuse.pp.harmonize(mdata) again before {what}"
        )


def require_harmonized(mdata: MuData, rna: str, prot: str, *, what: str) -> None:
    """Raise a clear error when ``harmonize`` has not been run on ``mdata``, or its arrays no longer fit the data.

    The arrays no longer fit when cells were subset, added or renamed since (:func:`require_current`), or when a
    feature they were built from is no longer in ``var`` (a marker dropped or renamed after harmonize). Other changes
    of ``var`` (a column added, a non-marker column dropped) leave the arrays as they were, with a warning.
    """
    mods = {name: get_modality(mdata, name, role) for name, role in ((rna, "rna"), (prot, "prot"))}
    for name, mod in mods.items():
        missing = [k for k in (SHARED_KEY, ACTIVE_KEY) if k not in mod.obsm]
        if missing or SHARED not in uns(mdata):
            keys = "/".join(f"obsm['{k}']" for k in missing or (SHARED_KEY, ACTIVE_KEY))
            raise MufuseError(
                f"{what} needs harmonized arrays, but modality '{name}' has no {keys}: run "
                f"mufuse.pp.harmonize(mdata, rna='{rna}', prot='{prot}') first"
            )
    require_current(mdata, rna, prot, stage="harmonize", what=what)
    _require_same_links(mdata, prot, what)
    recorded = dict(dict(uns(mdata).get(CELLS, {})).get("harmonize", {}))
    for name, mod in mods.items():
        then = dict(recorded.get(name, {}))
        if not then or str(then.get("var")) == _names_hash(mod.var_names):
            continue
        gone = [f for f in _used_features(mdata, name, rna) if f not in mod.var_names]
        if gone:
            shown = ", ".join(repr(f) for f in gone[:5]) + (f" and {len(gone) - 5} more" if len(gone) > 5 else "")
            hint = (
                " (to leave a marker out of the matching, pass exclude=[...] to mufuse.pp.link_features, then "
                "harmonize again)"
                if name != rna
                else " (the RNA genes are chosen by harmonize: subset the genes before it, or harmonize after)"
            )
            raise MufuseError(
                f"modality '{name}' no longer has {len(gone)} feature(s) its harmonized arrays were built from "
                f"({shown}): they were dropped or renamed after harmonize, and obsm['{SHARED_KEY}']/"
                f"obsm['{ACTIVE_KEY}'] still hold them. Run mufuse.pp.harmonize(mdata) again before {what}{hint}"
            )
        warnings.warn(
            f"modality '{name}' has other features than when it was harmonized ({int(then['n_vars'])} then, "
            f"{mod.n_vars} now); the harmonized arrays keep the features they were built from. Run "
            "mufuse.pp.harmonize(mdata) again to use the new ones",
            UserWarning,
            stacklevel=3,
        )


def write_harmonized(
    mdata: MuData,
    *,
    rna: str,
    prot: str,
    arrays: dict[tuple[str, str], Any],
    entries: dict[str, Any],
) -> None:
    """Write all results of ``harmonize`` at once (called only after everything has been computed).

    ``arrays`` maps ``(modality, key)`` to obsm arrays; ``entries`` are the new ``uns['mufuse']`` entries.
    Earlier results of the matching (``uns`` matching and evaluation, ``obs`` partner and score, ``obsm`` joint
    embedding and transferred features) are dropped because they no longer belong to these arrays; labels carried
    into ``obs`` by :func:`mufuse.tl.transfer_labels` stay, as the user's annotations.
    """
    if MATCHING in uns(mdata):
        warnings.warn(
            "harmonize replaced the arrays the stored matching was made from: the matching, its evaluation, the joint "
            "embedding and transferred features are dropped (run mufuse.tl.match again); labels already "
            "transferred into obs stay as they are",
            UserWarning,
            stacklevel=4,
        )
    for (mod_name, key), arr in arrays.items():
        mdata.mod[mod_name].obsm[key] = arr
    for mod_name in (rna, prot):  # the matching of the old arrays, its embedding and transfers, no longer hold
        mod = mdata.mod[mod_name]
        mod.obsm.pop(EMBEDDING_KEY, None)
        mod.obsm.pop(TRANSFERRED_KEY, None)
        stale = [c for c in (MATCH_KEY, SCORE_KEY, CONFIDENCE_KEY) if c in mod.obs.columns]
        if stale:
            mod.obs = mod.obs.drop(columns=stale)
    update(mdata, {**entries, CELLS: record(mdata, rna, prot, "harmonize")}, drop=(MATCHING, EVALUATION))


def update(
    mdata: MuData, entries: dict[str, Any], *, drop: tuple[str, ...] = (), params: dict[str, Any] | None = None
) -> None:
    """Set entries of ``mdata.uns['mufuse']`` (dropping ``drop``; merging ``params`` into ``params``) in one write."""
    store = dict(uns(mdata))
    for stale in drop:
        store.pop(stale, None)
    store.update(entries)
    if params:
        store[PARAMS] = {**dict(store.get(PARAMS, {})), **params}
    mdata.uns[UNS_KEY] = store


def matched_positions(mdata: MuData, rna: str, prot: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Return the stored matching and, for each pair, the row positions of its two cells in their modalities.

    Raises a :class:`MufuseError` when no matching is stored, it is empty, or it names cells that are gone.
    """
    store = uns(mdata)
    if MATCHING not in store:
        raise MufuseError("no matching stored: run mufuse.tl.match(mdata) (or mufuse.tl.add_matching) first")
    require_current(mdata, rna, prot, stage="matching", what="using the stored matching")
    table = pd.DataFrame(store[MATCHING])
    if table.empty:
        raise MufuseError("the stored matching has no pairs; nothing to evaluate")
    i1 = mdata.mod[rna].obs_names.get_indexer(table[rna].astype(str))
    i2 = mdata.mod[prot].obs_names.get_indexer(table[prot].astype(str))
    if (i1 < 0).any() or (i2 < 0).any():
        raise MufuseError(f"the stored matching names cells that are no longer in '{rna}'/'{prot}'; match again")
    return table, i1, i2
