#!/bin/sh
# Side-by-side training throughput, herd vs PyTorch on the CPU, alternating
# runs so that both see the same machine load (docs/train-throughput.md).
# Usage (from the repository root): tools/torchbench/sidebyside.sh [ROUNDS] [ITERS]
#
# PyTorch runs with OMP_WAIT_POLICY=PASSIVE unless the variable is set: on a
# shared machine libgomp's default spin-waiting made it 5-15x slower here,
# so passive waiting is PyTorch's best configuration (see the doc).
set -e
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
rounds=${1:-3}
iters=${2:-20}
py=${PYTHON:-/usr/bin/python3}
bin=$(mktemp -d)/train.test
go test -c -o "$bin" ./train/
for r in $(seq "$rounds"); do
	echo "== round $r"
	for m in dense moe; do
		b=TrainDense
		[ "$m" = moe ] && b=TrainMoE
		(cd train && "$bin" -test.run '^$' -test.bench "^Benchmark$b\$" -test.benchtime "${iters}x" -test.cpu 2 | grep Benchmark)
		"$py" tools/torchbench/nanogpt_cpu.py --model "$m" --threads 2 --iters "$iters"
	done
	"$py" tools/torchbench/nanogpt_cpu.py --model gpt --threads 2 --iters "$iters"
done
