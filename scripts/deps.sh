#!/usr/bin/env bash
# Installs, with apt-get, only the Debian 12 packages this project needs that are missing.
# Run twice, the second run installs nothing. `scripts/deps.sh --torch` also installs the optional
# PyTorch cross-check (trainer/reference/ttq_torch.py, used by make bench and the gradient test
# when present; nothing requires it).
set -euo pipefail
pkgs=(build-essential cmake verilator yosys opensta libsystemc-dev libeigen3-dev catch2
      libcli11-dev nlohmann-json3-dev dataset-fashion-mnist zlib1g-dev gnuplot-nox python3 curl ccache iverilog
      # ONNX import / export (importer/) and its tests (python3-onnx's helper API, numpy on OpenBLAS)
      libonnx-dev libprotobuf-dev python3-onnx libopenblas0-pthread
      # libFuzzer and the sanitizer runtimes (make fuzz, make test-sanitize)
      clang libclang-rt-14-dev)
if [[ "${1:-}" == "--torch" ]]; then pkgs=(python3-torch); fi
missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "deps: all ${#pkgs[@]} Debian packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "deps: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
log=$(mktemp)
if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
  cat "$log" >&2; echo "deps: apt-get install failed" >&2; exit 1
fi
echo "deps: installed ${#missing[@]} package(s)"
