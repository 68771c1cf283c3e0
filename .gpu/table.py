#!/usr/bin/env python3
"""Prints the GPU check's table from GpuCheck's results.jsonl and the peer's peer.jsonl (either may be missing).

Usage: python3 .gpu/table.py RESULTS.jsonl PEER.jsonl
"""
import json
import sys

TARGETS = {"forward": 5.0, "fit_step": 15.0, "adaptive_forward": 5.0}
SPEEDUP = 20.0
ROWS = [
    ("spmm", "spmm", "A·X, one product"),
    ("spmm_transpose", "spmm_transpose", "Aᵀ·G, one product"),
    ("forward", "forward", "forward, 19 steps x 6 stages"),
    ("forward_last_point", "forward", "forward, last point to host"),
    ("fit_step", "fit_step", "fit step (fixed steps)"),
    ("fit_step", "fit_step_torchode", "fit step vs torchode training"),
    ("adaptive_forward", "adaptive_forward", "adaptive forward"),
]


def read(path):
    out = []
    try:
        with open(path) as fh:
            for line in fh:
                line = line.strip()
                if line:
                    out.append(json.loads(line))
    except FileNotFoundError:
        pass
    return out


def fmt(ms):
    return "—" if ms is None else (f"{ms:.4f}" if ms < 0.1 else f"{ms:.3f}" if ms < 10 else f"{ms:.1f}")


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    ours = read(argv[1])
    peer = read(argv[2])
    device = next((r for r in ours if r.get("kind") == "device"), {})
    checks = [r for r in ours if r.get("kind") == "check"]
    times = {r["op"]: r for r in ours if r.get("kind") == "time"}
    peers = {r["op"]: r for r in peer if "median_ms" in r}
    setup = next((r for r in peer if r.get("op") == "setup"), {})
    print(f"GPU: {device.get('describe') or device.get('reason', 'unknown')}")
    if setup:
        print(f"peer: torch {setup.get('torch', '?')}, torchode {setup.get('torchode', '?')}"
              + (f", not run: {setup['skipped']}" if "skipped" in setup else ""))
    passed = sum(1 for c in checks if c.get("pass") is True)
    failed = [c for c in checks if c.get("pass") is False]
    skipped = sum(1 for c in checks if c.get("pass") is None)
    worst = {}
    by_accuracy = [c for c in checks if c.get("pass") is True and "criterion" in c]
    for c in checks:
        if c.get("pass") is True and "max_rel_error" in c and "criterion" not in c:
            key = "float32" if "f32" in c["name"] else "float64"
            worst[key] = max(worst.get(key, 0.0), c["max_rel_error"])
    print(f"correctness: {passed} passed, {len(failed)} failed, {skipped} not run"
          + "".join(f"; worst {k} error {v:.1e}" for k, v in sorted(worst.items())))
    for c in by_accuracy:
        print(f"  {c['name']}: {c['max_rel_error']:.2e} from the CPU's float32, passed as {c['criterion']} "
              f"(GPU {c['gpu_vs_f64']:.2e}, CPU {c['cpu_vs_f64']:.2e})" + (f"; {c['note']}" if c.get("note") else ""))
    for c in failed:
        print(f"  FAILED {c['name']}: " + (f"error {c['max_rel_error']:.2e} > {c['tolerance']:.0e}"
                                           if "max_rel_error" in c else c.get("error", "")))
    print()
    print("| operation (tutorial size, float32, B=8) | ours (ms) | peer (ms) | peer | speedup | target | met |")
    print("|---|---:|---:|---|---:|---|---|")
    missed = 0
    for ours_op, peer_op, label in ROWS:
        o = times.get(ours_op, {}).get("median_ms")
        p = peers.get(peer_op, {}).get("median_ms")
        speed = None if o is None or p is None or o == 0 else p / o
        target = ""
        met = ""
        if ours_op in TARGETS and label != "forward, last point to host" and peer_op != "fit_step_torchode":
            target = f"<= {TARGETS[ours_op]:g} ms, >= {SPEEDUP:g}x"
            if o is not None:
                ok = o <= TARGETS[ours_op] and (speed is None or speed >= SPEEDUP)
                met = "yes" if ok and speed is not None else "no" if not ok else "time only"
                missed += 0 if ok else 1
        print(f"| {label} | {fmt(o)} | {fmt(p)} | {peers.get(peer_op, {}).get('peer', '—')} | "
              f"{'—' if speed is None else f'{speed:.1f}x'} | {target} | {met} |")
    for op in ("forward", "adaptive_forward"):
        d = peers.get(op, {}).get("max_abs_diff_vs_java")
        if d is not None:
            print(f"\n{op}: max |peer - ours| = {d:.2e}")
    stats = next((r for r in ours if r.get("kind") == "stats"), None)
    if stats and "adaptive_forward" in peers:
        print(f"adaptive steps: ours {stats.get('accepted_steps')}, torchode "
              f"{peers['adaptive_forward'].get('accepted_steps')}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
