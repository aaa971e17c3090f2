#!/bin/sh
# The post-training recipe on the built-in 5.9M-parameter model, on CPUs:
# SFT → online RL (GRPO, pass@k filter, asynchronous) → DPO, then a table of
# held-out greedy pass@1 and pass@8 of every stage (docs/post-training.md).
#
#   tools/posttrain-recipe.sh [OUT_DIR]        (default runs/recipe)
#
# HERD overrides the herd command (default: go run ./cmd/herd); SFT_EXAMPLES,
# SFT_STEPS, SFT_LR, RL_STEPS, RL_LR and DPO_LR the stages' main settings.
set -eu
OUT=${1:-runs/recipe}
HERD=${HERD:-go run ./cmd/herd}
EASY=arithmetic:digits=1
HARD=arithmetic:digits=2
SFT_EXAMPLES=${SFT_EXAMPLES:-500} SFT_STEPS=${SFT_STEPS:-40} SFT_LR=${SFT_LR:-2e-3}
RL_STEPS=${RL_STEPS:-40} RL_LR=${RL_LR:-5e-5} DPO_LR=${DPO_LR:-2e-5}
EVAL="--eval-n 200 --eval-k 8 --max-tokens 8 --ctx 96"
mkdir -p "$OUT"
start=$(date +%s)

$HERD sft -m embedded/shakespeare --task $EASY --examples $SFT_EXAMPLES --steps $SFT_STEPS --seq 64 --lr $SFT_LR --heldout 0 --out "$OUT/sft"
$HERD rl -m "$OUT/sft" --task $EASY --task $HARD --steps $RL_STEPS --prompts 4 --group 8 --pool 64 --pass-k 8 \
	--round-steps 4 --staleness 1 --lr $RL_LR --max-tokens 8 --ctx 96 --eval-n 100 --eval-every 4 --out "$OUT/rl"
$HERD dpo -m "$OUT/rl" --task $EASY --task $HARD --prompts 100 --offset 100000 --samples 8 --steps 20 --batch 8 \
	--lr $DPO_LR --beta 0.1 --max-tokens 8 --ctx 96 --eval-n 0 --out "$OUT/dpo"

table="$OUT/table.tsv"
: >"$table"
for stage in base sft rl dpo; do
	model="$OUT/$stage"
	[ $stage = base ] && model=embedded/shakespeare
	$HERD rl -m "$model" --task $EASY --task $HARD --eval-only $EVAL | sed "s/^/$stage\t/" >>"$table"
done
echo "recipe done in $(($(date +%s) - start)) s; held-out table in $table"
cat "$table"
