#!/usr/bin/env python3
"""Independent check of a ttq-sc-platform JSON report: zero mismatches, and per pass the simulated
time of the layer equals PERF_TOTAL x clock period (and, unless memory-bound, every counter equals
the cycle model). --expect-stalls: the run must show memory back-pressure (PERF_STALL above the
model's), i.e. the memory-bound scenario really happened."""
import argparse
import json
import sys


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("report")
    ap.add_argument("--expect-stalls", action="store_true")
    ap.add_argument("--min-passes", type=int, default=1)
    a = ap.parse_args()
    with open(a.report) as f:
        r = json.load(f)
    errors = []
    period = r["clock_ns"] * 1e-9
    if r["mismatches"] != 0:
        errors.append(f"mismatches = {r['mismatches']}")
    if r["outputs"] != r["vectors"] * r["out_ch"]:
        errors.append(f"outputs = {r['outputs']}, expected {r['vectors'] * r['out_ch']}")
    if len(r["passes"]) < a.min_passes:
        errors.append(f"{len(r['passes'])} passes, expected >= {a.min_passes}")
    for i, p in enumerate(r["passes"]):
        want = p["perf_total"] * period
        if p["perf_total"] <= 0 or abs(p["layer_time_s"] - want) > 1e-6 * period:
            errors.append(f"pass {i}: layer time {p['layer_time_s']} s != PERF_TOTAL "
                          f"{p['perf_total']} x {period} s = {want} s")
        if p["layer_edges"] != p["perf_total"]:
            errors.append(f"pass {i}: DMA_LAYER_CYCLES {p['layer_edges']} != PERF_TOTAL {p['perf_total']}")
        if p["perf_results"] != r["vectors"] * p["out_ch"]:
            errors.append(f"pass {i}: PERF_RESULTS {p['perf_results']}")
        if a.expect_stalls:
            if p["perf_stall"] <= p["model_stall"]:
                errors.append(f"pass {i}: no memory back-pressure (stall {p['perf_stall']})")
        else:
            for k in ("cycles", "busy", "stall", "wload_cycles"):
                rtl = p["perf_total" if k == "cycles" else ("wload_cycles" if k == "wload_cycles" else "perf_" + k)]
                if rtl != p["model_" + k]:
                    errors.append(f"pass {i}: {k} RTL {rtl} != cycle model {p['model_' + k]}")
    if not r["pass"] or errors:
        print("FAIL " + a.report + ": " + "; ".join(errors or ["the tool reported FAIL"]))
        return 1
    t = sum(p["layer_time_s"] for p in r["passes"])
    print(f"OK {r['source']}: {r['layer']}: {r['outputs']} outputs bit-exact, "
          f"{r['layer_cycles']} cycles x {r['clock_ns']} ns = {t * 1e6:.3f} us simulated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
