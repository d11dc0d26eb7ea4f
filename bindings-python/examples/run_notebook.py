"""Executes a jupytext notebook (``analysis.py``) headless, as Jupyter would,
and writes the executed ``.ipynb``. Fails (exit 1) if any cell fails.

    python examples/run_notebook.py examples/analysis.py -o analysis.ipynb
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebook", type=pathlib.Path)
    ap.add_argument("-o", "--output", type=pathlib.Path, required=True)
    ap.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = ap.parse_args()
    nb = jupytext.read(args.notebook)
    client = NotebookClient(
        nb,
        timeout=args.timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(args.notebook.resolve().parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as e:
        print(e, file=sys.stderr)
        return 1
    finally:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, args.output)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    outputs = sum(len(c.get("outputs", [])) for c in cells)
    print(f"executed {len(cells)} code cells of {args.notebook} ({outputs} outputs) -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
