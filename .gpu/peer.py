#!/usr/bin/env python3
"""The PyTorch peer of the GPU check: bioplnn's own stack on the check's workload and GPU.

torch CUDA sparse CSR products and torchode's Dopri5 with its IntegralController (atol 1e-6, rtol 1e-3), the
solver bioplnn uses, on the workload GpuCheck exports (the format of benchmarks/peers.py):

  spmm               A @ V                        V: [N, B] float32 on the GPU
  spmm_transpose     At @ G                       At: A's transpose as CSR, built once
  forward            19 fixed Dopri5 steps, torch ops (the steps our forward takes)
  fit_step           forward + backward w.r.t. A's values, tau and bias (custom autograd for the CSR values)
  adaptive_forward   torchode Dopri5 + IntegralController, AutoDiffAdjoint
  fit_step_torchode  the same adaptive solve with backward, as bioplnn trains

One JSON object per line on stdout; progress on stderr. torchode (with torchtyping and typeguard 2.x) is imported
from the environment, else from --vendor DIR (the bundle's python folder). --no-gpu stops before the first call to
the GPU, after loading the workload and torchode; --device cpu runs every op on the CPU instead (to test this
script where there is no GPU).

Usage: python3 .gpu/peer.py --data DIR [--vendor DIR] [--repeat R] [--no-gpu | --device cpu]
"""
import argparse
import json
import os
import sys
import time
import warnings

warnings.filterwarnings("ignore", message=".*Sparse CSR tensor support is in beta.*")
warnings.filterwarnings("ignore", message=".*Sparse invariant checks are implicitly disabled.*")

DOPRI_A = [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
]
DOPRI_B = [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]


def log(msg):
    print(f"[peer] {msg}", file=sys.stderr, flush=True)


def emit(record):
    print(json.dumps(record), flush=True)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="workload directory written by GpuCheck")
    p.add_argument("--vendor", default=None, help="folder with torchode, torchtyping and typeguard sources")
    p.add_argument("--repeat", type=int, default=7, help="timed runs per op (default 7)")
    p.add_argument("--no-gpu", action="store_true", help="stop before the first GPU call")
    p.add_argument("--device", choices=["cuda", "cpu"], default="cuda", help="where the ops run (default cuda)")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error(f"--repeat {args.repeat}: expected at least 1")
    return args


def load_workload(directory):
    import numpy as np

    with open(os.path.join(directory, "workload.json")) as fh:
        meta = json.load(fh)

    def csr(name):
        with np.load(os.path.join(directory, name)) as z:
            return (z["data"].astype(np.float32), z["indices"].astype(np.int64), z["indptr"].astype(np.int64),
                    tuple(int(v) for v in z["shape"]))

    w = {"meta": meta, "A": csr("connectome.npz"), "U": csr("input_projection.npz"),
         "tau": np.load(os.path.join(directory, "tau.npy")).astype(np.float32).ravel(),
         "bias": np.load(os.path.join(directory, "bias.npy")).astype(np.float32).ravel(),
         "x": np.load(os.path.join(directory, "x.npy")).astype(np.float32)}
    for name in ("java_forward.npy", "java_adaptive.npy"):
        path = os.path.join(directory, name)
        w[name] = np.load(path) if os.path.exists(path) else None
    n = w["A"][3][0]
    if w["A"][3] != (n, n) or w["tau"].size != n or w["U"][3][0] != n or w["x"].shape[1] != w["U"][3][1]:
        raise SystemExit(f"bad workload in {directory}: A {w['A'][3]}, tau {w['tau'].size}, U {w['U'][3]}, "
                         f"x {w['x'].shape}")
    return w


def import_torchode(vendor):
    try:
        import torchode  # noqa: F401
        return "installed"
    except ImportError:
        if vendor is None:
            raise
    sys.path.insert(0, vendor)
    import torchode  # noqa: F401,F811
    return f"vendored ({vendor})"


def synchronize(torch):
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()


def timed(torch, fn, repeat, warmup=1):
    for _ in range(warmup):
        result = fn()
    synchronize(torch)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        synchronize(torch)
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return times, result


def record(op, times, impl, **extra):
    r = {"impl": "peer", "op": op, "median_ms": round(times[len(times) // 2], 4), "min_ms": round(times[0], 4),
         "max_ms": round(times[-1], 4), "repeat": len(times), "peer": impl}
    r.update(extra)
    emit(r)


def main():
    args = parse_args()
    w = load_workload(args.data)
    meta = w["meta"]
    n, batch, points = meta["neurons"], meta["batch"], meta["num_steps"]
    log(f"workload N={n} S={meta['synapses']} B={batch} points={points}")
    try:
        import torch
    except ImportError:
        emit({"impl": "peer", "op": "setup", "skipped": f"torch is not importable with {sys.executable}"})
        return 0
    origin = import_torchode(args.vendor)
    import torchode as to
    log(f"torch {torch.__version__}, torchode {to.__version__} ({origin})")
    if args.no_gpu or (args.device == "cuda" and not torch.cuda.is_available()):
        emit({"impl": "peer", "op": "setup", "torch": torch.__version__, "torchode": to.__version__,
              "skipped": "--no-gpu" if args.no_gpu else "torch sees no CUDA device"})
        return 0
    import numpy as np

    dev = torch.device(args.device)
    torch.manual_seed(1234)
    emit({"impl": "peer", "op": "setup", "torch": torch.__version__, "torchode": to.__version__,
          "device": torch.cuda.get_device_name(0) if args.device == "cuda" else "cpu"})
    a_val, a_col, a_ptr, shape = w["A"]
    row = np.repeat(np.arange(n, dtype=np.int64), np.diff(a_ptr))
    crow = torch.from_numpy(a_ptr).to(dev)
    col = torch.from_numpy(a_col).to(dev)
    rows = torch.from_numpy(row).to(dev)
    values = torch.from_numpy(a_val).to(dev)
    A = torch.sparse_csr_tensor(crow, col, values, (n, n), device=dev)
    perm = torch.argsort(col * n + rows)
    t_crow = torch.zeros(n + 1, dtype=torch.int64, device=dev)
    t_crow[1:] = torch.cumsum(torch.bincount(col, minlength=n), 0)
    t_col = rows[perm]
    At = torch.sparse_csr_tensor(t_crow, t_col, values[perm], (n, n), device=dev)
    u_val, u_col, u_ptr, u_shape = w["U"]
    U = torch.sparse_csr_tensor(torch.from_numpy(u_ptr).to(dev), torch.from_numpy(u_col).to(dev),
                                torch.from_numpy(u_val).to(dev), u_shape, device=dev)
    x_t = torch.from_numpy(np.ascontiguousarray(w["x"].T)).to(dev)
    tau = torch.from_numpy(w["tau"]).to(dev)
    bias = torch.from_numpy(w["bias"]).to(dev)
    times_np = np.linspace(meta.get("t0", 0.0), meta.get("t1", 1.0), points)

    V = torch.randn(n, batch, device=dev)
    launches = 100

    def products(M):
        def run():
            for _ in range(launches):
                M @ V
        return run

    for op, M in (("spmm", A), ("spmm_transpose", At)):
        t, _ = timed(torch, products(M), args.repeat)
        record(op, [v / launches for v in t], "torch CSR @ dense" + (" (transpose as CSR)" if M is At else ""))

    def dopri5_fixed(matmul, drive, inv_tau):
        h = torch.zeros_like(drive)
        states = [h]
        for j in range(points - 1):
            dt = float(times_np[j + 1] - times_np[j])
            k = []
            for s in range(6):
                stage = h
                for a, ki in zip(DOPRI_A[s], k):
                    stage = torch.add(stage, ki, alpha=dt * a)
                k.append((torch.sigmoid(matmul(stage) + drive) - stage) * inv_tau)
            for bw, ki in zip(DOPRI_B, k):
                if bw != 0.0:
                    h = torch.add(h, ki, alpha=dt * bw)
            states.append(h)
        return states

    def forward():
        with torch.no_grad():
            drive = U @ x_t + bias[:, None]
            states = dopri5_fixed(lambda h: A @ h, drive, 1.0 / tau[:, None])
            return torch.stack(states, dim=2).permute(1, 0, 2)

    t, out = timed(torch, forward, args.repeat)
    extra = {}
    if w["java_forward.npy"] is not None and w["java_forward.npy"].shape == tuple(out.shape):
        extra["max_abs_diff_vs_java"] = float(np.max(np.abs(out.cpu().numpy() - w["java_forward.npy"])))
    record("forward", t, "torch, 19 fixed Dopri5 steps (result on the GPU)", **extra)

    class ValuesSpmm(torch.autograd.Function):
        """y = A(values) @ h; dL/dvalues[e] = sum_b dL/dy[row_e, b] h[col_e, b] (no dense N x N gradient)."""

        @staticmethod
        def forward(ctx, vals, h, mats):
            ctx.save_for_backward(h)
            ctx.mats = mats
            return mats[0] @ h

        @staticmethod
        def backward(ctx, grad):
            (h,) = ctx.saved_tensors
            grad = grad.contiguous()
            g_vals = (grad.index_select(0, rows) * h.index_select(0, col)).sum(1)
            return g_vals, ctx.mats[1] @ grad, None

    def matrices(vals):
        """A and its transpose as CSR for the current values, built once per training step."""
        v = vals.detach()
        return (torch.sparse_csr_tensor(crow, col, v, (n, n), device=dev),
                torch.sparse_csr_tensor(t_crow, t_col, v[perm], (n, n), device=dev))

    p_values = values.clone().requires_grad_()
    p_tau = tau.clone().requires_grad_()
    p_bias = bias.clone().requires_grad_()
    readout = torch.randn(n, 1, device=dev)

    def fit_step():
        for p in (p_values, p_tau, p_bias):
            p.grad = None
        mats = matrices(p_values)
        drive = U @ x_t + p_bias[:, None]
        states = dopri5_fixed(lambda h: ValuesSpmm.apply(p_values, h, mats), drive, 1.0 / p_tau[:, None])
        loss = (states[-1] * readout).mean()
        loss.backward()
        return float(loss.detach())

    t, _ = timed(torch, fit_step, args.repeat)
    record("fit_step", t, "torch autograd through 19 fixed Dopri5 steps")

    t_eval = torch.from_numpy(np.tile(times_np, (batch, 1))).to(dev, torch.float32)
    y0 = torch.zeros(batch, n, device=dev)

    def solver_for(vals, tau_v, bias_v):
        drive = (U @ x_t).T + bias_v[None, :]
        inv = 1.0 / tau_v[None, :]
        mats = matrices(vals) if vals.requires_grad else None

        def f(t, y):
            z = ValuesSpmm.apply(vals, y.T, mats).T if mats is not None else (A @ y.T).T
            return (torch.sigmoid(z + drive) - y) * inv

        term = to.ODETerm(f)
        method = to.Dopri5(term=term)
        controller = to.IntegralController(atol=1e-6, rtol=1e-3, term=term)
        return to.AutoDiffAdjoint(method, controller), term

    def adaptive():
        with torch.no_grad():
            solver, term = solver_for(values, tau, bias)
            return solver.solve(to.InitialValueProblem(y0=y0, t_eval=t_eval), term=term)

    t, sol = timed(torch, adaptive, args.repeat)
    extra = {"accepted_steps": [int(v) for v in sol.stats["n_accepted"].cpu()]}
    if w["java_adaptive.npy"] is not None:
        ys = sol.ys.permute(0, 2, 1).cpu().numpy()
        if ys.shape == w["java_adaptive.npy"].shape:
            extra["max_abs_diff_vs_java"] = float(np.max(np.abs(ys - w["java_adaptive.npy"])))
    record("adaptive_forward", t, "torchode Dopri5 + IntegralController (atol 1e-6, rtol 1e-3)", **extra)

    def fit_torchode():
        for p in (p_values, p_tau, p_bias):
            p.grad = None
        solver, term = solver_for(p_values, p_tau, p_bias)
        sol = solver.solve(to.InitialValueProblem(y0=y0, t_eval=t_eval), term=term)
        loss = (sol.ys[:, -1, :] * readout.T).mean()
        loss.backward()
        return float(loss.detach())

    t, _ = timed(torch, fit_torchode, args.repeat)
    record("fit_step_torchode", t, "torchode adaptive solve + autograd backward (bioplnn's training)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
