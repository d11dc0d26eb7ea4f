"""The national-scale example (examples/national_scale.py) at a small size,
so that it keeps running: a register of a few thousand hazards as Parquet,
decided with Spark and with Dask on 2 cores and written back as Parquet."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "examples" / "national_scale.py"


def test_the_example_decides_every_row_with_spark_and_dask(tmp_path: pathlib.Path) -> None:
    n = 3000
    out = subprocess.run(
        [sys.executable, str(EXAMPLE), "-n", str(n), "--rows-per-file", "1000", "--cores", "2", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"register: {n:,} hazards in 3 Parquet files" in out.stdout, out.stdout
    for engine in ("spark", "dask"):
        line = re.search(
            rf"^{engine} +2 cores: +[\d.]+ s +[\d,]+ records/s +\(([\d,]+) rows written, (\d+) errors\)$",
            out.stdout,
            re.M,
        )
        assert line, out.stdout
        # Every row decided and written; the generated register has no errors.
        assert (line.group(1), line.group(2)) == (f"{n:,}", "0")
    assert sorted(p.name for p in (tmp_path / "register").iterdir())[0] == "part-00000.parquet"
