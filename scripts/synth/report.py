"""Reports of `make synth` and `make synth-sweep` (imported by run.py): the markdown tables, the
sweep's best configurations and headline ratios, and the sweep plot (gnuplot)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from flow import BLOCK_TITLES, BLOCKS, NAND2_AREA, SynthError, fmt_num, write_atomic

NAMES = {"ttq": "ternary `ttq_accel`", "dense": "dense INT8 `dense_accel`"}
METRICS = {"per_mm2_logic": ("dense_equiv_gops_per_mm2_logic", max),
           "per_mm2_total": ("dense_equiv_gops_per_mm2", max),
           "per_joule": ("energy_pj_per_op", min)}


def design_rows(clock_ns: float) -> list:
    tp = lambda r: r["timing_power"]  # noqa: E731
    rows = [("configuration", lambda r: f"{r['label']} ({', '.join(f'{k}={v}' for k, v in r['params'].items())})"),
            ("operations per cycle: dense MAC lanes / ternary slots", lambda r: str(r["lanes_total"])),
            ("total area (um^2): logic + SRAM macros", lambda r: fmt_num(r["area_um2"])),
            ("logic area, standard cells (um^2)", lambda r: fmt_num(r["logic_area_um2"])),
            ("SRAM macro area (um^2)", lambda r: fmt_num(r["memory_area_um2"])),
            ("SRAM macros (count x cell; bits)", lambda r: "; ".join(
                f"{k['count']} x {k['cell']}" for k in r["macros"]["kinds"])
                + f"; {fmt_num(r['memory_bits'])} b"),
            ("logic NAND2 equivalents", lambda r: fmt_num(r["logic_area_um2"] / NAND2_AREA)),
            ("cells / flip-flops (logic)", lambda r: f"{fmt_num(r['cells'])} / {fmt_num(r['flip_flops'])}")]
    for b in BLOCKS:
        rows.append((f"area: {BLOCK_TITLES[b]} (um^2)",
                     lambda r, b=b: f"{fmt_num(r['blocks_um2'][b])} "
                                    f"({100 * r['blocks_fraction'][b]:.0f}%)" if r["blocks_um2"] else "-"))
    rows += [
        ("fmax (MHz): design / logic / SRAM min period",
         lambda r: f"{tp(r)['fmax_mhz']:.0f} / {tp(r)['fmax_logic_mhz']:.0f} / "
                   + (f"{tp(r)['fmax_macros_mhz']:.0f}" if tp(r)['fmax_macros_mhz'] else "-")),
        ("critical path", lambda r: f"{tp(r)['critical_path']['from']} -> {tp(r)['critical_path']['to']}"),
        ("worst slack (ns) of the 3 worst blocks, logic",
         lambda r: ", ".join(f"{b} {v:+.2f}" for b, v in list(
             tp(r).get("worst_slack_by_block_ns", {}).items())[:3])),
        (f"power (mW) at {1000 / clock_ns:.0f} MHz: total (logic + SRAM macros)",
         lambda r: f"{tp(r)['power_mw']['total']:.1f} ({tp(r)['power_mw']['logic']:.1f} + "
                   f"{tp(r)['power_mw']['macros']:.1f})"),
        ("peak operations x fmax / area (GOPS/mm^2): total / logic",
         lambda r: f"{fmt_num(r['peak_gops_per_mm2'], 1)} / {fmt_num(r['peak_gops_per_mm2_logic'], 1)}"),
    ]
    return rows


def layer_table(name: str, s: dict, keys: list[str]) -> list[str]:
    both = len(keys) == 2
    head = ["layer", "zeros"]
    for k in keys:
        n = "ternary" if k == "ttq" else "dense"
        head += [f"{n} cycles" + (" (util.)" if k == "ttq" else ""),
                 f"{n} GOPS/mm^2 logic / total", f"{n} pJ/op", f"{n} weight B/inference"]
    if both:
        head.append("ternary / dense: per mm^2 logic / total; energy x lower")
    lines = [f"\n### Layers: {name}\n", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def cells(m: dict, k: str) -> list[str]:
        c = fmt_num(m["cycles"])
        if k == "ttq" and m.get("utilization") is not None:
            c += f" ({m['utilization']:.2f})"
        return [c, f"{fmt_num(m['dense_equiv_gops_per_mm2_logic'], 2)} / "
                   f"{fmt_num(m['dense_equiv_gops_per_mm2'], 2)}",
                f"{m['energy_pj_per_op']:.2f}", fmt_num(m["weight_bytes_per_inference"])]

    def ratio(r: dict) -> str:
        return f"{r['per_mm2_logic']:.2f}x / {r['per_mm2_total']:.2f}x; {r['energy']:.2f}x"

    for L in s["layers"]:
        row = [L["name"], f"{100 * L['sparsity']:.1f}%"]
        for k in keys:
            row += cells(L[k], k)
        if both:
            row.append(ratio(L["ratios"]))
        lines.append("| " + " | ".join(row) + " |")
    row = ["**all layers** (sum of work / sum of time)", ""]
    for k in keys:
        row += cells(s["aggregate"][k], k)
    if both:
        row.append(f"**{ratio(s['ratios'])}**")
    lines.append("| " + " | ".join(row) + " |")
    lines.append("\nSources: " + "; ".join(sorted({L["source"] for L in s["layers"]})) + ".")
    return lines


def synth_markdown(rep: dict) -> str:
    d = rep["designs"]
    keys = [k for k in ("ttq", "dense") if k in d]
    lines = ["| | " + " | ".join(NAMES[k] for k in keys) + " |", "|---|" + "---|" * len(keys)]
    for title, f in design_rows(rep["clock_ns"]):
        lines.append(f"| {title} | " + " | ".join(f(d[k]) for k in keys) + " |")
    for name, s in rep["layer_sets"].items():
        lines += layer_table(name, s, keys)
    if len(keys) == 2:
        t = rep["targets"]
        lines += ["\n### Ternary / dense (all layers of a set; targets of issue 13)\n",
                  "| layers | per mm^2 of logic | per mm^2 total (with SRAM) | energy per op (x lower) "
                  "| weight bytes per inference, ternary / dense |",
                  "|---|---|---|---|---|",
                  f"| target | >= {t['per_mm2_logic']:.0f}x | >= {t['per_mm2_total']:.0f}x | "
                  f">= {t['energy']:.0f}x | - |"]
        for name, s in rep["layer_sets"].items():
            r, a = s["ratios"], s["aggregate"]
            lines.append(f"| {name} | **{r['per_mm2_logic']:.2f}x** | **{r['per_mm2_total']:.2f}x** | "
                         f"**{r['energy']:.2f}x** | {fmt_num(a['ttq']['weight_bytes_per_inference'])} / "
                         f"{fmt_num(a['dense']['weight_bytes_per_inference'])} |")
        lines.append("\nfmax target (>= 200 MHz): " + ", ".join(
            f"{'ternary' if k == 'ttq' else 'dense'} {d[k]['timing_power']['fmax_mhz']:.0f} MHz "
            f"({'met' if rep['fmax_target_met'][k] else 'MISSED'})" for k in keys) + ".")
        for name, s in rep["layer_sets"].items():
            b = s["budget_4x_logic"]
            if "ttq_non_pe_logic_um2" in b:
                lines.append(
                    f"\nWhat 4x on logic needs ({name}): the ternary array is "
                    f"{b['speedup_over_dense']:.2f}x faster over the layers, so 4x needs its logic "
                    f"<= {fmt_num(b['ttq_logic_budget_um2'])} um^2 (it is "
                    f"{fmt_num(b['ttq_non_pe_logic_um2'])} outside the PEs + "
                    f"{fmt_num(b['ttq_pe_logic_um2'])} in them); with PEs of zero area the ratio "
                    f"would be {b['advantage_logic_with_zero_area_pes']:.2f}x.")
    lines.append("\nAssumptions:\n" + "\n".join(f"- {a}" for a in rep["assumptions"]))
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------
# Sweep

def best_points(rows: list[dict], layer_set: str) -> dict:
    """Per design and metric, the index of the best point on the layer set's aggregate."""
    out: dict[str, dict] = {}
    for k in ("ttq", "dense"):
        idx = [i for i, r in enumerate(rows) if r["design"] == k]
        if not idx:
            continue
        out[k] = {}
        for m, (field, pick) in METRICS.items():
            i = pick(idx, key=lambda i: rows[i]["layer_sets"][layer_set]["aggregate"][field])
            out[k][m] = {"index": i, "label": rows[i]["label"], "params": rows[i]["params"],
                         "value": rows[i]["layer_sets"][layer_set]["aggregate"][field],
                         "limits": limits(rows[i], layer_set)}
    return out


def limits(r: dict, layer_set: str) -> str:
    """What bounds a point, measured: clock, utilization, memory shares."""
    a = r["layer_sets"][layer_set]["aggregate"]
    util = [l.get("utilization") for l in r["layer_sets"][layer_set]["layers"]]
    crit = r["critical_path"]
    clk = (f"clock {r['fmax_mhz']:.0f} MHz set by the SRAM macros' minimum period"
           if crit.get("from", "").startswith("SRAM") else
           f"clock {r['fmax_mhz']:.0f} MHz set by the logic (worst blocks: " +
           ", ".join(f"{b} {v:+.2f} ns" for b, v in r["worst_slack_by_block_ns"].items()) + ")")
    out = (f"{clk}; SRAM macros {100 * r['memory_area_um2'] / r['area_um2']:.0f}% of the area and "
           f"{100 * r['power_mw_macros'] / r['power_mw']:.0f}% of the power; "
           f"{100 * a['energy_pj_per_op_macros'] / a['energy_pj_per_op']:.0f}% of the energy in "
           f"the macros")
    if all(u is not None for u in util):
        out += "; slot utilization " + ", ".join(f"{u:.2f}" for u in util)
    return out


def headline(rows: list[dict], best: dict, layer_set: str) -> dict:
    """Ternary / dense at the defaults and at each design's best point for each metric."""
    if "ttq" not in best or "dense" not in best:
        return {}
    agg = lambda r: r["layer_sets"][layer_set]["aggregate"]  # noqa: E731
    dflt = {k: next(r for r in rows if r["design"] == k and r["default"]) for k in ("ttq", "dense")}
    out = {"default": {"ttq": dflt["ttq"]["label"], "dense": dflt["dense"]["label"],
                       "per_mm2_logic": agg(dflt["ttq"])["dense_equiv_gops_per_mm2_logic"] /
                       agg(dflt["dense"])["dense_equiv_gops_per_mm2_logic"],
                       "per_mm2_total": agg(dflt["ttq"])["dense_equiv_gops_per_mm2"] /
                       agg(dflt["dense"])["dense_equiv_gops_per_mm2"],
                       "energy": agg(dflt["dense"])["energy_pj_per_op"] /
                       agg(dflt["ttq"])["energy_pj_per_op"]},
           "best": {}}
    for m in METRICS:
        t, d = best["ttq"][m], best["dense"][m]
        v = d["value"] / t["value"] if m == "per_joule" else t["value"] / d["value"]
        out["best"][m] = {"ttq": t["label"], "dense": d["label"], "ratio": v}
    return out


def sweep_markdown(rep: dict) -> str:
    sets = rep["layer_sets"]
    head = ["design", "configuration", "ops/cycle", "total / logic / SRAM (um^2)", "fmax (MHz)",
            "power (mW)"]
    for s in sets:
        head += [f"{s}: cycles", f"{s}: GOPS/mm^2 logic / total", f"{s}: pJ/op"]
    lines = ["Per layer set, all layers: sum of dense-equivalent work / sum of time.\n",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rep["points"]:
        cells = ["ternary" if r["design"] == "ttq" else "dense",
                 r["label"] + (" (default)" if r["default"] else ""), str(r["lanes_total"]),
                 f"{fmt_num(r['area_um2'])} / {fmt_num(r['logic_area_um2'])} / "
                 f"{fmt_num(r['memory_area_um2'])}", f"{r['fmax_mhz']:.0f}", f"{r['power_mw']:.0f}"]
        for s in sets:
            a = r["layer_sets"][s]["aggregate"]
            cells += [fmt_num(a["cycles"]),
                      f"{fmt_num(a['dense_equiv_gops_per_mm2_logic'], 2)} / "
                      f"{fmt_num(a['dense_equiv_gops_per_mm2'], 2)}", f"{a['energy_pj_per_op']:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    titles = {"per_mm2_logic": "per mm^2 of logic", "per_mm2_total": "per mm^2 total",
              "per_joule": "per joule"}
    for s in sets:
        for k, b in rep["best"][s].items():
            lines.append(f"\nBest {'ternary' if k == 'ttq' else 'dense'} configuration on {s}:")
            for m, p in b.items():
                lines.append(f"- {titles[m]}: {p['label']} ({p['value']:.2f}); limits: {p['limits']}.")
        h = rep["headline"][s]
        if h:
            dd = h["default"]
            lines += [f"\nTernary / dense on {s} (targets: >= 4x per mm^2 of logic, >= 3x per mm^2 "
                      "total, >= 3x lower energy):\n",
                      "| comparison | per mm^2 logic | per mm^2 total | energy x lower |",
                      "|---|---|---|---|",
                      f"| defaults: {dd['ttq']} / {dd['dense']} | {dd['per_mm2_logic']:.2f}x | "
                      f"{dd['per_mm2_total']:.2f}x | {dd['energy']:.2f}x |",
                      "| each design at its best point for the metric | "
                      + " | ".join(f"{h['best'][m]['ratio']:.2f}x ({h['best'][m]['ttq']} / "
                                   f"{h['best'][m]['dense']})" for m in METRICS) + " |"]
    lines.append("\nAssumptions:\n" + "\n".join(f"- {a}" for a in rep["assumptions"]))
    return "\n".join(lines) + "\n"


def plot_sweep(build: Path, rows: list[dict], sets: list[str], name: str) -> Path:
    """Four panels against operations per cycle, one row of them per layer set: area, throughput
    per logic and per total mm^2, energy per op; one line per ternary N:M and dense lane count."""
    dat = build / "synth" / f"{name}.dat"
    png = build / "reports" / f"{name}.png"
    series: dict[str, list[dict]] = {}
    for r in rows:
        p = r["params"]
        s = (f"ternary {p['GroupNnz']}:{p['GroupSize']}" if r["design"] == "ttq"
             else f"dense {p['Lanes']} lanes")
        series.setdefault(s, []).append(r)
    blocks = []
    for ls in sets:
        for s, rs in series.items():
            lines = [f"# {ls}, {s}: ops_per_cycle area_mm2 gops_mm2_logic gops_mm2_total pj_per_op"]
            for r in sorted(rs, key=lambda r: r["lanes_total"]):
                a = r["layer_sets"][ls]["aggregate"]
                lines.append(f"{r['lanes_total']} {r['area_um2'] * 1e-6:.6f} "
                             f"{a['dense_equiv_gops_per_mm2_logic']:.4f} "
                             f"{a['dense_equiv_gops_per_mm2']:.4f} {a['energy_pj_per_op']:.4f}")
            blocks.append("\n".join(lines))
    write_atomic(dat, "\n\n\n".join(blocks) + "\n")
    tmp_png = png.with_name(f".{png.name}.tmp.png")
    png.parent.mkdir(parents=True, exist_ok=True)

    def plot(set_i: int, col: int) -> str:
        return ", ".join(f"'{dat}' index {set_i * len(series) + i} using 1:{col} with linespoints "
                         f"lw 2 pt {7 if s.startswith('ternary') else 5} "
                         f"dt {1 if s.startswith('ternary') else 2} lc {i + 1} title '{s}'"
                         for i, s in enumerate(series))

    panels = []
    for si, ls in enumerate(sets):
        panels.append(f"""set ylabel 'mm^2'
set title 'Area (logic + SRAM macros)'
plot {plot(si, 2)}
set ylabel 'dense-equivalent GOPS / mm^2'
set title 'Throughput per logic area, layers: {ls}'
plot {plot(si, 3)}
set title 'Throughput per total area, layers: {ls}'
plot {plot(si, 4)}
set ylabel 'pJ / dense-equivalent op'
set title 'Energy per operation, layers: {ls}'
plot {plot(si, 5)}""")
    script = f"""set terminal pngcairo size 2000,{440 * len(sets) + 40} font ',10'
set output '{tmp_png}'
set multiplot layout {len(sets)},4 title 'sky130 hd tt 25C 1.8V: Yosys/ABC + OpenSTA pre-placement \\
estimate, SRAM macros; all layers of each set'
set logscale x 2
set grid
set key top left
set xlabel 'operations per cycle (dense MAC lanes / ternary slots)'
set logscale y 10
""" + "\n".join(panels) + "\nunset multiplot\n"
    gp = build / "synth" / f"{name}.gp"
    write_atomic(gp, script)
    r = subprocess.run(["gnuplot", str(gp)], capture_output=True, text=True)
    if r.returncode != 0 or not tmp_png.is_file():
        raise SynthError(f"gnuplot {gp} failed: {r.stderr.strip()}")
    os.replace(tmp_png, png)
    return png
