#!/usr/bin/env bash
# One ttq-train step vs the PyTorch reference: gradstep writes the weights, a real batch and its
# gradients; ttq_torch.py gradcheck recomputes them with autograd and compares (exit 1 if a
# gradient differs, 77 = skipped when python3-torch is absent).
# usage: torch_gradcheck.sh GRADSTEP TTQ_TORCH WORKDIR MODEL MODE [PATTERN [BREAK_GRAD]]
set -euo pipefail
gradstep=$1 ref=$2 dir=$3 model=$4 mode=$5 pattern=${6:-none} broken=${7:-}
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "skipped: /usr/bin/python3 has no torch (install Debian's python3-torch: make deps-torch)"
  exit 77
fi
out=$dir/gradstep-$model-$mode-${pattern/:/of}${broken:+-broken}.bin
"$gradstep" --model "$model" --mode "$mode" --pattern "$pattern" --out "$out" \
  ${broken:+--break-grad "$broken"}
OMP_NUM_THREADS=1 /usr/bin/python3 "$ref" gradcheck "$out"
