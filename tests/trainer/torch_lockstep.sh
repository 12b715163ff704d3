#!/usr/bin/env bash
# K iterations of ttq-train's FP training vs the same iterations replayed in PyTorch from the same
# weights on the same crops (ttq-train-lockstep, then ttq_torch_lockstep.py; exit 1 if they
# disagree, 77 = skipped when python3-torch is absent).
# usage: torch_lockstep.sh LOCKSTEP TTQ_TORCH_LOCKSTEP WORKDIR BREAK [LOCKSTEP OPTIONS...]
set -euo pipefail
lockstep=$1 ref=$2 dir=$3 broken=$4
shift 4
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "skipped: /usr/bin/python3 has no torch (install Debian's python3-torch: make deps-torch)"
  exit 77
fi
out=$dir/lockstep-$broken.bin
"$lockstep" --break "$broken" --out "$out" "$@"
OMP_NUM_THREADS=1 /usr/bin/python3 "$ref" "$out"
