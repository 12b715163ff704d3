#!/usr/bin/env bash
# Crash-safe training (docs/RELIABILITY.md): kills ttq-train with SIGKILL KILLS times and resumes
# each time, then checks the resumed run's final model is bit-identical to an uninterrupted run
# with the same seed and threads.
#   crash_train.sh KILLS [SEED]
# The kill moments are of three kinds: a random delay into the run (mid-epoch, mid-evaluation or
# mid-export), halfway through writing checkpoint.bin and halfway through writing the exported
# model (TTQ_KILL_IN_WRITE, common/src/fileio.cpp: the process kills itself with SIGKILL there).
# After every kill: the last checkpoint loads (a --resume of a copy) and a model file, if present,
# equals the reference byte for byte (a complete, not a partial, file).
# Environment: TTQ_BUILD (default <repo>/build).
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${TTQ_BUILD:-$SRC/build}
TRAIN=$BUILD/trainer/ttq-train
KILLS=${1:?usage: crash_train.sh KILLS [SEED]}
RANDOM=${2:-1}
export OMP_WAIT_POLICY=passive
# A tiny configuration: 2 full-precision + 2 TTQ epochs of 512 images, export on 100 test images.
CFG=(--fp-epochs 2 --ttq-epochs 2 --train-limit 512 --test-limit 100 --batch 64
     --calib-images 64 --threads 1 --seed 3 --no-plots --no-progress)
EPOCHS=4
W=$(mktemp -d /tmp/ttq-crash-train.XXXXXX)
trap 'rm -rf "$W"' EXIT
die() { echo "FAIL: $*"; exit 1; }

t0=$(date +%s%N)
"$TRAIN" "${CFG[@]}" --outdir "$W/ref" >"$W/ref.log" 2>&1 || { cat "$W/ref.log"; die "reference run failed"; }
ref_ms=$((($(date +%s%N) - t0) / 1000000))
echo "reference run: ${ref_ms} ms, model $(stat -c %s "$W/ref/model.ttq") bytes"

run=$W/run
check_state() {  # after a kill: the checkpoint loads, a model present is the reference's
  if [[ -f $run/checkpoint.bin ]]; then
    rm -rf "$W/check"; mkdir -p "$W/check"; cp "$run/checkpoint.bin" "$W/check/"
    "$TRAIN" "${CFG[@]}" --outdir "$W/check" --resume --stop-after 1 --no-export >"$W/check.log" 2>&1 \
      || { cat "$W/check.log"; die "after kill $1: the last checkpoint does not load"; }
  fi
  if [[ -f $run/model.ttq ]]; then
    cmp -s "$run/model.ttq" "$W/ref/model.ttq" || die "after kill $1: model.ttq is not the reference model"
  fi
}

hits=(0 0 0)
for ((k = 1; k <= KILLS; ++k)); do
  resume=(); [[ -f $run/checkpoint.bin ]] && resume=(--resume)
  # Mostly random moments; every 4th in a checkpoint write; in the last fifth, every other one in
  # the model write (the run then finishes its epochs first, so later kills land in the export).
  if ((k % 4 == 2)); then kind=1; elif ((k > KILLS * 4 / 5 && k % 2 == 1)); then kind=2; else kind=0; fi
  case $kind in
    0) # a moment within what is left of the run: epochs not yet checkpointed, plus the export
       done_epochs=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" \
                     "$run/metrics.json" 2>/dev/null || echo 0)
       left_ms=$((ref_ms * (EPOCHS - done_epochs + 1) / (EPOCHS + 1)))
       delay_ms=$(((RANDOM * 32768 + RANDOM) % left_ms))
       "$TRAIN" "${CFG[@]}" --outdir "$run" "${resume[@]}" >"$W/run.log" 2>&1 &
       pid=$!
       sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
       kill -KILL $pid 2>/dev/null
       wait $pid; rc=$?
       what="after ${delay_ms} ms" ;;
    1) TTQ_KILL_IN_WRITE=checkpoint.bin "$TRAIN" "${CFG[@]}" --outdir "$run" "${resume[@]}" >"$W/run.log" 2>&1
       rc=$?; what="halfway through writing checkpoint.bin" ;;
    2) TTQ_KILL_IN_WRITE=model.ttq "$TRAIN" "${CFG[@]}" --outdir "$run" "${resume[@]}" >"$W/run.log" 2>&1
       rc=$?; what="halfway through writing model.ttq" ;;
  esac
  next=$(grep -o 'resuming .* at epoch [0-9]*' "$W/run.log" | grep -o '[0-9]*$' || echo '1 or before its resume')
  if [[ $rc -eq 137 ]]; then
    ((++hits[kind]))
    echo "kill $k: SIGKILL $what (run started at epoch $next)"
  else
    echo "kill $k: the run ended (exit $rc) before the kill moment $what (started at epoch $next)"
    [[ $rc -eq 0 ]] || { cat "$W/run.log"; die "run $k failed with exit $rc"; }
  fi
  check_state "$k"
done
# Finish: resume until done, uninterrupted.
"$TRAIN" "${CFG[@]}" --outdir "$run" --resume >"$W/run.log" 2>&1 || { cat "$W/run.log"; die "final resume failed"; }
cmp "$run/model.ttq" "$W/ref/model.ttq" || die "the resumed run's model differs from the uninterrupted run's"
echo "kills: ${hits[0]} at random moments, ${hits[1]} in checkpoint writes, ${hits[2]} in model writes"
echo "final model after $KILLS kill attempts: bit-identical to the uninterrupted run"
[[ $((hits[0] + hits[1] + hits[2])) -gt 0 ]] || die "no run was killed"
echo OK
