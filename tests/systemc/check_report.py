#!/usr/bin/env python3
"""Independent check of a ttq-sc-platform JSON report: zero mismatches, and per pass the simulated
time of the layer equals PERF_TOTAL x clock period (and, unless memory-bound, every counter equals
the cycle model). --expect-stalls: the run must show memory back-pressure (PERF_STALL above the
model's), i.e. the memory-bound scenario really happened. --expect-bus-error STREAM: the directed
DMA bus-error test: the run must have stopped on a DMA memory error at the descriptor address it
was given for STREAM, with the interrupt raised."""
import argparse
import json
import sys


def check_bus_error(path: str, r: dict, stream: str) -> int:
    be = r.get("bus_error")
    errors = []
    if be is None:
        errors.append("no bus_error in the report")
    else:
        if be["injected"] != stream:
            errors.append(f"injected {be['injected']}, expected {stream}")
        if not be["memory_error"]:
            errors.append(f"DMA_ERR_CODE {be['code']} ({be['code_name']}), not a memory error")
        if be["addr"] != be["descriptor_addr"]:
            errors.append(f"DMA_ERR_ADDR {be['addr']:#x} != the bad descriptor {be['descriptor_addr']:#x}")
        if not be["irq"]:
            errors.append("the interrupt was not raised")
    if r["pass"]:
        errors.append("the report says pass")
    if errors:
        print("FAIL " + path + ": " + "; ".join(errors))
        return 1
    print(f"OK bus error on the {stream} DMA: {be['code_name']} at {be['addr']:#x}, interrupt "
          f"raised, seen by the CPU at {be['seen_at_s'] * 1e6:.3f} us")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("report")
    ap.add_argument("--expect-stalls", action="store_true")
    ap.add_argument("--min-passes", type=int, default=1)
    ap.add_argument("--expect-bus-error", choices=["weights", "activations", "results"])
    a = ap.parse_args()
    with open(a.report) as f:
        r = json.load(f)
    if a.expect_bus_error:
        return check_bus_error(a.report, r, a.expect_bus_error)
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
