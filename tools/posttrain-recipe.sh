#!/bin/sh
# The post-training recipe on CPUs, from scratch: pretrain a small Llama 4
# MoE on task-flavoured text (training problems only), light SFT into the
# chat format, online RL (GRPO, pass@k filter, asynchronous), DPO; then a
# table of held-out greedy pass@1 and pass@8 of every stage
# (docs/post-training.md).
#
#   tools/posttrain-recipe.sh [OUT_DIR]        (default runs/recipe)
#
# HERD overrides the herd command (default: go run ./cmd/herd); THREADS the
# worker threads of every stage (default 1: the machine is shared);
# PT_PROBLEMS (training problems of each task in the pretraining text),
# PT_STEPS, PT_WORKING, SFT_EXAMPLES, SFT_STEPS, SFT_LR, SFT_WORKING,
# RL_STEPS, RL_POOL, RL_LR and DPO_LR the stages' main settings (*_WORKING: the
# fraction of reference answers that show their working, arithmetic's
# working=F). A stage that finished (OUT/STAGE.done) is skipped when the
# script runs again; delete the marker to redo it. BASE=DIR starts from a
# given pretrained base (an HF directory with its tokenizer, e.g. OUT/base
# of an earlier run of this script) instead of pretraining one.
set -eu
OUT=${1:-runs/recipe}
HERD=${HERD:-go run ./cmd/herd}
THREADS=${THREADS:-1}
EASY=arithmetic:digits=1
HARD=arithmetic:digits=2
PT_PROBLEMS=${PT_PROBLEMS:-40000} PT_STEPS=${PT_STEPS:-6000} PT_WORKING=${PT_WORKING:-1}
SFT_EXAMPLES=${SFT_EXAMPLES:-1200} SFT_STEPS=${SFT_STEPS:-150} SFT_LR=${SFT_LR:-2e-3} SFT_WORKING=${SFT_WORKING:-0.2}
RL_STEPS=${RL_STEPS:-160} RL_POOL=${RL_POOL:-64} RL_LR=${RL_LR:-2e-4} DPO_LR=${DPO_LR:-2e-5}
GEN="--max-tokens 64 --ctx 128"
EVAL="--eval-n 200 --eval-k 8 $GEN"
mkdir -p "$OUT"
B=${BASE:-$OUT/base}
start=$(date +%s)
stamp() { echo "== $1 done at $(($(date +%s) - start)) s"; : >"$OUT/$1.done"; }
todo() { [ ! -e "$OUT/$1.done" ]; }

# 1. Pretraining text: training problems 0…39,999 of each task (random
# draws from the training split), question then answer (never a held-out
# problem; PT_WORKING of the answers, by default
# all, show their working: "Steps: 40 + 30 + 7 + 8 = 70 + 15 =
# <answer>85</answer>"), and a
# 2.2M-parameter Llama 4 MoE (tools/posttrain-base.json) with its own BPE
# trained on it: 297 ranks, which merge words and operators but no digits
# (tools/tasktext's TestRecipeTokenizerKeepsDigits).
if [ -n "${BASE:-}" ]; then
	echo "== base: $BASE (given, not pretrained)"
elif todo base; then
go run ./tools/tasktext -n $PT_PROBLEMS -task $EASY,working=$PT_WORKING -task $HARD,working=$PT_WORKING >"$OUT/text.txt"
$HERD train --data "$OUT/text.txt" --doc-sep '

' --config tools/posttrain-base.json --tokenizer bpe:297 --out "$OUT/base" \
	--steps $PT_STEPS --batch 8 --seq 128 --lr 3e-3 --min-lr 3e-4 --warmup 30 --log-every 50 \
	--eval-every 0 --save-every 200 --t $THREADS
stamp base
fi

# 2. Light SFT into the chat format (the hard task's training problems;
# SFT_WORKING of the answers show their working, the rest are bare numbers,
# as the prompt asks: RL finds that the worked answers pay).
if todo sft; then
$HERD sft -m "$B" --task $HARD,working=$SFT_WORKING --examples $SFT_EXAMPLES --steps $SFT_STEPS --seq 128 --lr $SFT_LR \
	--heldout 0 --t $THREADS --out "$OUT/sft"
stamp sft
fi

# 3. Online RL on the mixed tasks, pass@8 filter, staleness 1.
if todo rl; then
$HERD rl -m "$OUT/sft" --task $EASY --task $HARD --steps $RL_STEPS --prompts 4 --group 8 --pool $RL_POOL --pass-k 8 \
	--round-steps 4 --staleness 1 --lr $RL_LR $GEN --eval-n 100 --eval-every 5 \
	--t $THREADS --out "$OUT/rl"
stamp rl
fi

# 4. DPO on the policy's own samples of new training problems, shorter
# correct answers over longer correct ones only (RL has already optimised
# correctness; after RL the correct answers at temperature 1 are nearly all
# the same length, so the pairs are sampled at temperature 1.5). It prints
# held-out pass@1 and the mean length of the correct greedy answers and of
# the sampled ones before and after.
if todo dpo; then
$HERD dpo -m "$OUT/rl" --task $EASY --task $HARD --prompts 100 --offset 100000 --samples 16 --temp 1.5 --shorter-only --steps 20 --batch 8 \
	--lr $DPO_LR --beta 0.1 $GEN --eval-n 200 --eval-k 8 --t $THREADS --out "$OUT/dpo"
stamp dpo
fi

table="$OUT/table.tsv"
: >"$table"
for stage in base sft rl dpo; do
	dir=$OUT/$stage
	[ $stage = base ] && dir=$B
	$HERD rl -m "$dir" --task $EASY --task $HARD --eval-only $EVAL --t $THREADS | sed "s/^/$stage\t/" >>"$table"
done
echo "recipe done in $(($(date +%s) - start)) s; held-out table in $table"
cat "$table"
