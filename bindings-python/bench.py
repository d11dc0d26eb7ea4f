"""Benchmark of the Python binding (a script, not a timed test).

Measures, in one run, on N generated register records (examples/generate_register.py):

- ``evaluate_many`` with a list of dicts, a pandas DataFrame (dotted columns,
  read through pyarrow into the Arrow path), a pyarrow Table and a polars
  DataFrame (the Arrow path: read in Rust through the C stream interface), on
  all cores; the DataFrame also through the previous object-per-cell path;
- ``evaluate_many(..., output="arrow")`` from a pyarrow Table (Arrow in and out);
- ``evaluate_batches`` over a RecordBatchReader, each decided batch dropped
  once counted (its peak memory growth per record is the streaming bound);
- ``evaluate_many`` on a DataFrame with one thread (RAYON_NUM_THREADS=1), for scaling;
- ``evaluate_list`` (decision objects, no pandas);
- a per-record Python loop over ``evaluate``;
- the same rules hand-written in plain Python (bench_baseline.py), after
  checking that it gives the engine's answers on every record.

Each measurement runs in a fresh process, so the peak memory growth of one
does not hide in another's freed memory: peak growth is the peak resident
set during the call (the kernel's high-water mark, reset just before it)
minus the resident set before it, the inputs already built and the memory
freed while building them given back to the system (malloc_trim).

    python bench.py                 # 100,000 records
    python bench.py -n 20000 --markdown section.md
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import re
import subprocess
import sys
import time
from typing import Any, Dict, List

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "examples"))
sys.path.insert(0, str(HERE))

FORMS = [
    "many-dataframe",
    "many-dataframe-cells",
    "many-arrow",
    "many-polars",
    "many-arrow-out",
    "batches-arrow",
    "many-dicts",
    "many-dataframe-1-thread",
    "list-dicts",
    "loop-evaluate",
    "plain-python",
]
LABELS = {
    "many-dataframe": "`evaluate_many`, pandas DataFrame (dotted columns, through pyarrow)",
    "many-dataframe-cells": "`evaluate_many`, pandas DataFrame, the previous object-per-cell path",
    "many-arrow": "`evaluate_many`, pyarrow Table",
    "many-polars": "`evaluate_many`, polars DataFrame",
    "many-arrow-out": '`evaluate_many(output="arrow")`, pyarrow Table in, pyarrow Table out',
    "batches-arrow": "`evaluate_batches`, RecordBatchReader (8,192-row batches) in, batches out",
    "many-dicts": "`evaluate_many`, list of dicts",
    "many-dataframe-1-thread": "`evaluate_many`, DataFrame, 1 thread",
    "list-dicts": "`evaluate_list`, list of dicts → `Decision` objects",
    "loop-evaluate": "Python loop over `evaluate` (one record per call)",
    "plain-python": "the same rules in plain Python (baseline)",
}


def memory_kb() -> Dict[str, int]:
    text = pathlib.Path("/proc/self/status").read_text()
    return {k: int(re.search(rf"{k}:\s+(\d+)", text).group(1)) for k in ("VmRSS", "VmHWM")}  # type: ignore[union-attr]


def reset_peak() -> None:
    pathlib.Path("/proc/self/clear_refs").write_text("5")


def release_free_memory() -> None:
    """Gives memory freed while building the inputs back to the system, so the
    measured call cannot quietly reuse it (glibc's malloc_trim)."""
    import ctypes

    ctypes.CDLL("libc.so.6").malloc_trim(0)


def child(form: str, n: int, seed: int) -> Dict[str, Any]:
    import generate_register
    import hazard_rules as hr

    as_of = generate_register.AS_OF
    records = generate_register.generate(n, seed=seed)
    rules = hr.Ruleset.default()
    warm = records[:500]
    if form.startswith("many-dataframe"):
        source: Any = generate_register.to_frame(records)
        source["hazard.found_on"] = source["hazard.found_on"].astype("datetime64[s]")
        hr.evaluate_many(source.iloc[:500], as_of)

        def run() -> Any:
            return rules.evaluate_many(source, as_of)

    elif form == "many-dataframe-cells":
        from hazard_rules import _frame

        # The path every DataFrame took before the Arrow one (and one that
        # pyarrow cannot type still takes): a Python object per cell.
        _frame.pandas_as_arrow = lambda frame: None
        source = generate_register.to_frame(records)
        source["hazard.found_on"] = source["hazard.found_on"].astype("datetime64[s]")
        hr.evaluate_many(source.iloc[:500], as_of)

        def run() -> Any:
            return rules.evaluate_many(source, as_of)

    elif form in ("many-arrow", "many-polars", "many-arrow-out", "batches-arrow"):
        import pyarrow as pa

        frame = generate_register.to_frame(records)
        source = pa.Table.from_pandas(frame, preserve_index=False)
        del frame
        if form == "many-polars":
            import polars as pl

            source = pl.from_arrow(source)
        output = "arrow" if form == "many-arrow-out" else "pandas"
        rules.evaluate_many(source.slice(0, 500), as_of, output=output)

        def run() -> Any:
            if form == "batches-arrow":
                rows = 0
                for batch in rules.evaluate_batches(source.to_reader(max_chunksize=8_192), as_of):
                    rows += batch.num_rows
                assert rows == len(records)
                return rows
            return rules.evaluate_many(source, as_of, output=output)

    elif form == "many-dicts":
        rules.evaluate_many(warm, as_of)

        def run() -> Any:
            return rules.evaluate_many(records, as_of)

    elif form == "list-dicts":
        rules.evaluate_list(warm, as_of)

        def run() -> Any:
            return rules.evaluate_list(records, as_of)

    elif form == "loop-evaluate":
        for r in warm:
            rules.evaluate(r, as_of)

        def run() -> Any:
            return [rules.evaluate(r, as_of) for r in records]

    elif form == "plain-python":
        import bench_baseline

        baseline = bench_baseline.Rules()
        for r in warm:
            baseline.decide(r, as_of)

        def run() -> Any:
            return [baseline.decide(r, as_of) for r in records]

    else:
        raise SystemExit(f"unknown form {form}")

    import gc

    gc.collect()
    release_free_memory()
    before = memory_kb()["VmRSS"]
    reset_peak()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    mem = memory_kb()
    out: Dict[str, Any] = {
        "form": form,
        "n": len(records),
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_growth_kb": mem["VmHWM"] - before,
        "retained_kb": mem["VmRSS"] - before,
        "threads": int(os.environ.get("RAYON_NUM_THREADS") or os.cpu_count() or 1),
    }
    if form == "many-dicts":
        out["errors"] = int(result["error"].notna().sum())
        out["agreement"] = check_baseline(records, result, as_of)
    return out


def check_baseline(records: List[Dict[str, Any]], frame: Any, as_of: datetime.date) -> Dict[str, Any]:
    """Compares the plain-Python rules with the engine, field by field, on every record."""
    import pandas as pd

    import bench_baseline

    def plain(v: Any) -> Any:
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
            return None
        if isinstance(v, pd.Timestamp):
            return v.date()
        if hasattr(v, "item"):
            return v.item()
        return v

    baseline = bench_baseline.Rules()
    columns = list(frame.columns)
    mismatches: List[str] = []
    fields = 0
    for i, row in enumerate(frame.itertuples(index=False, name=None)):
        engine = bench_baseline.engine_fields({c: plain(v) for c, v in zip(columns, row)})
        hand = baseline.decide(records[i], as_of)
        for k, v in engine.items():
            fields += 1
            if hand.get(k) != v and len(mismatches) < 10:
                mismatches.append(f"record {i} {k}: engine {v!r}, plain Python {hand.get(k)!r}")
            elif hand.get(k) != v:
                mismatches.append("...")
    return {"fields_compared": fields, "mismatches": len(mismatches), "examples": mismatches[:10]}


def machine() -> Dict[str, Any]:
    import hazard_rules as hr

    cpu = "unknown"
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    versions = {}
    for mod in ("pandas", "pyarrow", "numpy", "polars"):
        try:
            versions[mod] = __import__(mod).__version__
        except ImportError:
            versions[mod] = "-"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "hazard_rules": hr.__version__,
        **versions,
        "load_before": os.getloadavg(),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100_000, help="records (default 100000)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--forms", default=",".join(FORMS), help="comma-separated subset of: " + ", ".join(FORMS))
    ap.add_argument("--markdown", type=pathlib.Path, help="also write the results as a Markdown section")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.n, args.seed)))
        return 0

    info = machine()
    print(
        f"{info['cpu']}, {info['cores']} cores; Python {info['python']}, pandas {info['pandas']}, "
        f"pyarrow {info['pyarrow']}; load average before {info['load_before'][0]:.2f}",
        flush=True,
    )
    results: Dict[str, Dict[str, Any]] = {}
    for form in args.forms.split(","):
        env = dict(os.environ)
        if form.endswith("-1-thread"):
            env["RAYON_NUM_THREADS"] = "1"
        cmd = [
            sys.executable,
            str(pathlib.Path(__file__).resolve()),
            "--child",
            form,
            "-n",
            str(args.n),
            "--seed",
            str(args.seed),
        ]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(out.stdout, out.stderr, file=sys.stderr)
            return 1
        r = json.loads(out.stdout.strip().splitlines()[-1])
        results[form] = r
        print(
            f"  {form:<24} {r['n'] / r['seconds']:>10,.0f} records/s  {r['seconds']:7.2f} s  "
            f"cpu {r['cpu_seconds'] / r['seconds']:.2f}x  peak +{r['peak_growth_kb'] * 1024 / r['n']:,.0f} B/record",
            flush=True,
        )
    info["load_after"] = os.getloadavg()
    text = report(results, info, args.n)
    print()
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    agreement = results.get("many-dicts", {}).get("agreement")
    return 1 if agreement and agreement["mismatches"] else 0


def report(results: Dict[str, Dict[str, Any]], info: Dict[str, Any], n: int) -> str:
    def rate(form: str) -> float:
        r = results[form]
        return float(r["n"] / r["seconds"])

    lines = [
        f"Machine: {info['cpu']}, {info['cores']} cores (shared), Linux; Python {info['python']}, "
        f"hazard_rules {info['hazard_rules']} (release wheel), pandas {info['pandas']}, pyarrow {info['pyarrow']}, "
        f"numpy {info['numpy']}, polars {info['polars']}. "
        f"Load average {info['load_before'][0]:.2f} before, {info['load_after'][0]:.2f} after.",
        "",
        f"Input: {n:,} records from `examples/generate_register.py` (seed 2024): each a hazard with location, "
        "enterprise, posts, catalogue items for the major ones, listing, closed-loop events, and (80%) a scored "
        "risk point and the unit's signals — full decisions: classification, rectification, responsibility and "
        "risk; with the trace for `evaluate_list` and `evaluate` (their default), without it for "
        "`evaluate_many` and `evaluate_batches` (theirs, `trace=False`). Each line is one run in a fresh process.",
        "",
        "| how | records/s | seconds | CPU time / wall | vs per-record loop | vs plain Python "
        "| peak memory growth per record |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    loop = rate("loop-evaluate") if "loop-evaluate" in results else None
    plain = rate("plain-python") if "plain-python" in results else None
    for form, r in results.items():
        ratio_loop = f"{rate(form) / loop:.2f}×" if loop else "-"
        ratio_plain = f"{rate(form) / plain:.2f}×" if plain else "-"
        lines.append(
            f"| {LABELS[form]} | {rate(form):,.0f} | {r['seconds']:.1f} | {r['cpu_seconds'] / r['seconds']:.2f} | "
            f"{ratio_loop} | {ratio_plain} | {r['peak_growth_kb'] * 1024 / r['n']:,.0f} B |"
        )
    agreement = results.get("many-dicts", {}).get("agreement")
    if agreement:
        lines += [
            "",
            f"Plain-Python baseline checked against the engine on every record: "
            f"{agreement['fields_compared']:,} fields compared, {agreement['mismatches']} differences.",
        ]
        lines += [f"- {m}" for m in agreement["examples"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
