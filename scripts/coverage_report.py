#!/usr/bin/env python3
"""Figures of a merged Verilator coverage file for ttq_accel's RTL (scripts/coverage).

  coverage_report.py MERGED.dat ROOT OUT.json

A point counts once per source location (file, line, column, comment), summed over the instances
(PEs, SRAM macros). Line: v_line/v_branch points; toggle: v_toggle; named: v_user (cover property).
Only rtl/ttq_*.sv, rtl/mem/*.sv and rtl/lib/*.sv count (the cover-point files are reported as named points).
Prints the summary and the uncovered lines; writes OUT.json atomically."""
from __future__ import annotations

import collections
import json
import os
import re
import sys


def parse(path: str):
    pts = collections.Counter()
    for line in open(path, encoding="latin-1"):
        m = re.match(r"C '(.*)' (\d+)$", line.rstrip("\n"))
        if not m:
            continue
        kv = dict(p.split("\x02", 1) for p in m.group(1).split("\x01")[1:] if "\x02" in p)
        page = kv.get("page", "").split("/")[0]
        key = (page, kv.get("f", ""), int(kv.get("l", 0)), kv.get("n", ""), kv.get("o", ""))
        pts[key] += int(m.group(2))
    return pts


def ours(f: str) -> bool:
    b = f.split("rtl/", 1)[-1] if "rtl/" in f else f
    return bool(re.match(r"(ttq_[a-z_]+\.sv|mem/[a-z_]+\.sv|lib/[a-z_]+\.sv)$", b))


def main() -> int:
    dat, root, out = sys.argv[1:4]
    pts = parse(dat)
    kinds = {"line": ("v_line", "v_branch"), "toggle": ("v_toggle",), "named": ("v_user",)}
    res, missed = {}, collections.defaultdict(list)
    for kind, pages in kinds.items():
        sel = [(k, c) for k, c in pts.items() if k[0] in pages and (kind == "named" or ours(k[1]))]
        hit = sum(1 for _, c in sel if c > 0)
        res[kind] = {"points": len(sel), "hit": hit, "percent": round(100.0 * hit / len(sel), 2) if sel else 0.0}
        for k, c in sorted(sel):
            if c == 0:
                missed[kind].append(f"{os.path.relpath(k[1], root) if k[1].startswith('/') else k[1]}:{k[2]} {k[4]}".strip())
    res["uncovered_lines"] = missed["line"]
    res["uncovered_named"] = missed["named"]
    res["untoggled_count"] = len(missed["toggle"])
    for kind in kinds:
        r = res[kind]
        print(f"coverage: {kind:7s} {r['hit']}/{r['points']} = {r['percent']:.2f}%")
    for m in missed["line"]:
        print(f"coverage: line not hit: {m}")
    for m in missed["named"]:
        print(f"coverage: cover point not hit: {m}")
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(res, f, indent=2)
    os.replace(tmp, out)
    print(f"coverage: wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
