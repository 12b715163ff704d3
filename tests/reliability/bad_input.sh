#!/usr/bin/env bash
# The bad-input table of docs/RELIABILITY.md: every row is one case here and one ctest.
#   bad_input.sh --list      case names (CMake registers one ctest per name)
#   bad_input.sh CASE        runs one case: exit 0 if the tool behaved, 77 if skipped (reason
#                            printed), 1 otherwise
#   bad_input.sh --table     runs every case, prints the markdown table (tool, case, exit, message)
# Each case runs the real tool on a real model / dataset made bad in one way and checks: a
# non-zero exit that is not a crash (1..125, or 128+signal for SIGINT / SIGTERM), a message
# matching the case's pattern (naming the file or argument), and that the output the run would
# write -- a good copy placed there before -- is byte-identical afterwards with no temp file
# beside it (no partial output, an existing good output never overwritten).
# Environment: TTQ_BUILD (default <repo>/build).
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${TTQ_BUILD:-$SRC/build}
EVAL=$BUILD/golden/ttq-eval
SIM=$BUILD/sim/e2e/ttq-sim
TRAIN=$BUILD/trainer/ttq-train
SYNTH=$SRC/scripts/synth/run.py
GETDATA=$SRC/scripts/get-data
MODEL=$SRC/models/lenet5-fashion-mnist.ttq
export OMP_WAIT_POLICY=passive SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
# Small training runs: 1 epoch on a few images.
TRAIN_SMALL=(--fp-epochs 1 --ttq-epochs 0 --train-limit 256 --test-limit 100 --batch 64
             --calib-images 64 --threads 1 --no-plots --no-progress)

W=
setup() {
  W=$(mktemp -d /tmp/ttq-bad-input.XXXXXX)
  chmod 755 "$W"
  trap cleanup EXIT
}
cleanup() {  # (the tmpfs mounts were made in subshells: find them by path)
  [[ -n "$W" ]] || return 0
  local m
  for m in $(awk -v w="$W/" 'index($2, w) == 1 {print $2}' /proc/mounts); do umount "$m"; done
  rm -rf "$W"
}
skip() { echo "SKIPPED: $*"; exit 77; }
die() { echo "FAIL: $*"; exit 1; }

# ---- bad files ------------------------------------------------------------------------------
model_copy() { cp "$MODEL" "$W/$1"; chmod 644 "$W/$1"; echo "$W/$1"; }
truncated_model() { head -c 5000 "$MODEL" > "$W/trunc.ttq"; echo "$W/trunc.ttq"; }
flip_byte() {  # file offset: xor one byte with 0x10
  python3 - "$1" "$2" <<'EOF'
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read()); b[off] ^= 0x10; open(p, "wb").write(b)
EOF
}
bitflip_model() { local m; m=$(model_copy flip.ttq); flip_byte "$m" 100000; echo "$m"; }
version_model() {  # version field (bytes 4..7) = 99
  local m; m=$(model_copy v99.ttq)
  printf '\x63\x00\x00\x00' | dd of="$m" bs=1 seek=4 conv=notrunc 2>/dev/null; echo "$m"
}
unreadable_model() { local m; m=$(model_copy unreadable.ttq); chmod 000 "$m"; echo "$m"; }
# A data directory whose Fashion-MNIST test images stop after 100 images' worth of bytes.
short_dataset() {
  local d=$W/data/fashion-mnist src=/usr/share/datasets/fashion-mnist
  [[ -f $src/t10k-images-idx3-ubyte.gz ]] || src=$SRC/../shared/data/fashion-mnist
  mkdir -p "$d"
  for s in train t10k; do
    zcat "$src/$s-images-idx3-ubyte.gz" | head -c 78416 > "$d/$s-images-idx3-ubyte"
    cp "$src/$s-labels-idx1-ubyte.gz" "$d/"
  done
  echo "$d"
}

# ---- output places ----------------------------------------------------------------------------
good() { printf 'GOOD OUTPUT %s\n' "$1" > "$1"; cp "$1" "$W/good.copy"; }
# A read-only directory holding a good output file: a read-only tmpfs (root), else chmod 555.
readonly_dir() {
  local d=$W/ro; mkdir -p "$d"
  if [[ $(id -u) -eq 0 ]]; then
    mount -t tmpfs -o size=64k tmpfs "$d" 2>/dev/null || skip "mount not permitted (needs root)"
    good "$d/$1"; mount -o remount,ro "$d" || skip "remount ro not permitted"
  else
    good "$d/$1"; chmod 555 "$d"
  fi
  echo "$d"
}
# A full disk: a 64 KiB tmpfs holding a good output file, filled to the last byte (unless $2 is
# "nofill": then small files fit and a larger one fails mid-run).
full_dir() {
  local d=$W/full; mkdir -p "$d"
  [[ $(id -u) -eq 0 ]] || skip "mount of a tmpfs needs root"
  mount -t tmpfs -o size=64k tmpfs "$d" 2>/dev/null || skip "mount not permitted"
  good "$d/$1"
  if [[ ${2:-} != nofill ]]; then
    dd if=/dev/zero of="$d/filler" bs=4k 2>/dev/null
    dd if=/dev/zero of="$d/filler2" bs=1 2>/dev/null
  fi
  echo "$d"
}
# As root, a file's mode does not stop reading it: run the tool as nobody instead.
as_user() { if [[ $(id -u) -eq 0 ]]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi; }

# ---- checks -------------------------------------------------------------------------------------
# check_output OUT: OUT still holds its good copy and no temp file is beside it.
check_output() {
  local out=$1 dir; dir=$(dirname "$out")
  cmp -s "$out" "$W/good.copy" || die "$out was changed or removed by the failed run"
  local tmps; tmps=$(ls -A "$dir" | grep -E '\.tmp\.|\.part$|\.ttq-write-probe' || true)
  [[ -z "$tmps" ]] || die "temp files left in $dir: $tmps"
}
# expect_error REGEX OUT CMD...: non-zero exit that is not a crash, message matches REGEX,
# OUT intact (OUT must hold its good copy already, or be "-" for none).
expect_error() {
  local regex=$1 out=$2; shift 2
  [[ $out == - ]] || [[ -f $out ]] || good "$out"
  "$@" >"$W/log" 2>&1
  local rc=$?
  echo "command: $*"; echo "exit: $rc"; sed 's/^/  | /' "$W/log" | tail -4
  [[ $rc -ne 0 ]] || die "exit 0 on bad input"
  [[ $rc -le 125 ]] || die "exit $rc: crashed or killed"
  grep -Eq -e "$regex" "$W/log" || die "message does not match /$regex/"
  echo "message: $(grep -E -m1 -e "$regex" "$W/log")"
  [[ $out == - ]] || check_output "$out"
  echo "OK"
}
# expect_signal SIG READY OUT CMD...: starts CMD, waits until its output matches READY (it is
# mid-run), sends SIG to its process group (as a terminal's Ctrl-C does); the exit must be
# 128 + SIG and OUT intact.
expect_signal() {
  local sig=$1 ready=$2 out=$3; shift 3
  [[ -f $out ]] || good "$out"
  set -m  # job control: the command gets its own process group and does not ignore SIGINT
  "$@" >"$W/log" 2>&1 &
  local pid=$! i
  set +m
  for ((i = 0; i < 1200; ++i)); do
    grep -Eq "$ready" "$W/log" && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
  done
  grep -Eq "$ready" "$W/log" || { kill -9 $pid 2>/dev/null; die "never reached /$ready/"; }
  kill -"$sig" -- -$pid
  wait $pid
  local rc=$? want=$((128 + $(kill -l "$sig")))
  echo "command: $*"; echo "exit: $rc after SIG$sig"; sed 's/^/  | /' "$W/log" | tail -4
  [[ $rc -eq $want ]] || die "exit $rc, expected $want (terminated by SIG$sig)"
  check_output "$out"
  echo "OK"
}

# ---- the cases ------------------------------------------------------------------------------------

declare -A CASES  # name -> description (the table's "case" column)
c() { CASES[$1]=$2; ORDER+=("$1"); }
ORDER=()
for tool in eval sim; do
  c $tool-missing-model "missing model file"
  c $tool-unreadable-model "unreadable model file (mode 000, run as an unprivileged user)"
  c $tool-directory-model "a directory instead of a model file"
  c $tool-truncated-model "truncated model (first 5000 bytes)"
  c $tool-bitflip-model "bit-flipped model (one bit at byte 100000)"
  c $tool-version-model "wrong-version model (version field 99)"
  c $tool-wrong-kind-dataset "dataset of the wrong kind (cifar10 images for a 28x28 model)"
  c $tool-short-dataset "dataset of the wrong size (test images cut after 100 images)"
  c $tool-unknown-dataset "unknown dataset name"
  c $tool-negative-images "negative image count"
  c $tool-huge-images "image count beyond the test set"
  c $tool-readonly-outdir "output directory not writable"
  c $tool-full-disk "full disk (64 KiB tmpfs, filled)"
  c $tool-sigint "SIGINT mid-run"
  c $tool-sigterm "SIGTERM mid-run"
done
c train-unknown-model "unknown model (architecture)"
c train-unknown-dataset "unknown dataset name"
c train-short-dataset "dataset of the wrong size (images cut after 100 images)"
c train-negative-images "negative image count (--train-limit -5)"
c train-huge-images "image count beyond the training set (--train-limit 2000000000)"
c train-negative-epochs "negative epoch count"
c train-readonly-outdir "output directory not writable"
c train-full-disk "full disk (64 KiB tmpfs as --outdir)"
c train-truncated-checkpoint "--resume from a truncated checkpoint"
c train-bitflip-checkpoint "--resume from a bit-flipped checkpoint"
c train-version-checkpoint "--resume from a format-1 checkpoint"
c train-sigint "SIGINT mid-epoch"
c train-sigterm "SIGTERM mid-epoch"
c synth-missing-model "missing model file"
c synth-truncated-model "truncated model"
c synth-bitflip-model "bit-flipped model"
c synth-version-model "wrong-version model"
c synth-bad-clock "nonsense clock period (--clock-ns -1)"
c synth-bad-params "unknown RTL parameter (--ttq-params Foo=3)"
c synth-bad-design "unknown design (--designs foo)"
c getdata-unknown-dataset "unknown dataset name"
c getdata-readonly-dest "--dest not writable"
c getdata-full-disk "full disk during a download (local mirror, 64 KiB tmpfs)"
c getdata-sigint "SIGINT mid-download (slow local mirror)"

tool_run() {  # tool model out [args...]: the tool's command line writing OUT
  local tool=$1 m=$2 out=$3; shift 3
  local n=(--images 20); [[ " $* " == *" --images "* ]] && n=()
  case $tool in
    eval) echo "$EVAL" --model "$m" "${n[@]}" --json "$out" "$@" ;;
    sim) echo "$SIM" --model "$m" "${n[@]}" --threads 1 --quiet --report "$out" "$@" ;;
  esac
}

run_eval_sim_case() {
  local tool=${1%%-*} what=${1#*-} out=$W/out/report.json
  mkdir -p "$W/out"; chmod 777 "$W/out"
  [[ $tool != sim || -x $SIM ]] || skip "ttq-sim not built (no Verilator)"
  case $what in
    missing-model) expect_error "$W/none.ttq: cannot open" "$out" $(tool_run $tool "$W/none.ttq" "$out") ;;
    unreadable-model) local m; m=$(unreadable_model)
      expect_error "unreadable.ttq: cannot open: Permission denied" "$out" as_user $(tool_run $tool "$m" "$out") ;;
    directory-model) expect_error "$W/out: is a directory" "$out" $(tool_run $tool "$W/out" "$out") ;;
    truncated-model) expect_error "trunc.ttq: checksum mismatch" "$out" $(tool_run $tool "$(truncated_model)" "$out") ;;
    bitflip-model) expect_error "flip.ttq: checksum mismatch" "$out" $(tool_run $tool "$(bitflip_model)" "$out") ;;
    version-model) expect_error "v99.ttq: unsupported version 99" "$out" $(tool_run $tool "$(version_model)" "$out") ;;
    wrong-kind-dataset) expect_error "cifar10.*3x32x32" "$out" $(tool_run $tool "$MODEL" "$out" --dataset cifar10) ;;
    short-dataset) local d; d=$(short_dataset)
      expect_error "t10k-images-idx3-ubyte: truncated" "$out" $(tool_run $tool "$MODEL" "$out" --data-dir "$d") ;;
    unknown-dataset) expect_error "fashion-mnsit" "$out" $(tool_run $tool "$MODEL" "$out" --dataset fashion-mnsit) ;;
    negative-images) expect_error "--images.*-5" "$out" $(tool_run $tool "$MODEL" "$out" --images -5) ;;
    huge-images) expect_error "--images 2000000000.*10000" "$out" $(tool_run $tool "$MODEL" "$out" --images 2000000000) ;;
    readonly-outdir) local d; d=$(readonly_dir report.json)
      expect_error "$d.*(Read-only|Permission denied)" "$d/report.json" $(tool_run $tool "$MODEL" "$d/report.json") ;;
    full-disk) local d; d=$(full_dir report.json)
      expect_error "$d.*No space left on device" "$d/report.json" $(tool_run $tool "$MODEL" "$d/report.json") ;;
    sigint|sigterm) local sig=INT; [[ $what == sigterm ]] && sig=TERM
      if [[ $tool == eval ]]; then
        expect_signal $sig "ETA" "$out" "$EVAL" --model "$MODEL" --json "$out"
      else
        expect_signal $sig "ETA" "$out" "$SIM" --model "$MODEL" --images 2000 --threads 1 --report "$out"
      fi ;;
    *) die "unknown case $1" ;;
  esac
}

train_cmd() {  # TRAIN_SMALL, less the options the case gives itself, then the case's options
  local base=() i
  for ((i = 0; i < ${#TRAIN_SMALL[@]}; ++i)); do
    local o=${TRAIN_SMALL[i]} v=${TRAIN_SMALL[i + 1]:-}
    if [[ $v == --* || -z $v ]]; then [[ " $* " == *" $o "* ]] || base+=("$o"); continue; fi
    [[ " $* " == *" $o "* ]] || base+=("$o" "$v")
    ((++i))
  done
  echo "$TRAIN" "${base[@]}" "$@"
}

run_train_case() {
  local what=${1#train-} o=$W/train
  mkdir -p "$o"
  local out=$o/model.ttq
  case $what in
    unknown-model) expect_error "--model: unknown architecture 'foo'" "$out" $(train_cmd --outdir "$o" --model foo) ;;
    unknown-dataset) expect_error "unknown name 'fashion-mnsit'" "$out" $(train_cmd --outdir "$o" --dataset fashion-mnsit) ;;
    short-dataset) local d; d=$(short_dataset)
      expect_error "train-images-idx3-ubyte: truncated" "$out" $(train_cmd --outdir "$o" --data-dir "$d") ;;
    negative-images) expect_error "--train-limit: -5 must be >= 0" "$out" $(train_cmd --outdir "$o" --train-limit -5) ;;
    huge-images) expect_error "--train-limit 2000000000: .* has only 60000 images" "$out" $(train_cmd --outdir "$o" --train-limit 2000000000) ;;
    negative-epochs) expect_error "--fp-epochs: -1 must be >= 0" "$out" $(train_cmd --outdir "$o" --fp-epochs -1) ;;
    readonly-outdir) local d; d=$(readonly_dir model.ttq)
      expect_error "--outdir.*$d.*(Read-only|Permission denied)" "$d/model.ttq" $(train_cmd --outdir "$d") ;;
    full-disk) local d; d=$(full_dir model.ttq nofill)  # metrics fit, the checkpoint does not
      expect_error "$d/checkpoint.bin: write failed: No space left on device" "$d/model.ttq" $(train_cmd --outdir "$d") ;;
    truncated-checkpoint|bitflip-checkpoint|version-checkpoint)
      # A good 1-epoch run, then its checkpoint damaged and a 2-epoch --resume asked.
      $(train_cmd --outdir "$o") >/dev/null 2>&1 || die "the good training run failed"
      local ck=$o/checkpoint.bin
      case $what in
        truncated-*) head -c 3000 "$ck" > "$ck.x" && mv "$ck.x" "$ck"; local re="checkpoint.bin: checkpoint checksum mismatch" ;;
        bitflip-*) flip_byte "$ck" 5000; local re="checkpoint.bin: checkpoint checksum mismatch" ;;
        version-*) printf 'TTQCKPT1' | dd of="$ck" bs=1 conv=notrunc 2>/dev/null; local re="checkpoint.bin: checkpoint is format 1" ;;
      esac
      cp "$out" "$W/good.copy"
      expect_error "$re" "$out" $(train_cmd --outdir "$o" --fp-epochs 2 --resume) ;;
    sigint|sigterm) local sig=INT; [[ $what == sigterm ]] && sig=TERM
      expect_signal $sig "ETA" "$out" "$TRAIN" --fp-epochs 1 --ttq-epochs 0 --train-limit 20000 \
        --test-limit 100 --threads 1 --no-plots --outdir "$o" ;;
    *) die "unknown case $1" ;;
  esac
}

run_synth_case() {
  local what=${1#synth-} out=$W/none
  [[ -x $BUILD/tests/synth/ttq_synth_layer ]] || skip "ttq_synth_layer not built"
  local s=(python3 "$SYNTH" synth --build "$BUILD")
  case $what in
    missing-model) expect_error "$W/none.ttq.*no such file" - "${s[@]}" --model "$W/none.ttq" ;;
    truncated-model) expect_error "trunc.ttq: checksum mismatch" - "${s[@]}" --model "$(truncated_model)" ;;
    bitflip-model) expect_error "flip.ttq: checksum mismatch" - "${s[@]}" --model "$(bitflip_model)" ;;
    version-model) expect_error "v99.ttq: unsupported version 99" - "${s[@]}" --model "$(version_model)" ;;
    bad-clock) expect_error "--clock-ns.*-1" - "${s[@]}" --clock-ns -1 ;;
    bad-params) expect_error "Foo" - "${s[@]}" --ttq-params Foo=3 ;;
    bad-design) expect_error "--designs 'foo': use ttq, dense" - "${s[@]}" --designs foo ;;
    *) die "unknown case $1" ;;
  esac
}

# A local HTTP mirror serving a 256 KiB file under the name of every MNIST file (md5 irrelevant:
# the disk fills or the signal comes first). $1: bytes per second (0: unlimited).
start_mirror() {
  local rate=$1 root=$W/mirror f
  mkdir -p "$root"
  head -c 262144 /dev/urandom > "$root/blob"
  for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
    ln -sf blob "$root/$f"
  done
  python3 - "$root" "$rate" > "$W/mirror.port" 2>/dev/null <<'EOF' &
import http.server, os, sys, time
root, rate = sys.argv[1], int(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        data = open(os.path.join(root, os.path.basename(self.path)), "rb").read()
        self.send_response(200); self.send_header("Content-Length", str(len(data))); self.end_headers()
        step = 4096
        for i in range(0, len(data), step):
            self.wfile.write(data[i:i + step]); self.wfile.flush()
            if rate: time.sleep(step / rate)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
EOF
  MIRROR_PID=$!
  local i
  for ((i = 0; i < 50; ++i)); do [[ -s $W/mirror.port ]] && break; sleep 0.1; done
  MIRROR=http://127.0.0.1:$(cat "$W/mirror.port")
}

run_getdata_case() {
  local what=${1#getdata-}
  case $what in
    unknown-dataset) expect_error "unknown argument 'mnits'" - "$GETDATA" mnits ;;
    readonly-dest) local d; d=$(readonly_dir keep)
      expect_error "--dest $d/sub: cannot create files there" "$d/keep" "$GETDATA" --force --dest "$d/sub" mnist ;;
    full-disk) local d; d=$(full_dir keep nofill)
      start_mirror 0
      expect_error "train-images-idx3-ubyte.gz.part: cannot write the download \(disk full" "$d/keep" \
        env TTQ_MIRROR="$MIRROR" "$GETDATA" --force --dest "$d" mnist
      kill "$MIRROR_PID"
      [[ -z $(find "$d" -name '*.part') ]] || die "a .part file was left" ;;
    sigint) start_mirror 32768
      mkdir -p "$W/dest/mnist"; good "$W/dest/mnist/keep"
      expect_signal INT "get-data: http" "$W/dest/mnist/keep" \
        env TTQ_MIRROR="$MIRROR" "$GETDATA" --force --dest "$W/dest" mnist
      kill "$MIRROR_PID" ;;
    *) die "unknown case $1" ;;
  esac
}

run_case() {
  setup
  case $1 in
    eval-*|sim-*) run_eval_sim_case "$1" ;;
    train-*) run_train_case "$1" ;;
    synth-*) run_synth_case "$1" ;;
    getdata-*) run_getdata_case "$1" ;;
    *) die "unknown case $1" ;;
  esac
}

case ${1:-} in
  --list) printf '%s\n' "${ORDER[@]}" ;;
  --table)
    echo "| tool | case | exit | message |"
    echo "|---|---|---|---|"
    for n in "${ORDER[@]}"; do
      res=$("$0" "$n" 2>&1); rc=$?
      exitc=$(sed -n 's/^exit: //p' <<<"$res" | head -1)
      msg=$(grep -m1 -E '^(message|SKIPPED|FAIL|exit: 1[34][03] after)' <<<"$res" | sed 's/^message: //; s/|/\\|/g; s#/tmp/ttq-bad-input\.[A-Za-z0-9]*#$T#g' | cut -c1-200)
      msg=$(sed -E 's/\.tmp\.[0-9]+\.[0-9]+/.tmp.<pid>.<n>/g' <<<"$msg")
      if [[ $exitc == *after* ]]; then
        exitc=${exitc%% *}; msg="ended by the signal: no output written, the earlier one intact, no temp file"
      fi
      [[ $rc -eq 0 ]] || msg="**$( [[ $rc -eq 77 ]] && echo skipped || echo FAILED)**: $msg"
      echo "| ${n%%-*} | ${CASES[$n]} | $exitc | $msg |"
    done ;;
  '') sed -n '2,12p' "$0"; exit 2 ;;
  *) [[ -n ${CASES[$1]:-} ]] || { echo "unknown case '$1' (--list)"; exit 2; }
     run_case "$1" ;;
esac
