#!/usr/bin/env python3
"""ASIC estimate driver: Yosys (sky130_fd_sc_hd) + OpenSTA for the N:M ternary array and the dense
INT8 baseline, compared on real layers. `make synth` / `make synth-sweep`.

  run.py synth [--build build] [--clock-ns 5.0] [--jobs 2] [--model m.ttq] [--report synth]
               [--ttq-params NumPes=16,GroupNnz=2,...] [--dense-params NumPes=16,Lanes=4,...]
               [--random-nm 2:4 | --random-nm none] [--random-sparsity S]
  run.py sweep [...] [--pes 8,16,32] [--nm 2:4,1:4,4:8,4:4] [--groups 2] [--dense-pes 8,16,32]
               [--dense-lanes 2,4,8] [--report synth_sweep]
  run.py selftest [--build build]

The tool runs are in flow.py, the designs and their parameters in designs.py, the reports in
report.py. Each design is synthesized at its own parameters (designs.py); the layers are timed by
build/tests/synth/ttq_synth_layer (both arrays' exact cycle models). Errors name the file / option
and the bad value and exit 1.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import designs as dz  # noqa: E402
import report  # noqa: E402
from flow import (ACTIVITY, KIND, NAND2_AREA, ROOT, Design, Job, SynthError, find_liberty,  # noqa: E402
                  flat_stats, fmt_num, log, prepare_liberty, run_sta, run_yosys, synth_point,
                  write_atomic)

TARGETS = {"per_mm2_logic": 4.0, "per_mm2_total": 3.0, "energy": 3.0, "fmax_mhz": 200.0}


# ------------------------------------------------------------------------------------------------
# Layer timing (both arrays' exact cycle models, via the C++ tool built by CMake)

def layer_tool(build: Path) -> Path:
    exe = build / "tests" / "synth" / "ttq_synth_layer"
    if not exe.is_file():
        r = subprocess.run(["cmake", "--build", str(build), "-j2", "--target", "ttq_synth_layer"],
                           capture_output=True, text=True)
        if r.returncode != 0 or not exe.is_file():
            raise SynthError(f"cannot build {exe}:\n{(r.stdout + r.stderr)[-2000:]}")
    return exe


def check_model(build: Path, model: str) -> None:
    """Reads --model with the layer tool before any synthesis starts, so a missing, truncated,
    corrupted or wrong-version .ttq fails at once, with the reader's message naming the file."""
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([str(layer_tool(build)), "--model", model,
                            "--out", str(Path(tmp) / "layer.json")], capture_output=True, text=True)
    if r.returncode != 0:
        msg = (r.stderr.strip().splitlines() or ["exit code %d" % r.returncode])[-1]
        raise SynthError(f"--model / SYNTH_MODEL {model}: {msg}")


def layer_sources(args) -> dict[str, list[str]]:
    """The layer sets to time, {name: the layer tool's options}: the trained models (or
    --model's), and random N:M layers of the same LeNet-5 shapes (--random-nm, labelled random);
    --random-sparsity S replaces the models with unstructured random layers."""
    out: dict[str, list[str]] = {}
    if args.random_sparsity is not None:
        out[f"random {100 * args.random_sparsity:.0f}% zeros"] = [
            "--random", "--sparsity", str(args.random_sparsity)]
    else:
        out["trained"] = ["--model", args.model] if args.model else []
    if args.random_nm != "none":
        out[f"random {args.random_nm}"] = ["--random-nm", args.random_nm]
    return out


def layer_timing(build: Path, tp: dict[str, int], dp: dict[str, int], extra: list[str]) -> dict:
    """The layer tool's JSON for ternary parameters tp and dense parameters dp."""
    cmd = [str(layer_tool(build)),
           "--pes", str(tp["NumPes"]), "--group-size", str(tp["GroupSize"]),
           "--group-nnz", str(tp["GroupNnz"]), "--groups", str(tp["Groups"]),
           "--wdepth", str(tp["WDepth"]), "--max-fan-in", str(tp["MaxFanIn"]),
           "--max-outs", str(tp["MaxOuts"]),
           "--dense-pes", str(dp["NumPes"]), "--dense-lanes", str(dp["Lanes"]),
           "--dense-max-fan-in", str(dp["MaxFanIn"]), "--dense-max-out-ch", str(dp["MaxOutCh"]),
           "--dense-wgt-depth", str(dp["WgtDepth"])] + extra
    tag = hashlib.sha256(" ".join(cmd[1:]).encode()).hexdigest()[:16]
    out = build / "synth" / "layers" / f"layer_{tag}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(cmd + ["--out", str(out)], capture_output=True, text=True)
    if r.returncode != 0:
        raise SynthError(f"{' '.join(cmd)} failed:\n{(r.stdout + r.stderr).strip()}")
    return json.loads(out.read_text())


# ------------------------------------------------------------------------------------------------
# Metrics: per layer, per layer set (aggregate) and the ternary / dense ratios

def layer_metrics(layer: dict, res: dict, key: str) -> dict:
    """One design on one layer: time at its fmax (logic fmax for the logic view), dense-equivalent
    throughput per mm^2 of logic and of total area, energy per dense-equivalent op (OpenSTA power
    at the STA clock x the layer's cycles at that clock / dense-equivalent ops), weight bytes."""
    c = layer[key]
    tp = res["timing_power"]
    cycles, work = c["cycles"], layer["dense_macs"]
    t = cycles / (tp["fmax_mhz"] * 1e6)
    t_logic = cycles / (tp["fmax_logic_mhz"] * 1e6)
    t_clk = cycles * tp["clock_ns"] * 1e-9
    return {"cycles": cycles, "time_us": t * 1e6, "time_us_logic": t_logic * 1e6,
            "energy_uj": tp["power_mw"]["total"] * 1e-3 * t_clk * 1e6,
            "energy_uj_macros": tp["power_mw"]["macros"] * 1e-3 * t_clk * 1e6,
            "dense_macs": work, "images": layer.get("images", 1),
            "utilization": c.get("utilization"), "passes": c.get("passes"),
            "weight_load_cycles": c.get("weight_load_cycles", 0),
            "weight_bytes_per_run": c.get("weight_load_bytes", 0),
            "weight_bytes_per_inference": c.get("weight_load_bytes", 0) / layer.get("images", 1),
            **rates(work, t, t_logic, res)}


def rates(work: float, t: float, t_logic: float, res: dict) -> dict:
    return {"dense_equiv_gops": work / t / 1e9,
            "dense_equiv_gops_per_mm2": work / t / 1e9 / (res["area_um2"] * 1e-6),
            "dense_equiv_gops_per_mm2_logic": work / t_logic / 1e9 / (res["logic_area_um2"] * 1e-6)}


def aggregate(ms: list[dict], res: dict) -> dict:
    """All layers of a set: sum of dense-equivalent work / sum of time; energy summed."""
    work = sum(m["dense_macs"] for m in ms)
    t = sum(m["time_us"] for m in ms) * 1e-6
    t_logic = sum(m["time_us_logic"] for m in ms) * 1e-6
    e = sum(m["energy_uj"] for m in ms)
    return {"layers": len(ms), "cycles": sum(m["cycles"] for m in ms), "dense_macs": work,
            "time_us": t * 1e6, "time_us_logic": t_logic * 1e6,
            "energy_pj_per_op": e * 1e6 / work,
            "energy_pj_per_op_macros": sum(m["energy_uj_macros"] for m in ms) * 1e6 / work,
            "weight_bytes_per_inference": sum(m["weight_bytes_per_inference"] for m in ms),
            **rates(work, t, t_logic, res)}


def ratios(t: dict, d: dict) -> dict:
    """Ternary / dense: throughput per mm^2 of logic and of total area (higher is better for the
    ternary array), energy per op dense / ternary (how many times lower the ternary one is)."""
    return {"per_mm2_logic": t["dense_equiv_gops_per_mm2_logic"] / d["dense_equiv_gops_per_mm2_logic"],
            "per_mm2_total": t["dense_equiv_gops_per_mm2"] / d["dense_equiv_gops_per_mm2"],
            "energy": d["energy_pj_per_op"] / t["energy_pj_per_op"]}


def compare_set(lay: dict, res: dict) -> dict:
    """A layer set on the synthesized designs res {key: synth_point result}."""
    layers = []
    for L in lay["layers"]:
        row = {k: L[k] for k in ("name", "source", "fan_in", "out_ch", "vectors", "images",
                                 "nonzeros", "sparsity", "dense_macs") if k in L}
        for k in res:
            row[k] = {**layer_metrics(L, res[k], k), "cycles_source": L[k]["source"]}
            row[k]["energy_pj_per_op"] = row[k]["energy_uj"] * 1e6 / L["dense_macs"]
            row[k]["energy_pj_per_op_macros"] = row[k]["energy_uj_macros"] * 1e6 / L["dense_macs"]
        if len(res) == 2:
            row["ratios"] = ratios(row["ttq"], row["dense"])
        layers.append(row)
    out = {"layers": layers,
           "aggregate": {k: aggregate([l[k] for l in layers], res[k]) for k in res}}
    if len(res) == 2:
        out["ratios"] = ratios(out["aggregate"]["ttq"], out["aggregate"]["dense"])
        out["targets_met"] = {m: out["ratios"][m] >= TARGETS[m] for m in
                              ("per_mm2_logic", "per_mm2_total", "energy")}
        out["budget_4x_logic"] = budget_4x(res["ttq"], res["dense"], out["aggregate"])
    return out


def budget_4x(tr: dict, dr: dict, agg: dict) -> dict:
    """What 4x on logic area needs at the measured cycles and fmax (all layers of the set): the
    largest ternary logic area that gives 4x, the ternary logic outside the PEs, and the ratio if
    the PEs cost nothing (a bound for any PE design with the rest of the array as it is)."""
    speedup = agg["dense"]["time_us_logic"] / agg["ttq"]["time_us_logic"]
    out = {"speedup_over_dense": speedup,
           "ttq_logic_budget_um2": dr["logic_area_um2"] * speedup / TARGETS["per_mm2_logic"]}
    if tr["blocks_um2"]:
        pe = tr["blocks_um2"]["pe"]
        out.update(ttq_pe_logic_um2=pe, ttq_non_pe_logic_um2=tr["logic_area_um2"] - pe,
                   advantage_logic_with_zero_area_pes=dr["logic_area_um2"] * speedup /
                   (tr["logic_area_um2"] - pe))
    return out


# ------------------------------------------------------------------------------------------------
# make synth

def synth_all(build: Path, jobs: list[tuple[str, dict]], lib: Path, areas: dict, clock_ns: float,
              njobs: int, hier: bool) -> list[dict]:
    """Synthesizes [(design key, params)], at most njobs tool runs at a time, in order."""
    ds = dz.designs(build)
    with cf.ThreadPoolExecutor(max_workers=max(1, njobs)) as pool, \
            cf.ThreadPoolExecutor(max_workers=max(1, len(jobs))) as outer:
        futs = [outer.submit(synth_point, ds[k], p, dz.point_dir(build, k, p), lib, areas,
                             clock_ns, build, pool, hier) for k, p in jobs]
        out = []
        for (k, p), f in zip(jobs, futs):
            r = f.result()
            r["key"], r["label"] = k, dz.label(k, p)
            log(f"{k} {r['label']}: logic {fmt_num(r['logic_area_um2'])} um^2 + SRAM "
                f"{fmt_num(r['memory_area_um2'])} um^2, fmax {r['timing_power']['fmax_mhz']:.0f} "
                f"MHz ({r['wall_s']} s)")
            out.append(r)
    return out


def assumptions(clock_ns: float) -> list[str]:
    return [
        "Pre-placement estimate: Yosys 0.23/ABC cell area and OpenSTA timing and power, "
        "sky130_fd_sc_hd tt 25C 1.80 V; no placement, no routing, no wire capacitance, ideal clock "
        "(no clock tree), no IO.",
        "Memories are OpenRAM sky130 SRAM macros, timed blackboxes with their liberty area, timing "
        "and power; total area = standard-cell logic + macro area; fmax = min(logic fmax from STA, "
        "1 / the slowest macro's minimum period).",
        f"Power: OpenSTA report_power at {1000 / clock_ns:.0f} MHz with one global switching "
        f"activity of {ACTIVITY} transitions per clock on every net, the same for both designs "
        "(Debian 12's OpenSTA 2.0.17 has no read_vcd / read_saif, so no per-net activity from the "
        "layer's simulation). Energy = that power x the layer's cycles at that clock.",
        "Dense-equivalent work = fan-in x outputs x vectors, every weight counted (zeros "
        "included), for both designs; each design runs at its own fmax.",
        "Weights on chip per pass: each pass's weights (ternary: compressed slot program; dense: "
        "INT8 bytes) are loaded before its run and streamed once per run; the load cycles are "
        "reported apart (not in the layer time), the streamed bytes per inference are reported.",
        "Cycles: ternary from the golden cycle model (equal to the RTL's PERF_TOTAL), dense from "
        "its exact RTL cycle formula (scripts/synth/dense_cycles.hpp); no back-pressure.",
    ]


def cmd_synth(args) -> int:
    t0 = time.time()
    build = Path(args.build).resolve()
    lib, areas = prepare_liberty(find_liberty(build), build)
    which = args.designs.split(",")
    params = {"ttq": args.ttq_p, "dense": args.dense_p}
    results = synth_all(build, [(k, params[k]) for k in which], lib, areas, args.clock_ns,
                        args.jobs, True)
    res = {r["key"]: r for r in results}
    rep = {"kind": KIND, "liberty": str(lib), "clock_ns": args.clock_ns,
           "nand2_area_um2": NAND2_AREA, "power_activity": ACTIVITY,
           "assumptions": assumptions(args.clock_ns), "targets": TARGETS,
           "designs": res, "layer_sets": {}}
    for name, extra in layer_sources(args).items():
        lay = layer_timing(build, args.ttq_p, args.dense_p, extra)
        rep["layer_sets"][name] = compare_set(lay, res)
    if len(res) == 2:
        rep["fmax_target_met"] = {k: res[k]["timing_power"]["fmax_mhz"] >= TARGETS["fmax_mhz"]
                                  for k in res}
    rep["wall_s"] = round(time.time() - t0, 1)
    md = report.synth_markdown(rep)
    out = build / "reports" / f"{args.report}.json"
    write_atomic(out, json.dumps(rep, indent=2) + "\n")
    write_atomic(out.with_suffix(".md"), md)
    print(md)
    log(f"wrote {out} and {out.with_suffix('.md')} in {rep['wall_s']} s")
    return 0


# ------------------------------------------------------------------------------------------------
# make synth-sweep

def int_list(text: str, option: str) -> list[int]:
    try:
        vals = [int(x) for x in text.split(",")]
    except ValueError as e:
        raise SynthError(f"{option} {text!r}: not a comma list of integers") from e
    if any(v < 1 for v in vals):
        raise SynthError(f"{option} {text!r}: values must be >= 1")
    return vals


def nm_list(text: str) -> list[tuple[int, int]]:
    out = []
    for item in text.split(","):
        m = re.fullmatch(r"(\d+):(\d+)", item.strip())
        if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
            raise SynthError(f"--nm {text!r}: {item!r} is not N:M with 1 <= N <= M")
        out.append((int(m.group(1)), int(m.group(2))))
    return out


def sweep_points(args) -> list[tuple[str, dict]]:
    """Each design's points; its default configuration first (it is in the headline)."""
    pts: list[tuple[str, dict]] = []
    which = args.designs.split(",")
    if "ttq" in which:
        pts.append(("ttq", dict(args.ttq_p)))
        for g in int_list(args.groups, "--groups"):
            for p in int_list(args.pes, "--pes"):
                for n, m in nm_list(args.nm):
                    pts.append(("ttq", {**args.ttq_p, "NumPes": p, "GroupNnz": n, "GroupSize": m,
                                        "Groups": g}))
    if "dense" in which:
        pts.append(("dense", dict(args.dense_p)))
        for p in int_list(args.dense_pes, "--dense-pes"):
            for l in int_list(args.dense_lanes, "--dense-lanes"):
                # A pass must hold one group of a MaxFanIn fan-in (ceil(MaxFanIn / Lanes) beats):
                # fewer lanes get a deeper weight SRAM (Lanes 2 at MaxFanIn 2048: 1,024 beats).
                beats = -(-args.dense_p["MaxFanIn"] // l)
                depth = max(args.dense_p["WgtDepth"], 1 << (beats - 1).bit_length())
                pts.append(("dense", {**args.dense_p, "NumPes": p, "Lanes": l, "WgtDepth": depth}))
    uniq: list[tuple[str, dict]] = []
    for k, p in pts:
        if (k, p) not in uniq:
            uniq.append((k, p))
    return uniq


def cmd_sweep(args) -> int:
    t0 = time.time()
    build = Path(args.build).resolve()
    lib, areas = prepare_liberty(find_liberty(build), build)
    pts = sweep_points(args)
    results = synth_all(build, pts, lib, areas, args.clock_ns, args.jobs, False)
    sources = layer_sources(args)
    rows = []
    for r in results:
        k = r["key"]
        # Each point's layers are timed at its own parameters, the other design at its default.
        tp = r["params"] if k == "ttq" else args.ttq_p
        dp = r["params"] if k == "dense" else args.dense_p
        sets = {}
        for name, extra in sources.items():
            c = compare_set(layer_timing(build, tp, dp, extra), {k: r})
            sets[name] = {"aggregate": c["aggregate"][k],
                          "layers": [{"name": l["name"], **l[k]} for l in c["layers"]]}
        rows.append({"design": k, "label": r["label"], "params": r["params"],
                     "default": r["params"] == (args.ttq_p if k == "ttq" else args.dense_p),
                     "lanes_total": r["lanes_total"], "area_um2": r["area_um2"],
                     "logic_area_um2": r["logic_area_um2"],
                     "memory_area_um2": r["memory_area_um2"], "macros": r["macros"]["kinds"],
                     "flip_flops": r["flip_flops"], "cells": r["cells"],
                     "fmax_mhz": r["timing_power"]["fmax_mhz"],
                     "fmax_logic_mhz": r["timing_power"]["fmax_logic_mhz"],
                     "critical_path": r["timing_power"]["critical_path"],
                     "worst_slack_by_block_ns": dict(list(
                         r["timing_power"]["worst_slack_by_block_ns"].items())[:3]),
                     "power_mw": r["timing_power"]["power_mw"]["total"],
                     "power_mw_macros": r["timing_power"]["power_mw"]["macros"],
                     "layer_sets": sets})
    rep = {"kind": KIND, "liberty": str(lib), "clock_ns": args.clock_ns,
           "assumptions": assumptions(args.clock_ns), "layer_sets": list(sources),
           "points": rows,
           "best": {s: report.best_points(rows, s) for s in sources}}
    rep["headline"] = {s: report.headline(rows, rep["best"][s], s) for s in sources}
    rep["wall_s"] = round(time.time() - t0, 1)
    out = build / "reports" / f"{args.report}.json"
    png = report.plot_sweep(build, rows, list(sources), args.report)
    write_atomic(out, json.dumps(rep, indent=2) + "\n")
    md = report.sweep_markdown(rep)
    write_atomic(out.with_suffix(".md"), md)
    print(md)
    log(f"wrote {out}, {out.with_suffix('.md')}, {png} in {rep['wall_s']} s "
        f"({args.jobs} parallel tool runs)")
    return 0


# ------------------------------------------------------------------------------------------------

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
        d = Design(top, top, [str(data / f"{top}.sv")], lambda m: "control", lambda p: 1)
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
            log(f"{top}: ok ({fmt_num(st['area_um2'])} um^2, {st['flip_flops']} flip-flops, "
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


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("synth", "sweep", "selftest"):
        p = sub.add_parser(name)
        p.add_argument("--build", default=str(ROOT / "build"), help="build directory")
        p.add_argument("--clock-ns", type=float, default=float(os.environ.get("CLOCK_NS", 5.0)),
                       help="clock period for ABC and OpenSTA (default $CLOCK_NS or 5.0)")
        p.add_argument("--jobs", type=int, default=2, help="tool runs in parallel")
        if name == "selftest":
            continue
        p.add_argument("--model", default=os.environ.get("SYNTH_MODEL", ""),
                       help="LeNet-5 .ttq model whose conv2 and fc1 are timed (default: "
                            "models/lenet5-fashion-mnist.ttq; ResNet-20 layers when found)")
        p.add_argument("--random-sparsity", type=float, default=None,
                       help="time random layers of the LeNet-5 shapes with this zero fraction "
                            "instead of the trained ones (labelled as such in the reports)")
        p.add_argument("--random-nm", default="2:4",
                       help="also time random N:M layers of the LeNet-5 shapes, labelled random "
                            "(default 2:4; 'none': not)")
        p.add_argument("--designs", default=os.environ.get("SYNTH_DESIGNS", "ttq,dense"),
                       help="ttq,dense or one of them (default $SYNTH_DESIGNS or both)")
        p.add_argument("--ttq-params", default="",
                       help="ttq_accel parameters, e.g. NumPes=32,GroupNnz=1 (names: "
                            + ", ".join(dz.TTQ_PARAMS) + ")")
        p.add_argument("--dense-params", default="",
                       help="dense_accel parameters, e.g. NumPes=8,Lanes=8 (names: "
                            + ", ".join(dz.DENSE_PARAMS) + ")")
        p.add_argument("--dry-run", action="store_true",
                       help="check the options, print the resolved parameters, run nothing")
        if name == "synth":
            p.add_argument("--report", default="synth",
                           help="report name: build/reports/<name>.json and .md")
        else:
            p.add_argument("--pes", default="8,16,32", help="ternary NumPes values")
            p.add_argument("--nm", default="2:4,1:4,4:8,4:4",
                           help="ternary GroupNnz:GroupSize values (N:M hardware)")
            p.add_argument("--groups", default="2",
                           help="ternary Groups values (groups of M activations per step)")
            p.add_argument("--dense-pes", default="8,16,32", help="dense NumPes values")
            p.add_argument("--dense-lanes", default="2,4,8", help="dense Lanes values")
            p.add_argument("--report", default="synth_sweep",
                           help="report name: build/reports/<name>.json, .md and .png")
    return ap.parse_args()


def check_args(args) -> None:
    """Every option checked before any tool runs; derived: args.ttq_p, args.dense_p."""
    if not (0.1 <= args.clock_ns <= 1000):
        raise SynthError(f"--clock-ns / CLOCK_NS: {args.clock_ns} is not a period in ns (0.1..1000)")
    if args.jobs < 1:
        raise SynthError(f"--jobs {args.jobs}: must be >= 1")
    if args.cmd == "selftest":
        return
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", args.report):
        raise SynthError(f"--report {args.report!r}: use letters, digits, '_', '.', '-' only")
    which = args.designs.split(",")
    bad = [w for w in which if w not in ("ttq", "dense")]
    if bad or len(set(which)) != len(which):
        raise SynthError(f"--designs {args.designs!r}: use ttq, dense or ttq,dense")
    if args.random_sparsity is not None and not 0.0 <= args.random_sparsity <= 1.0:
        raise SynthError(f"--random-sparsity {args.random_sparsity}: not a fraction in [0, 1]")
    if args.random_sparsity is not None and args.model:
        raise SynthError("--random-sparsity and --model / SYNTH_MODEL: give one layer source")
    if args.model and not Path(args.model).is_file():
        raise SynthError(f"--model / SYNTH_MODEL {args.model!r}: no such file")
    if args.random_nm != "none":
        m = re.fullmatch(r"(\d+):(\d+)", args.random_nm)
        if not m or not 1 <= int(m.group(1)) <= int(m.group(2)) <= 64:
            raise SynthError(f"--random-nm {args.random_nm!r}: expected N:M (1 <= N <= M <= 64) "
                             f"or none")
    args.ttq_p = dz.parse_params(args.ttq_params, "ttq", "--ttq-params / SYNTH_PARAMS")
    args.dense_p = dz.parse_params(args.dense_params, "dense",
                                   "--dense-params / SYNTH_DENSE_PARAMS")
    if args.cmd == "sweep":
        int_list(args.pes, "--pes"), nm_list(args.nm), int_list(args.groups, "--groups")
        int_list(args.dense_pes, "--dense-pes"), int_list(args.dense_lanes, "--dense-lanes")


def main() -> int:
    args = parse_args()
    check_args(args)
    if args.cmd != "selftest" and args.dry_run:
        print(json.dumps({"ttq": args.ttq_p, "dense": args.dense_p,
                          "layer_sets": layer_sources(args)}))
        return 0
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
