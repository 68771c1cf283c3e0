#!/usr/bin/env python3
"""Write a synthetic benchmark workload in the layout of `connectome.jar bench --export DIR`.

Files written to --out:
  connectome.npz        scipy CSR, N x N, signed weights (rows = receiving neuron)
  input_projection.npz  scipy CSR, N x I
  tau.npy               [N] per-neuron time constants
  bias.npy              [N] biases (zeros unless --bias-scale > 0)
  x.npy                 [B, I] constant input
  workload.json         sizes and solver settings

With --fake-java-forward it also writes java_forward.npy ([B, N, T]), computed here in
float64 by a deliberately naive Dormand-Prince loop. It stands in for the Java output so
that the cross-check in peers.py can be tested before the Java `bench` command exists.

Example (the default benchmark size):
  python3 benchmarks/make_workload.py --out /tmp/wl --neurons 47521 --synapses 4623254 --batch 8
"""
import argparse
import json
import os
import sys

import numpy as np
import scipy.sparse as sp


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def random_pattern(rng, rows, cols, nnz):
    """Return nnz distinct (row, col) pairs, sorted row-major, as int64 linear indices."""
    total = rows * cols
    if nnz > total:
        raise SystemExit(f"cannot place {nnz} synapses in a {rows}x{cols} matrix")
    if nnz > total // 2:
        # Dense enough that rejection sampling would be slow: sample without replacement.
        return np.sort(rng.choice(total, size=nnz, replace=False))
    picked = np.unique(rng.integers(0, total, size=nnz, dtype=np.int64))
    while picked.size < nnz:
        extra = rng.integers(0, total, size=2 * (nnz - picked.size) + 16, dtype=np.int64)
        picked = np.union1d(picked, extra)
    if picked.size > nnz:
        keep = rng.choice(picked.size, size=nnz, replace=False)
        picked = np.sort(picked[keep])
    return picked


def random_csr(rng, rows, cols, nnz, scale, dtype):
    linear = random_pattern(rng, rows, cols, nnz)
    r, c = np.divmod(linear, cols)
    values = (rng.standard_normal(nnz) * scale).astype(dtype)
    m = sp.csr_matrix((values, (r.astype(np.int32), c.astype(np.int32))), shape=(rows, cols))
    m.sort_indices()
    return m


def naive_dopri5_forward(A, U, tau, bias, x, t0, t1, num_steps, steps_per_interval):
    """Independent, float64, unoptimised fixed-step Dormand-Prince 5 (reference only)."""
    A = A.astype(np.float64)
    drive = U.astype(np.float64) @ x.astype(np.float64).T + bias.astype(np.float64)[:, None]
    tau = tau.astype(np.float64)[:, None]
    a = [[],
         [1 / 5],
         [3 / 40, 9 / 40],
         [44 / 45, -56 / 15, 32 / 9],
         [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
         [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656]]
    b = [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]

    def f(h):
        return (-h + 1.0 / (1.0 + np.exp(-(A @ h + drive)))) / tau

    times = np.linspace(t0, t1, num_steps)
    h = np.zeros(drive.shape)
    states = [h.copy()]
    for j in range(num_steps - 1):
        dt = (times[j + 1] - times[j]) / steps_per_interval
        for _ in range(steps_per_interval):
            k = []
            for s in range(6):
                arg = h + dt * sum(a[s][i] * k[i] for i in range(s)) if s else h
                k.append(f(arg))
            h = h + dt * sum(b[i] * k[i] for i in range(6))
        states.append(h.copy())
    return np.stack(states, axis=2).transpose(1, 0, 2)  # [N,B,T] -> [B,N,T]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="directory to write (created if missing)")
    p.add_argument("--neurons", type=int, default=47521)
    p.add_argument("--synapses", type=int, default=4623254)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--inputs", type=int, default=64, help="number of input channels I")
    p.add_argument("--input-density", type=float, default=0.05,
                   help="fraction of nonzeros in the N x I input projection")
    p.add_argument("--num-steps", type=int, default=20, help="evaluation points T")
    p.add_argument("--steps-per-interval", type=int, default=1, help="Dopri5 steps K per interval")
    p.add_argument("--t0", type=float, default=0.0)
    p.add_argument("--t1", type=float, default=1.0)
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--bias-scale", type=float, default=0.0, help="std of random bias (0: zeros)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--fake-java-forward", action="store_true",
                   help="also write java_forward.npy from a naive float64 reference (testing only)")
    args = p.parse_args()

    n, s, bsz, ni = args.neurons, args.synapses, args.batch, args.inputs
    dtype = np.dtype(args.dtype)
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)

    log(f"connectome: {n} neurons, {s} synapses")
    # Scale so that A @ h has unit-order spread for h in (0, 1): std ~ 1/sqrt(mean in-degree).
    mean_degree = max(s / n, 1.0)
    A = random_csr(rng, n, n, s, 1.0 / np.sqrt(mean_degree), dtype)
    sp.save_npz(os.path.join(args.out, "connectome.npz"), A, compressed=False)

    u_nnz = max(1, int(round(args.input_density * n * ni)))
    U = random_csr(rng, n, ni, u_nnz, 1.0, dtype)
    sp.save_npz(os.path.join(args.out, "input_projection.npz"), U, compressed=False)

    # Log-uniform time constants in [0.1, 1]; fixed step dt = (t1-t0)/((T-1)K) stays well
    # inside Dopri5's stability region for the default T = 20.
    tau = np.exp(rng.uniform(np.log(0.1), np.log(1.0), size=n)).astype(dtype)
    bias = (rng.standard_normal(n) * args.bias_scale).astype(dtype)
    x = rng.standard_normal((bsz, ni)).astype(dtype)
    np.save(os.path.join(args.out, "tau.npy"), tau)
    np.save(os.path.join(args.out, "bias.npy"), bias)
    np.save(os.path.join(args.out, "x.npy"), x)

    workload = {
        "neurons": n, "synapses": int(A.nnz), "batch": bsz, "inputs": ni,
        "num_steps": args.num_steps, "steps_per_interval": args.steps_per_interval,
        "t0": args.t0, "t1": args.t1, "dtype": args.dtype,
    }
    with open(os.path.join(args.out, "workload.json"), "w") as fh:
        json.dump(workload, fh)
        fh.write("\n")

    if args.fake_java_forward:
        log("reference forward (naive float64) -> java_forward.npy")
        ref = naive_dopri5_forward(A, U, tau, bias, x, args.t0, args.t1,
                                   args.num_steps, args.steps_per_interval)
        np.save(os.path.join(args.out, "java_forward.npy"), ref.astype(dtype))
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
