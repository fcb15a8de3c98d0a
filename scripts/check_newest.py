"""Run mufuse against the newest dependency versions the registry serves (issue 29), outside the pinned extras.

Creates a virtual environment, installs mufuse with its ``maxfuse`` extra, then upgrades every dependency to the newest
release (pynndescent included, past the extra's ``<0.7`` pin), and in it: runs the size tests of ``run_maxfuse`` and
checks that a matching on 5,000 cells either runs or is refused before any work with a message naming the fix.

Usage: ``python scripts/check_newest.py [--venv DIR]`` (about 5 minutes; prints the versions and each result, exits 1
when anything fails).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UPGRADE = ["pynndescent", "scanpy", "scipy", "numpy", "anndata", "mudata", "scikit-learn", "numba", "pandas"]
PROBE = """
import warnings, mufuse
warnings.simplefilter("ignore")
m = mufuse.datasets.simulated(5000, n_genes=400, paired=False, n_prot_cells=5000, seed=0)
mufuse.pp.harmonize(m)
try:
    mufuse.tl.run_maxfuse(m)
    print("5,000 cells: matched")
except mufuse.MufuseError as err:
    assert "pynndescent<0.7" in str(err), err
    print("5,000 cells: refused before any work:", err)
"""


def run(*args: str) -> None:
    print("$", " ".join(args), flush=True)
    subprocess.run(args, check=True, cwd=ROOT)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", default=str(ROOT / ".venv-newest"))
    venv = Path(parser.parse_args().venv)
    python = str(venv / "bin" / "python")
    try:
        run(sys.executable, "-m", "venv", str(venv))
        run(python, "-m", "pip", "install", "-q", f"{ROOT}[maxfuse,test]")
        run(python, "-m", "pip", "install", "-q", "--upgrade", *UPGRADE)
        run(python, "-m", "pip", "list", "--format=freeze")
        run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/tl/test_maxfuse_sizes.py")
        run(python, "-c", PROBE)
    except subprocess.CalledProcessError as err:
        print(f"failed: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
