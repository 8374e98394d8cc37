#!/usr/bin/env python3
"""Reduce `dnp3-pcap check --json` output to what the expected results pin down:
per file, the ordered findings (frame, layer, severity, name, detail, link
addresses) and the summary counters. Used to write and to compare
captures/*.expected.json. Usage: check_json.py < report.json"""
import json
import sys


def reduce(report):
    out = []
    for f in report["files"]:
        out.append({
            "findings": [
                {k: x[k] for k in ("frame", "layer", "severity", "name", "detail", "link_src", "link_dst") if k in x}
                for x in f["findings"]
            ],
            "summary": f["summary"],
        })
    return out


if __name__ == "__main__":
    data = json.load(sys.stdin)
    json.dump(reduce(data)[0] if len(data["files"]) == 1 else reduce(data), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
