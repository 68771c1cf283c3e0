#!/usr/bin/env bash
# Regenerates the PTX of connectome.cu, one file per virtual architecture, and records the source's checksum in
# connectome-ptx.properties (PtxFreshnessTest fails when the two disagree). Needs nvcc (NVCC=/path/to/nvcc to pick
# one); checks each PTX with ptxas for sm_90 when ptxas is on the PATH.
#
# The driver JIT-compiles the PTX for the GPU it runs on, so a PTX file serves every later GPU too: compute_75 is
# the oldest architecture nvcc 13 can target (Turing), compute_90 is loaded on Hopper (H100, H200) and later. A
# driver runs PTX only up to the ISA version of its own CUDA release: PTX from nvcc 13.0 needs driver 580 or newer;
# for an older driver run this script with that release's nvcc.
set -euo pipefail
cd "$(dirname "$0")"
NVCC=${NVCC:-nvcc}
ARCHS=(compute_75 compute_90)
FLAGS=(-ptx -std=c++17)
for arch in "${ARCHS[@]}"; do
    "$NVCC" "${FLAGS[@]}" -arch="$arch" -o "connectome.$arch.ptx" connectome.cu
done
if command -v ptxas >/dev/null; then
    ptxas -arch=sm_90 -o /dev/null connectome.compute_90.ptx
fi
version=$("$NVCC" --version | sed -n 's/.*release [0-9.]*, V\([0-9.]*\).*/\1/p')
checksum=$(sha256sum connectome.cu | cut -d' ' -f1)
archs=$(IFS=,; echo "${ARCHS[*]}")
cat > connectome-ptx.properties <<PROPS
# Written by build-ptx.sh: the PTX files next to this one were generated from connectome.cu with this checksum.
source.sha256=$checksum
nvcc.version=$version
nvcc.flags=${FLAGS[*]}
archs=$archs
PROPS
echo "PTX for $archs from nvcc $version (connectome.cu sha256 $checksum)"
