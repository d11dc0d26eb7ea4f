"""A national-scale run: N synthetic hazards (default 10 million) as
partitioned Parquet, decided with Spark (``local[k]``) and with Dask (a
``LocalCluster`` of k single-threaded workers), the decisions written back as
Parquet, with the records per second on 1 and on 2 cores.

    python examples/national_scale.py                   # 10,000,000 hazards
    python examples/national_scale.py -n 1000000 --dir /tmp/national
    python examples/national_scale.py -n 2000 --cores 2 --engines dask   # a quick check

Each task decides its rows on one core (``RAYON_NUM_THREADS=1``, set before
any engine starts), so the parallelism is the engine's: k cores are k Spark
task slots or k Dask workers, as on a cluster, where the rate is the rate
of one core times the cores. The register is made from a pool of
``generate_register`` hazards (up to 100,000, distinct) repeated with a new
``id`` per row, in files of ``--rows-per-file`` rows, with struct columns
(``hazard`` with a field ``sector``), which Spark and Dask both read.

What is timed, per engine and core count: reading the register, deciding
every record, writing the decisions (every column of
``evaluate_many(..., output="arrow")``) as Parquet. Spark's and Dask's
start-up are not timed; checking the output (row count, errors) is not
either. Needs pyspark with Java 17, dask and distributed, pyarrow, pandas.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import sys
import tempfile
import time
from typing import Dict, List

# One core per task: set before anything loads the engine (rayon sizes its
# pool once), and inherited by Spark's and Dask's worker processes.
os.environ["RAYON_NUM_THREADS"] = "1"
# Spark's Python workers run this interpreter (the one with hazard_rules).
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate_register  # noqa: E402

AS_OF = generate_register.AS_OF.isoformat()


def make_register(n: int, directory: pathlib.Path, rows_per_file: int, seed: int) -> int:
    """Writes ``n`` hazards as Parquet files of ``rows_per_file`` rows; returns the files written."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    pool = pa.Table.from_pylist(generate_register.generate(min(n, 100_000), seed=seed))
    directory.mkdir(parents=True, exist_ok=True)
    files = 0
    for start in range(0, n, rows_per_file):
        rows = min(rows_per_file, n - start)
        take = pa.array([(start + i) % len(pool) for i in range(rows)], pa.int64())
        part = pool.take(take)
        ids = pc.binary_join_element_wise(
            pa.array(["NS"] * rows), pa.array([f"{start + i:09d}" for i in range(rows)]), "-"
        )
        part = part.set_column(part.schema.get_field_index("id"), "id", ids)
        pq.write_table(part, directory / f"part-{files:05d}.parquet")
        files += 1
    return files


def run_spark(register: pathlib.Path, out: pathlib.Path, cores: int) -> float:
    """Seconds for Spark local[cores] to read, decide and write the register."""
    from hazard_rules.spark import evaluate
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(f"hazard-rules national scale, {cores} cores")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(cores))
        .config("spark.driver.memory", "2g")
        # Arrow batches of 8,192 rows between the JVM and the Python workers.
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "8192")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        # Start-up (the JVM, the Python workers) is not timed: one tiny job first.
        evaluate(spark.read.parquet(str(register)).limit(10), AS_OF).collect()
        start = time.perf_counter()
        evaluate(spark.read.parquet(str(register)), AS_OF).write.mode("overwrite").parquet(str(out))
        return time.perf_counter() - start
    finally:
        spark.stop()


def run_dask(register: pathlib.Path, out: pathlib.Path, cores: int) -> float:
    """Seconds for a Dask LocalCluster of ``cores`` single-threaded workers to read, decide and write."""
    import dask.dataframe as dd
    from distributed import Client, LocalCluster
    from hazard_rules.dask import evaluate

    with LocalCluster(n_workers=cores, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster):
            frame = dd.read_parquet(str(register), dtype_backend="pyarrow")
            evaluate(frame.head(10, compute=False), AS_OF, dtype_backend="pyarrow").compute()
            start = time.perf_counter()
            frame = dd.read_parquet(str(register), dtype_backend="pyarrow")
            decided = evaluate(frame, AS_OF, dtype_backend="pyarrow")
            decided.to_parquet(str(out), write_index=False)
            return time.perf_counter() - start


def check_output(out: pathlib.Path, n: int) -> Dict[str, int]:
    """The decided rows and how many of them are errors (every row must be there)."""
    import pyarrow.dataset as ds

    table = ds.dataset(str(out), format="parquet").to_table(columns=["id", "error"])
    rows = table.num_rows
    if rows != n:
        raise SystemExit(f"{out}: {rows} decided rows, expected {n}")
    return {"rows": rows, "errors": rows - table.column("error").null_count}


def main(argv: List[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=10_000_000, help="hazards (default 10,000,000)")
    ap.add_argument("--rows-per-file", type=int, default=100_000)
    ap.add_argument("--dir", type=pathlib.Path, help="working directory (default: a temporary one, removed)")
    ap.add_argument("--engines", default="spark,dask", help="comma-separated: spark, dask")
    ap.add_argument("--cores", default="1,2", help="comma-separated core counts (default 1,2)")
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args(argv)
    engines = [e for e in args.engines.split(",") if e]
    cores = [int(c) for c in args.cores.split(",") if c]
    for e in engines:
        if e not in ("spark", "dask"):
            raise SystemExit(f"unknown engine {e!r} (spark, dask)")

    work = args.dir or pathlib.Path(tempfile.mkdtemp(prefix="national-scale-"))
    register = work / "register"
    try:
        if register.exists():
            shutil.rmtree(register)
        t = time.perf_counter()
        files = make_register(args.n, register, args.rows_per_file, args.seed)
        made = time.perf_counter() - t
        print(f"register: {args.n:,} hazards in {files} Parquet files ({made:.1f} s to make)", flush=True)
        results: Dict[str, Dict[int, float]] = {}
        for engine in engines:
            for k in cores:
                out = work / f"decided-{engine}-{k}"
                if out.exists():
                    shutil.rmtree(out)
                seconds = (run_spark if engine == "spark" else run_dask)(register, out, k)
                checked = check_output(out, args.n)
                results.setdefault(engine, {})[k] = seconds
                cores_label = f"{k} core{'s' if k > 1 else ' '}"
                print(
                    f"{engine:<6} {cores_label}: {seconds:8.1f} s  {args.n / seconds:>10,.0f} records/s"
                    f"  ({checked['rows']:,} rows written, {checked['errors']:,} errors)",
                    flush=True,
                )
                shutil.rmtree(out)
        for engine, by_cores in results.items():
            if 1 in by_cores and len(by_cores) > 1:
                base = args.n / by_cores[1]
                scaling = ", ".join(
                    f"{k} cores {args.n / s / base:.2f}x" for k, s in sorted(by_cores.items()) if k != 1
                )
                print(f"{engine}: scaling from 1 core ({base:,.0f} records/s): {scaling}")
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
