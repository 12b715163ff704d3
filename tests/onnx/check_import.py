#!/usr/bin/env python3
"""ONNX import / export checks run by ctest (tests/onnx/CMakeLists.txt).

  accuracy   build a torch-style ONNX graph from a trained model, ttq-import it (calibrated),
             evaluate it with ttq-eval and compare, image by image, with onnx_float.py's float
             evaluation of the same graph: top-1 agreement and accuracy gap.
  exported   the float ONNX of ttq-export-onnx, evaluated by onnx_float.py, against the golden
             float reference's logits (ttq-eval --predictions).
  folding    a graph with Sub / Div input normalization, imported: its golden float reference
             against onnx_float.py's evaluation of the graph.
  sim        an imported model on the Verilated RTL: ttq-sim's per-image CSV == ttq-eval's.
  refusal    a graph ttq-import must refuse: non-zero exit, the expected message, no output file.
"""
import argparse
import csv
import gzip
import json
import os
import re
import subprocess
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_build  # noqa: E402
import onnx_float  # noqa: E402


def load_images(path):
    """uint8 images [N,C,H,W] and labels of an idx (gz) image file or a CIFAR-10 binary batch."""
    if path.endswith(".bin"):
        raw = np.fromfile(path, np.uint8).reshape(-1, 3073)
        return raw[:, 1:].reshape(-1, 3, 32, 32), raw[:, 0].astype(int)
    with gzip.open(path) as f:
        img = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(path.replace("images-idx3", "labels-idx1")) as f:
        lab = np.frombuffer(f.read(), np.uint8, offset=8).astype(int)
    return img, lab


def run(cmd):
    print("+", " ".join(cmd), flush=True)
    r = subprocess.run(cmd, capture_output=True, text=True)
    sys.stdout.write(r.stdout)
    if r.returncode != 0:
        sys.stdout.write(r.stderr)
        sys.exit(f"FAIL: {cmd[0]} exited {r.returncode}")
    return r


def read_predictions(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    pred = np.array([int(r["prediction"]) for r in rows])
    fl = [k for k in rows[0] if k.startswith("float_logit_")]
    flog = np.array([[float(r[k]) for k in fl] for r in rows]) if fl else None
    return pred, np.array([int(r["label"]) for r in rows]), flog


def accuracy(a):
    build = {"lenet": onnx_build.lenet, "residual": onnx_build.lenet_residual}[a.variant]
    os.makedirs(a.workdir, exist_ok=True)
    src = os.path.join(a.workdir, "exported.onnx")
    run([a.export, a.ttq, "-o", src])
    model = build(src)
    path = os.path.join(a.workdir, f"{a.variant}.onnx")
    onnx.save(model, path)
    out = os.path.join(a.workdir, f"{a.variant}.ttq")
    run([a.importer, path, "-o", out, "--calib", "fashion-mnist", "--report",
         os.path.join(a.workdir, f"{a.variant}-import.json")])
    csv_path = os.path.join(a.workdir, f"{a.variant}.csv")
    run([a.eval, "--model", out, "--no-float", "--predictions", csv_path])
    pred_int, labels, _ = read_predictions(csv_path)
    images, lab = load_images(a.images)
    assert (lab == labels).all(), "ttq-eval and this script read different labels"
    pred_float = onnx_float.predict(model, images).argmax(axis=1)
    n = len(labels)
    agree = float((pred_int == pred_float).mean())
    acc_int, acc_float = float((pred_int == labels).mean()), float((pred_float == labels).mean())
    report = {"variant": a.variant, "images": n, "agreement": agree, "accuracy_int": acc_int,
              "accuracy_onnx_float": acc_float, "gap_points": 100 * (acc_int - acc_float)}
    print(json.dumps(report, indent=2))
    if a.report:
        os.makedirs(os.path.dirname(os.path.abspath(a.report)), exist_ok=True)
        with open(a.report, "w") as f:
            json.dump(report, f, indent=2)
    ok = agree >= 0.995 and abs(acc_int - acc_float) * 100 <= 0.3
    print(f"{'PASS' if ok else 'FAIL'}: {a.variant}: agreement {100 * agree:.2f}% (>= 99.5), integer "
          f"{100 * acc_int:.2f}% vs ONNX float {100 * acc_float:.2f}% (within 0.3 point)")
    return 0 if ok else 1


def same_float(a, model, ttq, workdir):
    """The golden float reference of `ttq` (ttq-eval --predictions) against onnx_float.py's
    evaluation of `model` on the first a.count test images: logits and top-1."""
    csv_path = os.path.join(workdir, "golden.csv")
    run([a.eval, "--model", ttq, "--dataset", a.dataset, "--images", str(a.count),
         "--predictions", csv_path])
    _, _, golden = read_predictions(csv_path)
    images, _ = load_images(a.images)
    mine = onnx_float.predict(model, images[:a.count], batch=100)
    diff = np.abs(mine - golden).max() / np.abs(golden).max()
    agree = float((mine.argmax(1) == golden.argmax(1)).mean())
    ok = diff < 1e-4 and agree == 1.0
    print(f"{'PASS' if ok else 'FAIL'}: {a.count} images: ONNX float (numpy) vs golden float "
          f"reference: max |logit difference| / max |logit| = {diff:.2e} (< 1e-4), top-1 "
          f"agreement {100 * agree:.2f}% (100)")
    return 0 if ok else 1


def exported(a):
    os.makedirs(a.workdir, exist_ok=True)
    path = os.path.join(a.workdir, "model.onnx")
    run([a.export, a.ttq, "-o", path])
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    return same_float(a, model, a.ttq, a.workdir)


def folding(a):
    os.makedirs(a.workdir, exist_ok=True)
    model = onnx_build.normalized()
    path, out = os.path.join(a.workdir, "normalized.onnx"), os.path.join(a.workdir, "normalized.ttq")
    onnx.save(model, path)
    run([a.importer, path, "-o", out, "--calib", a.dataset])
    return same_float(a, model, out, a.workdir)


def sim(a):
    """An imported model (--variant lenet: the torch-style LeNet-5; exported: the exported graph
    of --ttq, recalibrated) run on the Verilated RTL: ttq-sim's per-image CSV equals ttq-eval's
    (RTL == golden model, image by image)."""
    os.makedirs(a.workdir, exist_ok=True)
    src = os.path.join(a.workdir, "exported.onnx")
    run([a.export, a.ttq, "-o", src])
    if a.variant == "lenet":  # the torch-style graph, calibrated
        path = os.path.join(a.workdir, "lenet.onnx")
        onnx.save(onnx_build.lenet(src), path)
    else:  # the exported graph itself, recalibrated (its recorded scales ignored)
        path = src
    out = os.path.join(a.workdir, "imported.ttq")
    run([a.importer, path, "-o", out, "--calib", a.dataset, "--recalibrate"])
    rtl, gold = os.path.join(a.workdir, "rtl.csv"), os.path.join(a.workdir, "golden.csv")
    data = ["--images", str(a.count), "--no-float", "--dataset", a.dataset]
    run([a.sim, "--model", out, "--quiet", "--report", os.path.join(a.workdir, "sim.json"),
         "--predictions", rtl] + data)
    run([a.eval, "--model", out, "--predictions", gold] + data)
    with open(rtl) as f, open(gold) as g:
        r, e = f.read(), g.read()
    n = r.count("\n") - 1
    ok = r == e and n == a.count
    print(f"{'PASS' if ok else 'FAIL'}: {n} images: ttq-sim --predictions "
          f"{'==' if r == e else '!='} ttq-eval --predictions")
    return 0 if ok else 1


def refusal(a):
    model, pattern = onnx_build.refusals()[a.name]
    os.makedirs(a.workdir, exist_ok=True)
    path = os.path.join(a.workdir, a.name + ".onnx")
    onnx.save(model, path)
    out = os.path.join(a.workdir, a.name + ".ttq")
    if os.path.exists(out):
        os.remove(out)
    r = subprocess.run([a.importer, path, "-o", out, "--calib", "fashion-mnist"],
                       capture_output=True, text=True)
    msg = r.stderr.strip()
    print(f"exit {r.returncode}: {msg}")
    ok = r.returncode != 0 and re.search(pattern, msg) and not os.path.exists(out)
    print(f"{'PASS' if ok else 'FAIL'}: expected a non-zero exit, no {out} and /{pattern}/")
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("check", choices=["accuracy", "exported", "folding", "sim", "refusal"])
    p.add_argument("--importer"), p.add_argument("--export"), p.add_argument("--eval")
    p.add_argument("--sim", help="ttq-sim")
    p.add_argument("--ttq", help="trained .ttq model")
    p.add_argument("--images", help="test images: idx3 .gz or CIFAR-10 .bin")
    p.add_argument("--dataset", default="fashion-mnist")
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--variant", choices=["lenet", "residual", "exported"])
    p.add_argument("--name", help="refusal case")
    p.add_argument("--workdir", required=True)
    p.add_argument("--report", help="JSON report of the accuracy check")
    a = p.parse_args()
    checks = {"accuracy": accuracy, "exported": exported, "folding": folding, "sim": sim,
              "refusal": refusal}
    return checks[a.check](a)


if __name__ == "__main__":
    sys.exit(main())
