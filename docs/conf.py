"""Sphinx configuration of the mufuse documentation (``make docs``; CI builds it with ``-W``).

What happens before Sphinx reads a page:

1. ``tutorials/*.ipynb`` (committed without outputs) are copied into ``docs/tutorials/`` (git-ignored), where
   myst-nb executes them during the build (``nb_execution_mode``, default ``"force"``).
2. The API page is checked against the package: every public name of ``mufuse``, ``mufuse.pp``, ``mufuse.tl``,
   ``mufuse.pl`` and ``mufuse.datasets`` must be listed in ``docs/api.md``, or the build stops.

Set ``MUFUSE_DOCS_EXECUTE=off`` (or ``cache``) for a quick local build that does not run the tutorials; CI never
sets it.
"""

from __future__ import annotations

import filecmp
import inspect
import os
import re
import shutil
import types
import warnings
from pathlib import Path

from sphinx.errors import ConfigError

import mufuse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# -- project -------------------------------------------------------------------------------------------------------
project = "mufuse"
author = "mufuse developers"
copyright = "2025, mufuse developers"
version = release = mufuse.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx_autodoc_typehints",  # after napoleon
    "scanpydoc.elegant_typehints",  # numpydoc "Returns" sections in prose, as scanpy writes them
    "sphinxarg.ext",
    "sphinx_copybutton",
]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
master_doc = "index"
nitpicky = False  # no intersphinx (the build runs offline), so references to numpy/pandas/... stay plain text

# -- API reference -------------------------------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "inherited-members": False, "show-inheritance": True}
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_include_init_with_doc = False
napoleon_use_rtype = True
napoleon_use_param = True
typehints_defaults = "braces"
typehints_use_signature = False
always_document_param_types = False
add_module_names = False
# sphinx-autodoc-typehints still calls an API that Sphinx 9 deprecates (a Python warning, not a build warning)
warnings.filterwarnings("ignore", message=r".*_RstSnippetParser\.set_application.*")

# -- MyST and notebooks --------------------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = os.environ.get("MUFUSE_DOCS_EXECUTE", "force")
nb_execution_timeout = 600  # per cell
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_cache_path = str(HERE / "_build" / ".jupyter_cache")
nb_merge_streams = True
# The tutorials' figures must be drawn inline; CI exports MPLBACKEND=Agg for the test suite, which the kernels started
# by myst-nb would inherit (ipykernel only picks its inline backend when MPLBACKEND is unset).
os.environ.pop("MPLBACKEND", None)

# -- HTML ----------------------------------------------------------------------------------------------------------
html_theme = "scanpydoc"  # sphinx-book-theme with scverse's styling
html_title = f"mufuse {release}"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
html_show_sphinx = False
smartquotes_action = "qe"  # curly quotes and ellipses, but keep "--option" as typed


# -- tutorials: tutorials/*.ipynb → docs/tutorials/ (git-ignored) ---------------------------------------------------
def _copy_tutorials() -> None:
    src, dst = ROOT / "tutorials", HERE / "tutorials"
    notebooks = sorted(src.glob("*.ipynb"))
    if not notebooks:
        raise ConfigError(f"no notebooks in {src}: the tutorials page would be empty")
    dst.mkdir(exist_ok=True)
    wanted = {nb.name for nb in notebooks}
    for old in dst.glob("*.ipynb"):
        if old.name not in wanted:
            old.unlink()
    for nb in notebooks:
        target = dst / nb.name
        if not target.exists() or not filecmp.cmp(nb, target, shallow=False):
            shutil.copy2(nb, target)


_copy_tutorials()


# -- the API page must list every public name -----------------------------------------------------------------------
def _public_names() -> set[str]:
    """Every public function/class of mufuse, by its documented path (``pp.harmonize``, ``MufuseError``, ...)."""
    names: set[str] = set()
    for module in (mufuse, mufuse.pp, mufuse.tl, mufuse.pl, mufuse.datasets):
        prefix = "" if module is mufuse else module.__name__.removeprefix("mufuse.") + "."
        candidates = set(getattr(module, "__all__", ())) | {
            n
            for n, obj in vars(module).items()
            if not n.startswith("_")
            and (inspect.isfunction(obj) or inspect.isclass(obj))
            and getattr(obj, "__module__", "").startswith("mufuse")
        }
        for name in candidates:
            obj = getattr(module, name, None)
            if isinstance(obj, types.ModuleType) or name == "__version__":
                continue
            names.add(prefix + name)
    return names


def _listed_names() -> set[str]:
    """Names in the ``.. autosummary::`` blocks of ``api.md`` (in ``{eval-rst}``), after ``.. currentmodule::``."""
    listed: set[str] = set()
    current = ""
    in_summary = False
    for line in (HERE / "api.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\.\. currentmodule:: (\S+)", line)
        if m:
            current = m.group(1).removeprefix("mufuse").lstrip(".")
            continue
        if line.startswith(".. autosummary::"):
            in_summary = True
            continue
        if in_summary and line.strip():
            if not line[0].isspace():  # the block ends at the first line that is not indented
                in_summary = False
            elif not line.strip().startswith(":"):  # skip options such as :toctree:
                listed.add((current + "." if current else "") + line.strip())
    return listed


def _check_api_page() -> None:
    public, listed = _public_names(), _listed_names()
    missing = sorted(public - listed)
    unknown = sorted(listed - public)
    if missing or unknown:
        msg = "docs/api.md is out of sync with the package:"
        if missing:
            msg += f" public names not listed: {', '.join(missing)} (add them to an autosummary block);"
        if unknown:
            msg += f" listed but not public: {', '.join(unknown)} (export them or remove them);"
        raise ConfigError(msg.rstrip(";"))


_check_api_page()
