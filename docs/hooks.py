"""MkDocs hooks: the reference run's figures and the pipeline's DAG come from the repository, never copies.

- ``on_files`` adds every figure under ``reports/figures/`` to the site as ``reports/figures/...``, so a page
  links the committed figure itself (``![...](reports/figures/per_type_f1.png)`` from a top-level page).
- ``on_page_markdown`` replaces a line ``<!-- dvc dag -->`` with the Mermaid graph ``dvc dag --mermaid`` prints
  for today's ``dvc.yaml``, which the Material theme renders. A failing ``dvc`` stops the build with its message.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parent.parent
FIGURES = Path("reports") / "figures"
DAG_MARKER = "<!-- dvc dag -->"


def on_files(files, config):
    for figure in sorted((ROOT / FIGURES).rglob("*.png")):
        files.append(
            File(
                figure.relative_to(ROOT).as_posix(),
                src_dir=str(ROOT),
                dest_dir=config["site_dir"],
                use_directory_urls=config["use_directory_urls"],
            )
        )
    return files


def dvc_dag() -> str:
    """The pipeline's DAG as ``dvc dag --mermaid`` prints it, in a fenced ``mermaid`` block."""
    try:
        done = subprocess.run(["dvc", "dag", "--mermaid"], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        raise PluginError(f"dvc dag --mermaid failed: {detail.strip()}") from error
    return f"```mermaid\n{done.stdout.strip()}\n```"


def on_page_markdown(markdown, page, config, files):
    if DAG_MARKER not in markdown:
        return markdown
    return markdown.replace(DAG_MARKER, dvc_dag())
