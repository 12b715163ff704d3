#!/usr/bin/env python3
"""Checks of scripts/synth/run.py's own logic (ctest "synth: run.py ..."), no tool runs: each
design's parameters and their errors, the per-layer / aggregate metrics and ratios, the sweep's
points and best configurations, the command line's rejections."""

import json
import subprocess
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "synth"))

import designs as dz  # noqa: E402
import report  # noqa: E402
import run  # noqa: E402
from flow import SynthError  # noqa: E402


def fake_result(key, params, logic, sram, fmax, power, macros_mw=0.0):
    """A synth_point result with the fields the metrics read."""
    return {"key": key, "label": dz.label(key, params), "params": params,
            "area_um2": logic + sram, "logic_area_um2": logic, "memory_area_um2": sram,
            "lanes_total": dz.lanes(key, params), "blocks_um2": {},
            "timing_power": {"fmax_mhz": fmax, "fmax_logic_mhz": fmax, "clock_ns": 5.0,
                             "power_mw": {"total": power, "macros": macros_mw}}}


def layer(name, macs, t_cycles, d_cycles, images=1):
    return {"name": name, "source": "test", "fan_in": 1, "out_ch": 1, "vectors": 1,
            "images": images, "nonzeros": 1, "sparsity": 0.5, "dense_macs": macs,
            "ttq": {"cycles": t_cycles, "utilization": 0.9, "passes": 1, "weight_load_bytes": 160,
                    "source": "model"},
            "dense": {"cycles": d_cycles, "passes": 2, "weight_load_bytes": 320,
                      "source": "formula"}}


class Params(unittest.TestCase):
    def test_defaults_are_each_designs_own(self):
        t, d = dz.defaults("ttq"), dz.defaults("dense")
        self.assertEqual(list(t), list(dz.TTQ_PARAMS))
        self.assertEqual(list(d), list(dz.DENSE_PARAMS))
        # the comparison: 16 x 2:4 x 2 groups = 64 slots against 16 x 4 = 64 MAC lanes
        self.assertEqual(dz.lanes("ttq", t), 64)
        self.assertEqual(dz.lanes("dense", d), 64)
        self.assertEqual(d["MaxFanIn"], t["MaxFanIn"])

    def test_values_override_defaults(self):
        p = dz.parse_params("NumPes=32, GroupNnz=1", "ttq", "--ttq-params")
        self.assertEqual((p["NumPes"], p["GroupNnz"], p["GroupSize"]), (32, 1, 4))
        self.assertEqual(dz.parse_params("Lanes=8", "dense", "--dense-params")["Lanes"], 8)

    def test_unknown_and_bad_names_rejected(self):
        for text, key, msg in [("Lanes=4", "ttq", "'Lanes' is not a parameter of ttq_accel"),
                               ("GroupNnz=2", "dense", "'GroupNnz' is not a parameter of dense_accel"),
                               ("WinRows=2", "ttq", "its parameters: NumPes, GroupSize"),
                               ("NumPes=x", "ttq", "is not NAME=integer"),
                               ("NumPes=0", "ttq", "must be >= 1"),
                               ("NumPes=8,NumPes=16", "ttq", "given twice")]:
            with self.assertRaisesRegex(SynthError, msg):
                dz.parse_params(text, key, "--opt")

    def test_point_dirs_distinct(self):
        b = Path("/b")
        t = dz.defaults("ttq")
        names = {dz.point_dir(b, "ttq", {**t, "GroupNnz": n, "GroupSize": m}).name
                 for n, m in [(2, 4), (1, 4), (4, 8), (4, 4)]}
        self.assertEqual(len(names), 4)
        self.assertEqual(dz.point_dir(b, "ttq", {**t, "NumPes": 16, "Groups": 2}).name,
                         "ttq_p16_m4_n2_g2")
        self.assertEqual(dz.point_dir(b, "dense", {**dz.defaults("dense"), "WgtDepth": 256}).name,
                         "dense_p16_l4_WgtDepth256")


class Metrics(unittest.TestCase):
    def setUp(self):
        self.t = fake_result("ttq", dz.defaults("ttq"), 100e3, 1e6, 250.0, 100.0, 50.0)
        self.d = fake_result("dense", dz.defaults("dense"), 400e3, 2e6, 200.0, 400.0, 300.0)
        self.lay = {"layers": [layer("a", 1_000_000, 1000, 4000), layer("b", 9_000_000, 50_000, 50_000, 16)]}

    def test_aggregate_is_sum_of_work_over_sum_of_time(self):
        s = run.compare_set(self.lay, {"ttq": self.t, "dense": self.d})
        a = s["aggregate"]["ttq"]
        t_s = (1000 + 50_000) / 250e6
        self.assertAlmostEqual(a["dense_equiv_gops"], 10e6 / t_s / 1e9)
        self.assertAlmostEqual(a["dense_equiv_gops_per_mm2_logic"], 10e6 / t_s / 1e9 / 0.1)
        self.assertAlmostEqual(a["dense_equiv_gops_per_mm2"], 10e6 / t_s / 1e9 / 1.1)
        # energy: power at the 5 ns clock x cycles x 5 ns / work
        self.assertAlmostEqual(a["energy_pj_per_op"], 0.1 * 51_000 * 5e-9 / 10e6 * 1e12)
        self.assertAlmostEqual(a["energy_pj_per_op_macros"], a["energy_pj_per_op"] / 2)
        # weight bytes per inference: layer b serves 16 images per run
        self.assertAlmostEqual(a["weight_bytes_per_inference"], 160 + 160 / 16)
        self.assertAlmostEqual(s["aggregate"]["dense"]["weight_bytes_per_inference"], 320 + 20)

    def test_ratios(self):
        s = run.compare_set(self.lay, {"ttq": self.t, "dense": self.d})
        at, ad = s["aggregate"]["ttq"], s["aggregate"]["dense"]
        r = s["ratios"]
        self.assertAlmostEqual(r["per_mm2_logic"], at["dense_equiv_gops_per_mm2_logic"] /
                               ad["dense_equiv_gops_per_mm2_logic"])
        self.assertAlmostEqual(r["energy"], ad["energy_pj_per_op"] / at["energy_pj_per_op"])
        # layer a: ternary 4x fewer cycles, 1.25x the clock, 1/4 the logic -> 20x per logic mm^2
        self.assertAlmostEqual(s["layers"][0]["ratios"]["per_mm2_logic"], 20.0)
        self.assertEqual(s["targets_met"]["per_mm2_logic"], r["per_mm2_logic"] >= 4.0)

    def test_best_points_and_headline(self):
        rows = []
        for key, res in (("ttq", self.t), ("dense", self.d)):
            for scale, dflt in ((1.0, True), (0.5, False)):
                agg = run.compare_set(self.lay, {key: {**res, "logic_area_um2":
                                                       res["logic_area_um2"] * scale}})["aggregate"][key]
                rows.append({"design": key, "label": f"{key}{scale}", "default": dflt,
                             "params": res["params"], "layer_sets": {"s": {"aggregate": agg, "layers": []}},
                             "critical_path": {"from": "x"}, "worst_slack_by_block_ns": {},
                             "fmax_mhz": 1, "memory_area_um2": 1, "area_um2": 2,
                             "power_mw": 2, "power_mw_macros": 1})
        best = report.best_points(rows, "s")
        self.assertEqual(best["ttq"]["per_mm2_logic"]["label"], "ttq0.5")
        self.assertEqual(best["dense"]["per_mm2_logic"]["label"], "dense0.5")
        h = report.headline(rows, best, "s")
        self.assertEqual(h["default"]["ttq"], "ttq1.0")
        self.assertGreater(h["default"]["per_mm2_logic"], 1.0)


class Sweep(unittest.TestCase):
    def test_points(self):
        a = type("A", (), {"designs": "ttq,dense", "pes": "8,16", "nm": "2:4,1:4",
                           "groups": str(dz.defaults("ttq")["Groups"]),
                           "dense_pes": "16", "dense_lanes": "2,4,8",
                           "ttq_p": dz.defaults("ttq"), "dense_p": dz.defaults("dense")})()
        pts = run.sweep_points(a)
        # defaults first (in the grid), no point twice: 1 + 4 - 1 ternary, 1 + 3 - 1 dense
        self.assertEqual(pts[0], ("ttq", dz.defaults("ttq")))
        self.assertEqual(len(pts), 4 + 3)
        # --groups crosses the ternary points: 2 groups x 4 = 8 new, the default among them
        a.groups = "2,4"
        pts = run.sweep_points(a)
        self.assertEqual(len(pts), 8 + 3)
        self.assertEqual({p["Groups"] for k, p in pts if k == "ttq"}, {2, 4})
        self.assertEqual(len({json.dumps(p, sort_keys=True) + k for k, p in pts}), len(pts))
        dense = {p["Lanes"]: p for k, p in pts if k == "dense"}
        # one group of MaxFanIn 2048 must fit a pass: 2 lanes need 1,024 beats
        self.assertEqual(dense[2]["WgtDepth"], 1024)
        self.assertEqual(dense[4]["WgtDepth"], 512)
        self.assertEqual(dense[8]["WgtDepth"], 512)


class CommandLine(unittest.TestCase):
    def runpy(self, *args):
        return subprocess.run([sys.executable, str(ROOT / "scripts" / "synth" / "run.py"), *args],
                              capture_output=True, text=True)

    def test_dry_run_resolves_parameters(self):
        r = self.runpy("synth", "--dry-run", "--ttq-params", "NumPes=32,GroupNnz=1",
                       "--dense-params", "Lanes=8")
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        self.assertEqual((j["ttq"]["NumPes"], j["ttq"]["GroupNnz"]), (32, 1))
        self.assertEqual((j["dense"]["NumPes"], j["dense"]["Lanes"]), (16, 8))
        self.assertIn("random 2:4", j["layer_sets"])

    def test_rejections(self):
        for args, msg in [(["synth", "--ttq-params", "Lanes=4"], "not a parameter of ttq_accel"),
                          (["synth", "--dense-params", "GroupSize=8"], "not a parameter of dense_accel"),
                          (["sweep", "--nm", "2:4,5:4"], "not N:M"),
                          (["sweep", "--dense-lanes", "4,x"], "--dense-lanes"),
                          (["sweep", "--groups", "2,0"], "--groups"),
                          (["synth", "--random-nm", "2-4"], "--random-nm"),
                          (["synth", "--designs", "ttq,foo"], "--designs")]:
            r = self.runpy(*args, "--dry-run")
            self.assertEqual(r.returncode, 1, args)
            self.assertRegex(r.stderr, "synth: error: .*" + msg)


if __name__ == "__main__":
    unittest.main()
