#!/bin/bash
# 1 process vs 2 and 3 pipeline stages on one machine (loopback), every process
# 1 thread, with 0, 0.2 ms and 2 ms simulated per-hop delay; three alternating
# rounds of herd bench -p 64 -n 16 (docs/cluster.md, "A quieter rerun").
#   tools/clusterbench.sh MODEL.gguf      (HERD overrides ./herd)
H=${HERD:-./herd}; M=${1:?usage: tools/clusterbench.sh MODEL.gguf}
export HERD_CLUSTER_SECRET=${HERD_CLUSTER_SECRET:-$(od -An -N16 -tx1 /dev/urandom | tr -d " \n")}
$H worker -m $M --listen 127.0.0.1:7301 -t 1 >/dev/null 2>&1 & W1=$!
$H worker -m $M --listen 127.0.0.1:7302 -t 1 >/dev/null 2>&1 & W2=$!
sleep 8
run() { $H bench -m $M -p 64 -n 16 -r 1 -t 1 --bw-mb 0 "$@" > "${TMPDIR:-/tmp}/cb.one" 2>&1; awk '$1=="pp64"||$1=="tg16"{if($2+0>0) printf "%s %s  ", $1, $2} /cluster:/{sub(/.*cluster: /,""); printf "| %s", $0}' "${TMPDIR:-/tmp}/cb.one"; echo; }
for r in 1 2 3; do
  echo "round $r"
  echo -n "1 process: "; run
  echo -n "2 stages: "; run --workers 127.0.0.1:7301
  echo -n "3 stages: "; run --workers 127.0.0.1:7301,127.0.0.1:7302
  echo -n "3 stages 0.2ms: "; run --workers 127.0.0.1:7301,127.0.0.1:7302 --cluster-delay 200us
  echo -n "3 stages 2ms: "; run --workers 127.0.0.1:7301,127.0.0.1:7302 --cluster-delay 2ms
done
kill $W1 $W2
