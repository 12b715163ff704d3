#!/usr/bin/env bash
# ttq_torch_train.py's FP state (make train-cifar-parity-ttq continues the PyTorch FP runs from
# it): 1 FP + 1 TTQ epoch in one run must equal 1 FP epoch saved with --save-fp then 1 TTQ epoch
# --from-fp, epoch for epoch (training loss and accuracy, loss and accuracy of every evaluated
# split): the momentum buffers and the data generator are carried over. Exit 77 = skipped when
# python3-torch is absent.
# usage: torch_fp_state.sh TTQ_TORCH_TRAIN WORKDIR
set -euo pipefail
ref=$1 dir=$2
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "skipped: /usr/bin/python3 has no torch (install Debian's python3-torch: make deps-torch)"
  exit 77
fi
run() { OMP_NUM_THREADS=1 /usr/bin/python3 "$ref" --threads 1 --train-limit 512 --eval-limit 500 \
          --epochs 1 "$@" >/dev/null; }
rm -f "$dir"/fpstate-*.json "$dir"/fpstate.pt
run --ttq-epochs 1 --report "$dir/fpstate-one.json"
run --save-fp "$dir/fpstate.pt" --report "$dir/fpstate-fp.json"
run --from-fp "$dir/fpstate.pt" --ttq-epochs 1 --report "$dir/fpstate-two.json"
/usr/bin/python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
one, fp, two = (json.load(open(f"{d}/fpstate-{n}.json"))["history"] for n in ("one", "fp", "two"))
strip = lambda h: [{k: e[k] for k in ("epoch", "phase", "train_loss", "train_acc", "eval")} for e in h]
assert [e["phase"] for e in one] == ["fp", "ttq"], one
assert strip(one[:1]) == strip(fp), "the FP epoch differs between the two runs"
assert strip(one) == strip(two), f"continued from --save-fp differs:\n{strip(one)}\n{strip(two)}"
print("PASS: FP + TTQ in one run = --save-fp then --from-fp, epoch for epoch")
PY
