"""Text output of the command line: the scale summary, the broken rules and the verdict, the link table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _store


def _num(v: float) -> str:
    return f"{v:>9.3f}" if abs(v) < 1e4 else f"{v:>9.3g}"


def summary(table: pd.DataFrame, states: dict[str, str] | None = None, indent: str = "  ") -> str:
    """Summarize a scale report, one line per modality: its state, mean, std, min, max and share of values at the clip.

    The share at the clip is given for z-scored arrays only ("-" for counts or other unscaled values, where the clip
    has no meaning).

    Examples
    --------
    >>> t = pd.DataFrame([{"modality": "rna", "feature": "(all)", "mean": 0.0, "std": 1.0, "min": -2.0, "max": 5.0,
    ...                    "frac_clipped": 0.001}, {"modality": "prot", "feature": "(all)", "mean": 310.0,
    ...                    "std": 900.0, "min": 0.0, "max": 12908.0, "frac_clipped": 0.94}])
    >>> print(summary(t, {"rna": "zscored", "prot": "counts"}, indent=""))
    modality  state             mean      std      min      max  |x|>=clip
    rna       zscored          0.000    1.000   -2.000    5.000       0.1%
    prot      counts         310.000  900.000    0.000 1.29e+04          -
    """
    rows = table.loc[table["feature"] == "(all)"]
    head = f"{indent}{'modality':<10}{'state':<13}{'mean':>9}{'std':>9}{'min':>9}{'max':>9}{'|x|>=clip':>11}"
    lines = [head]
    for r in rows.itertuples(index=False):
        state = (states or {}).get(r.modality, "")
        clipped = f"{_share(r.frac_clipped):>11}" if state in ("", "zscored") else f"{'-':>11}"
        lines.append(
            f"{indent}{r.modality:<10}{state:<13}{_num(r.mean)}{_num(r.std)}{_num(r.min)}{_num(r.max)}{clipped}"
        )
    return "\n".join(lines)


def _share(frac: float) -> str:
    """``0.0%`` only when nothing is there: a share below 0.05% reads ``<0.1%``."""
    return "<0.1%" if 0 < frac < 0.0005 else f"{100 * frac:.1f}%"


def verdict(issues: str, indent: str = "  ", table: pd.DataFrame | None = None, *, as_given: bool = False) -> str:
    """List the broken rules (one ``[rule] message`` per line) and end with the verdict that follows from them.

    OK states the numbers each rule was checked on (from ``table``, the scale report); per-feature flags of the
    table, which are not rules, are said in a note. ``as_given``: the arrays are the input before mufuse scaled it.

    Examples
    --------
    >>> print(verdict("[std] prot: std 0.080", indent=""))
    ! [std] prot: std 0.080
    verdict: FAIL — 1 rule broken (std)
    >>> t = pd.DataFrame([{"modality": m, "feature": "(all)", "mean": 0.0, "std": s, "min": lo, "max": 5.0,
    ...                    "flag": ""} for m, s, lo in (("rna", 0.89, -1.0), ("prot", 0.99, -5.0))])
    >>> print(verdict("", indent="", table=t))
    verdict: OK — |mean| ≤ 0.1, std in [0.5, 1.5] (both); std ratio 1.11 ≤ 2; range widths 6.0, 10.0 within 2x
    """
    from ._report import MEAN_TOL, RANGE_RATIO, STD_RANGE, STD_RATIO

    if issues:
        lines = [f"{indent}{'-' if as_given else '!'} {line}" for line in issues.splitlines()]
        rules = [line.split("]")[0].lstrip("[") for line in issues.splitlines() if line.startswith("[")]
        n = len(rules) or len(lines)
        if as_given:  # the input is described, not judged: counts are meant to differ from z-scores
            lines.append(
                f"{indent}as given: outside {n} rule{'s' if n != 1 else ''} ({', '.join(rules)}), as values before "
                "harmonize are; the arrays MaxFuse gets are checked after harmonize"
            )
        else:
            lines.append(f"{indent}verdict: FAIL — {n} rule{'s' if n != 1 else ''} broken ({', '.join(rules)})")
        return "\n".join(lines)
    text = f"{indent}{'as given: within the rules' if as_given else 'verdict: OK'}"
    if table is None:
        return text
    rows = table.loc[table["feature"] == "(all)"]
    std, width = rows["std"].to_numpy(float), (rows["max"] - rows["min"]).to_numpy(float)
    text += (
        f" — |mean| ≤ {MEAN_TOL:g}, std in [{STD_RANGE[0]:g}, {STD_RANGE[1]:g}] (both); "
        f"std ratio {std.max() / std.min():.2f} ≤ {STD_RATIO:g}; range widths "
        f"{', '.join(f'{w:.1f}' for w in width)} within {RANGE_RATIO:g}x"
    )
    return text + _feature_note(table, indent)


def _feature_note(table: pd.DataFrame, indent: str) -> str:
    """Say how many features carry a per-feature flag (``mean``/``std``, not rules), and what that means."""
    from ._report import MEAN_TOL, STD_RANGE

    if "flag" not in table:
        return ""
    feats = table.loc[table["feature"] != "(all)"]
    flagged = feats.loc[feats["flag"].fillna("").str.contains(r"\b(?:mean|std)\b")]
    if flagged.empty:
        return ""
    low = flagged.nsmallest(3, "std")
    names = ", ".join(f"{r.feature} ({r.modality}, std {r.std:.2f})" for r in low.itertuples(index=False))
    return (
        f"\n{indent}note: {len(flagged)} of the {len(feats)} columns (each shared feature in each modality) "
        f"{'is' if len(flagged) == 1 else 'are'} flagged in the per-feature table (mufuse.tl.check_scales(mdata); "
        f"std outside [{STD_RANGE[0]:g}, {STD_RANGE[1]:g}] or |mean| > {MEAN_TOL:g}; lowest std: {names}): "
        "sparse features whose long tail the clip cut weigh less in the correlation distance; the rules apply to "
        "each modality as a whole"
    )


def before_after(report, issues_after: str, rna: str, prot: str, after_title: str) -> str:
    """Show the scale summary before mufuse (RNA z-scored, protein as given) and after, each with its verdict."""
    states = dict(report["input_state"])
    return "\n".join(
        [
            f"before, on the {_n_shared(report)} shared features: {rna} z-scored by mufuse ({_rna_from(report)}), "
            f"{prot} as given ({states.get(prot, '?')}): what MaxFuse would see without a protein transform",
            summary(report["before"], {rna: "zscored", prot: states.get(prot, "")}),
            verdict(str(report["before_issues"]), table=report["before"], as_given=True),
            after_title,
            summary(report["table"], {rna: "zscored", prot: "zscored"}),
            verdict(issues_after, table=report["table"]),
        ]
    )


def _rna_from(report) -> str:
    """Say what the RNA z-scores were computed from: its counts, or log-normalized values taken back by expm1."""
    source = str(report.get("counts_source", ""))
    return f"from {source}" if "log-normalized" in source else "from its counts"


def _n_shared(report) -> int:
    table = report["table"]
    return int((table["feature"] != "(all)").sum() // max(1, (table["feature"] == "(all)").sum()))


def link_table(links: pd.DataFrame) -> str:
    """Lay the link table out as text: column, status, role, genes, reason; then the counts per status and role.

    Examples
    --------
    >>> t = pd.DataFrame({"status": ["linked"], "genes": ["CD4"], "reason": ["HGNC approved symbol: CD4"]}, ["CD4"])
    >>> print(link_table(t).splitlines()[-1])
    1 of 1 markers linked (linked: 1)
    """
    width = max(8, *(len(str(i)) for i in links.index)) + 2
    gw = max(22, *(len(str(g)) + 2 for g in links["genes"]))  # a long gene list never runs into its reason
    roles = links["role"] if "role" in links.columns else pd.Series("", index=links.index)
    rw = max(6, *(len(str(r)) for r in roles)) + 2
    lines = [f"{'column':<{width}}{'status':<13}{'role':<{rw}}{'genes':<{gw}}reason"]
    for (name, r), role in zip(links.iterrows(), roles, strict=True):
        lines.append(f"{name!s:<{width}}{r['status']:<13}{role!s:<{rw}}{r['genes'] or '-':<{gw}}{r['reason']}")
    return "\n".join([*lines, "", *link_summary(links)])


def link_summary(links: pd.DataFrame) -> list[str]:
    """Say how many markers link, then the other columns by role and the columns the user left out.

    Markers are the columns whose role is ``marker`` (every column of a table without roles); a column left out
    with ``exclude=`` is counted apart, whatever its name says.

    Examples
    --------
    >>> t = pd.DataFrame({"status": ["linked", "not_found", "excluded", "excluded"],
    ...                   "role": ["marker", "marker", "morphology", "marker"], "source": ["", "", "rule", "user"]})
    >>> for line in link_summary(t):
    ...     print(line)
    1 of 2 markers linked (linked: 1, not_found: 1)
    1 other column, not matched: morphology: 1
    1 column left out with exclude=
    """
    role = links["role"] if "role" in links.columns else pd.Series("marker", index=links.index)
    source = links["source"] if "source" in links.columns else pd.Series("", index=links.index)
    user = (links["status"] == "excluded") & (source == _store.SOURCE_USER)
    again = (links["status"] == "excluded") & (source == _store.SOURCE_MEASUREMENT)  # one column per antigen
    markers = (role == "marker") & ~user & ~again
    n_linked = int((links["status"][markers] == "linked").sum())
    lines = [f"{n_linked} of {int(markers.sum())} markers linked ({link_counts(links[markers])})"]
    if again.any():
        n = int(again.sum())
        lines.append(f"{n} other measurement{'s' if n > 1 else ''} of these antigens, not matched (one column each)")
    others = ~markers & ~user & ~again
    if others.any():
        n = int(others.sum())
        lines.append(f"{n} other column{'s' if n > 1 else ''}, not matched: {role_counts(links[others])}")
    if user.any():
        n = int(user.sum())
        lines.append(f"{n} column{'s' if n > 1 else ''} left out with exclude=")
    return lines


def link_counts(links: pd.DataFrame) -> str:
    """``"linked: 12, excluded: 3, ..."``: the number of markers per status.

    Examples
    --------
    >>> link_counts(pd.DataFrame({"status": ["linked", "linked", "excluded"]}))
    'linked: 2, excluded: 1'
    """
    return ", ".join(f"{k}: {v}" for k, v in links["status"].value_counts().items())


def rna_roles(rna_ad, name: str) -> str:
    """Say what the RNA rows are: ``"rna: 2000 genes"``, and the rows that are not genes (left out of everything).

    Examples
    --------
    >>> import anndata as ad, numpy as np
    >>> var = pd.DataFrame({"feature_types": ["Gene Expression", "Antibody Capture"]}, index=["CD4", "CD4-1"])
    >>> rna_roles(ad.AnnData(np.zeros((1, 2)), var=var), "rna").split("; ")[0]
    'rna: 1 genes'
    """
    from ._genes import rna_roles as roles_of

    roles, column = roles_of(rna_ad.var, rna_ad.var_names)
    counts = roles.value_counts()
    text = f"{name}: {int(counts.get('gene', 0))} genes"
    others = counts.drop("gene", errors="ignore")
    if len(others):
        kinds = ", ".join(f"{n} {k}" for k, n in others.items())
        text += f"; {int(others.sum())} rows that are not genes, left out of library sizes, HVGs and links: {kinds}"
        text += f" (var['{column}'])" if column else ""
    return text


def role_counts(links: pd.DataFrame) -> str:
    """``"marker: 30, morphology: 8, position: 2"``: the number of columns per role.

    Examples
    --------
    >>> role_counts(pd.DataFrame({"role": ["marker", "position", "marker"]}))
    'marker: 2, position: 1'
    """
    return ", ".join(f"{k}: {v}" for k, v in links["role"].value_counts().items())


def label_agreement(ev: dict, key: str) -> str:
    """Say the label agreement of an evaluation, and what it was computed on.

    Examples
    --------
    >>> ev = {"label_agreement": None, "label_overlap": {"shared": [], "pairs_compared": 0.0}}
    >>> print(label_agreement(ev, "cell_type"))
    label agreement of matched pairs (cell_type): not comparable, no label occurs in both modalities
    """
    ov = ev.get("label_overlap") or {}
    if ev.get("label_agreement") is None:
        return f"label agreement of matched pairs ({key}): not comparable, no label occurs in both modalities"
    text = f"label agreement of matched pairs ({key}): {ev['label_agreement']:.3f}"
    if ov and float(ov.get("pairs_compared", 1.0)) < 1.0:
        text += f" (over the {float(ov['pairs_compared']):.0%} of pairs whose labels occur in both modalities)"
    return text


CONFIDENCE_STEPS = (0.25, 0.5, 0.75)


def confidence(matching, ev: dict | None = None) -> str:
    """Say how confident the pairs of a matching are.

    The median, the share of pairs at or above a few thresholds and, with an evaluation on labels, the agreement of
    the most confident half and of all pairs.

    Examples
    --------
    >>> import pandas as pd
    >>> print(confidence(pd.DataFrame({"confidence": [0.9, 0.8, 0.6, 0.3, 0.1]})))
    pair confidence (0-1, label-free; keep pairs above a threshold to trade coverage for agreement): median 0.60;
      pairs >= 0.25: 80%, >= 0.5: 60%, >= 0.75: 40%
    """
    if "confidence" not in matching:
        return "pair confidence: none stored (a matching added from elsewhere)"
    c = matching["confidence"].astype(float)
    steps = ", ".join(f">= {t:g}: {(c >= t).mean():.0%}" for t in CONFIDENCE_STEPS)
    text = (
        "pair confidence (0-1, label-free; keep pairs above a threshold to trade coverage for agreement): "
        f"median {c.median():.2f};\n  pairs {steps}"
    )
    by = (ev or {}).get("agreement_by_confidence")
    if by:
        text += (
            f"\n  label agreement of the most confident 50% of pairs {float(by['0.5']):.3f}, 80% "
            f"{float(by['0.8']):.3f}, all {float(by['1.0']):.3f}"
        )
    return text


def metacells(route: dict, rna: str) -> str:
    """How the direct route's RNA metacells were made, for the route line of ``mufuse match`` (empty otherwise).

    Examples
    --------
    >>> print(metacells({"route": "direct", "metacells": "pairs", "rna_metacells": 1800}, "rna"))
    ; 1800 rna metacells of up to two cells made by mufuse (--metacells pairs; auto takes them above 2,000 cells)
    >>> metacells({"route": "sketch"}, "rna")
    ''
    """
    if route.get("route") != "direct" or "metacells" not in route:
        return ""
    if route["metacells"] == "pairs":
        return (
            f"; {route['rna_metacells']} {rna} metacells of up to two cells made by mufuse (--metacells pairs; auto "
            "takes them above 2,000 cells)"
        )
    return "; MaxFuse's own metacells of two (--metacells maxfuse; auto takes them up to 2,000 cells)"


def p_value(p: float, n_perms: int | None) -> str:
    """Say a permutation p-value the one way every printout, warning and plot says it.

    The smallest p-value ``n`` permutations can give is ``1 / (n + 1)``: it reads "p < 0.001" for 1,000 permutations
    (the true value is at most that), others with two significant digits; the number of permutations always follows.

    Examples
    --------
    >>> p_value(1 / 1001, 1000), p_value(0.0312, 200), p_value(0.5, None)
    ('p ≤ 0.001 (1000 permutations)', 'p = 0.031 (200 permutations)', 'p = 0.5')
    """
    if n_perms is None or not n_perms:
        return f"p = {float(p):.2g}"
    floor = 1.0 / (int(n_perms) + 1)
    if float(p) <= floor + 1e-12:
        return f"p ≤ {floor:.2g} ({int(n_perms)} permutations)"
    return f"p = {float(p):.2g} ({int(n_perms)} permutations)"


def share3(value) -> str:
    """Say a share (label agreement, accuracy) with three decimals, or ``n/a``.

    Examples
    --------
    >>> share3(0.8954698724527196), share3(None)
    ('0.895', 'n/a')
    """
    return "n/a" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{float(value):.3f}"
