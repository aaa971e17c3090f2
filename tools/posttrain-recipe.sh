#!/bin/sh
# The post-training recipe on the built-in 5.9M-parameter model, on CPUs:
# SFT → online RL (GRPO, pass@k filter, asynchronous) → DPO, then a table of
# held-out greedy pass@1 and pass@8 of every stage (docs/post-training.md).
#
#   tools/posttrain-recipe.sh [OUT_DIR]        (default runs/recipe)
#
# HERD overrides the herd command (default: go run ./cmd/herd).
set -eu
OUT=${1:-runs/recipe}
HERD=${HERD:-go run ./cmd/herd}
EASY=arithmetic:digits=1
HARD=arithmetic:digits=2
EVAL="--eval-n 200 --eval-k 8 --max-tokens 8 --ctx 96"
mkdir -p "$OUT"
start=$(date +%s)

$HERD sft -m embedded/shakespeare --task $EASY --examples 500 --steps 40 --seq 64 --lr 2e-3 --heldout 0 --out "$OUT/sft"
$HERD rl -m "$OUT/sft" --task $EASY --task $HARD --steps 40 --prompts 4 --group 8 --pool 64 --pass-k 8 \
	--round-steps 4 --staleness 1 --lr 5e-5 --max-tokens 8 --ctx 96 --eval-n 100 --eval-every 4 --out "$OUT/rl"
$HERD dpo -m "$OUT/rl" --task $EASY --task $HARD --prompts 100 --offset 100000 --samples 8 --steps 20 --batch 8 \
	--lr 2e-5 --beta 0.1 --max-tokens 8 --ctx 96 --eval-n 0 --out "$OUT/dpo"

table="$OUT/table.tsv"
: >"$table"
for stage in base sft rl dpo; do
	model="$OUT/$stage"
	[ $stage = base ] && model=embedded/shakespeare
	$HERD rl -m "$model" --task $EASY --task $HARD --eval-only $EVAL | sed "s/^/$stage\t/" >>"$table"
done
echo "recipe done in $(($(date +%s) - start)) s; held-out table in $table"
cat "$table"
