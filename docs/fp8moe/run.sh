#!/bin/sh
# Reproduces the runs of docs/fp8.md and docs/moe-balance.md, one thread each.
# From the repository root, after `go build -o herd ./cmd/herd`:
#   sh docs/fp8moe/run.sh OUTDIR [RUN...]
# RUN is any of the names below (default: all), then "eval", which scores the
# exported models (float32 products, no expert bias) on the same validation text.
set -e
OUT=${1:-runs/fp8moe}
[ $# -gt 0 ] && shift
RUNS=${*:-"fp32-none e4m3-none hybrid-none hybrid-row fp32-bias fp32-aux eval"}
HERD=${HERD:-./herd}
DATA=testdata/tinyshakespeare.txt
COMMON="--config docs/fp8moe/mini.json --tokenizer bytes --data $DATA --val-frac 0.02
  --steps 300 --batch 8 --seq 64 --lr 2e-3 --min-lr 2e-4 --warmup 30 --beta2 0.99 --seed 1337
  --eval-every 100 --eval-batches 20 --log-every 50 --threads 1"
mkdir -p "$OUT"
for r in $RUNS; do
  case $r in
  fp32-none)   set -- --balance none ;;
  e4m3-none)   set -- --balance none --fp8 e4m3 ;;
  hybrid-none) set -- --balance none --fp8 hybrid ;;
  hybrid-row)  set -- --balance none --fp8 hybrid --fp8-scaling row ;;
  fp32-bias)   set -- --balance bias ;;
  fp32-aux)    set -- --balance aux ;;
  eval)
    for m in fp32-none e4m3-none hybrid-none hybrid-row fp32-bias fp32-aux; do
      $HERD train --eval "$OUT/$m" --tokenizer bytes --data $DATA --val-frac 0.02 --batch 8 --seq 64 --threads 1
    done > "$OUT/eval.txt"
    continue ;;
  *) echo "unknown run $r" >&2; exit 2 ;;
  esac
  rm -rf "$OUT/$r"
  $HERD train $COMMON --out "$OUT/$r" "$@" 2> "$OUT/$r.log"
done
