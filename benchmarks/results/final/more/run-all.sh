#!/bin/bash
# The measurements of the README's performance section, in the order they were run on the idle machine:
#   benchmarks/results/final/more/run-all.sh TORCHODE_DIR      (after mvn -B -q package -DskipTests)
# The JSON lines and the resident-memory figures (/usr/bin/time -v) land in this folder.
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
O="$ROOT/benchmarks/results/final/more"
cd "$ROOT"
J="java -jar samples/target/connectome.jar"
benchmarks/compare.sh --rounds 3 --repeat 5 --stability 50 --torchode "$1" --out benchmarks/results/final \
    > "$O/compare.out" 2> "$O/compare.err"
for s in 4623254 9246508 13869762 18493016; do
  /usr/bin/time -v $J bench --ops forward --synapses $s --repeat 3 > "$O/scaling-$s.jsonl" 2> "$O/scaling-$s.err"
done
/usr/bin/time -v $J bench --neurons 140000 --synapses 15000000 --types 8 --ops forward,fit_step --repeat 2 \
    > "$O/scale.jsonl" 2> "$O/scale.err"
/usr/bin/time -v $J bench --ops fit_step --repeat 3 --checkpoint-every 5 > "$O/ckpt5.jsonl" 2> "$O/ckpt5.err"
/usr/bin/time -v $J bench --ops fit_step --repeat 3 > "$O/fit-only.jsonl" 2> "$O/fit-only.err"
/usr/bin/time -v $J bench --ops methods --repeat 1 > "$O/methods.jsonl" 2> "$O/methods.err"
/usr/bin/time -v $J tutorial --out-dir /tmp/tutorial-output > "$O/tutorial.out" 2> "$O/tutorial.err"
/usr/bin/time -v $J train-mnist --out /tmp/mnist-connectome.zip > "$O/train-mnist.out" 2> "$O/train-mnist.err"
