#!/usr/bin/env bash
# Side-by-side benchmark: Java (connectome.jar bench) vs scipy and PyTorch peers.
#
#   benchmarks/compare.sh [--neurons N] [--synapses S] [--batch B] [--num-steps T]
#                         [--steps-per-interval K] [--repeat R] [--threads P] [--rounds 3]
#                         [--atol 1e-6] [--rtol 1e-3] [--stability 50] [--torchode DIR]
#                         [--out DIR] [--data DIR] [--java-results FILE] [--jar PATH]
#
# 1. Builds samples/target/connectome.jar if missing (mvn -B -q package -DskipTests).
# 2. Runs `bench ... --export DIR` once to write the workload (its JSON lines are kept as
#    round 0 and left out of the table).
# 3. For each round: Java bench with --data DIR, the scipy peer (+ bandwidth floor), the
#    torch peer when some python can import torch (with torchode: bioplnn's adaptive
#    solver stack). JSON lines go to OUT/results.jsonl, each tagged with "round"; raw
#    stdout/stderr of every run stay in OUT/raw/.
# 4. Stability: Java float32 and float64, --stability repetitions each (round "s32" and
#    "s64"): float64 / float32 per op and the spread of the repetitions (a JIT cliff shows
#    as last_ms far above first_ms).
# 5. Prints a Markdown ratio table with the performance targets (also saved as OUT/table.md).
#
# Options besides the benchmark sizes:
#   --out DIR            results folder (default benchmarks/results/<date-time>)
#   --data DIR           reuse an existing workload instead of exporting one
#   --java-results FILE  do not run Java; use the JSON lines in FILE as each round's Java
#                        output (for testing). Without --data, the workload is then made by
#                        benchmarks/make_workload.py.
#   --jar PATH           jar to run (default samples/target/connectome.jar)
#   --atol, --rtol       tolerances of the adaptive ops, Java and torchode (default 1e-6, 1e-3)
#   --stability R        repetitions of the float32 / float64 stability runs (0 skips them)
#   --torchode DIR       directory holding torchode's torchode/ package (pure Python; 0.1.x
#                        for torch 1.x), put on the torch peer's PYTHONPATH
# Environment: PYTHON (scipy peer, default python3), TORCH_PYTHON (torch peer, default: the
# first of $PYTHON, /usr/bin/python3 that imports torch), JAVA (default java), JAVA_OPTS.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/benchmarks"

NEURONS=47521
SYNAPSES=4623254
BATCH=8
NUM_STEPS=20
STEPS_PER_INTERVAL=1
REPEAT=5
THREADS="$(nproc)"
ROUNDS=3
ATOL=1e-6
RTOL=1e-3
STABILITY=50
TORCHODE=""
OUT=""
DATA=""
JAVA_RESULTS=""
JAR="$ROOT/samples/target/connectome.jar"
PYTHON="${PYTHON:-python3}"
JAVA="${JAVA:-java}"
JAVA_OPTS="${JAVA_OPTS:-}"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }
log() { echo "[compare] $*" >&2; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --neurons) NEURONS="$2"; shift 2 ;;
        --synapses) SYNAPSES="$2"; shift 2 ;;
        --batch) BATCH="$2"; shift 2 ;;
        --num-steps) NUM_STEPS="$2"; shift 2 ;;
        --steps-per-interval) STEPS_PER_INTERVAL="$2"; shift 2 ;;
        --repeat) REPEAT="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --rounds) ROUNDS="$2"; shift 2 ;;
        --atol) ATOL="$2"; shift 2 ;;
        --rtol) RTOL="$2"; shift 2 ;;
        --stability) STABILITY="$2"; shift 2 ;;
        --torchode) TORCHODE="$(cd "$2" && pwd)"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --data) DATA="$2"; shift 2 ;;
        --java-results) JAVA_RESULTS="$2"; shift 2 ;;
        --jar) JAR="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
done

OUT="${OUT:-$BENCH/results/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT/raw"
OUT="$(cd "$OUT" && pwd)"
RESULTS="$OUT/results.jsonl"
: > "$RESULTS"
FAILED=0

# Keep the JSON object lines of a run's stdout, tagged with the round (a number, or a quoted name).
collect() {  # collect ROUND FILE
    sed -n "s/^[[:space:]]*{/{\"round\": $1, /p" "$2" >> "$RESULTS"
}

# --- machine ---------------------------------------------------------------------------
NPROC="$(nproc)"
CPU_MODEL="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)"
CPU_MODEL="${CPU_MODEL:-unknown CPU}"
MEM_TOTAL="$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
MACHINE="$NPROC cores (nproc), $CPU_MODEL, $MEM_TOTAL RAM"
log "machine: $MACHINE"
echo "$MACHINE" > "$OUT/machine.txt"

# The sizes go to the export run only: a run on --data takes them from the workload.
SIZE_ARGS=(--neurons "$NEURONS" --synapses "$SYNAPSES" --batch "$BATCH")
JAVA_ARGS=(bench --num-steps "$NUM_STEPS" --steps-per-interval "$STEPS_PER_INTERVAL"
           --threads "$THREADS" --atol "$ATOL" --rtol "$RTOL")

run_java() {  # run_java ROUND EXTRA_ARGS...
    local round="$1"; shift
    local raw="$OUT/raw/round-${round//\"/}-java"
    if [[ -n "$JAVA_RESULTS" ]]; then
        log "round $round: java (substituted from $JAVA_RESULTS)"
        cp "$JAVA_RESULTS" "$raw.out"
    else
        log "round $round: java ${JAVA_ARGS[*]} $*"
        # shellcheck disable=SC2086  # JAVA_OPTS is a list of options
        if ! "$JAVA" $JAVA_OPTS -jar "$JAR" "${JAVA_ARGS[@]}" "$@" > "$raw.out" 2> "$raw.err"; then
            log "java bench failed (see $raw.err)"; FAILED=1
        fi
    fi
    collect "$round" "$raw.out"
}

run_peer() {  # run_peer ROUND NAME PYTHON IMPLS
    local round="$1" name="$2" py="$3" impls="$4"
    local raw="$OUT/raw/round-$round-$name"
    log "round $round: $name ($py)"
    if ! PYTHONPATH="${TORCHODE:+$TORCHODE:}${PYTHONPATH:-}" "$py" "$BENCH/peers.py" --data "$DATA" \
            --repeat "$REPEAT" --threads "$THREADS" --atol "$ATOL" --rtol "$RTOL" \
            --impl "$impls" > "$raw.out" 2> "$raw.err"; then
        log "$name peer failed (see $raw.err)"; FAILED=1
    fi
    collect "$round" "$raw.out"
}

# --- workload --------------------------------------------------------------------------
if [[ -z "$JAVA_RESULTS" && ! -f "$JAR" ]]; then
    log "building $JAR"
    (cd "$ROOT" && mvn -B -q package -DskipTests)
    [[ -f "$JAR" ]] || { log "build did not produce $JAR"; exit 1; }
fi

if [[ -n "$DATA" ]]; then
    DATA="$(cd "$DATA" && pwd)"
    log "using existing workload $DATA"
elif [[ -n "$JAVA_RESULTS" ]]; then
    DATA="$OUT/workload"
    log "generating workload with make_workload.py -> $DATA"
    "$PYTHON" "$BENCH/make_workload.py" --out "$DATA" --neurons "$NEURONS" --synapses "$SYNAPSES" \
        --batch "$BATCH" --num-steps "$NUM_STEPS" --steps-per-interval "$STEPS_PER_INTERVAL" \
        2> "$OUT/raw/make_workload.err"
else
    DATA="$OUT/workload"
    mkdir -p "$DATA"
    run_java 0 "${SIZE_ARGS[@]}" --export "$DATA" --repeat 1
    [[ -f "$DATA/connectome.npz" ]] || { log "java bench --export wrote no workload to $DATA"; exit 1; }
fi

TORCH_PY=""
for py in "${TORCH_PYTHON:-}" "$PYTHON" /usr/bin/python3; do
    if [[ -n "$py" ]] && "$py" -c 'import torch' > /dev/null 2>&1; then TORCH_PY="$py"; break; fi
done
if [[ -n "${TORCH_PYTHON:-}" && "$TORCH_PY" != "$TORCH_PYTHON" ]]; then
    log "TORCH_PYTHON=$TORCH_PYTHON cannot import torch"
fi
[[ -n "$TORCH_PY" ]] || log "no python with torch found; the torch peer is skipped"

# --- rounds ----------------------------------------------------------------------------
for ((round = 1; round <= ROUNDS; round++)); do
    run_java "$round" --data "$DATA" --repeat "$REPEAT"
    run_peer "$round" scipy "$PYTHON" scipy,floor
    if [[ -n "$TORCH_PY" ]]; then
        run_peer "$round" torch "$TORCH_PY" torch
    fi
done

# --- stability ---------------------------------------------------------------------------
if [[ "$STABILITY" -gt 0 ]]; then
    for dtype in float32 float64; do
        run_java "\"s${dtype#float}\"" --data "$DATA" --dtype "$dtype" --repeat "$STABILITY" \
            --ops spmm,spmm_transpose,forward,adaptive_forward,fit_step
    done
fi

# --- table -----------------------------------------------------------------------------
log "results: $RESULTS"
"$PYTHON" "$BENCH/table.py" "$RESULTS" --machine "$MACHINE" | tee "$OUT/table.md"
exit "$FAILED"
