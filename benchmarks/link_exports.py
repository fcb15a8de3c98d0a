"""How mufuse.pp.link_features reads real panel names after exports and hand-typing rewrote them (issue 31).

Every name of the answer keys that links right as written is rewritten the way tools and people rewrite names, and
linked again with every approved symbol in the RNA. A rewrite is read right when it links to a non-empty subset of
the name's genes; "wrong" counts links to a gene the key does not list.

Styles: R's ``make.names`` (every character but letters, digits, ``.`` and ``_`` becomes ``.``), Seurat's ``_`` to
``-``, a slash written ``-``, ``_``, ``.`` or a space, a dye or a clone added (``CD4_BV421``, ``PE-Cy7-CD4``,
``CD4 (clone 1A2)``), every run of spaces, brackets and slashes written as one ``-``, ``_`` or ``.`` (a sanitiser's
``CD120b-TNF-RII`` for ``CD120b (TNF-RII)``) and R janitor's lower-case snake_case, a vendor prefix (``anti-mouse``,
``TotalSeq-A0123 anti-mouse``, ``ADT_``), a metal tag, every Greek letter as its word, its Latin letter or (γ)
``r``/``y``, upper and lower case.

    python benchmarks/link_exports.py            # mouse and human, every style (about 2 min)
    python benchmarks/link_exports.py mouse -v   # one species, and every rewrite read wrong
"""

from __future__ import annotations

import re
import sys

import pandas as pd
from link_panels import panels, score

GREEK = {"α": ["alpha", "a", "A"], "β": ["beta", "b", "B"], "γ": ["gamma", "g", "r", "y"], "δ": ["delta", "d"]}
GREEK |= {"ε": ["epsilon", "e"]}
WORDS = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε"}


def _greek(name: str) -> dict[str, str]:
    """Every Greek letter of a name in each of its spellings, one spelling at a time."""
    g = name
    for word, letter in WORDS.items():
        g = re.sub(word, letter, g, flags=re.IGNORECASE)
    if not any(c in g for c in GREEK):
        return {}
    out = {"greek symbol": g}
    for i in range(4):
        spelled = g
        for letter, ways in GREEK.items():
            spelled = spelled.replace(letter, ways[min(i, len(ways) - 1)])
        out[f"greek spelling {i}"] = spelled
    return out


def rewrites(name: str, species: str) -> dict[str, str]:
    """Return the name as each style writes it (style -> name)."""
    made = re.sub(r"[^\w.]", ".", name)
    out = {
        "R make.names": made if re.match(r"[A-Za-z.]", made) else "X" + made,
        "Seurat _ to -": name.replace("_", "-"),
        "dye after": f"{name}_BV421",
        "dye before": f"PE-Cy7-{name}",
        "clone after": f"{name} (clone 1A2)",
        "anti-species": f"anti-{species} {name}",
        "TotalSeq product": f"TotalSeq-A0123 anti-{species} {name}",
        "ADT_ prefix": f"ADT_{name}",
        "metal tag": f"151Eu_{name}",
        "upper case": name.upper(),
        "lower case": name.lower(),
    }
    if "/" in name:
        for sep, label in (("-", "-"), ("_", "_"), (".", "."), (" ", "space")):
            out[f"slash as {label}"] = name.replace("/", sep)
    if re.search(r"[^\w.-]", name):  # a sanitiser writes each run of spaces, brackets, slashes as one character
        for sep in "-_.":
            out[f"punctuation as {sep}"] = re.sub(r"[^\w.]+" if sep != "." else r"[^\w]+", sep, name).strip(sep)
        out["snake_case"] = re.sub(r"[^\w]+", "_", name).strip("_").lower()  # R janitor::make_clean_names
    return out | _greek(name)


def run(species: str, verbose: bool) -> pd.DataFrame:
    table = panels()
    table = table[table["species"] == species]
    table = table[~table.index.duplicated()]
    base = score(table, species=species)
    right = base[base["right"] & (base["genes"] != "") & (base.get("category") != "nogene")]
    rows = [
        (new, style, name, r.genes)
        for name, r in right.iterrows()
        for style, new in rewrites(name, species).items()
        if new != name
    ]
    cases = pd.DataFrame(rows, columns=["name", "style", "written", "genes"]).drop_duplicates("name").set_index("name")
    out = score(cases.assign(category="protein"), species=species)
    out["wrong"] = (out["status"] == "linked") & ~out["right"]
    print(f"{species}: {len(right)} names linked right as written, {len(out)} rewrites")
    for style, sub in [*out.groupby("style"), ("all", out)]:
        n, share, wrong, partial = len(sub), sub["right"].mean(), int(sub["wrong"].sum()), int(sub["partial"].sum())
        print(f"  {style:<18}{n:>6} rewrites, right {share:6.1%}, wrong gene {wrong}, some genes only {partial}")
    if verbose:
        pd.set_option("display.width", 200)
        print(out.loc[~out["right"], ["style", "written", "genes", "got", "status"]].to_string())
    return out


def main() -> None:
    species = [a for a in sys.argv[1:] if a in ("human", "mouse")] or ["mouse", "human"]
    for sp in species:
        run(sp, "-v" in sys.argv)


if __name__ == "__main__":
    main()
