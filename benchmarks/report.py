"""What a benchmark run reports: one line per scenario, the ratios against their targets, results.json."""

import json
import os

from measure import median
from peers import WORK

RESULTS = {}
TARGETS = []


def report(scenario, runs, comparisons):
    """Print one line per scenario: medians, memory, and the ratios with their targets."""
    parts = ["%s %.3f s / %.0f MB" % (label, median(run), max(run.max_rss_kb) / 1024) for label, run in runs.items()]
    print("%-34s %s" % (scenario, " | ".join(parts)), flush=True)
    RESULTS[scenario] = {label: {"median_s": median(run), "seconds": run.seconds,
                                 "max_rss_mb": max(run.max_rss_kb) / 1024} for label, run in runs.items()}
    for ours, peer, target in comparisons:
        ratio = median(runs[ours]) / median(runs[peer])
        verdict = "" if target is None else ("  target <= %.2fx: %s" % (target, "met" if ratio <= target else "MISSED"))
        print("%-34s   %s / %s = %.3fx%s" % ("", ours, peer, ratio, verdict), flush=True)
        TARGETS.append({"scenario": scenario, "ours": ours, "peer": peer, "ratio": ratio, "target": target})


def write_results(versions, size):
    """Write every median and ratio to benchmarks/.work/results.json; return (met, with a target)."""
    with open(os.path.join(WORK, "results.json"), "w") as handle:
        json.dump({"versions": versions, "size": size, "results": RESULTS, "targets": TARGETS}, handle, indent=1)
    targeted = [t for t in TARGETS if t["target"] is not None]
    return len([t for t in targeted if t["ratio"] <= t["target"]]), len(targeted)
