"""Small hand-written SVG charts for the bench: no plotting library is
available offline, and SVG opens in any browser."""

from xml.sax.saxutils import escape

_COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
           "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
_FONT = 'font-family="sans-serif" font-size="11"'


def _doc(w, h, body, title):
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
            'viewBox="0 0 %d %d">\n<rect width="100%%" height="100%%" '
            'fill="white"/>\n<text x="10" y="18" %s font-weight="bold">%s'
            '</text>\n%s</svg>\n' % (w, h, w, h, _FONT, escape(title),
                                     "\n".join(body)))


def _ticks(lo, hi, n=5):
    step = (hi - lo) / n if hi > lo else 1
    return [lo + i * step for i in range(n + 1)]


def gantt(run):
    """One row per started VP: from the start request to the VP's first
    instruction, coloured by depth in the start tree."""
    starts = sorted(run.starts, key=lambda s: s["req"])
    left, top, row, width = 90, 40, 14, 640
    end = max([s["launch"] for s in starts] + [run.boot_cycles, 1])
    scale = width / run.us(end)
    body = []
    for i, s in enumerate(starts):
        y = top + i * row
        x0 = left + run.us(s["req"]) * scale
        x1 = left + run.us(s["launch"]) * scale
        c = _COLORS[s["depth"] % len(_COLORS)]
        body.append('<text x="4" y="%d" %s>VP %d&lt;-%d</text>' %
                    (y + 10, _FONT, s["child"], s["parent"]))
        body.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" '
                    'fill="%s"><title>VP %d started by VP %d: %.0f-%.0f us, '
                    'depth %d</title></rect>' %
                    (x0, y, max(x1 - x0, 1.0), row - 3, c, s["child"],
                     s["parent"], run.us(s["req"]), run.us(s["launch"]),
                     s["depth"]))
    h = top + len(starts) * row + 40
    xb = left + run.us(run.boot_cycles) * scale
    body.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black" '
                'stroke-dasharray="4"/>' % (xb, top - 5, xb, h - 30))
    body.append('<text x="%.1f" y="%d" %s>all IDLE %.0f us</text>' %
                (xb + 3, top - 8, _FONT, run.us(run.boot_cycles)))
    for t in _ticks(0, run.us(end)):
        x = left + t * scale
        body.append('<text x="%.1f" y="%d" %s>%.0f</text>' %
                    (x, h - 15, _FONT, t))
    body.append('<text x="%d" y="%d" %s>us since the entry was called'
                '</text>' % (left + width // 2 - 80, h - 2, _FONT))
    return _doc(left + width + 120, h,
                body, "Boot timeline, %d vCPUs (bar: start request to first "
                "instruction; colour: depth)" % run.vps)


def tree(run):
    """The fan-out: who started whom, one layer per depth."""
    by_depth = {0: [0]}
    parent = {}
    for s in run.starts:
        by_depth.setdefault(s["depth"], []).append(s["child"])
        parent[s["child"]] = s["parent"]
    roots = set(s["parent"] for s in run.starts) - set(parent)
    by_depth[0] = sorted(roots) or [0]
    layer_h, w = 70, max(800, 28 * max(len(v) for v in by_depth.values()))
    pos = {}
    for d, vps in sorted(by_depth.items()):
        vps = sorted(vps)
        for i, vp in enumerate(vps):
            pos[vp] = (w * (i + 1) / (len(vps) + 1), 50 + d * layer_h)
    body = []
    for child, p in parent.items():
        if p in pos and child in pos:
            (x0, y0), (x1, y1) = pos[p], pos[child]
            body.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" '
                        'stroke="#888"/>' % (x0, y0, x1, y1))
    for vp, (x, y) in pos.items():
        d = next((k for k, v in by_depth.items() if vp in v), 0)
        body.append('<circle cx="%.1f" cy="%.1f" r="10" fill="%s"/>'
                    '<text x="%.1f" y="%.1f" %s text-anchor="middle" '
                    'fill="white">%d</text>' %
                    (x, y, _COLORS[d % len(_COLORS)], x, y + 4, _FONT, vp))
    h = 50 + (max(by_depth) + 1) * layer_h
    return _doc(int(w), int(h), body,
                "Fan-out, %d vCPUs: depth %d (bound %d)" %
                (run.vps, run.depth, run.depth_bound))


def lines(runs, series, title, unit):
    """A line chart of figures against N. series: [(label, fn(run))]."""
    left, top, width, height = 60, 40, 520, 260
    xs = [r.vps for r in runs]
    ys = [fn(r) for r in runs for _, fn in series]
    ymax = max(ys + [1e-9]) * 1.15
    xmin, xmax = min(xs), max(xs)
    sx = lambda x: left + (width * (x - xmin) / (xmax - xmin)
                           if xmax > xmin else width / 2)
    sy = lambda y: top + height - height * y / ymax
    body = ['<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' %
            (left, top + height, left + width, top + height),
            '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' %
            (left, top, left, top + height)]
    for t in _ticks(0, ymax):
        body.append('<text x="4" y="%.1f" %s>%.1f</text>' %
                    (sy(t) + 4, _FONT, t))
    for x in xs:
        body.append('<text x="%.1f" y="%d" %s text-anchor="middle">%d'
                    '</text>' % (sx(x), top + height + 15, _FONT, x))
    for i, (label, fn) in enumerate(series):
        c = _COLORS[i % len(_COLORS)]
        pts = " ".join("%.1f,%.1f" % (sx(r.vps), sy(fn(r))) for r in runs)
        body.append('<polyline points="%s" fill="none" stroke="%s" '
                    'stroke-width="2"/>' % (pts, c))
        for r in runs:
            body.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s">'
                        '<title>%s at %d vCPUs: %.2f %s</title></circle>' %
                        (sx(r.vps), sy(fn(r)), c, escape(label), r.vps,
                         fn(r), unit))
        body.append('<text x="%d" y="%d" %s fill="%s">%s</text>' %
                    (left + width + 10, top + 15 + 15 * i, _FONT, c,
                     escape(label)))
    body.append('<text x="%d" y="%d" %s>vCPUs</text>' %
                (left + width // 2, top + height + 32, _FONT))
    body.append('<text x="4" y="%d" %s>%s</text>' % (top - 6, _FONT,
                                                     escape(unit)))
    return _doc(left + width + 180, top + height + 45, body, title)


def boot_vs_n(runs):
    return lines(runs, [("boot: entry to all IDLE",
                         lambda r: r.us(r.boot_cycles) / 1000.0)],
                 "Boot time against vCPUs", "ms")


def rtt_vs_n(runs):
    return lines(runs, [
        ("NONE p50", lambda r: r.us(r.none["p50"])),
        ("NONE p99", lambda r: r.us(r.none["p99"])),
        ("bare IPI p50", lambda r: r.us(r.ipi["p50"])),
        ("bare IPI p99", lambda r: r.us(r.ipi["p99"])),
    ], "Command round trip against vCPUs", "us")
