#!/usr/bin/env python3
"""The synthesis flow's tool runs (imported by run.py): the sky130 liberty, the SRAM macros'
liberties, Yosys (synth.tcl) and OpenSTA (sta.tcl) on one configuration of a design, with caching
of runs whose inputs are unchanged, and the area / timing / power of the result.

Everything here is a pre-placement estimate: Yosys/ABC cell area and OpenSTA timing/power with an
ideal clock and no wires. Memories are OpenRAM sky130 SRAM macros (rtl/mem): timed blackboxes with
their liberty area, timing and power (scripts/find-sram finds them).
Uses only the Python standard library. Errors are SynthError naming the file / value.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import gzip
import hashlib
import json
import os
import re
import subprocess
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
KIND = ("Yosys 0.23/ABC + OpenSTA pre-placement estimate (no placement, no wires, ideal clock, "
        "memories as OpenRAM sky130 SRAM macros)")


class SynthError(Exception):
    pass


def fmt_num(v: float, digits: int = 0) -> str:
    return f"{v:,.{digits}f}"


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
# SRAM macros: OpenRAM sky130 liberties (scripts/find-sram), blackboxes for Yosys, timed by OpenSTA.

@functools.lru_cache(maxsize=None)
def macros() -> dict[str, dict]:
    """{cell: {lib, area_um2, min_period_ns, words, bits}} of the SRAM macros' liberty files."""
    r = subprocess.run([str(ROOT / "scripts" / "find-sram")], capture_output=True, text=True)
    if r.returncode != 0:
        raise SynthError(f"SRAM macros not found: {r.stderr.strip()}")
    out = {}
    for lib in sorted(Path(r.stdout.strip()).glob("*_TT_1p8V_25C.lib")):
        text = lib.read_text()
        cell = re.search(r"^\s*cell\s*\(\s*\"?(\w+)\"?\s*\)", text, re.M)
        area = re.search(r"^\s*area\s*:\s*([0-9.eE+-]+)", text, re.M)
        period = re.search(r'minimum_period.*?rise_constraint[^{]*\{\s*values\("([0-9.]+)"\)',
                           text, re.S)
        words = re.search(r"^\s*address_width\s*:\s*(\d+)", text, re.M)
        width = re.search(r"^\s*word_width\s*:\s*(\d+)", text, re.M)
        if not (cell and area and period and words and width):
            raise SynthError(f"{lib}: not an OpenRAM macro liberty (cell, area, minimum_period, "
                             f"address_width, word_width expected)")
        out[cell.group(1)] = {"lib": str(lib), "area_um2": float(area.group(1)),
                              "min_period_ns": float(period.group(1)),
                              "words": 1 << int(words.group(1)),
                              "bits": (1 << int(words.group(1))) * int(width.group(1))}
    if not out:
        raise SynthError(f"{r.stdout.strip()}: no *_TT_1p8V_25C.lib SRAM macro liberty")
    return out


def macro_summary(counts: dict[str, int]) -> dict:
    """Area, bits and the slowest min period of the macro instances {cell: count}."""
    ms = macros()
    kinds = [{"cell": c, "count": n, "area_um2_each": ms[c]["area_um2"],
              "area_um2": n * ms[c]["area_um2"], "bits": n * ms[c]["bits"],
              "min_period_ns": ms[c]["min_period_ns"]} for c, n in sorted(counts.items())]
    return {"kinds": kinds, "area_um2": sum(k["area_um2"] for k in kinds),
            "bits": sum(k["bits"] for k in kinds), "count": sum(counts.values()),
            "min_period_ns": max((k["min_period_ns"] for k in kinds), default=0.0)}

# ------------------------------------------------------------------------------------------------
# Designs

@dataclass
class Design:
    key: str          # "ttq" or "dense"
    top: str
    files: list[str]
    # module base name -> block ("pe", "acc_out", "buffers", "control")
    classify: callable
    # parameters -> operations per cycle at full use: MAC lanes (dense), slots (ternary)
    lanes: callable


BLOCKS = ("pe", "acc_out", "buffers", "control")
# Shared building blocks (rtl/lib/<module>.sv): not classified; their area belongs to the block of
# the module instancing them (hier_blocks).
LIB_MODULES = frozenset(p.stem for p in (ROOT / "rtl" / "lib").glob("*.sv"))
BLOCK_TITLES = {"pe": "PEs / lanes", "acc_out": "accumulators + output stage",
                "buffers": "buffers / memories", "control": "control + interfaces"}



def read_filelist(f: Path) -> list[str]:
    """A .f file list: one path per line, relative to the repository root; '#' comments."""
    out = []
    for n, line in enumerate(f.read_text().splitlines(), 1):
        path = line.split("#", 1)[0].strip()
        if not path:
            continue
        if not (ROOT / path).is_file():
            raise SynthError(f"{f}:{n}: {path}: no such file")
        out.append(str(ROOT / path))
    if not out:
        raise SynthError(f"{f}: lists no file")
    return out


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
               SYN_MACRO_LIBS=" ".join(m["lib"] for m in macros().values()),
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
               STA_MACRO_LIBS=" ".join(m["lib"] for m in macros().values()),
               STA_TOP=job.top, STA_CLOCK_NS=str(clock_ns), STA_ACTIVITY=str(ACTIVITY),
               STA_CLOCK_PORT="clk_i")
    r = subprocess.run(["sta", "-no_splash", "-exit", str(SCRIPTS / "sta.tcl")], env=env,
                       capture_output=True, text=True)
    write_atomic(logf, r.stdout + r.stderr)
    res = {}
    for m in re.finditer(r"^RESULT (\w+) (\S+)", r.stdout, re.M):
        res[m.group(1)] = m.group(2)
    # sta reports a failed command of the script on stdout ("Error: sta.tcl, 45 ...") and goes on.
    failed = re.search(r"^Error", r.stdout + r.stderr, re.M)
    if r.returncode != 0 or "worst_slack_max" not in res or failed:
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
    # SRAM macro instances: "internal switching leakage total name", summed.
    mp = r.stdout.split("RESULT macro_power_begin")[-1].split("RESULT macro_power_end")[0]
    macro_w = sum(float(m.group(1)) for m in re.finditer(
        r"^\s*\S+\s+\S+\s+\S+\s+([0-9.eE+-]+)\s+\S+\s*$", mp, re.M))
    n_macros = int(res.get("macro_instances", "0"))
    if n_macros and not macro_w:
        raise SynthError(f"sta: {n_macros} SRAM macros but no macro power lines, log {logf}")
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
                     "macros": macro_w * 1e3,
                     "logic": float(power.group(4)) * 1e3 - macro_w * 1e3,
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
    unknown = [c for c in cells if c not in areas and c not in macros()]
    if unknown:
        raise SynthError(f"{outdir}/stat_flat.json: cells not in the liberty files: {unknown}")
    macro_cells = {c: n for c, n in cells.items() if c in macros()}
    cells = {c: n for c, n in cells.items() if c in areas}
    area = area_of(cells, areas)
    txt = (outdir / "stat_flat.txt").read_text()
    m = re.search(r"Chip area for (?:top )?module .*?:\s*([0-9.]+)", txt)
    if m and abs(float(m.group(1)) - area) > 1e-3 * area + 1:
        raise SynthError(f"{outdir}: area {area:.1f} disagrees with Yosys stat {m.group(1)}")
    return {"area_um2": area,
            "nand2_eq": area / NAND2_AREA,
            "cells": sum(cells.values()),
            "flip_flops": sum(n for c, n in cells.items() if FLOP.match(c)),
            "cells_by_type": dict(sorted(cells.items())),
            "macros": macro_summary(macro_cells)}


def hier_blocks(outdir: Path, design: Design, areas: dict[str, float]) -> dict:
    """Standard-cell area per block from the non-flattened run (each module's own cells, times its
    instances); SRAM macros (liberty area) in their module's block, reported apart."""
    st = load_stat_json(outdir / "stat_hier.json")
    mods = {k.lstrip("\\"): v["num_cells_by_type"] for k, v in st["modules"].items()}
    names = {base_module(k): k for k in mods}
    top = names.get(design.top)
    if top is None:
        raise SynthError(f"{outdir}/stat_hier.json: top {design.top} not found in {list(names)}")
    blocks = {b: 0.0 for b in BLOCKS}
    macro_blocks = {b: 0.0 for b in BLOCKS}
    modules: dict[str, dict] = {}

    # owner: the nearest enclosing module that is not a shared building block, and its block.
    def walk(mod: str, mult: int, depth: int, owner: str, owner_blk: str) -> None:
        if depth > 50:
            raise SynthError(f"{outdir}/stat_hier.json: hierarchy too deep at {mod}")
        cells = mods[mod]
        own = area_of(cells, areas)
        b = base_module(mod)
        if b in LIB_MODULES:  # a shared building block: counted in its owner's block
            blk, name = owner_blk, f"{b} in {owner}"
        else:
            blk, owner, name = design.classify(b), b, b
        blocks[blk] += own * mult
        macro_blocks[blk] += mult * sum(n * macros()[c]["area_um2"] for c, n in cells.items()
                                        if c in macros())
        e = modules.setdefault(name, {"block": blk, "instances": 0, "area_um2": 0.0})
        e["instances"] += mult
        e["area_um2"] += own * mult
        for c, n in cells.items():
            if c.lstrip("\\") in mods:
                walk(c.lstrip("\\"), mult * n, depth + 1, owner, blk)

    walk(top, 1, 0, design.top, "control")
    return {"logic_um2": sum(blocks.values()), "blocks_um2": blocks, "modules": modules,
            "macro_blocks_um2": macro_blocks}


@functools.lru_cache(maxsize=None)
def file_digest(path: Path, mtime_ns: int) -> str:
    """sha256 of a file's content (cached per path and mtime: the liberty is tens of MB)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def flow_stamp(lib: Path, clock_ns: float, files: list[Path]) -> str:
    # The liberty by content, not by time: a regenerated but identical file keeps the caches.
    h = hashlib.sha256(f"{file_digest(lib, lib.stat().st_mtime_ns)} {clock_ns} {ACTIVITY}".encode())
    mlibs = [Path(m["lib"]) for m in macros().values()]
    for f in files + mlibs + [SCRIPTS / "synth.tcl", SCRIPTS / "sta.tcl",
                              SCRIPTS / "lcu_kogge_stone.v"]:
        h.update(f.read_bytes())
    return h.hexdigest()


# ------------------------------------------------------------------------------------------------
# One configuration of one design: flattened run (+ STA) and, if asked, the hierarchical run.

def synth_point(design: Design, params: dict[str, int], outdir: Path, lib: Path,
                areas: dict[str, float], clock_ns: float, build: Path,
                pool: cf.Executor, hier_run: bool = True) -> dict:
    """Flattened run (+ STA) of the design, its SRAM macros kept as timed blackbox cells, and, if
    asked (hier_run), the hierarchical run for the block split; combined into one result."""
    t0 = time.time()
    files = design.files
    flat = Job(design, params, outdir, True, files, design.top)
    fut_flat = pool.submit(lambda: (run_yosys(flat, lib, clock_ns), run_sta(flat, lib, clock_ns)))
    if hier_run:
        fut_hier = pool.submit(run_yosys, Job(design, params, outdir, False, files, design.top),
                               lib, clock_ns)
    _, sta = fut_flat.result()
    fl = flat_stats(outdir, areas)
    mac = fl["macros"]
    logic = fl["area_um2"]
    blocks = {}
    modules = {}
    if hier_run:  # block split of the logic, scaled to the flattened logic area; macros apart
        fut_hier.result()
        hier = hier_blocks(outdir, design, areas)
        scale = logic / hier["logic_um2"] if hier["logic_um2"] else 0.0
        blocks = {b: a * scale + hier["macro_blocks_um2"][b] for b, a in hier["blocks_um2"].items()}
        modules = hier["modules"]
    total = logic + mac["area_um2"]
    fmax_logic = sta["fmax_mhz"]
    fmax_macros = 1000.0 / mac["min_period_ns"] if mac["count"] else None
    fmax = min([fmax_logic] + ([fmax_macros] if fmax_macros else []))
    crit = sta["critical_path"]
    if fmax_macros and fmax_macros < fmax_logic:
        crit = {"from": "SRAM macro minimum clock period", "to": f"{mac['min_period_ns']} ns"}
    res = {"top": design.top, "params": params, "dir": str(outdir),
           "area_um2": total, "nand2_eq": total / NAND2_AREA,
           "logic_area_um2": logic, "memory_area_um2": mac["area_um2"],
           "memory_bits": mac["bits"], "macros": mac,
           "cells": fl["cells"], "flip_flops": fl["flip_flops"],
           "blocks_um2": blocks,
           "blocks_fraction": {b: a / total for b, a in blocks.items()},
           "modules": modules,
           "timing_power": {**sta, "fmax_mhz": fmax, "fmax_logic_mhz": fmax_logic,
                            "fmax_macros_mhz": fmax_macros, "critical_path": crit}}
    res["lanes_total"] = design.lanes(params)
    res["area_per_lane_um2"] = total / res["lanes_total"]
    # Peak: every lane (dense) or slot (ternary) does one (nonzero for the ternary array) operation
    # per cycle.
    res["peak_gops_per_mm2"] = res["lanes_total"] * fmax * 1e6 / (total * 1e-6) / 1e9
    res["peak_gops_per_mm2_logic"] = res["lanes_total"] * fmax_logic * 1e6 / (logic * 1e-6) / 1e9
    res["wall_s"] = round(time.time() - t0, 1)
    return res

