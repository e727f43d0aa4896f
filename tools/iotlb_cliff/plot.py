#!/usr/bin/env python3
"""Draws the IOTLB-reach curve as SVG from iotlb_cliff's CSV and pcie-bench's numbers.

Standard library only (no plotting package is installed on the build machine).

  python3 tools/iotlb_cliff/plot.py curve.csv pcie_bench_bdw.csv > curve.svg

Top panel: latency of one 64 B DMA read (model: pcie-bench's IOMMU-off latency plus the
model's translation latency) against the window size, for 4 KiB and 2 MiB pages, with
pcie-bench's measured averages (Broadwell, IOMMU off and IOMMU on with 4 KiB pages).
Bottom panel: the IOTLB hit rate the model saw.
"""
import csv
import math
import sys

WIDTH, HEIGHT = 860, 640
LEFT, RIGHT = 80, 190
PANELS = [(40, 330), (390, 590)]  # (top, bottom) pixel rows of each panel
COLORS = {"4K": "#1f77b4", "2M": "#d62728", "pb4k": "#2ca02c", "pboff": "#7f7f7f"}


def size_label(b):
    for unit, div in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if b >= div:
            v = b / div
            return ("%g" % v) + unit
    return str(b)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], newline="") as f:
        model = list(csv.DictReader(f))
    with open(argv[2], newline="") as f:
        published = list(csv.DictReader(f))

    windows = [int(r["window_bytes"]) for r in model]
    xmin, xmax = math.log2(min(windows)), math.log2(max(windows))

    def x(window):
        return LEFT + (math.log2(window) - xmin) / (xmax - xmin) * (WIDTH - LEFT - RIGHT)

    out = []
    add = out.append
    add('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
        'font-family="sans-serif" font-size="12">' % (WIDTH, HEIGHT))
    add('<rect width="100%" height="100%" fill="white"/>')
    add('<text x="%d" y="22" font-size="15" font-weight="bold">IOTLB reach: random 64 B '
        'DMA reads over a growing window (vtdsim model vs pcie-bench, Broadwell)</text>' % LEFT)

    def panel(index, ymin, ymax, ystep, ylabel, series, fmt):
        top, bottom = PANELS[index]

        def y(v):
            return bottom - (v - ymin) / (ymax - ymin) * (bottom - top)

        add('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="black"/>'
            % (LEFT, top, WIDTH - LEFT - RIGHT, bottom - top))
        v = ymin
        while v <= ymax + 1e-9:
            add('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>'
                % (LEFT, WIDTH - RIGHT, y(v), y(v)))
            add('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (LEFT - 6, y(v) + 4, fmt % v))
            v += ystep
        for w in windows:
            if int(math.log2(w)) % 2 == 1:
                add('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#eee"/>'
                    % (x(w), x(w), top, bottom))
                add('<text x="%.1f" y="%d" text-anchor="middle">%s</text>'
                    % (x(w), bottom + 16, size_label(w)))
        add('<text transform="translate(22,%d) rotate(-90)" text-anchor="middle">%s</text>'
            % ((top + bottom) // 2, ylabel))
        legend_y = top + 14
        for name, color, points, dashed in series:
            pts = [(x(w), y(min(max(v, ymin), ymax))) for w, v in points]
            if dashed:
                for px, py in pts:
                    add('<circle cx="%.1f" cy="%.1f" r="4" fill="none" stroke="%s" '
                        'stroke-width="2"/>' % (px, py, color))
            else:
                add('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'
                    % (color, " ".join("%.1f,%.1f" % p for p in pts)))
                for px, py in pts:
                    add('<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>' % (px, py, color))
            add('<rect x="%d" y="%d" width="14" height="4" fill="%s"/>'
                % (WIDTH - RIGHT + 12, legend_y - 4, color))
            add('<text x="%d" y="%d">%s</text>' % (WIDTH - RIGHT + 30, legend_y, name))
            legend_y += 18

    def series(page, column):
        return [(int(r["window_bytes"]), float(r[column])) for r in model
                if r["page_size"] == page and r[column] != ""]

    latency = [
        ("model, 4 KiB pages", COLORS["4K"], series("4K", "model_dma_read_ns"), False),
        ("model, 2 MiB pages", COLORS["2M"], series("2M", "model_dma_read_ns"), False),
        ("pcie-bench, 4 KiB", COLORS["pb4k"],
         [(int(r["window_bytes"]), float(r["iommu_4k_avg_ns"])) for r in published], True),
        ("pcie-bench, no IOMMU", COLORS["pboff"],
         [(int(r["window_bytes"]), float(r["iommu_off_avg_ns"])) for r in published], True),
    ]
    panel(0, 550, 1050, 50, "64 B DMA read latency (ns)", latency, "%d")
    hits = [
        ("IOTLB hit rate, 4 KiB", COLORS["4K"], series("4K", "iotlb_hit_rate"), False),
        ("IOTLB hit rate, 2 MiB", COLORS["2M"], series("2M", "iotlb_hit_rate"), False),
    ]
    panel(1, 0.0, 1.0, 0.25, "model IOTLB hit rate", hits, "%.2f")
    add('<text x="%d" y="%d" text-anchor="middle">buffer window (bytes, log scale)</text>'
        % ((LEFT + WIDTH - RIGHT) // 2, PANELS[1][1] + 36))
    add("</svg>")
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
