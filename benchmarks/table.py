#!/usr/bin/env python3
"""Summarise benchmark JSON lines (from compare.sh) as a Markdown ratio table.

Input: a file of JSON objects, one per line, each with at least "impl", "op" and
"median_ms", and usually "round" (added by compare.sh). Lines that are not JSON objects are
ignored. For each (impl, op) the table shows the median over rounds of the per-run
"median_ms", and the ratios java/scipy and java/torch (below 1: Java is faster).
Round 0 (the Java run that exported the workload) is left out unless --include-round-0.
Rounds "s32" and "s64" (compare.sh --stability) feed the float64 / float32 section only.
After the table: the issue-12 performance targets, each stated as met or not.

Standard library only, so any python3 can run it.

Usage: python3 benchmarks/table.py RESULTS.jsonl [--machine "2 cores, CPU, 23 GiB"]
"""
import argparse
import json
import statistics
import sys

OPS = ["spmm", "spmm_transpose", "forward", "simulate", "adaptive_forward", "adaptive_simulate", "fit_step"]
STABILITY_ROUNDS = ("s32", "s64")
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
            if rec.get("op") == "method_error":
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


def stability(records):
    """float64 / float32 of each op in the stability rounds, with the spread of the repetitions."""
    by = {}
    for rec in records:
        if rec.get("round") in STABILITY_ROUNDS and rec.get("impl") == "java":
            by[(rec["round"], rec["op"])] = rec
    rows, verdicts = [], []
    ops = [op for op in OPS + sorted({op for (_, op) in by}) if ("s32", op) in by or ("s64", op) in by]
    for op in dict.fromkeys(ops):
        r32, r64 = by.get(("s32", op)), by.get(("s64", op))
        if not r32 or not r64:
            continue
        ratio = r64["median_ms"] / r32["median_ms"]
        spreads = []
        stable = True
        for name, r in (("f32", r32), ("f64", r64)):
            last, first = r.get("last_ms"), r.get("first_ms")
            spreads.append(f"{name} first {fmt_ms(first)} / median {fmt_ms(r['median_ms'])} / last "
                           f"{fmt_ms(last)} / max {fmt_ms(r['max_ms'])}")
            if last is not None and last > 1.25 * r["median_ms"]:
                stable = False
        rows.append(f"| {op} | {fmt_ms(r32['median_ms'])} | {fmt_ms(r64['median_ms'])} | {ratio:.2f} | "
                    f"{'; '.join(spreads)} |")
        verdicts.append((op, ratio, stable, r32.get("repeat")))
    return rows, verdicts


def verdict(ok):
    return "met" if ok else "NOT met"


def targets(med, groups, records, stab):
    """The issue-12 targets at tutorial size, each with the measured figure."""
    out = []
    floor = med.get(("floor", "spmm"))
    fwd = med.get(("java", "forward"))
    fwd_rec = next(iter(groups.get(("java", "forward"), [])), {})
    steps = (fwd_rec.get("num_steps", 20) - 1) * fwd_rec.get("steps_per_interval", 1)
    products = 6 * steps
    if floor and fwd:
        bound = 2.5 * floor * products
        out.append(f"layer forward <= 2.5x the memory floor of its {products} products ({bound:,.0f} ms): "
                   f"{fmt_ms(fwd)} ms = {fwd / (floor * products):.2f}x, {verdict(fwd <= bound)}")
    scipy = med.get(("scipy", "forward"))
    if fwd and scipy:
        out.append(f"layer forward <= 0.18x the scipy/NumPy Dopri5: {fwd / scipy:.3f}x, {verdict(fwd <= 0.18 * scipy)}")
    ada, ada_t = med.get(("java", "adaptive_forward")), med.get(("torch", "adaptive_forward"))
    if ada and ada_t:
        ev_j = median_of(groups.get(("java", "adaptive_forward"), []), "evaluations")
        ev_t = median_of(groups.get(("torch", "adaptive_forward"), []), "evaluations")
        out.append(f"adaptive forward <= 0.12x torch + torchode: {ada / ada_t:.3f}x "
                   f"({ev_j:.0f} vs {ev_t:.0f} evaluations), {verdict(ada <= 0.12 * ada_t)}")
    fit = med.get(("java", "fit_step"))
    if fit and fwd:
        out.append(f"fit step <= 2.5x the forward: {fit / fwd:.2f}x, {verdict(fit <= 2.5 * fwd)}")
    rss = median_of(groups.get(("java", "fit_step"), []), "peak_rss_mb")
    if rss is not None:
        out.append(f"fit step peak resident memory <= 1.5 GB: {rss:,.0f} MB (whole bench process), "
                   f"{verdict(rss <= 1536)}")
    sim = med.get(("java", "simulate"))
    if fwd and sim:
        out.append(f"layer forward within 10% of the simulator's solve: {fwd / sim:.3f}x, "
                   f"{verdict(fwd <= 1.1 * sim)}")
    asim = med.get(("java", "adaptive_simulate"))
    if ada and asim:
        out.append(f"adaptive layer forward within 10% of the simulator's: {ada / asim:.3f}x, "
                   f"{verdict(ada <= 1.1 * asim)}")
    if stab:
        worst = max(stab, key=lambda v: v[1])
        unstable = [v[0] for v in stab if not v[2]]
        out.append(f"float64 <= 2.2x float32 for every op: worst {worst[0]} {worst[1]:.2f}x, "
                   f"{verdict(worst[1] <= 2.2)}")
        out.append(f"stable over {stab[0][3]} repetitions (last <= 1.25x median): "
                   f"{'unstable: ' + ', '.join(unstable) if unstable else 'every op'}, {verdict(not unstable)}")
    return out


def render(records, machine=None):
    stab_rows, stab = stability(records)
    records = [r for r in records if r.get("round") not in STABILITY_ROUNDS]
    groups = group(records)
    rounds = sorted({r.get("round") for r in records if isinstance(r.get("round"), int)})
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
    adaptive = []
    for impl in ("java", "torch"):
        recs = groups.get((impl, "adaptive_forward"), [])
        if recs:
            r = recs[0]
            diff = r.get("max_abs_diff_vs_java")
            adaptive.append(f"{impl} {r.get('steps')} steps / {r.get('evaluations')} evaluations"
                            + (f" (max |difference| vs java_adaptive.npy {diff:.2e})" if diff is not None else ""))
    if adaptive:
        r = groups[next(k for k in groups if k[1] == "adaptive_forward")][0]
        notes.append(f"adaptive_forward at atol {r.get('atol')}, rtol {r.get('rtol')}: " + ", ".join(adaptive) + ".")
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
    if stab_rows:
        lines += ["", "float64 vs float32 (Java, compare.sh --stability):", "",
                  "| op | float32 ms | float64 ms | float64/float32 | repetitions (ms) |",
                  "|---|---:|---:|---:|---|"] + stab_rows
    goals = targets(med, groups, records, stab)
    if goals:
        lines += ["", "Targets (issue 12):", ""] + [f"- {g}" for g in goals]
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
