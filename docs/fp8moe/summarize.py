#!/usr/bin/env python3
"""Summarises the log.csv of the runs of docs/fp8moe/run.sh: loss, FP8 counters, expert loads.
Usage: python3 docs/fp8moe/summarize.py OUTDIR [STEP]
The loss table compares the runs over their first STEP steps (default 300): the mean training
loss of steps STEP-24..STEP, and the last validation loss at or before STEP."""
import csv, sys, os

out = sys.argv[1] if len(sys.argv) > 1 else "runs/fp8moe"
STEP = int(sys.argv[2]) if len(sys.argv) > 2 else 300
INTERVAL = 25  # steps per load interval

def load(name):
    with open(os.path.join(out, name, "log.csv")) as f:
        return list(csv.DictReader(f))

def fnum(s):
    return float(s) if s else None

print(f"run          | train loss (mean of steps {STEP-24}-{STEP}) | val loss (last at or before step {STEP}) | fp8 values | overflow | underflow | unscaled overflow | unscaled underflow")
base = None
for name in ["fp32-none", "e4m3-none", "hybrid-none", "hybrid-row", "fp32-bias", "fp32-aux"]:
    try:
        rows = [r for r in load(name) if int(r["step"]) <= STEP]
    except OSError:
        continue
    if len(rows) < STEP:
        print(f"{name:12} | only {len(rows)} steps")
        continue
    tl = sum(float(r["train_loss"]) for r in rows[-25:]) / 25
    vals = [fnum(r["val_loss"]) for r in rows if r["val_loss"]]
    vl = vals[-1] if vals else float("nan")
    tot = {k: sum(int(r[k]) for r in rows) for k in ["fp8_values", "fp8_overflow", "fp8_underflow", "fp8_overflow_unscaled", "fp8_underflow_unscaled"]}
    if name == "fp32-none":
        base = (tl, vl)
    d = "" if base is None or name == "fp32-none" else f" (Δ {tl-base[0]:+.4f} / {vl-base[1]:+.4f})"
    v = max(tot["fp8_values"], 1)
    print(f"{name:12} | {tl:.4f} | {vl:.4f}{d} | {tot['fp8_values']} | {tot['fp8_overflow']} | {tot['fp8_underflow']} ({100*tot['fp8_underflow']/v:.4f}%) | "
          f"{tot['fp8_overflow_unscaled']} | {tot['fp8_underflow_unscaled']} ({100*tot['fp8_underflow_unscaled']/v:.2f}%)")

print()
print(f"expert loads per {INTERVAL}-step interval (tokens per expert; MoE layers 1 and 2 = decoder layers 1 and 3)")
for name in ["fp32-none", "fp32-bias", "fp32-aux", "hybrid-none"]:
    try:
        rows = load(name)
    except OSError:
        continue
    layers = None
    bins = []
    for i, r in enumerate(rows):
        c = [[int(x) for x in l.split()] for l in r["expert_tokens"].split("|")]
        if i % INTERVAL == 0:
            bins.append([[0] * len(l) for l in c])
        for l, cl in enumerate(c):
            for e, n in enumerate(cl):
                bins[-1][l][e] += n
    print(f"{name}:")
    for l in range(len(bins[0])):
        dead = sum(1 for b in bins if min(b[l]) == 0)
        ratios = [max(b[l]) / min(b[l]) if min(b[l]) else float("inf") for b in bins]
        stepdead = sum(1 for r in rows if min(int(x) for x in r["expert_tokens"].split("|")[l].split()) == 0)
        print(f"  moe layer {l+1}: intervals with a dead expert {dead}/{len(bins)}; steps with a dead expert {stepdead}/{len(rows)}; "
              f"max/min first {ratios[0]:.2f}, last {ratios[-1]:.2f}, worst {max(ratios):.2f}; last interval {bins[-1][l]}")
    bal = [fnum(r["balance"]) for r in rows[-50:]]
    print(f"  Switch statistic E·Σf·P, mean of last 50 steps: {sum(bal)/len(bal):.3f} (1 = balanced)")
