#!/bin/sh
# Ablations of herd rl on a fine-tuned model (tools/posttrain-recipe.sh's
# sft stage): pass@k filtering and zero-advantage dropping on and off, and
# staleness 0, 1, 2, 4 with the in-process generator and with a separate
# `herd serve --weight-updates` process. Prints one summary line per run
# (wall time, samples/s, reward of the last steps) from each log.csv.
#
#   tools/rl-experiments.sh SFT_DIR [OUT_DIR]      (default runs/rl-experiments)
#
# HERD overrides the herd command (default: go run ./cmd/herd); STEPS, TASKS,
# LR, MAX_TOKENS and CTX the runs' settings (defaults: the first version's
# bare-number answers; the worked answers of the current recipe need
# MAX_TOKENS=64 CTX=128).
set -eu
SFT=$1
OUT=${2:-runs/rl-experiments}
HERD=${HERD:-go run ./cmd/herd}
STEPS=${STEPS:-15}
TASKS=${TASKS:---task arithmetic:digits=1}
LR=${LR:-5e-4} MAX_TOKENS=${MAX_TOKENS:-8} CTX=${CTX:-96}
COMMON="$TASKS --steps $STEPS --prompts 4 --group 8 --pool 64 --round-steps 5 --lr $LR --max-tokens $MAX_TOKENS --ctx $CTX --eval-n 0"
mkdir -p "$OUT"

run() { # name, flags…
	name=$1
	shift
	rm -rf "$OUT/$name"
	$HERD rl -m "$SFT" $COMMON "$@" --out "$OUT/$name" 2>"$OUT/$name.log" >/dev/null
}

run filter-drop --pass-k 8 --drop-zero=true --staleness 1
run nofilter-nodrop --pass-k 0 --drop-zero=false --staleness 1
for k in 0 1 2 4; do
	run stale$k --pass-k 8 --staleness $k
done

KEY=rl-experiments-key
$HERD serve -m "$SFT" --weight-updates --api-key $KEY --addr 127.0.0.1:18089 --parallel 16 --ctx $CTX 2>"$OUT/serve.log" &
srv=$!
trap 'kill $srv 2>/dev/null || true' EXIT
for i in $(seq 1 60); do
	curl -fs http://127.0.0.1:18089/ready >/dev/null 2>&1 && break
	sleep 1
done
for k in 0 2; do
	run remote-stale$k --pass-k 8 --staleness $k --generator http://127.0.0.1:18089 --generator-key $KEY
done
kill $srv

printf 'run\tsteps\twall_s\tsamples_per_s\treward_first5\treward_last5\tmax_staleness\n'
for f in "$OUT"/*/log.csv; do
	awk -F, -v name="$(basename "$(dirname "$f")")" 'NR > 1 {
		n++; r[n] = $4; wall = $3; sps = $19; if ($11 > ms) ms = $11
	} END {
		for (i = 1; i <= n; i++) { if (i <= 5) a += r[i]; if (i > n - 5) b += r[i] }
		printf "%s\t%d\t%.0f\t%.1f\t%.3f\t%.3f\t%d\n", name, n, wall, sps, a / 5, b / 5, ms
	}' "$f"
done
