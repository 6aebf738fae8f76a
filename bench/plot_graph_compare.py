#!/usr/bin/python3
"""Plots of bench/graph_compare's JSON report (Debian's python3-matplotlib).

  bench/plot_graph_compare.py RESULTS.json OUT_PREFIX

writes
  OUT_PREFIX-latency.png  median latency of every workload per backend at the
                          largest size (log scale; the whiskers reach the p99),
                          with the in-memory CSR where it was measured
  OUT_PREFIX-scaling.png  median latency against the number of persons for the
                          2-hop (latest and mid-history), the 3-hop, IC9 and
                          BFS, one line per backend
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

WORKLOADS = ["khop1", "khop2", "khop3", "khop2_mid", "is1", "is2", "is3",
             "is4", "is5", "is6", "is7", "ic1", "ic2", "ic9", "ic13", "bfs",
             "pr", "wcc"]
COLORS = {"zverse": "#1b9e77", "lmdb": "#d95f02", "rocksdb": "#7570b3",
          "csr": "#999999"}


def series(run, prefix=""):
    med, p99 = [], []
    for w in WORKLOADS:
        t = run.get("timings", {}).get(prefix + w)
        med.append(t["median_us"] if t else float("nan"))
        p99.append(t["p99_us"] if t else float("nan"))
    return med, p99


def latency_plot(report, out):
    scale = max(report["scales"], key=lambda s: s["persons"])
    runs = scale["runs"]
    bars = [(name, *series(run)) for name, run in runs.items()
            if not run.get("error")]
    if "zverse" in runs and not runs["zverse"].get("error"):
        bars.append(("csr", *series(runs["zverse"], "csr_")))
    width = 0.8 / max(1, len(bars))
    fig, ax = plt.subplots(figsize=(14, 5.5))
    for i, (name, med, p99) in enumerate(bars):
        xs = [x + (i - (len(bars) - 1) / 2) * width for x in range(len(WORKLOADS))]
        err = [[0] * len(med), [max(0.0, p - m) if p == p and m == m else 0
                                for m, p in zip(med, p99)]]
        ax.bar(xs, med, width, label=name, color=COLORS.get(name),
               yerr=err if name != "csr" else None, capsize=2)
    ax.set_yscale("log")
    ax.set_xticks(range(len(WORKLOADS)))
    ax.set_xticklabels(WORKLOADS, rotation=45, ha="right")
    ax.set_ylabel("median latency, µs (log; whisker: p99)")
    ax.set_title("Graph layer per backend, %d persons, %d knows pairs" %
                 (scale["persons"], scale["knows"]))
    ax.legend()
    ax.grid(axis="y", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def scaling_plot(report, out):
    scales = sorted(report["scales"], key=lambda s: s["persons"])
    picks = ["khop2", "khop2_mid", "khop3", "ic9", "bfs"]
    fig, axes = plt.subplots(1, len(picks), figsize=(16, 4))
    names = []
    for s in scales:
        for n in s["runs"]:
            if n not in names:
                names.append(n)
    for ax, w in zip(axes, picks):
        for name in names + ["csr"]:
            xs, ys = [], []
            for s in scales:
                src = s["runs"].get("zverse" if name == "csr" else name)
                if not src or src.get("error"):
                    continue
                t = src["timings"].get(("csr_" if name == "csr" else "") + w)
                if t:
                    xs.append(s["persons"])
                    ys.append(t["median_us"])
            if xs:
                ax.plot(xs, ys, marker="o", label=name, color=COLORS.get(name))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(w)
        ax.set_xlabel("persons")
        ax.grid(which="both", alpha=0.3)
    axes[0].set_ylabel("median latency, µs")
    axes[0].legend()
    fig.suptitle("Cost against graph size")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def main():
    if len(sys.argv) != 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(sys.argv) == 2 else 2
    with open(sys.argv[1]) as f:
        report = json.load(f)
    latency_plot(report, sys.argv[2] + "-latency.png")
    scaling_plot(report, sys.argv[2] + "-scaling.png")
    print("wrote %s-latency.png and %s-scaling.png" % (sys.argv[2], sys.argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
