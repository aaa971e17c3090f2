#!/bin/bash
# Side-by-side decode or prompt speed of herd and llama.cpp on one GGUF file,
# or of two herd binaries (before/after a change) when the second program is
# a herd binary (its name contains "herd").
#
#   tools/llamacppbench/ab.sh HERD LLAMA_BENCH MODEL.gguf ROUNDS tg|pp
#   tools/llamacppbench/ab.sh HERD_NEW HERD_OLD MODEL.gguf ROUNDS tg|pp
#
# Alternates single runs (herd, then llama-bench; 2 threads; tg = TG decoded
# tokens, 64 unless the environment sets TG, e.g. TG=128 as llama-bench's
# default; pp = a 512-token prompt) so that both see the same machine state,
# prints each pair and the median of the per-pair ratios herd/llama.cpp. On
# a shared machine whose speed drifts within minutes, that median is the
# number to quote, not either engine's absolute rate. Needs python3.
set -euo pipefail
H=$1; LB=$2; M=$3; N=${4:-7}; T=${5:-tg}
TG=${TG:-64}
if [ "$T" = tg ]; then A="-p 0 -n $TG"; K=tg$TG; else A="-p 512 -n 0"; K=pp512; fi
herd_rate() { "$1" bench -m "$M" $A -t 2 -r 1 --bw-mb 0 2>&1 | awk -v k=$K '$1==k{print $2}'; }
rs=()
for _ in $(seq "$N"); do
  h=$(herd_rate "$H")
  if [[ $(basename "$LB") == *herd* ]]; then
    l=$(herd_rate "$LB")
  else
    l=$("$LB" -m "$M" $A -t 2 -r 1 -o jsonl 2>/dev/null | python3 -c "import sys,json; print(round(json.loads(sys.stdin.readline())['avg_ts'],2))")
  fi
  r=$(python3 -c "print(round($h/$l,3))"); rs+=("$r")
  echo "$(basename "$M") $K $(basename "$H") $h $(basename "$LB") $l ratio $r"
done
python3 -c "import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print('median ratio', statistics.median(v), 'min', min(v), 'max', max(v))" "${rs[@]}"
