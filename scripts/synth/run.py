#!/usr/bin/env python3
"""ASIC estimate driver: Yosys (sky130_fd_sc_hd) + OpenSTA for the ternary array and the dense
INT8 baseline, with the layer-time comparison and the sweep. `make synth` / `make synth-sweep`.

  run.py synth [--build build] [--clock-ns 5.0] [--jobs 2] [--model m.ttq] [--report synth]
  run.py sweep [--build build] [--clock-ns 5.0] [--jobs 2] [--pes 4,8,16,32] [--lanes 2,4]

Everything here is a pre-placement estimate: Yosys/ABC cell area and OpenSTA timing/power with an
ideal clock and no wires. Memories are synthesized to flip-flops and multiplexers (no SRAM macro).
Uses only the Python standard library. Errors name the file / option and the bad value and exit 1.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import functools
import gzip
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts" / "synth"
LIB_NAME = "sky130_fd_sc_hd__tt_025C_1v80.lib"
NAND2_AREA = 3.7536  # sky130_fd_sc_hd__nand2_1, um^2
# Cells ABC must not use: power-management (lpflow_*), probes, physical-only and delay cells.
DONT_USE = re.compile(
    r"sky130_fd_sc_hd__(lpflow_|probe|diode|tap|fill|decap|macro_sparecell|dlygate|dlymetal|"
    r"clkdlybuf)")
FLOP = re.compile(r"sky130_fd_sc_hd__(s?e?df|dfbb|dfr|dfs|dfx|dfb)")
ACTIVITY = 0.1  # transitions per clock period on every net, for report_power


class SynthError(Exception):
    pass


def log(msg: str) -> None:
    print(f"synth: {msg}", flush=True)


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------------------------------------
# Liberty: find, decompress, drop unusable cells, read cell areas.

def find_liberty(build: Path) -> Path:
    env = os.environ.get("LIBERTY", "")
    if env:
        p = Path(env)
        if not p.is_file():
            raise SynthError(f"LIBERTY={env}: no such file")
        return p
    shared = ROOT.parent / "shared" / "pdk" / f"{LIB_NAME}.gz"
    if shared.is_file():
        return shared
    log(f"no LIBERTY= and no {shared}; trying scripts/get-pdk")
    r = subprocess.run([str(ROOT / "scripts" / "get-pdk"), str(build / "pdk")],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SynthError(f"liberty file not found (LIBERTY unset, {shared} missing) and "
                         f"scripts/get-pdk failed:\n{r.stderr.strip()}")
    return Path(r.stdout.strip().splitlines()[-1])


def prepare_liberty(src: Path, build: Path) -> tuple[Path, dict[str, float]]:
    """Writes build/pdk/<lib>.synth.lib without the DONT_USE cells; returns it and cell areas."""
    dst = build / "pdk" / (LIB_NAME.removesuffix(".lib") + ".synth.lib")
    stamp = dst.with_suffix(".stamp")
    st = src.stat()
    key = f"{src.resolve()} {st.st_size} {st.st_mtime_ns}\n"
    if not (dst.is_file() and stamp.is_file() and stamp.read_text() == key):
        opener = gzip.open if src.suffix == ".gz" else open
        try:
            with opener(src, "rt") as f:
                text = f.read()
        except (OSError, EOFError) as e:
            raise SynthError(f"{src}: cannot read liberty file: {e}") from e
        if "library" not in text[:2000]:
            raise SynthError(f"{src}: not a liberty file (no 'library' group at the top)")
        out, depth, skip, dropped = [], 0, False, 0
        cell_re = re.compile(r'^\s*cell\s*\(\s*"?([\w$]+)"?\s*\)')
        for line in text.splitlines(keepends=True):
            if depth == 1 and not skip:
                m = cell_re.match(line)
                if m and DONT_USE.match(m.group(1)):
                    skip, dropped = True, dropped + 1
            if not skip:
                out.append(line)
            depth += line.count("{") - line.count("}")
            if skip and depth == 1:
                skip = False
        if depth != 0:
            raise SynthError(f"{src}: unbalanced braces in liberty file (depth {depth} at end)")
        write_atomic(dst, "".join(out))
        write_atomic(stamp, key)
        log(f"liberty {src} -> {dst} ({dropped} dont-use cells removed)")
    areas: dict[str, float] = {}
    name = None
    with open(dst) as f:
        for line in f:
            m = re.match(r'^\s*cell\s*\(\s*"?([\w$]+)"?\s*\)', line)
            if m:
                name = m.group(1)
                continue
            m = re.match(r"^\s*area\s*:\s*([0-9.eE+-]+)", line)
            if m and name and name not in areas:
                areas[name] = float(m.group(1))
    if areas.get("sky130_fd_sc_hd__nand2_1") != NAND2_AREA:
        raise SynthError(f"{dst}: sky130_fd_sc_hd__nand2_1 area is "
                         f"{areas.get('sky130_fd_sc_hd__nand2_1')}, expected {NAND2_AREA}")
    return dst, areas


# ------------------------------------------------------------------------------------------------
# Designs

@dataclass
class Design:
    key: str          # "ttq" or "dense"
    top: str
    files: list[str]
    # module base name -> block ("pe", "acc_out", "buffers", "control")
    classify: callable
    # memory modules: synthesized on their own per size; the design runs use timing shells
    memories: list[str] = field(default_factory=list)

    def shell_files(self) -> list[str]:
        """The design's files with each memory module replaced by its timing shell."""
        out = []
        for f in self.files:
            stem = Path(f).stem
            if stem in self.memories:
                shell = SCRIPTS / "shells" / f"{stem}.sv"
                if not shell.is_file():
                    raise SynthError(f"{shell}: no timing shell for memory module {stem}")
                check_shell_ports(Path(f), shell)
                out.append(str(shell))
            else:
                out.append(f)
        missing = set(self.memories) - {Path(f).stem for f in self.files}
        if missing:
            raise SynthError(f"memory module(s) {sorted(missing)} of {self.top} not found in "
                             f"{sorted({str(Path(f).parent) for f in self.files})}")
        return out


def port_names(path: Path) -> list[str]:
    text = re.sub(r"//[^\n]*", "", path.read_text())
    return sorted(set(re.findall(r"\b(?:input|output|inout)\s+logic\b[^;,()]*?(\w+)\s*[,)]",
                                 text)))


def check_shell_ports(real: Path, shell: Path) -> None:
    a, b = port_names(real), port_names(shell)
    if a != b:
        raise SynthError(f"{shell}: ports {b} differ from {real} {a}; update the timing shell")


BLOCKS = ("pe", "acc_out", "buffers", "control")
BLOCK_TITLES = {"pe": "PEs / lanes", "acc_out": "accumulators + output stage",
                "buffers": "buffers / memories", "control": "control + interfaces"}


def classify_dense(mod: str) -> str:
    return {"dense_pe": "pe", "dense_acc_bank": "acc_out", "dense_out_stage": "acc_out",
            "dense_act_buf": "buffers"}.get(mod, "control")


def classify_ttq(mod: str) -> str:
    # Memories first: a PE's op memory is its own module (ttq_ram_1r1w), counted as a buffer.
    m = mod.lower()
    if re.search(r"(ram|buf|mem|fifo|store|sram)", m):
        return "buffers"
    if re.search(r"(_acc(_|$)|out_unit|out_stage|outstage|collect|post|requant|output)", m):
        return "acc_out"
    if re.search(r"(_pe$|_pe_|lane|mac|array)", m):
        return "pe"
    return "control"


def rtl_files(folder: Path) -> list[str]:
    files = sorted(folder.glob("*.sv")) + sorted(folder.glob("*.v"))
    # packages first: Yosys needs them before their users
    files.sort(key=lambda p: (0 if p.stem.endswith("_pkg") else 1, p.name))
    return [str(p) for p in files]


def designs() -> dict[str, Design]:
    return {
        "ttq": Design("ttq", "ttq_accel", rtl_files(ROOT / "rtl"), classify_ttq,
                      ["ttq_ram_1r1w"]),
        "dense": Design("dense", "dense_accel", rtl_files(ROOT / "rtl" / "dense"), classify_dense,
                        ["dense_act_buf"]),
    }


def rtl_defaults(path: Path) -> dict[str, int]:
    """Integer parameter defaults of the top module's header (NumPes, Lanes, MaxFanIn, ...)."""
    text = path.read_text()
    out = {}
    for m in re.finditer(r"parameter\s+(?:int\s+(?:unsigned\s+)?)?(\w+)\s*=\s*(\d+)\b", text):
        out.setdefault(m.group(1), int(m.group(2)))
    return out


# ------------------------------------------------------------------------------------------------
# Running the tools

@dataclass
class Job:
    design: Design
    params: dict[str, int]
    outdir: Path
    flatten: bool
    files: list[str] = field(default_factory=list)
    top: str = ""


def run_yosys(job: Job, lib: Path, clock_ns: float) -> Path:
    tag = "flat" if job.flatten else "hier"
    job.outdir.mkdir(parents=True, exist_ok=True)
    logf = job.outdir / f"yosys_{tag}.log"
    # Reuse a run whose inputs (RTL, flow scripts, liberty, clock, parameters) are unchanged.
    stamp_file = job.outdir / f"yosys_{tag}.stamp"
    stamp = flow_stamp(lib, clock_ns, [Path(f) for f in job.files]) + json.dumps(
        [job.top, job.params], sort_keys=True)
    outputs = [job.outdir / f"stat_{tag}.json"] + ([job.outdir / "netlist.v"] if job.flatten else [])
    if stamp_file.is_file() and stamp_file.read_text() == stamp and all(o.is_file() for o in outputs):
        return logf
    stamp_file.unlink(missing_ok=True)
    env = dict(os.environ, SYN_TOP=job.top, SYN_FILES=" ".join(job.files),
               SYN_PARAMS=" ".join(f"{k}={v}" for k, v in job.params.items()),
               SYN_LIBERTY=str(lib), SYN_CLOCK_NS=str(clock_ns), SYN_OUT=str(job.outdir),
               SYN_FLATTEN="1" if job.flatten else "0")
    r = subprocess.run(["yosys", "-q", "-l", str(logf), "-c", str(SCRIPTS / "synth.tcl")],
                       env=env, capture_output=True, text=True)
    text = logf.read_text() if logf.is_file() else r.stdout + r.stderr
    latches = [l for l in text.splitlines() if "Latch inferred" in l]
    if r.returncode != 0 or latches:
        errs = [l for l in text.splitlines()
                if re.search(r"ERROR|Latch inferred|multiple conflicting drivers|no driver|"
                             r"Assertion failed|selection", l)]
        raise SynthError(f"yosys failed for {job.top} {job.params} ({tag}), log {logf}:\n  "
                         + "\n  ".join((errs or text.splitlines()[-15:])[:25]))
    write_atomic(stamp_file, stamp)
    return logf


def run_sta(job: Job, lib: Path, clock_ns: float) -> dict:
    logf = job.outdir / "sta.log"
    env = dict(os.environ, STA_LIBERTY=str(lib), STA_NETLIST=str(job.outdir / "netlist.v"),
               STA_TOP=job.top, STA_CLOCK_NS=str(clock_ns), STA_ACTIVITY=str(ACTIVITY),
               STA_CLOCK_PORT="clk_i")
    r = subprocess.run(["sta", "-no_splash", "-exit", str(SCRIPTS / "sta.tcl")], env=env,
                       capture_output=True, text=True)
    write_atomic(logf, r.stdout + r.stderr)
    res = {}
    for m in re.finditer(r"^RESULT (\w+) (\S+)", r.stdout, re.M):
        res[m.group(1)] = m.group(2)
    if r.returncode != 0 or "worst_slack_max" not in res or "Error" in r.stderr:
        raise SynthError(f"sta failed for {job.top} {job.params}, log {logf}:\n"
                         + "\n".join((r.stdout + r.stderr).splitlines()[-15:]))
    slack = float(res["worst_slack_max"])
    path = r.stdout.split("RESULT worst_slack_max")[0]
    start = re.search(r"^Startpoint: (.*)$", path, re.M)
    end = re.search(r"^Endpoint: (.*)$", path, re.M)
    arrival = re.search(r"^\s*(-?[0-9.]+)\s+data arrival time", path, re.M)
    power = re.search(r"^Total\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)", r.stdout, re.M)
    if not power:
        raise SynthError(f"sta: no 'Total' line in report_power, log {logf}")
    # Worst slack per block: endpoint names are flattened instance paths ("u_feeder.fv_q[3]_...",
    # "gen_pe[5].u_pe.acc_p_q[0]_..."); the block is the path up to the last instance, with
    # generate indices folded ("gen_pe[*].u_pe"), or "top" for the top module's own flip-flops.
    by_block: dict[str, float] = {}
    ep = r.stdout.split("RESULT endpoints_begin")[-1].split("RESULT endpoints_end")[0]
    for m in re.finditer(r"^(\S+)\s+\(\S+\)\s+(-?[0-9.]+)\s+(-?[0-9.]+)\s+(-?[0-9.]+)", ep, re.M):
        name = m.group(1).split("/")[0]
        parts = name.split(".")
        blk = ".".join(re.sub(r"\[\d+\]", "[*]", x) for x in parts[:-1]) or "top"
        by_block[blk] = min(by_block.get(blk, 1e9), float(m.group(4)))
    unconstrained = re.search(r"unconstrained", r.stdout.split("RESULT worst_slack_max")[0]
                              .split("RESULT unconstrained_endpoints_check")[-1][:2000])
    return {
        "clock_ns": clock_ns,
        "worst_slack_ns": slack,
        "hold_worst_slack_ns": float(res.get("worst_slack_min", "nan")),
        "fmax_mhz": 1000.0 / (clock_ns - slack),
        "meets_clock": slack >= 0.0,
        "critical_path": {"from": start.group(1) if start else None,
                          "to": end.group(1) if end else None,
                          "arrival_ns": float(arrival.group(1)) if arrival else None},
        "power_mw": {"internal": float(power.group(1)) * 1e3,
                     "switching": float(power.group(2)) * 1e3,
                     "leakage": float(power.group(3)) * 1e3,
                     "total": float(power.group(4)) * 1e3,
                     "at_mhz": 1000.0 / clock_ns,
                     "activity": ACTIVITY},
        "has_unconstrained_endpoints": bool(unconstrained),
        "worst_slack_by_block_ns": dict(sorted(by_block.items(), key=lambda kv: kv[1])),
        "log": str(logf),
    }


def base_module(name: str) -> str:
    name = name.lstrip("\\")
    if name.startswith("$paramod"):
        parts = name.split("\\")
        return parts[1] if len(parts) > 1 else name
    return name


def area_of(cells: dict[str, int], areas: dict[str, float]) -> float:
    a = 0.0
    for c, n in cells.items():
        if c in areas:
            a += areas[c] * n
    return a


def load_stat_json(path: Path) -> dict:
    """Yosys 0.23's `stat -json -top` prints the hierarchy table into the JSON for nested
    hierarchies; drop those lines (no quotes, a module name and a count)."""
    lines = [l for l in path.read_text().splitlines()
             if not re.match(r'^\s+[^\s"{}\[\]]\S*\s+\d+\s*$', l)]
    try:
        return json.loads("\n".join(lines))
    except json.JSONDecodeError as e:
        raise SynthError(f"{path}: not valid JSON even without the hierarchy table: {e}") from e


def flat_stats(outdir: Path, areas: dict[str, float]) -> dict:
    st = load_stat_json(outdir / "stat_flat.json")
    mods = st["modules"]
    if len(mods) != 1:
        raise SynthError(f"{outdir}/stat_flat.json: expected one flattened module, got {list(mods)}")
    cells = next(iter(mods.values()))["num_cells_by_type"]
    unknown = [c for c in cells if c not in areas]
    if unknown:
        raise SynthError(f"{outdir}/stat_flat.json: cells not in the liberty file: {unknown}")
    area = area_of(cells, areas)
    txt = (outdir / "stat_flat.txt").read_text()
    m = re.search(r"Chip area for (?:top )?module .*?:\s*([0-9.]+)", txt)
    if m and abs(float(m.group(1)) - area) > 1e-3 * area + 1:
        raise SynthError(f"{outdir}: area {area:.1f} disagrees with Yosys stat {m.group(1)}")
    return {"area_um2": area,
            "nand2_eq": area / NAND2_AREA,
            "cells": sum(cells.values()),
            "flip_flops": sum(n for c, n in cells.items() if FLOP.match(c)),
            "cells_by_type": dict(sorted(cells.items()))}


def hier_blocks(outdir: Path, design: Design, areas: dict[str, float]) -> dict:
    """Area per block from the non-flattened run (each module's own cells, times its instances).
    Memory timing shells are kept apart (their area is replaced by the real memories')."""
    st = load_stat_json(outdir / "stat_hier.json")
    mods = {k.lstrip("\\"): v["num_cells_by_type"] for k, v in st["modules"].items()}
    names = {base_module(k): k for k in mods}
    top = names.get(design.top)
    if top is None:
        raise SynthError(f"{outdir}/stat_hier.json: top {design.top} not found in {list(names)}")
    blocks = {b: 0.0 for b in BLOCKS}
    modules: dict[str, dict] = {}
    shells = {"area_um2": 0.0, "flip_flops": 0, "cells": 0}

    def walk(mod: str, mult: int, depth: int) -> None:
        if depth > 50:
            raise SynthError(f"{outdir}/stat_hier.json: hierarchy too deep at {mod}")
        cells = mods[mod]
        own = area_of(cells, areas)
        b = base_module(mod)
        if b in design.memories:
            shells["area_um2"] += own * mult
            shells["flip_flops"] += mult * sum(n for c, n in cells.items() if FLOP.match(c))
            shells["cells"] += mult * sum(n for c, n in cells.items() if c in areas)
            return
        blk = design.classify(b)
        blocks[blk] += own * mult
        e = modules.setdefault(b, {"block": blk, "instances": 0, "area_um2": 0.0})
        e["instances"] += mult
        e["area_um2"] += own * mult
        for c, n in cells.items():
            if c.lstrip("\\") in mods:
                walk(c.lstrip("\\"), mult * n, depth + 1)

    walk(top, 1, 0)
    return {"logic_um2": sum(blocks.values()), "blocks_um2": blocks, "modules": modules,
            "shells": shells}


# ------------------------------------------------------------------------------------------------
# Memories: found in the elaborated design, synthesized once per (module, parameters), cached.

def memory_instances(design: Design, params: dict[str, int], outdir: Path) -> list[dict]:
    """[{module, params, count}] of the design's memory modules, from an elaboration (real RTL)."""
    outdir.mkdir(parents=True, exist_ok=True)
    js = outdir / "elab.json"
    # chparam before hierarchy, as in synth.tcl (Yosys 0.23's hierarchy -chparam can assert)
    chp = " ".join(f"-set {k} {v}" for k, v in params.items())
    script = (f"read_verilog -sv -DSYNTHESIS {' '.join(design.files)}; "
              + (f"chparam {chp} {design.top}; " if chp else "")
              + f"hierarchy -check -top {design.top}; proc; write_json {js}")
    r = subprocess.run(["yosys", "-q", "-p", script], capture_output=True, text=True)
    if r.returncode != 0 or not js.is_file():
        raise SynthError(f"yosys elaboration of {design.top} {params} failed:\n"
                         + "\n".join(l for l in (r.stdout + r.stderr).splitlines()
                                     if "ERROR" in l or "rror" in l)[:2000])
    mods = json.loads(js.read_text())["modules"]
    top = next((k for k, v in mods.items() if v.get("attributes", {}).get("top")), design.top)
    found: dict[tuple, dict] = {}

    def walk(mod: str, mult: int, depth: int) -> None:
        if depth > 50:
            raise SynthError(f"{js}: hierarchy too deep at {mod}")
        for cell in mods[mod]["cells"].values():
            t = cell["type"]
            if t not in mods:
                continue
            b = base_module(t)
            if b in design.memories:
                pv = {k: int(v, 2) for k, v in
                      mods[t].get("parameter_default_values", {}).items()}
                key = (b, tuple(sorted(pv.items())))
                found.setdefault(key, {"module": b, "params": pv, "count": 0})["count"] += mult
            else:
                walk(t, mult, depth + 1)

    walk(top, 1, 0)
    js.unlink()
    return sorted(found.values(), key=lambda m: (m["module"], sorted(m["params"].items())))


_mem_lock = __import__("threading").Lock()
_mem_futs: dict[str, cf.Future] = {}


@functools.lru_cache(maxsize=None)
def file_digest(path: Path, mtime_ns: int) -> str:
    """sha256 of a file's content (cached per path and mtime: the liberty is tens of MB)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def flow_stamp(lib: Path, clock_ns: float, files: list[Path]) -> str:
    # The liberty by content, not by time: a regenerated but identical file keeps the caches.
    h = hashlib.sha256(f"{file_digest(lib, lib.stat().st_mtime_ns)} {clock_ns} {ACTIVITY}".encode())
    for f in files + [SCRIPTS / "synth.tcl", SCRIPTS / "sta.tcl", SCRIPTS / "lcu_kogge_stone.v"]:
        h.update(f.read_bytes())
    return h.hexdigest()


def synth_memory(design: Design, mem: dict, build: Path, lib: Path, areas: dict[str, float],
                 clock_ns: float, shell: bool = False) -> dict:
    """One memory (or, with shell=True, its timing shell) synthesized and timed on its own."""
    src = next(Path(f) for f in (design.shell_files() if shell else design.files)
               if Path(f).stem == mem["module"])
    tag = ("shell_" if shell else "") + mem["module"] + "".join(
        f"_{k}{v}" for k, v in sorted(mem["params"].items()))
    outdir = build / "synth" / "mem" / tag
    stamp = flow_stamp(lib, clock_ns, [src])
    cache = outdir / "result.json"
    if cache.is_file():
        res = json.loads(cache.read_text())
        if res.get("stamp") == stamp:
            return res
    job = Job(design, mem["params"], outdir, True, [str(src)], mem["module"])
    t0 = time.time()
    run_yosys(job, lib, clock_ns)
    sta = run_sta(job, lib, clock_ns)
    st = flat_stats(outdir, areas)
    bits = None
    w = mem["params"].get("Width", mem["params"].get("Lanes", 0) * 8)
    d = mem["params"].get("Depth", 0)
    if w and d:
        bits = w * d
    res = {"module": mem["module"], "params": mem["params"], "bits": bits,
           "area_um2": st["area_um2"], "flip_flops": st["flip_flops"], "cells": st["cells"],
           "fmax_mhz": sta["fmax_mhz"], "worst_slack_ns": sta["worst_slack_ns"],
           "critical_path": sta["critical_path"], "power_mw": sta["power_mw"]["total"],
           "wall_s": round(time.time() - t0, 1), "stamp": stamp}
    write_atomic(cache, json.dumps(res, indent=2) + "\n")
    return res


def memory_future(pool: cf.Executor, design: Design, mem: dict, build: Path, lib: Path,
                  areas: dict[str, float], clock_ns: float, shell: bool = False) -> cf.Future:
    key = str(shell) + mem["module"] + json.dumps(mem["params"], sort_keys=True)
    with _mem_lock:
        if key not in _mem_futs:
            _mem_futs[key] = pool.submit(synth_memory, design, mem, build, lib, areas, clock_ns,
                                         shell)
        return _mem_futs[key]


# ------------------------------------------------------------------------------------------------
# Layer timing (golden cycle model, via the C++ tool built by CMake)

def layer_tool(build: Path) -> Path:
    exe = build / "tests" / "synth" / "ttq_synth_layer"
    if not exe.is_file():
        r = subprocess.run(["cmake", "--build", str(build), "-j2", "--target", "ttq_synth_layer"],
                           capture_output=True, text=True)
        if r.returncode != 0 or not exe.is_file():
            raise SynthError(f"cannot build {exe}:\n{(r.stdout + r.stderr)[-2000:]}")
    return exe


# RTL parameters of ttq_accel that the golden cycle model's ArrayConfig also has.
CYCLE_MODEL_PARAMS = {"RowBytes": "--row-bytes", "WinRows": "--win-rows",
                      "SweepRows": "--sweep-rows", "AdvBits": "--adv-bits",
                      "MaxFanIn": "--max-fan-in", "MaxOuts": "--max-outs", "OpDepth": "--op-depth"}


def check_model(build: Path, model: str) -> None:
    """Reads --model with the layer tool before any synthesis starts, so a missing, truncated,
    corrupted or wrong-version .ttq fails at once, with the reader's message naming the file."""
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([str(layer_tool(build)), "--pes", "8", "--lanes", "4", "--model", model,
                            "--out", str(Path(tmp) / "layer.json")], capture_output=True, text=True)
    if r.returncode != 0:
        msg = (r.stderr.strip().splitlines() or ["exit code %d" % r.returncode])[-1]
        raise SynthError(f"--model / SYNTH_MODEL {model}: {msg}")


def layer_source(args) -> list[str]:
    """The layer tool's options for the layer to time: a model, a random layer, or the default."""
    if args.random_sparsity is not None:
        return ["--random", "--sparsity", str(args.random_sparsity)]
    return ["--model", args.model] if args.model else []


def parse_ttq_params(text: str, defaults: dict[str, int]) -> dict[str, int]:
    """--ttq-params 'WinRows=2,SweepRows=8': other values of ttq_accel's integer parameters
    (NumPes and Lanes also set the dense baseline's; the cycle model gets the ones it knows)."""
    out: dict[str, int] = {}
    for item in filter(None, (t.strip() for t in text.split(","))):
        m = re.fullmatch(r"(\w+)=(\d+)", item)
        if not m:
            raise SynthError(f"--ttq-params: {item!r} is not NAME=integer")
        name, val = m.group(1), int(m.group(2))
        if name not in defaults:
            raise SynthError(f"--ttq-params: {name!r} is not an integer parameter of ttq_accel "
                             f"(have: {', '.join(sorted(defaults))})")
        if val < 1:
            raise SynthError(f"--ttq-params: {name}={val}: must be >= 1")
        out[name] = val
    return out


def layer_timing(build: Path, num_pes: int, lanes: int, extra: list[str],
                 rtl_params: dict[str, int] | None = None) -> dict:
    exe = layer_tool(build)
    out = build / "synth" / f"layer_p{num_pes}_l{lanes}.json"
    cmd = [str(exe), "--pes", str(num_pes), "--lanes", str(lanes), "--out", str(out)] + extra
    for name, opt in CYCLE_MODEL_PARAMS.items():
        if rtl_params and name in rtl_params:
            cmd += [opt, str(rtl_params[name])]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SynthError(f"{' '.join(cmd)} failed:\n{(r.stdout + r.stderr).strip()}")
    return json.loads(out.read_text())


# ------------------------------------------------------------------------------------------------
# One configuration of one design: flattened run (+ STA) and, if asked, the hierarchical run.

def synth_point(design: Design, params: dict[str, int], outdir: Path, lib: Path,
                areas: dict[str, float], clock_ns: float, build: Path,
                pool: cf.Executor, hier_run: bool = True) -> dict:
    """Flattened run (+ STA) of the design with memory timing shells, the hierarchical run for
    the block split (hier_run; else the shells are synthesized on their own to subtract them),
    and each distinct memory on its own; combined into one result."""
    t0 = time.time()
    files = design.shell_files()
    mems = memory_instances(design, params, outdir)
    mem_futs = [memory_future(pool, design, m, build, lib, areas, clock_ns) for m in mems]
    flat = Job(design, params, outdir, True, files, design.top)
    fut_flat = pool.submit(lambda: (run_yosys(flat, lib, clock_ns), run_sta(flat, lib, clock_ns)))
    if hier_run:
        fut_hier = pool.submit(run_yosys, Job(design, params, outdir, False, files, design.top),
                               lib, clock_ns)
    else:
        shell_futs = [memory_future(pool, design, m, build, lib, areas, clock_ns, True)
                      for m in mems]
    _, sta = fut_flat.result()
    fl = flat_stats(outdir, areas)
    if hier_run:
        fut_hier.result()
        hier = hier_blocks(outdir, design, areas)
    else:
        sh = [(f.result(), m["count"]) for f, m in zip(shell_futs, mems)]
        hier = {"logic_um2": 0.0, "blocks_um2": {b: 0.0 for b in BLOCKS}, "modules": {},
                "shells": {"area_um2": sum(r["area_um2"] * n for r, n in sh),
                           "flip_flops": sum(r["flip_flops"] * n for r, n in sh),
                           "cells": sum(r["cells"] * n for r, n in sh)}}
    mem_res = []
    for m, f in zip(mems, mem_futs):
        r = dict(f.result())
        r.pop("stamp", None)
        r["count"] = m["count"]
        mem_res.append(r)
    mem_area = sum(m["area_um2"] * m["count"] for m in mem_res)
    mem_ff = sum(m["flip_flops"] * m["count"] for m in mem_res)
    mem_cells = sum(m["cells"] * m["count"] for m in mem_res)
    mem_power = sum(m["power_mw"] * m["count"] for m in mem_res)
    shells = hier["shells"]
    logic = fl["area_um2"] - shells["area_um2"]
    # Block split of the logic from the hierarchical run, scaled to the flattened logic area.
    if hier_run:
        scale = logic / hier["logic_um2"] if hier["logic_um2"] else 0.0
        blocks = {b: a * scale for b, a in hier["blocks_um2"].items()}
    else:  # no block split without the hierarchical run (the sweep)
        blocks = {}
    if blocks:
        blocks["buffers"] += mem_area
    total = logic + mem_area
    slowest_mem = min(mem_res, key=lambda m: m["fmax_mhz"]) if mem_res else None
    fmax_logic = sta["fmax_mhz"]
    fmax = min([fmax_logic] + ([slowest_mem["fmax_mhz"]] if slowest_mem else []))
    if slowest_mem and slowest_mem["fmax_mhz"] < fmax_logic:
        crit = {"from": f"inside {slowest_mem['module']} {slowest_mem['params']}: "
                        f"{slowest_mem['critical_path']['from']}",
                "to": slowest_mem["critical_path"]["to"]}
    else:
        crit = sta["critical_path"]
    res = {"top": design.top, "params": params, "dir": str(outdir),
           "area_um2": total, "nand2_eq": total / NAND2_AREA,
           "logic_area_um2": logic, "memory_area_um2": mem_area,
           "memory_bits": sum((m["bits"] or 0) * m["count"] for m in mem_res),
           "cells": fl["cells"] - shells["cells"] + mem_cells,
           "flip_flops": fl["flip_flops"] - shells["flip_flops"] + mem_ff,
           "blocks_um2": blocks,
           "blocks_fraction": {b: a / total for b, a in blocks.items()},
           "modules": hier["modules"], "memories": mem_res,
           "timing_power": {**sta, "fmax_mhz": fmax, "fmax_logic_mhz": fmax_logic,
                            "critical_path": crit,
                            "power_mw": {**sta["power_mw"],
                                         "logic": sta["power_mw"]["total"],
                                         "memories": mem_power,
                                         "total": sta["power_mw"]["total"] + mem_power}}}
    res["lanes_total"] = params["NumPes"] * params["Lanes"]
    res["area_per_lane_um2"] = total / res["lanes_total"]
    # Peak: every lane does one (dense-equivalent, nonzero for the ternary array) MAC per cycle.
    res["peak_gops_per_mm2"] = res["lanes_total"] * fmax * 1e6 / (total * 1e-6) / 1e9
    res["peak_gops_per_mm2_logic"] = res["lanes_total"] * fmax_logic * 1e6 / (logic * 1e-6) / 1e9
    res["wall_s"] = round(time.time() - t0, 1)
    return res


def layer_metrics(layer: dict, res: dict, key: str) -> dict:
    cycles = layer[key]["cycles"]
    fmax = res["timing_power"]["fmax_mhz"] * 1e6
    t = cycles / fmax
    work = layer["dense_macs"]
    return {"cycles": cycles, "time_us": t * 1e6,
            "dense_equiv_gops": work / t / 1e9,
            "dense_equiv_gops_per_mm2": work / t / 1e9 / (res["area_um2"] * 1e-6),
            # logic view: memories as macros that keep up, so the logic's own fmax
            "time_us_logic": cycles / (res["timing_power"]["fmax_logic_mhz"] * 1e6) * 1e6,
            "dense_equiv_gops_per_mm2_logic":
                work / (cycles / (res["timing_power"]["fmax_logic_mhz"] * 1e6)) / 1e9 /
                (res["logic_area_um2"] * 1e-6)}


def default_params() -> dict[str, int]:
    top = ROOT / "rtl" / "ttq_accel.sv"
    if not top.is_file():
        raise SynthError(f"{top} not found: the ternary array is not there yet "
                         f"(use --designs dense to synthesize the baseline alone)")
    d = rtl_defaults(top)
    for p in ("NumPes", "Lanes"):
        if p not in d:
            raise SynthError(f"{top}: no integer default for parameter {p} in the module header")
    return d


def point_dir(build: Path, design: str, params: dict[str, int]) -> Path:
    """build/synth/<design>_p<NumPes>_l<Lanes>[_<Param><value>...]: one configuration's runs.
    The dense baseline's MaxFanIn follows the array's and is not in the name."""
    rest = "".join(f"_{k}{v}" for k, v in params.items()
                   if k not in ("NumPes", "Lanes") and not (design == "dense" and k == "MaxFanIn"))
    return build / "synth" / f"{design}_p{params['NumPes']}_l{params['Lanes']}{rest}"


def params_for(design: str, base: dict[str, int], num_pes: int, lanes: int,
               ttq_extra: dict[str, int] | None = None) -> dict[str, int]:
    if design == "ttq":
        return {"NumPes": num_pes, "Lanes": lanes, **(ttq_extra or {})}
    # The dense baseline matches the array's lane count and its maximum fan-in.
    return {"NumPes": num_pes, "Lanes": lanes, "MaxFanIn": base.get("MaxFanIn", 1024)}


def fmt(v: float, digits: int = 0) -> str:
    return f"{v:,.{digits}f}"


def markdown(report: dict) -> str:
    d = report["designs"]
    keys = [k for k in ("ttq", "dense") if k in d]
    names = {"ttq": "ternary `ttq_accel`", "dense": "dense INT8 `dense_accel`"}
    rows = [("config", lambda r: ", ".join(f"{k}={v}" for k, v in r["params"].items())),
            ("total area (um^2)", lambda r: fmt(r["area_um2"])),
            ("NAND2 equivalents", lambda r: fmt(r["nand2_eq"])),
            ("cells / flip-flops", lambda r: f"{fmt(r['cells'])} / {fmt(r['flip_flops'])}")]
    for b in BLOCKS:
        rows.append((f"area: {BLOCK_TITLES[b]}",
                     lambda r, b=b: f"{fmt(r['blocks_um2'][b])} "
                                    f"({100 * r['blocks_fraction'][b]:.0f}%)"))
    rows += [
        ("of which memories (bits, um^2)", lambda r: f"{fmt(r['memory_bits'])} b, "
                                                     f"{fmt(r['memory_area_um2'])}"),
        ("logic area without memories (um^2)", lambda r: fmt(r["logic_area_um2"])),
        ("fmax (MHz): design / logic only", lambda r: f"{r['timing_power']['fmax_mhz']:.0f} / "
                                                      f"{r['timing_power']['fmax_logic_mhz']:.0f}"),
        ("critical path", lambda r: f"{r['timing_power']['critical_path']['from']} -> "
         f"{r['timing_power']['critical_path']['to']}"),
        ("worst slack (ns) of the 3 worst blocks, logic",
         lambda r: ", ".join(f"{b} {v:+.2f}" for b, v in list(
             r["timing_power"].get("worst_slack_by_block_ns", {}).items())[:3])),
        (f"power (mW) at {1000 / report['clock_ns']:.0f} MHz, activity {ACTIVITY}",
         lambda r: f"{r['timing_power']['power_mw']['total']:.1f}"),
        ("lanes (PEs x lanes)", lambda r: str(r["lanes_total"])),
        ("area per lane (um^2)", lambda r: fmt(r["area_per_lane_um2"])),
        ("peak lanes x fmax / area (GOPS/mm^2): total / logic",
         lambda r: f"{fmt(r['peak_gops_per_mm2'], 1)} / {fmt(r['peak_gops_per_mm2_logic'], 1)}"),
    ]
    lay = report.get("layer")
    if lay:
        rows += [
            ("layer cycles", lambda r: fmt(lay["metrics"][r["key"]]["cycles"])),
            ("layer time (us) at fmax", lambda r: f"{lay['metrics'][r['key']]['time_us']:.1f}"),
            ("layer dense-equiv. GOPS/mm^2: total / logic",
             lambda r: f"{fmt(lay['metrics'][r['key']]['dense_equiv_gops_per_mm2'], 2)} / "
                       f"{fmt(lay['metrics'][r['key']]['dense_equiv_gops_per_mm2_logic'], 2)}"),
        ]
    lines = ["| | " + " | ".join(names[k] for k in keys) + " |",
             "|---|" + "---|" * len(keys)]
    for title, f in rows:
        lines.append(f"| {title} | " + " | ".join(f({**d[k], "key": k}) for k in keys) + " |")
    if lay:
        L = lay["layer"]
        lines.append(
            f"\nLayer: {L['name']} (fan-in {L['fan_in']}, {L['out_ch']} outputs, {L['vectors']} "
            f"vectors, {100 * L['sparsity']:.1f}% zero weights; {L['source']}).\n"
            f"Ternary cycles: {lay['ttq']['source']}. Dense cycles: {lay['dense']['source']}.")
        if "advantage" in lay:
            lines.append(
                f"\n**Ternary / dense throughput per mm^2 on this layer (dense-equivalent work at "
                f"each fmax): {lay['advantage']:.2f}x counting all area, "
                f"{lay['advantage_logic']:.2f}x counting logic only** (target >= 4x).")
        b = lay.get("budget_4x_logic")
        if b:
            lines.append(
                f"\nWhat 4x on logic area needs here: the ternary array is "
                f"{b['speedup_over_dense']:.2f}x faster on the layer, so 4x needs its logic "
                f"<= {fmt(b['ttq_logic_budget_um2'])} um^2 (it is {fmt(b['ttq_non_pe_logic_um2'])} "
                f"outside the PEs + {fmt(b['ttq_pe_logic_um2'])} in them); with PEs of zero area "
                f"the ratio would be {b['advantage_logic_with_zero_area_pes']:.2f}x.")
            if "dense_non_pe_logic_um2" in b:
                lines.append(
                    f"The dense array's own logic besides its lanes (accumulators, output stage, "
                    f"control) is {fmt(b['dense_non_pe_logic_um2'])} um^2: a ternary array with "
                    f"surroundings that small and lanes of zero area would reach "
                    f"{b['advantage_logic_zero_area_lanes_dense_surroundings']:.2f}x.")
    lines.append("\nYosys 0.23/ABC + OpenSTA pre-placement estimate, sky130_fd_sc_hd tt_025C_1v80, "
                 "no wires, ideal clock. Memories are synthesized from the RTL as flip-flops and "
                 "multiplexers (no SRAM macros), each distinct one on its own. "
                 "See docs/SYNTHESIS.md.")
    return "\n".join(lines) + "\n"


def cmd_synth(args) -> int:
    t0 = time.time()
    build = Path(args.build).resolve()
    lib, areas = prepare_liberty(find_liberty(build), build)
    which = args.designs.split(",")
    bad = [w for w in which if w not in ("ttq", "dense")]
    if bad:
        raise SynthError(f"--designs: unknown design {bad[0]!r} (use ttq, dense)")
    base = default_params() if "ttq" in which else {"NumPes": 8, "Lanes": 4, "MaxFanIn": 1024}
    extra = parse_ttq_params(args.ttq_params, base) if "ttq" in which else {}
    base.update(extra)
    num_pes, lanes = base["NumPes"], base["Lanes"]
    ds = designs()
    report = {"kind": "Yosys 0.23/ABC + OpenSTA pre-placement estimate (no placement, no wires, "
                      "ideal clock, memories as flip-flops)",
              "liberty": str(lib), "clock_ns": args.clock_ns, "nand2_area_um2": NAND2_AREA,
              "power_activity": ACTIVITY, "designs": {}}
    # Tool runs go to `pool` (args.jobs at a time); each design waits for its own in `outer`.
    with cf.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool, \
            cf.ThreadPoolExecutor(max_workers=len(which)) as outer:
        futs = {}
        for k in which:
            params = params_for(k, base, num_pes, lanes, extra)
            futs[k] = outer.submit(synth_point, ds[k], params, point_dir(build, k, params), lib,
                                   areas, args.clock_ns, build, pool)
        for k in which:
            report["designs"][k] = futs[k].result()
            r = report["designs"][k]
            log(f"{k}: {fmt(r['area_um2'])} um^2, fmax {r['timing_power']['fmax_mhz']:.0f} MHz "
                f"({r['wall_s']} s)")
    report["layer"] = compare_layer(build, report["designs"], num_pes, lanes, args,
                                    base if "ttq" in which else None)
    report["wall_s"] = round(time.time() - t0, 1)
    md = markdown(report)
    out = build / "reports" / f"{args.report}.json"
    write_atomic(out, json.dumps(report, indent=2) + "\n")
    write_atomic(out.with_suffix(".md"), md)
    print(md)
    log(f"wrote {out} and {out.with_suffix('.md')} in {report['wall_s']} s")
    return 0


def compare_layer(build: Path, res: dict, num_pes: int, lanes: int, args,
                  rtl_params: dict[str, int] | None) -> dict:
    extra = layer_source(args)
    lay = layer_timing(build, num_pes, lanes, extra, rtl_params)
    out = {"layer": lay["layer"], "ttq": lay["ttq"], "dense": lay["dense"], "metrics": {}}
    for k in ("ttq", "dense"):
        if k in res:
            out["metrics"][k] = layer_metrics(lay, res[k], k)
    if "ttq" in out["metrics"] and "dense" in out["metrics"]:
        t, dn = out["metrics"]["ttq"], out["metrics"]["dense"]
        out["advantage"] = t["dense_equiv_gops_per_mm2"] / dn["dense_equiv_gops_per_mm2"]
        out["advantage_logic"] = (t["dense_equiv_gops_per_mm2_logic"] /
                                  dn["dense_equiv_gops_per_mm2_logic"])
        out["target_4x_met"] = out["advantage"] >= 4.0
        out["target_4x_met_logic"] = out["advantage_logic"] >= 4.0
        if res["ttq"]["blocks_um2"]:
            out["budget_4x_logic"] = budget_4x(res["ttq"], res["dense"], t, dn)
    return out


def budget_4x(tr: dict, dr: dict, t: dict, dn: dict) -> dict:
    """What 4x on logic area needs at the measured cycles and fmax: the largest ternary logic
    area that would give 4x, the ternary logic outside the PEs, and the ratio if the PEs cost
    nothing (an upper bound for any PE design with the rest of the array as it is)."""
    speedup = dn["time_us_logic"] / t["time_us_logic"]
    budget = dr["logic_area_um2"] * speedup / 4.0
    pe = tr["blocks_um2"]["pe"]
    non_pe = tr["logic_area_um2"] - pe
    out = {"speedup_over_dense": speedup,
           "ttq_logic_budget_um2": budget,
           "ttq_pe_logic_um2": pe,
           "ttq_non_pe_logic_um2": non_pe,
           "advantage_logic_with_zero_area_pes": dr["logic_area_um2"] * speedup / non_pe}
    if dr["blocks_um2"]:
        # The dense array's own logic besides its multiply-accumulate lanes (accumulator bank,
        # output stage, control, activation buffer logic): a ternary array with the same
        # surroundings and lanes of zero area would reach dense logic x speedup / this.
        d_non_pe = dr["logic_area_um2"] - dr["blocks_um2"]["pe"]
        out["dense_non_pe_logic_um2"] = d_non_pe
        out["advantage_logic_zero_area_lanes_dense_surroundings"] = (
            dr["logic_area_um2"] * speedup / d_non_pe)
    return out


def cmd_sweep(args) -> int:
    t0 = time.time()
    build = Path(args.build).resolve()
    lib, areas = prepare_liberty(find_liberty(build), build)
    base = default_params()
    try:
        pes = [int(x) for x in args.pes.split(",")]
        lanes_list = [int(x) for x in args.lanes.split(",")]
    except ValueError as e:
        raise SynthError(f"--pes {args.pes!r} / --lanes {args.lanes!r}: not a comma list of "
                         f"integers") from e
    if any(v < 1 for v in pes + lanes_list):
        raise SynthError(f"--pes {args.pes!r} / --lanes {args.lanes!r}: values must be >= 1")
    ds = designs()
    points = [(p, l) for p in pes for l in lanes_list]
    results: dict[tuple[int, int, str], dict] = {}
    with cf.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool, \
            cf.ThreadPoolExecutor(max_workers=2 * len(points)) as outer:
        futs = {}
        for p, l in points:
            for k in ("ttq", "dense"):
                params = params_for(k, base, p, l)
                futs[(p, l, k)] = outer.submit(synth_point, ds[k], params,
                                               point_dir(build, k, params), lib, areas,
                                               args.clock_ns, build, pool, False)
        for key, f in futs.items():
            results[key] = f.result()
            r = results[key]
            log(f"{key[2]} NumPes={key[0]} Lanes={key[1]}: {fmt(r['area_um2'])} um^2, "
                f"fmax {r['timing_power']['fmax_mhz']:.0f} MHz")
    rows = []
    for p, l in points:
        lay = layer_timing(build, p, l, layer_source(args), base)
        row = {"NumPes": p, "Lanes": l, "lanes_total": p * l, "layer": lay["layer"]}
        for k in ("ttq", "dense"):
            r = results[(p, l, k)]
            m = layer_metrics(lay, r, k)
            row[k] = {"area_um2": r["area_um2"], "logic_area_um2": r["logic_area_um2"],
                      "memory_area_um2": r["memory_area_um2"], "nand2_eq": r["nand2_eq"],
                      "flip_flops": r["flip_flops"], "cells": r["cells"],
                      "fmax_mhz": r["timing_power"]["fmax_mhz"],
                      "power_mw": r["timing_power"]["power_mw"]["total"],
                      "peak_gops_per_mm2": r["peak_gops_per_mm2"],
                      "cycles_source": lay[k]["source"], **m}
        row["advantage"] = (row["ttq"]["dense_equiv_gops_per_mm2"] /
                            row["dense"]["dense_equiv_gops_per_mm2"])
        row["advantage_logic"] = (row["ttq"]["dense_equiv_gops_per_mm2_logic"] /
                                  row["dense"]["dense_equiv_gops_per_mm2_logic"])
        rows.append(row)
    report = {"kind": "Yosys 0.23/ABC + OpenSTA pre-placement estimate (no placement, no wires, "
                      "ideal clock, memories as flip-flops)",
              "liberty": str(lib), "clock_ns": args.clock_ns, "points": rows,
              "wall_s": round(time.time() - t0, 1), "jobs": args.jobs}
    out = build / "reports" / f"{args.report}.json"
    write_atomic(out, json.dumps(report, indent=2) + "\n")
    png = plot_sweep(build, rows, args.report)
    lines = ["| NumPes | Lanes | ternary area / logic (um^2) | ternary fmax | "
             "dense area / logic (um^2) | dense fmax | ternary GOPS/mm^2 total / logic | "
             "dense GOPS/mm^2 total / logic | advantage total / logic |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        t, dn = r["ttq"], r["dense"]
        lines.append(f"| {r['NumPes']} | {r['Lanes']} | {fmt(t['area_um2'])} / "
                     f"{fmt(t['logic_area_um2'])} | {t['fmax_mhz']:.0f} | "
                     f"{fmt(dn['area_um2'])} / {fmt(dn['logic_area_um2'])} | "
                     f"{dn['fmax_mhz']:.0f} | {fmt(t['dense_equiv_gops_per_mm2'], 2)} / "
                     f"{fmt(t['dense_equiv_gops_per_mm2_logic'], 2)} | "
                     f"{fmt(dn['dense_equiv_gops_per_mm2'], 2)} / "
                     f"{fmt(dn['dense_equiv_gops_per_mm2_logic'], 2)} | "
                     f"{r['advantage']:.2f}x / {r['advantage_logic']:.2f}x |")
    L = rows[0]["layer"]
    lines.append(f"\nGOPS/mm^2: dense-equivalent work of layer {L['name']} (fan-in {L['fan_in']}, "
                 f"{L['out_ch']} outputs, {L['vectors']} vectors, {100 * L['sparsity']:.1f}% zero "
                 f"weights) per second at each design's fmax, per mm^2. Yosys/ABC + OpenSTA "
                 f"pre-placement estimate.")
    md = "\n".join(lines) + "\n"
    write_atomic(out.with_suffix(".md"), md)
    print(md)
    log(f"wrote {out}, {png} in {report['wall_s']} s ({args.jobs} parallel tool runs)")
    return 0


def plot_sweep(build: Path, rows: list[dict], name: str) -> Path:
    dat = build / "synth" / f"{name}.dat"
    png = build / "reports" / f"{name}.png"
    lines = ["# lanes_total NumPes Lanes ttq_area_mm2 dense_area_mm2 ttq_gops_mm2 dense_gops_mm2 "
             "ttq_logic_mm2 dense_logic_mm2 ttq_gops_mm2_logic dense_gops_mm2_logic"]
    for r in sorted(rows, key=lambda r: (r["Lanes"], r["lanes_total"])):
        t, d = r["ttq"], r["dense"]
        lines.append(f"{r['lanes_total']} {r['NumPes']} {r['Lanes']} "
                     f"{t['area_um2'] * 1e-6:.6f} {d['area_um2'] * 1e-6:.6f} "
                     f"{t['dense_equiv_gops_per_mm2']:.4f} {d['dense_equiv_gops_per_mm2']:.4f} "
                     f"{t['logic_area_um2'] * 1e-6:.6f} {d['logic_area_um2'] * 1e-6:.6f} "
                     f"{t['dense_equiv_gops_per_mm2_logic']:.4f} "
                     f"{d['dense_equiv_gops_per_mm2_logic']:.4f}")
    write_atomic(dat, "\n".join(lines) + "\n")
    lanes_vals = sorted({r["Lanes"] for r in rows})
    tmp_png = png.with_name(f".{png.name}.tmp.png")
    png.parent.mkdir(parents=True, exist_ok=True)

    def series(col_t: int, col_d: int) -> str:
        out = []
        for i, l in enumerate(lanes_vals):
            sel = f"(($3=={l})?$1:1/0)"
            out += [f"'{dat}' using {sel}:{col_t} with linespoints lw 2 pt 7 lc {i + 1} "
                    f"title 'ternary, Lanes={l}'",
                    f"'{dat}' using {sel}:{col_d} with linespoints lw 2 pt 5 dt 2 lc {i + 1} "
                    f"title 'dense INT8, Lanes={l}'"]
        return ", ".join(out)

    L = rows[0]["layer"]
    script = f"""set terminal pngcairo size 1500,480 font ',10'
set output '{tmp_png}'
set multiplot layout 1,3 title 'sky130 hd tt 25C 1.8V: Yosys/ABC + OpenSTA pre-placement estimate; \\
layer {L["name"]} ({100 * L["sparsity"]:.0f}% zero weights)'
set logscale x 2
set grid
set key top left
set xlabel 'MAC lanes (NumPes x Lanes)'
set logscale y 10
set ylabel 'mm^2'
set title 'Area (memories as flip-flops)'
plot {series(4, 5)}
set ylabel 'dense-equivalent GOPS / mm^2'
set title 'Layer throughput per total area'
plot {series(6, 7)}
set title 'Layer throughput per logic area (memories excluded)'
plot {series(10, 11)}
unset multiplot
"""
    gp = build / "synth" / f"{name}.gp"
    write_atomic(gp, script)
    r = subprocess.run(["gnuplot", str(gp)], capture_output=True, text=True)
    if r.returncode != 0 or not tmp_png.is_file():
        raise SynthError(f"gnuplot {gp} failed: {r.stderr.strip()}")
    os.replace(tmp_png, png)
    return png


def cmd_selftest(args) -> int:
    """The flow's own checks: a latch, a multiply-driven net and an undriven net must each fail
    synthesis with the right message; a clean design must pass, map and be timed."""
    build = Path(args.build).resolve()
    lib, areas = prepare_liberty(find_liberty(build), build)
    data = ROOT / "tests" / "synth" / "data"
    cases = [("flow_latch", r"Latch inferred|\$dlatch"),
             ("flow_multidrive", r"multiple conflicting drivers|conflicting driver"),
             ("flow_undriven", r"no driver"),
             ("flow_clean", None)]
    failures = []
    for top, expect in cases:
        d = Design(top, top, [str(data / f"{top}.sv")], lambda m: "control")
        job = Job(d, {}, build / "synth" / "selftest" / top, True, d.files, top)
        try:
            run_yosys(job, lib, args.clock_ns)
            if expect is not None:
                failures.append(f"{top}: synthesis passed but must fail ({expect})")
                continue
            st = flat_stats(job.outdir, areas)
            sta = run_sta(job, lib, args.clock_ns)
            if st["flip_flops"] != 16 or not (50 < sta["fmax_mhz"] < 5000):
                failures.append(f"{top}: {st['flip_flops']} flip-flops (want 16), fmax "
                                f"{sta['fmax_mhz']:.0f} MHz")
            blk = sta["worst_slack_by_block_ns"]
            if not blk or abs(min(blk.values()) - sta["worst_slack_ns"]) > 0.0015:
                failures.append(f"{top}: worst slack by block {blk} does not contain the "
                                f"worst slack {sta['worst_slack_ns']:.3f} ns")
            log(f"{top}: ok ({fmt(st['area_um2'])} um^2, {st['flip_flops']} flip-flops, "
                f"fmax {sta['fmax_mhz']:.0f} MHz)")
        except SynthError as e:
            if expect is None or not re.search(expect, str(e)):
                failures.append(f"{top}: unexpected failure: {e}")
            else:
                log(f"{top}: rejected as expected")
    for f in failures:
        print(f"synth: selftest: {f}", file=sys.stderr)
    print(f"synth selftest: {len(cases) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("synth", "sweep", "selftest"):
        p = sub.add_parser(name)
        p.add_argument("--build", default=str(ROOT / "build"), help="build directory")
        p.add_argument("--clock-ns", type=float, default=float(os.environ.get("CLOCK_NS", 5.0)),
                       help="clock period for ABC and OpenSTA (default $CLOCK_NS or 5.0)")
        p.add_argument("--jobs", type=int, default=2, help="tool runs in parallel")
        p.add_argument("--model", default=os.environ.get("SYNTH_MODEL", ""),
                       help=".ttq model whose lenet5 conv2 layer is timed (default: looked up)")
        p.add_argument("--random-sparsity", type=float, default=None,
                       help="time a random layer of conv2's shape with this zero fraction instead "
                            "of a trained one (labelled as such in the reports)")
        if name == "synth":
            p.add_argument("--designs", default="ttq,dense", help="ttq,dense or one of them")
            p.add_argument("--report", default="synth",
                           help="report name: build/reports/<name>.json and .md")
            p.add_argument("--ttq-params", default="",
                           help="other ttq_accel parameter values, e.g. WinRows=2,SweepRows=8")
        elif name == "sweep":
            p.add_argument("--pes", default="4,8,16,32", help="NumPes values, comma list")
            p.add_argument("--lanes", default="2,4", help="Lanes values, comma list")
            p.add_argument("--report", default="synth_sweep",
                           help="report name: build/reports/<name>.json, .md and .png")
    args = ap.parse_args()
    if args.cmd in ("synth", "sweep") and not re.fullmatch(r"[A-Za-z0-9_.-]+", args.report):
        raise SynthError(f"--report {args.report!r}: use letters, digits, '_', '.', '-' only")
    if args.random_sparsity is not None and not 0.0 <= args.random_sparsity <= 1.0:
        raise SynthError(f"--random-sparsity {args.random_sparsity}: not a fraction in [0, 1]")
    if args.random_sparsity is not None and args.model:
        raise SynthError("--random-sparsity and --model / SYNTH_MODEL: give one layer source")
    if args.model and not Path(args.model).is_file():
        raise SynthError(f"--model / SYNTH_MODEL {args.model!r}: no such file")
    if not (0.1 <= args.clock_ns <= 1000):
        raise SynthError(f"--clock-ns / CLOCK_NS: {args.clock_ns} is not a period in ns (0.1..1000)")
    if args.cmd in ("synth", "sweep") and args.model:
        check_model(Path(args.build).resolve(), args.model)
    for tool in ("yosys", "sta") + (("gnuplot",) if args.cmd == "sweep" else ()):
        if shutil.which(tool) is None:
            raise SynthError(f"{tool} not found on PATH (run `make deps`)")
    return {"synth": cmd_synth, "sweep": cmd_sweep, "selftest": cmd_selftest}[args.cmd](args)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SynthError as e:
        print(f"synth: error: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
