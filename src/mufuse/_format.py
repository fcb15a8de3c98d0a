"""Text output of the command line: the scale summary, the broken rules and the verdict, the link table."""

from __future__ import annotations

import pandas as pd


def _num(v: float) -> str:
    return f"{v:>9.3f}" if abs(v) < 1e4 else f"{v:>9.3g}"


def summary(table: pd.DataFrame, states: dict[str, str] | None = None, indent: str = "  ") -> str:
    """Summarize a scale report, one line per modality: its state, mean, std, min, max and share of values at the clip.

    Examples
    --------
    >>> t = pd.DataFrame([{"modality": "rna", "feature": "(all)", "mean": 0.0, "std": 1.0, "min": -2.0, "max": 5.0,
    ...                    "frac_clipped": 0.001}])
    >>> print(summary(t, {"rna": "zscored"}, indent=""))
    modality  state             mean      std      min      max  |x|>=clip
    rna       zscored          0.000    1.000   -2.000    5.000       0.1%
    """
    rows = table.loc[table["feature"] == "(all)"]
    head = f"{indent}{'modality':<10}{'state':<13}{'mean':>9}{'std':>9}{'min':>9}{'max':>9}{'|x|>=clip':>11}"
    lines = [head]
    for r in rows.itertuples(index=False):
        state = (states or {}).get(r.modality, "")
        lines.append(
            f"{indent}{r.modality:<10}{state:<13}{_num(r.mean)}{_num(r.std)}{_num(r.min)}{_num(r.max)}"
            f"{100 * r.frac_clipped:>10.1f}%"
        )
    return "\n".join(lines)


def verdict(issues: str, indent: str = "  ") -> str:
    """List the broken rules (one ``[rule] message`` per line), or give the verdict OK when there are none.

    Examples
    --------
    >>> print(verdict("[std] prot: std 0.080", indent=""))
    ! [std] prot: std 0.080
    """
    if not issues:
        return f"{indent}verdict: OK — both modalities have mean≈0, std≈1 and the same range"
    return "\n".join(f"{indent}! {line}" for line in issues.splitlines())


def before_after(report, issues_after: str, rna: str, prot: str, after_title: str) -> str:
    """Show the scale summary before mufuse (RNA z-scored, protein as given) and after, each with its verdict."""
    states = dict(report["input_state"])
    return "\n".join(
        [
            f"as given ({rna} normalized and z-scored by mufuse, {prot} untransformed: what MaxFuse sees without "
            "a protein transform):",
            summary(report["before"], {rna: "zscored", prot: states.get(prot, "")}),
            verdict(str(report["before_issues"])),
            after_title,
            summary(report["table"], {rna: "zscored", prot: "zscored"}),
            verdict(issues_after),
        ]
    )


def link_table(links: pd.DataFrame) -> str:
    """Lay the link table out as text: marker, status, genes, reason; then the counts per status.

    Examples
    --------
    >>> t = pd.DataFrame({"status": ["linked"], "genes": ["CD4"], "reason": ["HGNC approved symbol: CD4"]}, ["CD4"])
    >>> print(link_table(t).splitlines()[-1])
    1 of 1 markers linked (linked: 1)
    """
    width = max(8, *(len(str(i)) for i in links.index)) + 2
    gw = max(22, *(len(str(g)) + 2 for g in links["genes"]))  # a long gene list never runs into its reason
    lines = [f"{'marker':<{width}}{'status':<13}{'genes':<{gw}}reason"]
    for name, r in links.iterrows():
        lines.append(f"{name!s:<{width}}{r['status']:<13}{r['genes'] or '-':<{gw}}{r['reason']}")
    n_linked = int((links["status"] == "linked").sum())
    lines += ["", f"{n_linked} of {len(links)} markers linked ({link_counts(links)})"]
    return "\n".join(lines)


def link_counts(links: pd.DataFrame) -> str:
    """``"linked: 12, excluded: 3, ..."``: the number of markers per status.

    Examples
    --------
    >>> link_counts(pd.DataFrame({"status": ["linked", "linked", "excluded"]}))
    'linked: 2, excluded: 1'
    """
    return ", ".join(f"{k}: {v}" for k, v in links["status"].value_counts().items())


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
