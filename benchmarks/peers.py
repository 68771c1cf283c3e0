#!/usr/bin/env python3
"""Python peers for the connectome ODE-RNN benchmark (scipy, and PyTorch when importable).

Reads the workload that `connectome.jar bench --export DIR` writes (or that
benchmarks/make_workload.py generates) and times, on the same data:

  spmm            A @ V                 (V: [N, B] C-contiguous)
  spmm_transpose  A.T @ G               (G: [N, B])
  forward         fixed-step Dormand-Prince 5 over linspace(t0, t1, T), K steps per interval
  fit_step        torch only: forward + backward w.r.t. A's nonzero values, tau and bias
  adaptive_forward  torch + torchode only: bioplnn's own stack, Dopri5 with torchode's IntegralController at
                  atol 1e-6 / rtol 1e-3 (torchode is pure Python: put its directory on PYTHONPATH; without
                  torchtyping, also benchmarks/stubs)

Model: dh/dt = (sigmoid(A @ h + U @ x + b) - h) / tau, h(t0) = 0, h stored as [N, B].

Each measurement is one JSON object per line on stdout; progress goes to stderr. With
--impl floor it also prints the memory-bandwidth floor of one spmm (impl "floor").

Usage:
  python3 benchmarks/peers.py --data DIR [--repeat R] [--threads P]
                              [--dtype float32|float64] [--impl scipy,torch,floor]
"""
import argparse
import json
import os
import resource
import sys
import time
import warnings


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="workload directory (see benchmarks/README.md)")
    p.add_argument("--repeat", type=int, default=5, help="timed runs per op (default 5)")
    p.add_argument("--warmup", type=int, default=None,
                   help="untimed runs before timing (default: 2 for products, 1 for forward/fit_step)")
    p.add_argument("--threads", type=int, default=os.cpu_count(),
                   help="threads for OpenMP/MKL/OpenBLAS and torch (default: all cores)")
    p.add_argument("--dtype", choices=["float32", "float64"], default=None,
                   help="value type (default: the workload's dtype, float32 if unset)")
    p.add_argument("--impl", default="scipy,torch,floor",
                   help="comma separated subset of scipy,torch,floor (default: all; torch is "
                        "skipped when it cannot be imported)")
    p.add_argument("--ops", default="spmm,spmm_transpose,forward,fit_step,adaptive_forward",
                   help="comma separated ops to run (default: all)")
    p.add_argument("--atol", type=float, default=1e-6, help="adaptive_forward absolute tolerance (default 1e-6)")
    p.add_argument("--rtol", type=float, default=1e-3, help="adaptive_forward relative tolerance (default 1e-3)")
    p.add_argument("--torch-format", choices=["csr", "coo"], default="csr",
                   help="torch sparse layout of A for spmm, spmm_transpose and forward "
                        "(default csr; fit_step always uses csr)")
    p.add_argument("--torch-grad", choices=["sddmm", "builtin"], default="sddmm",
                   help="fit_step gradient of A's values: 'sddmm' (custom autograd function, "
                        "default) or 'builtin' (torch.sparse.mm on a COO tensor; torch 1.13 "
                        "materialises a dense N x N gradient, so small N only)")
    p.add_argument("--bandwidth-mb", type=int, default=512, help="array size for the copy bandwidth test")
    p.add_argument("--seed", type=int, default=1234, help="seed for V, G and the readout")
    return p.parse_args(argv)


ARGS = parse_args()
# numpy / OpenBLAS / MKL read these when they are first imported, so set them before.
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
             "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)

import numpy as np  # noqa: E402

# Dormand-Prince 5(4) tableau; only the 5th-order weights are used (fixed steps, no k7).
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
    print(f"[peers] {msg}", file=sys.stderr, flush=True)


def emit(record):
    print(json.dumps(record), flush=True)


def timing_record(impl, op, times_s, meta, **extra):
    ms = sorted(t * 1e3 for t in times_s)
    record = {"impl": impl, "op": op,
              "median_ms": round(float(np.median(ms)), 4),
              "min_ms": round(ms[0], 4), "max_ms": round(ms[-1], 4),
              "repeat": len(ms)}
    record.update(meta)
    record.update(extra)
    return record


def measure(fn, repeat, warmup):
    """Run fn warmup times untimed, then repeat times timed; return (times_s, last result)."""
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


# ----------------------------------------------------------------------------- workload

class Workload:
    """Arrays of one exported workload, cast to the benchmark dtype (CSR kept as raw arrays)."""

    def __init__(self, directory, dtype):
        with open(os.path.join(directory, "workload.json")) as fh:
            self.meta = json.load(fh)
        self.dtype = np.dtype(dtype or self.meta.get("dtype", "float32"))
        self.a_data, self.a_indices, self.a_indptr, self.a_shape = load_csr(
            os.path.join(directory, "connectome.npz"), self.dtype)
        self.u_data, self.u_indices, self.u_indptr, self.u_shape = load_csr(
            os.path.join(directory, "input_projection.npz"), self.dtype)
        self.tau = np.load(os.path.join(directory, "tau.npy")).astype(self.dtype).ravel()
        self.bias = np.load(os.path.join(directory, "bias.npy")).astype(self.dtype).ravel()
        self.x = np.load(os.path.join(directory, "x.npy")).astype(self.dtype)  # [B, I]
        self.neurons = self.a_shape[0]
        self.synapses = int(self.a_data.size)
        self.batch = self.x.shape[0]
        self.num_steps = int(self.meta.get("num_steps", 20))
        self.steps_per_interval = int(self.meta.get("steps_per_interval", 1))
        self.times = np.linspace(float(self.meta.get("t0", 0.0)), float(self.meta.get("t1", 1.0)),
                                 self.num_steps)
        self.java_forward_path = os.path.join(directory, "java_forward.npy")
        self.check_shapes()

    def check_shapes(self):
        n = self.neurons
        problems = []
        if self.a_shape != (n, n):
            problems.append(f"connectome shape {self.a_shape} is not square")
        if self.u_shape[0] != n or self.u_shape[1] != self.x.shape[1]:
            problems.append(f"input_projection {self.u_shape} does not match N={n}, x {self.x.shape}")
        if self.tau.size != n or self.bias.size != n:
            problems.append(f"tau/bias sizes {self.tau.size}/{self.bias.size} != N={n}")
        for key, have in (("neurons", n), ("batch", self.batch), ("synapses", self.synapses)):
            if key in self.meta and int(self.meta[key]) != have:
                problems.append(f"workload.json {key}={self.meta[key]} but the arrays give {have}")
        if problems:
            raise SystemExit("bad workload: " + "; ".join(problems))

    def row_indices(self):
        """Receiving neuron of each nonzero of A (CSR row of each stored value)."""
        return np.repeat(np.arange(self.neurons, dtype=np.int64), np.diff(self.a_indptr))

    def java_forward(self):
        if not os.path.exists(self.java_forward_path):
            return None
        return np.load(self.java_forward_path)

    def common_fields(self, threads):
        return {"neurons": self.neurons, "synapses": self.synapses, "batch": self.batch,
                "threads": threads, "dtype": self.dtype.name}


def load_csr(path, dtype):
    """Read a scipy save_npz CSR file with numpy alone (so torch runs do not need scipy)."""
    with np.load(path) as z:
        fmt = z["format"].item() if "format" in z.files else b"csr"
        fmt = fmt.decode() if isinstance(fmt, bytes) else str(fmt)
        if fmt == "csr":
            return (z["data"].astype(dtype), z["indices"], z["indptr"],
                    tuple(int(v) for v in z["shape"]))
    import scipy.sparse as sp  # other sparse formats: let scipy convert
    m = sp.load_npz(path).tocsr()
    m.sort_indices()
    return m.data.astype(dtype), m.indices, m.indptr, m.shape


def max_abs_diff_vs_java(wl, output):
    """Max |ours - java_forward.npy|, or None when the file is absent or shaped differently."""
    ref = wl.java_forward()
    if ref is None:
        return None
    if ref.shape != output.shape:
        log(f"java_forward.npy has shape {ref.shape}, expected {output.shape}; not compared")
        return None
    return float(np.max(np.abs(output.astype(np.float64) - ref.astype(np.float64))))


def random_dense(wl, seed, salt):
    rng = np.random.default_rng([seed, salt])
    return rng.standard_normal((wl.neurons, wl.batch)).astype(wl.dtype)


# ----------------------------------------------------------------------------- scipy

def scipy_forward(A, U, x_t, bias, tau, times, steps_per_interval):
    """Fixed-step Dopri5 on h: [N, B]; returns the states at `times` as [B, N, T]."""
    from scipy.special import expit

    n, b = A.shape[0], x_t.shape[1]
    dtype = A.dtype
    drive = U @ x_t                       # [N, B], computed once per forward
    drive += bias[:, None]
    inv_tau = (1.0 / tau)[:, None]        # [N, 1]
    h = np.zeros((n, b), dtype)
    stage = np.empty_like(h)              # argument of the next f evaluation
    scratch = np.empty_like(h)
    k = [np.empty_like(h) for _ in range(6)]
    out = np.empty((b, n, len(times)), dtype)
    out[:, :, 0] = h.T

    def rhs(y, result):
        z = A @ y                          # the sparse product that dominates
        z += drive
        expit(z, out=z)
        np.subtract(z, y, out=result)
        result *= inv_tau

    for j in range(len(times) - 1):
        dt = (times[j + 1] - times[j]) / steps_per_interval
        for _ in range(steps_per_interval):
            rhs(h, k[0])
            for s in range(1, 6):
                np.copyto(stage, h)
                for a, ki in zip(DOPRI_A[s], k):
                    np.multiply(ki, dt * a, out=scratch)
                    stage += scratch
                rhs(stage, k[s])
            for bw, ki in zip(DOPRI_B, k):
                if bw != 0.0:
                    np.multiply(ki, dt * bw, out=scratch)
                    h += scratch
        out[:, :, j + 1] = h.T
    return out


def run_scipy(wl, args, ops):
    try:
        import scipy
        import scipy.sparse as sp
    except ImportError:
        log(f"scipy is not importable with {sys.executable}; skipping the scipy peer")
        return

    A = sp.csr_matrix((wl.a_data, wl.a_indices, wl.a_indptr), shape=wl.a_shape)
    U = sp.csr_matrix((wl.u_data, wl.u_indices, wl.u_indptr), shape=wl.u_shape)
    x_t = np.ascontiguousarray(wl.x.T)   # [I, B]
    meta = wl.common_fields(args.threads)
    meta["version"] = f"scipy {scipy.__version__}, numpy {np.__version__}"
    warm_products = 2 if args.warmup is None else args.warmup
    warm_forward = 1 if args.warmup is None else args.warmup

    if "spmm" in ops:
        V = random_dense(wl, args.seed, 1)
        log("scipy spmm")
        times, _ = measure(lambda: A @ V, args.repeat, warm_products)
        emit(timing_record("scipy", "spmm", times, meta))
    if "spmm_transpose" in ops:
        G = random_dense(wl, args.seed, 2)
        log("scipy spmm_transpose")
        times, _ = measure(lambda: A.T @ G, args.repeat, warm_products)
        emit(timing_record("scipy", "spmm_transpose", times, meta))
    if "forward" in ops:
        log("scipy forward")
        times, out = measure(
            lambda: scipy_forward(A, U, x_t, wl.bias, wl.tau, wl.times, wl.steps_per_interval),
            args.repeat, warm_forward)
        emit(timing_record("scipy", "forward", times, meta,
                           num_steps=wl.num_steps, steps_per_interval=wl.steps_per_interval,
                           max_abs_diff_vs_java=max_abs_diff_vs_java(wl, out)))
    # fit_step: scipy has no autodiff, so there is nothing to report.


# ----------------------------------------------------------------------------- torch

def run_torch(wl, args, ops):
    try:
        import torch
    except ImportError:
        log(f"torch is not importable with {sys.executable}; skipping the torch peer")
        return
    warnings.filterwarnings("ignore", message=".*Sparse CSR tensor support is in beta.*")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    tdtype = torch.float64 if wl.dtype == np.float64 else torch.float32
    n = wl.neurons
    crow = torch.from_numpy(wl.a_indptr.astype(np.int64))
    col = torch.from_numpy(wl.a_indices.astype(np.int64))
    row = torch.from_numpy(wl.row_indices())
    a_values = torch.from_numpy(wl.a_data)
    if args.torch_format == "coo":
        A = torch.sparse_coo_tensor(torch.stack([row, col]), a_values, (n, n)).coalesce()
    else:
        A = torch.sparse_csr_tensor(crow, col, a_values, (n, n), dtype=tdtype)
    U = torch.sparse_csr_tensor(torch.from_numpy(wl.u_indptr.astype(np.int64)),
                                torch.from_numpy(wl.u_indices.astype(np.int64)),
                                torch.from_numpy(wl.u_data), wl.u_shape, dtype=tdtype)
    x_t = torch.from_numpy(np.ascontiguousarray(wl.x.T))
    tau = torch.from_numpy(wl.tau)
    bias = torch.from_numpy(wl.bias)

    meta = wl.common_fields(args.threads)
    meta["version"] = f"torch {torch.__version__}"
    meta["format"] = args.torch_format
    warm_products = 2 if args.warmup is None else args.warmup
    warm_forward = 1 if args.warmup is None else args.warmup

    if "spmm" in ops:
        V = torch.from_numpy(random_dense(wl, args.seed, 1))
        log("torch spmm")
        times, _ = measure(lambda: A @ V, args.repeat, warm_products)
        emit(timing_record("torch", "spmm", times, meta))
    if "spmm_transpose" in ops:
        G = torch.from_numpy(random_dense(wl, args.seed, 2))
        log("torch spmm_transpose")
        times, _ = measure(lambda: A.t() @ G, args.repeat, warm_products)
        emit(timing_record("torch", "spmm_transpose", times, meta))
    if "forward" in ops:
        log("torch forward")

        def forward():
            with torch.no_grad():
                drive = U @ x_t + bias[:, None]
                states = torch_dopri5(lambda h: A @ h, drive, 1.0 / tau[:, None],
                                      wl.times, wl.steps_per_interval)
                return torch.stack(states, dim=2).permute(1, 0, 2)  # [B, N, T]

        times, out = measure(forward, args.repeat, warm_forward)
        emit(timing_record("torch", "forward", times, meta,
                           num_steps=wl.num_steps, steps_per_interval=wl.steps_per_interval,
                           max_abs_diff_vs_java=max_abs_diff_vs_java(wl, out.numpy())))
    if "fit_step" in ops:
        run_torch_fit_step(torch, wl, args, meta, U, x_t, tau, bias, crow, col, row,
                           warm_forward)
    if "adaptive_forward" in ops:
        run_torchode(torch, wl, args, meta, A, U, x_t, tau, bias, warm_forward)


def import_torchode():
    """torchode, or None with a message saying how to provide it (it is pure Python)."""
    try:
        import torchode
        return torchode
    except ImportError as e:
        missing = getattr(e, "name", "") or str(e)
        stubs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stubs")
        if missing == "torchtyping" and stubs not in sys.path:
            sys.path.append(stubs)  # torchode uses torchtyping in annotations only
            return import_torchode()
        log(f"torchode is not importable ({e}); skipping adaptive_forward. torchode is pure Python: get it from "
            f"https://github.com/martenlienen/torchode (0.1.x for torch 1.x, 1.x for torch 2) and put the "
            f"directory that holds its torchode/ package on PYTHONPATH (it also needs sympy; torchtyping may be "
            f"replaced by {stubs})")
        return None


def run_torchode(torch, wl, args, meta, A, U, x_t, tau, bias, warmup):
    """bioplnn's solver stack: torchode Dopri5 + IntegralController on the same vector field, per-sample steps."""
    to = import_torchode()
    if to is None:
        return
    drive = (U @ x_t + bias[:, None]).t().contiguous()          # [B, N]: torchode batches the first axis
    inv_tau = (1.0 / tau)[None, :]

    def f(t, y):
        return (torch.sigmoid((A @ y.t()).t() + drive) - y) * inv_tau

    term = to.ODETerm(f)
    solver = to.AutoDiffAdjoint(to.Dopri5(term=term),
                                to.IntegralController(atol=args.atol, rtol=args.rtol, term=term))
    t_eval = torch.tensor(wl.times, dtype=drive.dtype).repeat(wl.batch, 1)
    y0 = torch.zeros_like(drive)

    def solve():
        with torch.no_grad():
            return solver.solve(to.InitialValueProblem(y0=y0, t_eval=t_eval))

    log(f"torch + torchode {to.__version__} adaptive_forward")
    times, sol = measure(solve, args.repeat, warmup)
    stats = {k: (int(v.max()) if hasattr(v, "max") else v) for k, v in sol.stats.items()
             if k in ("n_f_evals", "n_steps", "n_accepted")}
    out = sol.ys.permute(0, 2, 1).numpy()                       # [B, N, T]
    ref_path = os.path.join(args.data, "java_adaptive.npy")
    diff = None
    if os.path.exists(ref_path):
        ref = np.load(ref_path)
        if ref.shape == out.shape:
            diff = float(np.max(np.abs(out.astype(np.float64) - ref.astype(np.float64))))
    emit(timing_record("torch", "adaptive_forward", times, dict(meta, version=f"torch {torch.__version__}, "
                       f"torchode {to.__version__}"), num_steps=wl.num_steps, atol=args.atol, rtol=args.rtol,
                       evaluations=stats.get("n_f_evals"), steps=stats.get("n_accepted", stats.get("n_steps")),
                       max_abs_diff_vs_java=diff))


def torch_dopri5(matmul, drive, inv_tau, times, steps_per_interval):
    """Fixed-step Dopri5 with out-of-place ops (autograd friendly); returns the T states [N, B]."""
    import torch

    h = torch.zeros_like(drive)

    def rhs(y):
        return (torch.sigmoid(matmul(y) + drive) - y) * inv_tau

    states = [h]
    for j in range(len(times) - 1):
        dt = float(times[j + 1] - times[j]) / steps_per_interval
        for _ in range(steps_per_interval):
            k = []
            for s in range(6):
                stage = h
                for a, ki in zip(DOPRI_A[s], k):
                    stage = torch.add(stage, ki, alpha=dt * a)
                k.append(rhs(stage))
            for bw, ki in zip(DOPRI_B, k):
                if bw != 0.0:
                    h = torch.add(h, ki, alpha=dt * bw)
        states.append(h)
    return states


def make_values_spmm(torch):
    """Autograd function y = A(values) @ h for a fixed sparsity pattern.

    Backward: dL/dh = A^T @ dL/dy and, for each stored entry e = (i, j),
    dL/dvalues[e] = sum_b dL/dy[i, b] * h[j, b] (a sampled dense-dense product), so no
    dense N x N matrix is ever formed.
    """

    class ValuesSpmm(torch.autograd.Function):
        @staticmethod
        def forward(ctx, values, h, op):
            ctx.save_for_backward(h)
            ctx.op = op
            return op["A"] @ h

        @staticmethod
        def backward(ctx, grad_y):
            (h,) = ctx.saved_tensors
            op = ctx.op
            grad_values = grad_h = None
            grad_y = grad_y.contiguous()
            if ctx.needs_input_grad[0]:
                grad_values = (grad_y.index_select(0, op["row"]) * h.index_select(0, op["col"])).sum(1)
            if ctx.needs_input_grad[1]:
                grad_h = op["At"] @ grad_y
            return grad_values, grad_h, None

    return ValuesSpmm


def peak_rss_mb():
    """Peak resident set size of this process in MiB (VmHWM, else getrusage)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def current_rss_mb():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def reset_peak_rss():
    """Reset VmHWM to the current RSS (Linux >= 4.0); returns whether it worked."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def run_torch_fit_step(torch, wl, args, meta, U, x_t, tau0, bias0, crow, col, row, warmup):
    n = wl.neurons
    if args.torch_grad == "builtin":
        dense_bytes = n * n * wl.dtype.itemsize
        if dense_bytes > 2 * 2**30:
            log(f"--torch-grad builtin would form a dense {n}x{n} gradient "
                f"({dense_bytes / 2**30:.1f} GiB) per product; skipping fit_step")
            return
    # CSR of A^T, as a permutation of A's values: stable sort of the entries by column.
    t_perm = torch.argsort(col * n + row)
    t_crow = torch.zeros(n + 1, dtype=torch.int64)
    t_crow[1:] = torch.cumsum(torch.bincount(col, minlength=n), 0)
    t_col = row[t_perm]
    coo_index = torch.stack([row, col])

    values = torch.from_numpy(wl.a_data.copy()).requires_grad_()
    tau = tau0.clone().requires_grad_()
    bias = bias0.clone().requires_grad_()
    gen = torch.Generator().manual_seed(args.seed)
    readout = torch.randn(n, 1, generator=gen, dtype=values.dtype)
    values_spmm = make_values_spmm(torch)

    def fit_step():
        for p in (values, tau, bias):
            p.grad = None
        if args.torch_grad == "builtin":
            A_p = torch.sparse_coo_tensor(coo_index, values, (n, n))

            def matmul(h):
                return torch.sparse.mm(A_p, h)
        else:
            v = values.detach()
            op = {"A": torch.sparse_csr_tensor(crow, col, v, (n, n)),
                  "At": torch.sparse_csr_tensor(t_crow, t_col, v[t_perm], (n, n)),
                  "row": row, "col": col}

            def matmul(h):
                return values_spmm.apply(values, h, op)
        drive = U @ x_t + bias[:, None]
        states = torch_dopri5(matmul, drive, 1.0 / tau[:, None], wl.times, wl.steps_per_interval)
        loss = (states[-1] * readout).mean()
        loss.backward()
        return float(loss)

    rss_before = current_rss_mb()
    reset = reset_peak_rss()
    log(f"torch fit_step (grad={args.torch_grad})")
    times, loss = measure(fit_step, args.repeat, warmup)
    meta = dict(meta, format="coo" if args.torch_grad == "builtin" else "csr")
    emit(timing_record("torch", "fit_step", times, meta,
                       num_steps=wl.num_steps, steps_per_interval=wl.steps_per_interval,
                       grad=args.torch_grad, loss=loss,
                       peak_rss_mb=round(peak_rss_mb(), 1),
                       rss_before_mb=None if rss_before is None else round(rss_before, 1),
                       peak_rss_since_fit_step=reset))


# ----------------------------------------------------------------------------- floor

def measure_bandwidth(megabytes, tries=5):
    """Copy bandwidth in bytes/s: 2 * size / time of a numpy copy, best of `tries`."""
    src = np.ones(megabytes * 2**20 // 8, dtype=np.float64)
    dst = np.empty_like(src)
    np.copyto(dst, src)  # fault the pages in
    best = float("inf")
    for _ in range(tries):
        start = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - start)
    return 2.0 * src.nbytes / best


def run_floor(wl, args):
    log(f"copy bandwidth ({args.bandwidth_mb} MB array)")
    bandwidth = measure_bandwidth(args.bandwidth_mb)
    value_bytes = wl.dtype.itemsize
    n, b = wl.neurons, wl.batch
    moved = (wl.synapses * (4 + value_bytes)   # column index + value per nonzero
             + (n + 1) * 4                     # row pointers
             + 2 * n * b * value_bytes)        # read V, write Y
    record = {"impl": "floor", "op": "spmm",
              "median_ms": round(moved / bandwidth * 1e3, 4),
              "bandwidth_gb_s": round(bandwidth / 1e9, 3), "bytes": moved}
    record.update(wl.common_fields(args.threads))
    emit(record)


def main():
    args = ARGS
    impls = [s.strip() for s in args.impl.split(",") if s.strip()]
    ops = {s.strip() for s in args.ops.split(",") if s.strip()}
    unknown = set(impls) - {"scipy", "torch", "floor"}
    if unknown:
        raise SystemExit(f"unknown --impl {sorted(unknown)}; choose from scipy,torch,floor")
    unknown = ops - {"spmm", "spmm_transpose", "forward", "fit_step", "adaptive_forward"}
    if unknown:
        raise SystemExit(f"unknown --ops {sorted(unknown)}")
    wl = Workload(args.data, args.dtype)
    log(f"workload N={wl.neurons} S={wl.synapses} B={wl.batch} T={wl.num_steps} "
        f"K={wl.steps_per_interval} dtype={wl.dtype.name} threads={args.threads} "
        f"python={sys.executable}")
    for impl in impls:
        if impl == "scipy":
            run_scipy(wl, args, ops)
        elif impl == "torch":
            run_torch(wl, args, ops)
        elif impl == "floor":
            run_floor(wl, args)


if __name__ == "__main__":
    main()
