#!/usr/bin/env python3
"""Checks of scripts/parity-summary (ctest "trainer: parity-summary ..."): the statistics of
hand-made reports of both formats against values worked out by hand, and its errors."""

import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "parity-summary"


def ttq_report(acc, epochs=10):
    """ttq-train's metrics.json: a list of epochs."""
    return [{"epoch": e, "eval": {"heldout": {"acc": acc if e == epochs else 0.1, "n": 5000}}}
            for e in range(1, epochs + 1)]


def torch_report(acc, epochs=10):
    """ttq_torch_train.py --report."""
    return {"history": [{"epoch": e, "eval": {"heldout": {"acc": acc if e == epochs else 0.1}}}
                        for e in range(1, epochs + 1)]}


class ParitySummary(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, ours, theirs, epochs=(10, 10)):
        for s, acc in enumerate(ours, 1):
            (self.dir / f"parity-ttq-train-he-normal-t1-s{s}.json").write_text(
                json.dumps(ttq_report(acc, epochs[0])))
        for s, acc in enumerate(theirs, 1):
            (self.dir / f"parity-torch-he-normal-t1-s{s}.json").write_text(
                json.dumps(torch_report(acc, epochs[1])))

    def run_script(self, seeds):
        return subprocess.run([sys.executable, str(SCRIPT), "--reports", str(self.dir), "--tag",
                               "he-normal-t1", "--seeds",
                               *map(str, seeds)], capture_output=True, text=True)

    def test_statistics(self):
        # Every ttq-train run below every torch run: of the C(6, 3) = 20 regroupings only this one
        # and its mirror are as far apart, p = 2 / 20.
        self.write([0.85, 0.86, 0.87], [0.88, 0.89, 0.90])
        r = self.run_script([1, 2, 3])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads((self.dir / "parity-summary-he-normal-t1.json").read_text())
        self.assertAlmostEqual(out["ttq-train"]["mean"], 0.86)
        self.assertAlmostEqual(out["torch"]["mean"], 0.89)
        self.assertAlmostEqual(out["ttq-train"]["sd"], 0.01)
        self.assertAlmostEqual(out["mean_difference"], -0.03)
        # se = sqrt(1e-4 / 3 + 1e-4 / 3): t = -0.03 / 0.008165 = -3.674
        self.assertAlmostEqual(out["welch_t"], -3.6742, places=3)
        self.assertAlmostEqual(out["permutation_p"], 0.1)
        self.assertEqual(out["accuracy"]["torch"], {"1": 0.88, "2": 0.89, "3": 0.90})
        self.assertEqual(out["epochs"], 10)

    def test_ttq_phase_where_run(self):
        self.write([0.85, 0.86], [0.88, 0.89])
        (self.dir / "parity-ttq-train-he-normal-t1-s2-ttq.json").write_text(
            json.dumps(ttq_report(0.855, 20)))
        (self.dir / "parity-torch-he-normal-t1-s1-ttq.json").write_text(
            json.dumps(torch_report(0.87, 20)))
        r = self.run_script([1, 2])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads((self.dir / "parity-summary-he-normal-t1.json").read_text())
        ours, theirs = out["ttq_phase"]["ttq-train"], out["ttq_phase"]["torch"]
        self.assertEqual((list(ours), list(theirs)), (["2"], ["1"]))
        self.assertEqual(ours["2"]["epoch"], 20)
        self.assertAlmostEqual(ours["2"]["ttq_minus_fp"], -0.005)
        self.assertAlmostEqual(theirs["1"]["ttq_minus_fp"], -0.01)
        # One run a side: a difference, but no spread and no regrouping to test it with.
        c = out["ttq_phase_comparison"]["ttq"]
        self.assertAlmostEqual(c["mean_difference"], -0.015)
        self.assertIsNone(c["welch_t"])
        self.assertIsNone(c["permutation_p"])

    def test_ttq_phase_comparison(self):
        self.write([0.85, 0.86], [0.88, 0.89])
        for side, make, accs in (("ttq-train", ttq_report, (0.855, 0.865)),
                                 ("torch", torch_report, (0.87, 0.88))):
            for s, acc in enumerate(accs, 1):
                (self.dir / f"parity-{side}-he-normal-t1-s{s}-ttq.json").write_text(
                    json.dumps(make(acc, 20)))
        r = self.run_script([1, 2])
        self.assertEqual(r.returncode, 0, r.stderr)
        c = json.loads((self.dir / "parity-summary-he-normal-t1.json").read_text())[
            "ttq_phase_comparison"]
        # TTQ: 0.860 vs 0.875, sd 0.00707 each: t = -0.015 / sqrt(2 * 5e-5 / 2) = -2.1213; of the
        # C(4, 2) = 6 regroupings, the observed one and its mirror reach |d| = 0.015: p = 2 / 6.
        self.assertAlmostEqual(c["ttq"]["torch"]["mean"], 0.875)
        self.assertAlmostEqual(c["ttq"]["mean_difference"], -0.015)
        self.assertAlmostEqual(c["ttq"]["welch_t"], -2.1213, places=3)
        self.assertAlmostEqual(c["ttq"]["permutation_p"], 2 / 6)
        # TTQ - FP: +0.005 twice vs -0.01 twice: no spread on either side, no t.
        self.assertAlmostEqual(c["ttq_minus_fp"]["mean_difference"], 0.015)
        self.assertIsNone(c["ttq_minus_fp"]["welch_t"])
        self.assertAlmostEqual(c["ttq_minus_fp"]["permutation_p"], 2 / 6)

    def test_ttq_phase_of_one_side_only_is_not_compared(self):
        self.write([0.85], [0.88])
        (self.dir / "parity-torch-he-normal-t1-s1-ttq.json").write_text(
            json.dumps(torch_report(0.87, 20)))
        r = self.run_script([1])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads((self.dir / "parity-summary-he-normal-t1.json").read_text())
        self.assertEqual(list(out["ttq_phase"]["torch"]), ["1"])
        self.assertNotIn("ttq_phase_comparison", out)

    def test_ttq_phase_that_never_left_fp_is_refused(self):
        self.write([0.85], [0.88])
        (self.dir / "parity-ttq-train-he-normal-t1-s1-ttq.json").write_text(
            json.dumps(ttq_report(0.85, 10)))
        r = self.run_script([1])
        self.assertEqual(r.returncode, 1)
        self.assertIn("s1-ttq.json: ends at epoch 10", r.stderr)

    def test_interleaved_runs_are_not_significant(self):
        self.write([0.85, 0.87, 0.89], [0.86, 0.87, 0.88])
        r = self.run_script([1, 2, 3])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads((self.dir / "parity-summary-he-normal-t1.json").read_text())
        self.assertAlmostEqual(out["mean_difference"], 0.0)
        self.assertEqual(out["permutation_p"], 1.0)

    def test_missing_report_is_named(self):
        self.write([0.85, 0.86], [0.88])
        r = self.run_script([1, 2])
        self.assertEqual(r.returncode, 1)
        self.assertIn("parity-torch-he-normal-t1-s2.json", r.stderr)
        self.assertFalse((self.dir / "parity-summary-he-normal-t1.json").exists())

    def test_reports_of_different_lengths_are_refused(self):
        self.write([0.85, 0.86], [0.88, 0.89], epochs=(10, 5))
        r = self.run_script([1, 2])
        self.assertEqual(r.returncode, 1)
        self.assertIn("different epochs", r.stderr)
        self.assertFalse((self.dir / "parity-summary-he-normal-t1.json").exists())

    def test_malformed_report_is_named(self):
        self.write([0.85], [0.88])
        (self.dir / "parity-ttq-train-he-normal-t1-s1.json").write_text('{"config": {}}')
        r = self.run_script([1])
        self.assertEqual(r.returncode, 1)
        self.assertIn("parity-ttq-train-he-normal-t1-s1.json: no epoch with eval.heldout.acc",
                      r.stderr)


if __name__ == "__main__":
    unittest.main()
