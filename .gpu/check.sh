#!/usr/bin/env bash
# The GPU check: on a Linux machine with an NVIDIA GPU, its driver, and Python 3 with PyTorch (nvcc is optional;
# no JDK and no network needed). Everything comes from this repository and from the bundle that
# .gpu/make-bundle.sh prepares on the build machine (.gpu/bundle, at most 64 MiB: a Java runtime, the library's
# jars, the peer's Python packages).
#
#   1. prints nvidia-smi;
#   2. assembles the shipped PTX for sm_90 with ptxas when the toolkit is installed (a check of the PTX only);
#   3. GpuCheck: every kernel and the forward, reverse and adaptive passes on the GPU against the CPU
#      implementation (float32 to 1e-5, float64 to 1e-12) on small random connectomes and at tutorial size
#      (47,521 neurons, 4,623,254 synapses, batch 8, 20 points), then the timings at tutorial size;
#   4. the peer, bioplnn's own stack on the same workload and GPU: torch CUDA sparse CSR and torchode's Dopri5 with
#      its IntegralController at atol 1e-6 / rtol 1e-3;
#   5. prints one table (also written to OUT/table.md).
# Budget: under 8 minutes on an H200 (each step has its own time limit).
#
# Usage: .gpu/check.sh [--no-gpu] [--bundle DIR] [--out DIR]
#   --no-gpu   runs everything up to the first call to a GPU (for testing this script on a machine without one)
# Exit status: 0 when every check passed, 1 when a check failed, 2 when something needed is missing.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bundle="$here/bundle"
out="$here/out"
gpu=1
while [ $# -gt 0 ]; do
    case "$1" in
        --no-gpu) gpu=0; shift ;;
        --bundle) bundle="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        *) echo "error: unknown option '$1': expected --no-gpu, --bundle DIR, --out DIR" >&2; exit 2 ;;
    esac
done
start=$(date +%s)
say() { echo "== $* ($(( $(date +%s) - start )) s)"; }
java="$bundle/java/bin/java"
[ -x "$java" ] || { echo "error: no Java runtime in $bundle/java: run .gpu/make-bundle.sh on the build machine" \
    "and bring .gpu/bundle along" >&2; exit 2; }
"$java" -version >/dev/null 2>&1 || { echo "error: the bundled Java runtime does not start here" \
    "($(cat "$bundle/MANIFEST" 2>/dev/null | grep glibc))" >&2; exit 2; }
command -v python3 >/dev/null || { echo "error: python3 is not on the PATH" >&2; exit 2; }
mkdir -p "$out"
rm -f "$out/results.jsonl" "$out/peer.jsonl"

if [ "$gpu" = 1 ]; then
    say "nvidia-smi"
    nvidia-smi || { echo "error: nvidia-smi fails: no NVIDIA driver?" >&2; exit 2; }
    if command -v ptxas >/dev/null; then
        say "ptxas: the shipped PTX for sm_90"
        ptxas -arch=sm_90 -o /dev/null "$root/dl4j-connectome-cuda/src/main/cuda/connectome.compute_90.ptx" \
            && echo "PTX assembles for sm_90"
    fi
else
    say "no GPU mode: nvidia-smi and ptxas skipped"
fi

say "GpuCheck"
flags=(--add-modules jdk.incubator.vector -Xmx32g -XX:+UseParallelGC)
"$java" --enable-native-access=ALL-UNNAMED -version >/dev/null 2>&1 && flags+=(--enable-native-access=ALL-UNNAMED)
gpu_flag=()
[ "$gpu" = 1 ] || gpu_flag=(--no-gpu)
timeout 360 "$java" "${flags[@]}" -cp "$bundle/lib/*:$bundle/lib" org.dl4jconnectome.cuda.GpuCheck \
    --out "$out" "${gpu_flag[@]}" 2>&1 | tee "$out/gpucheck.log"
status=${PIPESTATUS[0]}
[ "$status" = 124 ] && echo "error: GpuCheck ran past its 6 minutes" >&2

say "peer: torch + torchode"
peer_flag=()
[ "$gpu" = 1 ] || peer_flag=(--no-gpu)
if [ -f "$out/workload/workload.json" ]; then
    timeout 150 python3 "$here/peer.py" --data "$out/workload" --vendor "$bundle/python" "${peer_flag[@]}" \
        > "$out/peer.jsonl" || echo "error: the peer failed (status $?)" >&2
else
    echo "no workload: GpuCheck stopped before writing it" >&2
fi

say "table"
python3 "$here/table.py" "$out/results.jsonl" "$out/peer.jsonl" | tee "$out/table.md"
table=${PIPESTATUS[0]}
say "done"
[ "$status" = 0 ] && [ "$table" = 0 ] && exit 0
exit 1
