"""The two designs `make synth` compares and their parameters (imported by run.py):

  ttq   ttq_accel, the N:M group-sparse ternary array: rtl/ttq_accel.f after the contract package
        generated from rtl/contract/ttq_contract.json (scripts/gen_contract.py --sv); parameters
        NumPes, GroupSize (M), GroupNnz (N), Groups (G), MaxFanIn, MaxOuts, WDepth, defaults from
        the contract table.
  dense dense_accel, the dense INT8 baseline: rtl/dense/dense_accel.f; parameters NumPes, Lanes,
        MaxFanIn, MaxOutCh, WgtDepth, defaults from its module header, except the comparison's
        own defaults below.

Each design's parameters are its own: --ttq-params / --dense-params set them by name, and a name
the design does not have is an error naming the option, the name and the names it has.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from pathlib import Path

from flow import ROOT, Design, SynthError, read_filelist, rtl_defaults

TTQ_PARAMS = ("NumPes", "GroupSize", "GroupNnz", "Groups", "MaxFanIn", "MaxOuts", "WDepth")
DENSE_PARAMS = ("NumPes", "Lanes", "MaxFanIn", "MaxOutCh", "WgtDepth")
# The comparison's dense configuration: as many MAC lanes as the ternary array has slots at its
# defaults (16 PEs x 2 groups x 2 slots = 64; dense 16 PEs x 4 lanes = 64), and the ternary
# array's MaxFanIn (2048), so that every timed layer (fc1: fan-in 1,600) runs on both.
DENSE_COMPARISON = {"NumPes": 16, "Lanes": 4}
CONTRACT = ROOT / "rtl" / "contract" / "ttq_contract.json"


@functools.lru_cache(maxsize=None)
def ttq_defaults() -> dict[str, int]:
    """ttq_accel's parameter defaults, from the contract table (the package's Def<Name>)."""
    try:
        params = {p["name"]: int(p["value"]) for p in json.loads(CONTRACT.read_text())["params"]}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SynthError(f"{CONTRACT}: cannot read the parameter defaults: {e}") from e
    missing = [p for p in TTQ_PARAMS if p not in params]
    if missing:
        raise SynthError(f"{CONTRACT}: no default for parameter(s) {', '.join(missing)}")
    return {p: params[p] for p in TTQ_PARAMS}


@functools.lru_cache(maxsize=None)
def dense_defaults() -> dict[str, int]:
    """dense_accel's defaults for the comparison: its header's, with DENSE_COMPARISON and the
    ternary array's MaxFanIn."""
    path = ROOT / "rtl" / "dense" / "dense_accel.sv"
    d = rtl_defaults(path)
    missing = [p for p in DENSE_PARAMS if p not in d]
    if missing:
        raise SynthError(f"{path}: no integer default for parameter(s) {', '.join(missing)}")
    out = {p: d[p] for p in DENSE_PARAMS}
    out.update(DENSE_COMPARISON, MaxFanIn=ttq_defaults()["MaxFanIn"])
    return out


def defaults(key: str) -> dict[str, int]:
    return dict(ttq_defaults() if key == "ttq" else dense_defaults())


def parse_params(text: str, key: str, option: str) -> dict[str, int]:
    """'NumPes=32,GroupNnz=1' -> the design's defaults with those values. Unknown names, values
    that are not positive integers and repeated names are errors naming the option."""
    out = defaults(key)
    seen = set()
    for item in filter(None, (t.strip() for t in text.split(","))):
        m = re.fullmatch(r"(\w+)=(\d+)", item)
        if not m:
            raise SynthError(f"{option}: {item!r} is not NAME=integer")
        name, val = m.group(1), int(m.group(2))
        if name not in out:
            design = "ttq_accel" if key == "ttq" else "dense_accel"
            raise SynthError(f"{option}: {name!r} is not a parameter of {design} "
                             f"(its parameters: {', '.join(out)})")
        if name in seen:
            raise SynthError(f"{option}: {name} given twice")
        if val < 1:
            raise SynthError(f"{option}: {name}={val}: must be >= 1")
        seen.add(name)
        out[name] = val
    return out


def lanes(key: str, params: dict[str, int]) -> int:
    """Operations per cycle at full use: dense MAC lanes, ternary slots (NumPes x G x N)."""
    if key == "ttq":
        return params["NumPes"] * params["Groups"] * params["GroupNnz"]
    return params["NumPes"] * params["Lanes"]


def label(key: str, params: dict[str, int]) -> str:
    """Short configuration name: '16 PEs x 2:4 x 2 groups' or '16 PEs x 4 lanes'."""
    if key == "ttq":
        return (f"{params['NumPes']} PEs x {params['GroupNnz']}:{params['GroupSize']} x "
                f"{params['Groups']} groups")
    return f"{params['NumPes']} PEs x {params['Lanes']} lanes"


def point_dir(build: Path, key: str, params: dict[str, int]) -> Path:
    """build/synth/<design>_<shape>[_<Param><value>...]: one configuration's runs; the shape is
    p<NumPes>_m<M>_n<N>_g<G> (ternary) or p<NumPes>_l<Lanes> (dense), other parameters only when
    they differ from the defaults."""
    d = defaults(key)
    if key == "ttq":
        shape = (f"p{params['NumPes']}_m{params['GroupSize']}_n{params['GroupNnz']}"
                 f"_g{params['Groups']}")
        named = ("NumPes", "GroupSize", "GroupNnz", "Groups")
    else:
        shape = f"p{params['NumPes']}_l{params['Lanes']}"
        named = ("NumPes", "Lanes")
    rest = "".join(f"_{k}{v}" for k, v in params.items() if k not in named and v != d.get(k))
    return build / "synth" / f"{key}_{shape}{rest}"


def classify_dense(mod: str) -> str:
    return {"dense_pe": "pe", "dense_acc_bank": "acc_out", "dense_out_stage": "acc_out",
            "dense_drain": "acc_out", "sram_array": "buffers",
            "sram_macro": "buffers"}.get(mod, "control")


def classify_ttq(mod: str) -> str:
    # The PE holds its P and N trees and its accumulator pair; the shared output unit and the
    # record chain / result FIFO (ttq_drain) are the output stage.
    return {"ttq_pe": "pe", "ttq_out_unit": "acc_out", "ttq_drain": "acc_out",
            "sram_array": "buffers", "sram_macro": "buffers"}.get(mod, "control")


def contract_package(build: Path) -> Path:
    """build/synth/ttq_pkg.sv, generated from the contract table (rewritten only on change)."""
    out = build / "synth" / "ttq_pkg.sv"
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_contract.py"), "--sv", str(out)],
                       capture_output=True, text=True)
    if r.returncode != 0 or not out.is_file():
        raise SynthError(f"scripts/gen_contract.py --sv {out} failed: {(r.stdout + r.stderr).strip()}")
    return out


def designs(build: Path) -> dict[str, Design]:
    return {
        "ttq": Design("ttq", "ttq_accel",
                      [str(contract_package(build))] + read_filelist(ROOT / "rtl" / "ttq_accel.f"),
                      classify_ttq, lambda p: lanes("ttq", p)),
        "dense": Design("dense", "dense_accel",
                        read_filelist(ROOT / "rtl" / "dense" / "dense_accel.f"), classify_dense,
                        lambda p: lanes("dense", p)),
    }
