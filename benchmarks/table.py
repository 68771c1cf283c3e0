#!/usr/bin/env python3
"""Summarise benchmark JSON lines (from compare.sh) as a Markdown ratio table.

Input: a file of JSON objects, one per line, each with at least "impl", "op" and
"median_ms", and usually "round" (added by compare.sh). Lines that are not JSON objects are
ignored. For each (impl, op) the table shows the median over rounds of the per-run
"median_ms", and the ratios java/scipy and java/torch (below 1: Java is faster).
Round 0 (the Java run that exported the workload) is left out unless --include-round-0.

Standard library only, so any python3 can run it.

Usage: python3 benchmarks/table.py RESULTS.jsonl [--machine "2 cores, CPU, 23 GiB"]
"""
import argparse
import json
import statistics
import sys

OPS = ["spmm", "spmm_transpose", "forward", "fit_step"]
IMPLS = ["java", "scipy", "torch"]


def read_records(path, include_round_0):
    records = []
    with open(path) as fh:
        for line in fh:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                print(f"table.py: skipping unparsable line: {line[:80]}", file=sys.stderr)
                continue
            if not isinstance(rec, dict) or "impl" not in rec or "op" not in rec:
                continue
            if rec.get("round", 1) == 0 and not include_round_0:
                continue
            records.append(rec)
    return records


def group(records):
    """{(impl, op): [records]}"""
    groups = {}
    for rec in records:
        groups.setdefault((rec["impl"], rec["op"]), []).append(rec)
    return groups


def median_of(recs, key="median_ms"):
    values = [float(r[key]) for r in recs if r.get(key) is not None]
    return statistics.median(values) if values else None


def fmt_ms(value):
    if value is None:
        return "n/a"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def fmt_ratio(num, den):
    if num is None or den is None or den == 0:
        return "n/a"
    return f"{num / den:.3g}"


def workload_header(records):
    """Describe the workload from the first record that carries the sizes."""
    ref = next((r for r in records if r.get("impl") in ("scipy", "torch", "floor")), None)
    ref = ref or (records[0] if records else {})
    parts = []
    for key, label in (("neurons", "N"), ("synapses", "S"), ("batch", "B"),
                       ("num_steps", "T"), ("steps_per_interval", "K")):
        value = ref.get(key)
        if value is None:  # T and K only sit on forward / fit_step lines
            value = next((r[key] for r in records if r.get(key) is not None), None)
        if value is not None:
            parts.append(f"{label}={value:,}" if isinstance(value, int) else f"{label}={value}")
    if ref.get("dtype"):
        parts.append(ref["dtype"])
    if ref.get("threads") is not None:
        parts.append(f"{ref['threads']} threads")
    return ", ".join(parts)


def render(records, machine=None):
    groups = group(records)
    rounds = sorted({r.get("round") for r in records if r.get("round") is not None})
    med = {key: median_of(recs) for key, recs in groups.items()}
    lines = [f"### Connectome benchmark: {workload_header(records)}", ""]
    if machine:
        lines += [f"Machine: {machine}", ""]
    lines += ["| op | java ms | scipy ms | torch ms | java/scipy | java/torch |",
              "|---|---:|---:|---:|---:|---:|"]
    for op in OPS + sorted({op for (_, op) in groups if op not in OPS}):
        if not any((impl, op) in groups for impl in IMPLS):
            continue
        java, scipy, torch = (med.get((impl, op)) for impl in IMPLS)
        lines.append(f"| {op} | {fmt_ms(java)} | {fmt_ms(scipy)} | {fmt_ms(torch)} "
                     f"| {fmt_ratio(java, scipy)} | {fmt_ratio(java, torch)} |")

    notes = []
    repeats = sorted({r["repeat"] for r in records if r.get("repeat") is not None})
    notes.append(f"Each cell: median over {len(rounds) or 1} round(s) of each run's median_ms "
                 f"(repeat {', '.join(map(str, repeats)) or '?'} per run). Ratio below 1: Java is faster.")
    floor = groups.get(("floor", "spmm"))
    if floor:
        floor_ms = median_of(floor)
        bandwidth = median_of(floor, "bandwidth_gb_s")
        moved = floor[0].get("bytes")
        vs = ", ".join(f"{impl} {med[(impl, 'spmm')] / floor_ms:.1f}x"
                       for impl in IMPLS if med.get((impl, "spmm")) and floor_ms)
        notes.append(f"spmm memory floor: {fmt_ms(floor_ms)} ms = {moved / 1e6:.1f} MB moved per "
                     f"product / {bandwidth:.1f} GB/s (best-of-5 single-thread numpy copy). "
                     f"spmm time over floor: {vs or 'n/a'}.")
    rss = []
    for impl in IMPLS:
        peak = median_of(groups.get((impl, "fit_step"), []), "peak_rss_mb")
        if peak is not None:
            rss.append(f"{impl} {peak:,.0f} MB")
    if rss:
        notes.append("fit_step peak RSS: " + ", ".join(rss) + ".")
    diffs = []
    for impl in ("scipy", "torch"):
        values = [r["max_abs_diff_vs_java"] for r in groups.get((impl, "forward"), [])
                  if r.get("max_abs_diff_vs_java") is not None]
        if values:
            diffs.append(f"{impl} {max(values):.2e}")
    if diffs:
        notes.append("forward max |difference| vs java_forward.npy: " + ", ".join(diffs) + ".")
    versions = []
    for impl in IMPLS:
        ver = next((r["version"] for r in groups.get((impl, "spmm"), []) + groups.get((impl, "forward"), [])
                    if r.get("version")), None)
        if ver:
            versions.append(f"{impl}: {ver}")
    if versions:
        notes.append("Versions: " + "; ".join(versions) + ".")
    missing = [impl for impl in IMPLS if not any(i == impl for (i, _) in groups)]
    if missing:
        notes.append("No results from: " + ", ".join(missing) + ".")
    lines += [""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", help="JSON-lines file")
    p.add_argument("--machine", default=None, help="machine description line")
    p.add_argument("--include-round-0", action="store_true",
                   help="also count the Java export run (round 0)")
    args = p.parse_args()
    records = read_records(args.results, args.include_round_0)
    if not records:
        raise SystemExit(f"no benchmark records in {args.results}")
    sys.stdout.write(render(records, args.machine))


if __name__ == "__main__":
    main()
