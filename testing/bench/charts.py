"""The bench's SVG charts, drawn with matplotlib (Debian's
python3-matplotlib, installed by tools/bootstrap).

Every chart function takes figures from report.Run objects and returns
the SVG as a string. The SVG is reproducible: no date in its metadata and
a fixed salt for the ids matplotlib hashes, so two deterministic runs give
identical files. Text is drawn as paths, so the picture does not depend on
the fonts of whatever opens it.

Per-VP charts (a Gantt row per VP, a node per VP) stop being readable
past about 64 VPs; above that the timeline and the tree are drawn as
aggregates (VPs launched over time by depth, start latencies, VPs per depth
per node).
"""

import functools
import io
import os

# Under `bazel test` HOME is not writable: give matplotlib's font cache the
# test's own temporary directory instead of a warning and a fresh cache
# in /tmp on every import.
if "TEST_TMPDIR" in os.environ:
    os.environ.setdefault("MPLCONFIGDIR",
                          os.path.join(os.environ["TEST_TMPDIR"], "mpl"))

try:
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import (EngFormatter, FuncFormatter, LogLocator,
                                   MaxNLocator)
except ImportError as e:  # a declared dependency: say how to get it
    raise ImportError("charts: matplotlib is missing (%s); install it with "
                      "tools/bootstrap (Debian package python3-matplotlib)"
                      % e) from e

import report

# Above this many started VPs a chart draws aggregates, not one mark per VP.
PER_VP_MAX = 64

_RC = {
    "svg.hashsalt": "sidecar-bench",
    "svg.fonttype": "path",
    "font.size": 9,
    "axes.titlesize": 10,
}


def _styled(chart):
    """Runs a chart function under the bench's rcParams: they are read
    when each artist is made and when the SVG is written."""
    @functools.wraps(chart)
    def wrapped(*args, **kwargs):
        with matplotlib.rc_context(_RC):
            return chart(*args, **kwargs)
    return wrapped


def _svg(fig):
    """The figure as SVG text, without a date in it."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def _figure(w, h):
    return Figure(figsize=(w, h), layout="constrained")


def _colour(i):
    return matplotlib.colormaps["tab10"](i % 10)


class Unit:
    """Time on an axis: TSC ticks (instructions under --deterministic) or
    microseconds from the run's TSC frequency."""

    def __init__(self, ticks):
        self.ticks = ticks
        self.label = "ticks" if ticks else "us"

    def of(self, run, cycles):
        return cycles if self.ticks else run.us(cycles)

    def axis(self, axis):
        """Millions of ticks read better as "20M" than as 2.0 x 1e7."""
        if self.ticks:
            axis.set_major_formatter(EngFormatter(sep=""))


# ---- boot timeline -------------------------------------------------------


@_styled
def timeline(run, ticks=False):
    """The boot: a Gantt row per started VP up to PER_VP_MAX VPs, the
    launches over time and the start latencies above that."""
    if len(run.starts) <= PER_VP_MAX:
        return _gantt(run, Unit(ticks))
    return _launch_aggregate(run, Unit(ticks))


def _gantt(run, unit):
    starts = sorted(run.starts, key=lambda s: (s["req"], s["child"]))
    on_path = {s["child"] for s in run.critical}
    launch = {s["child"]: s["launch"] for s in starts}
    fig = _figure(10, 1.6 + 0.17 * max(len(starts), 4))
    ax = fig.add_subplot()
    for i, s in enumerate(starts):
        x0, x1 = unit.of(run, s["req"]), unit.of(run, s["launch"])
        # The parent's time before asking, thin: its share of the path.
        p0 = unit.of(run, launch.get(s["parent"], 0))
        ax.plot([p0, x0], [i, i], color="#bbbbbb", linewidth=1)
        crit = s["child"] in on_path
        ax.barh(i, x1 - x0, left=x0, height=0.7, color=_colour(s["depth"]),
                edgecolor="black" if crit else "none",
                linewidth=1.2 if crit else 0)
    ax.set_yticks(range(len(starts)))
    ax.set_yticklabels(["VP %d < %d%s" % (s["child"], s["parent"],
                                          " *" if s["child"] in on_path
                                          else "") for s in starts],
                       fontsize=7 if len(starts) > 24 else 9)
    ax.set_ylim(len(starts) - 0.5, -0.5)
    _mark_boot(ax, run, unit)
    unit.axis(ax.xaxis)
    ax.set_xlabel("%s since the entry was called" % unit.label)
    ax.set_title("Boot timeline, %d vCPUs (VP child < parent)\nbar: start "
                 "request to first instruction; grey: the parent running "
                 "before it asked; * and outline: critical path" % run.vps,
                 loc="left")
    _depth_legend(ax, sorted({s["depth"] for s in starts}))
    return _svg(fig)


def _mark_boot(ax, run, unit):
    """Lines at the last launch (end of the critical path) and at
    all-IDLE, named in the legend rather than by labels that would
    collide (the two are close)."""
    ax.axvline(unit.of(run, run.critical_path_ticks), color="black",
               linestyle="--", linewidth=0.8, label="last launch")
    ax.axvline(unit.of(run, run.boot_cycles), color="black",
               linestyle=":", linewidth=1.2, label="all IDLE")


def _depth_legend(ax, depths):
    """Depth colours and the two boot lines, outside the plot area."""
    handles = [h for h in ax.get_legend_handles_labels()[0]]
    ax.legend(handles=[Patch(color=_colour(d), label="depth %d" % d)
                       for d in depths] + handles, loc="upper left",
              bbox_to_anchor=(1.0, 1.0), fontsize=8)


def _launch_aggregate(run, unit):
    fig = _figure(10, 7)
    top, bottom = fig.subplots(2, 1)
    _cumulative_by_depth(top, run, unit)
    _latency_histogram(bottom, run, unit)
    fig.suptitle("Boot timeline, %d vCPUs in %d nodes" %
                 (run.vps, len(run.ranges)), x=0.01, ha="left")
    return _svg(fig)


def _cumulative_by_depth(ax, run, unit):
    """VPs launched by each time, stacked by their depth."""
    depths = sorted({s["depth"] for s in run.starts})
    times = sorted({0} | {s["launch"] for s in run.starts} |
                   {run.boot_cycles})
    xs = [unit.of(run, t) for t in times]
    lower = [0] * len(times)
    for d in depths:
        mine = sorted(s["launch"] for s in run.starts if s["depth"] == d)
        upper, k = [], 0
        for i, t in enumerate(times):
            while k < len(mine) and mine[k] <= t:
                k += 1
            upper.append(lower[i] + k)
        ax.fill_between(xs, lower, upper, step="post", color=_colour(d),
                        linewidth=0)
        lower = upper
    _mark_boot(ax, run, unit)
    ax.set_xlim(0, xs[-1] * 1.02)
    unit.axis(ax.xaxis)
    ax.set_ylabel("VPs launched")
    ax.set_xlabel("%s since the entry was called" % unit.label)
    ax.set_title("VPs that ran their first instruction, by depth in the "
                 "start tree", loc="left")
    _depth_legend(ax, depths)


def _latency_histogram(ax, run, unit):
    """How long each start took, launch minus request."""
    lat = [unit.of(run, s["launch"] - s["req"]) for s in run.starts]
    ax.hist(lat, bins=40, color=_colour(0))
    med = unit.of(run, run.single_start)
    ax.axvline(med, color="black", linestyle="--", linewidth=0.8,
               label="median %.0f" % med)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    unit.axis(ax.xaxis)
    ax.set_xlabel("start latency (first instruction - request), %s" %
                  unit.label)
    ax.set_ylabel("VPs")
    ax.set_title("Start latency of the %d started VPs" % len(run.starts),
                 loc="left")


# ---- start tree ----------------------------------------------------------


@_styled
def tree(run):
    """Who started whom: the tree up to PER_VP_MAX VPs, the VPs per depth
    in each node above that; the depth bound marked in both."""
    if len(run.starts) <= PER_VP_MAX:
        return _tree_per_vp(run)
    return _depth_per_node(run)


def _tree_layout(starts):
    """x of every VP: leaves left to right in start order, a parent
    centred over its children, so edges do not cross."""
    children, parents = {}, {}
    for s in sorted(starts, key=lambda s: (s["req"], s["child"])):
        children.setdefault(s["parent"], []).append(s["child"])
        parents[s["child"]] = s["parent"]
    roots = sorted(set(children) - set(parents))
    x, next_leaf = {}, [0]

    def place(vp):
        kids = children.get(vp, [])
        for k in kids:
            place(k)
        if kids:
            x[vp] = (x[kids[0]] + x[kids[-1]]) / 2.0
        else:
            x[vp] = next_leaf[0]
            next_leaf[0] += 1

    for r in roots:
        place(r)
    return x, parents


def _tree_per_vp(run):
    x, parents = _tree_layout(run.starts)
    depth = {s["child"]: s["depth"] for s in run.starts}
    on_path = {s["child"] for s in run.critical}
    width = max(x.values() or [0]) + 1
    fig = _figure(min(max(8, 0.32 * width + 3), 24), 1.8 + 0.8 * (
        run.depth + 1))
    ax = fig.add_subplot()
    for child, parent in parents.items():
        crit = child in on_path
        ax.plot([x[parent], x[child]], [depth.get(parent, 0), depth[child]],
                color="#d62728" if crit else "#999999",
                linewidth=2 if crit else 1, zorder=1)
    for vp, vx in x.items():
        node = run.node_of(vp)
        ax.scatter([vx], [depth.get(vp, 0)], s=170,
                   color=_colour(node if node is not None else 9), zorder=2)
        ax.text(vx, depth.get(vp, 0), str(vp), ha="center", va="center",
                fontsize=6, color="white", zorder=3)
    for b in sorted(set(run.node_depth_bounds)):
        ax.axhline(b + 0.5, color="black", linestyle=":", linewidth=0.8)
        ax.text(-0.5, b + 0.5, "bound ceil(log2 n) = %d" % b, va="top",
                fontsize=8)
    ax.legend(handles=[Patch(color=_colour(i), label="node %d: VPs %d-%d" %
                             (i, base, base + count - 1))
                       for i, (base, count) in enumerate(run.ranges)],
              loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    ax.set_ylim(max(run.depth, run.depth_bound) + 0.8, -0.6)
    ax.set_xlim(-0.8, width - 0.2)
    ax.set_xticks([])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("depth (BSP = 0)")
    ax.set_title("Start tree, %d vCPUs: depth per node %s (bounds %s)\n"
                 "colour: node; red: the critical path" %
                 (run.vps, _joined(run.node_depths),
                  _joined(run.node_depth_bounds)), loc="left")
    return _svg(fig)


def _joined(values):
    return "/".join(str(v) for v in values)


def _depth_per_node(run):
    nodes = len(run.ranges)
    per = [[0] * (run.depth + 1) for _ in range(nodes)]
    for s in run.starts:
        k = run.node_of(s["child"])
        if k is not None:
            per[k][s["depth"]] += 1
    fig = _figure(min(max(8, 0.3 * nodes + 3), 24), 6)
    top, bottom = fig.subplots(2, 1, sharex=True,
                               gridspec_kw={"height_ratios": [2, 1]})
    xs = list(range(nodes))
    lower = [0] * nodes
    for d in range(run.depth + 1):
        col = [per[k][d] for k in xs]
        if any(col):
            top.bar(xs, col, bottom=lower, color=_colour(d),
                    label="depth %d" % d)
            lower = [a + b for a, b in zip(lower, col)]
    top.set_ylabel("VPs started")
    top.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    top.set_title("Start tree, %d vCPUs in %d nodes: VPs per depth in "
                  "each node" % (run.vps, nodes), loc="left")
    depths, bounds = run.node_depths, run.node_depth_bounds
    bottom.bar(xs, depths, color=["#d62728" if d > b else _colour(0)
                                  for d, b in zip(depths, bounds)],
               label="deepest start")
    bottom.scatter(xs, bounds, marker="_", s=200, color="black", zorder=3,
                   label="bound ceil(log2 n)")
    bottom.set_ylim(0, max(depths + bounds) + 1)
    bottom.yaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.set_ylabel("depth")
    bottom.set_xlabel("node")
    bottom.set_xticks(xs if nodes <= 40 else xs[::max(1, nodes // 20)])
    bottom.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return _svg(fig)


# ---- figures against N ---------------------------------------------------


def _against_n(ax, groups, fn, label, colour, marker="o", style="-",
               width=1.5, **style_kw):
    """One point per VP count (median over its runs), min-max as an error
    bar when it was run more than once."""
    xs, ys, lo, hi = [], [], [], []
    for runs in groups:
        v = [fn(r) for r in runs]
        if any(x is None for x in v):
            continue
        m = report.median(v)
        xs.append(runs[0].vps)
        ys.append(m)
        lo.append(m - min(v))
        hi.append(max(v) - m)
    if not xs:
        return
    ax.errorbar(xs, ys, yerr=[lo, hi] if any(lo + hi) else None,
                label=label, color=colour, marker=marker, linestyle=style,
                linewidth=width, capsize=3, **style_kw)


def _log_n_axis(ax, groups):
    ns = [g[0].vps for g in groups]
    ax.set_xscale("log", base=2)
    ax.set_xticks(ns)
    ax.set_xticklabels([str(n) for n in ns])
    ax.minorticks_off()
    ax.set_xlim(min(ns) / 1.5, max(ns) * 1.5)
    ax.set_xlabel("vCPUs")


@_styled
def boot_vs_n(groups, ticks=False):
    """The boot's critical path (and all-IDLE) and the start-tree depth
    with its bound, against N."""
    unit = Unit(ticks)
    fig = _figure(10, 4)
    left, right = fig.subplots(1, 2)
    # All-IDLE comes just after the last launch: hollow, under the path.
    _against_n(left, groups, lambda r: unit.of(r, r.boot_cycles),
               "entry to all IDLE", _colour(2), marker="s", style=":",
               markerfacecolor="none", markersize=9)
    _against_n(left, groups, lambda r: unit.of(r, r.critical_path_ticks),
               "critical path (last launch)", _colour(0))
    _against_n(left, groups,
               lambda r: unit.of(r, r.critical_start_ticks),
               "its start latencies", _colour(1), style="--")
    left.set_yscale("log")
    _plain_log_labels(left.yaxis)
    left.set_ylabel(unit.label)
    left.set_title("Boot critical path", loc="left")
    left.legend(fontsize=8)
    _log_n_axis(left, groups)
    # The bound as a wide pale band under the depth, which often equals it.
    _against_n(right, groups, lambda r: r.depth_bound,
               "bound ceil(log2 n), largest node", "#bbbbbb", marker="",
               width=8)
    _against_n(right, groups, lambda r: r.depth, "deepest start",
               _colour(0))
    _against_n(right, groups, lambda r: r.critical_path_hops,
               "critical path hops", _colour(1), marker="x", style="--")
    right.yaxis.set_major_locator(MaxNLocator(integer=True))
    right.set_ylim(bottom=0)
    right.set_ylabel("depth (BSP = 0)")
    right.set_title("Start-tree depth", loc="left")
    right.legend(fontsize=8)
    _log_n_axis(right, groups)
    return _svg(fig)


@_styled
def commands_vs_n(groups):
    """Every command's p50 (TSC ticks) against N, beside the bare IPI
    ping-pong."""
    fig = _figure(9, 5)
    ax = fig.add_subplot()
    for i, name in enumerate(report.COMMANDS):
        def fn(r, name=name):
            return r.cmds[name]["p50"] if name in r.cmds else None
        if name == "ipi":
            _against_n(ax, groups, fn, "bare IPI ping-pong", "black",
                       marker="D", style="--")
        else:
            _against_n(ax, groups, fn, name, _colour(i))
    ax.set_yscale("log")
    _plain_log_labels(ax.yaxis)
    ax.set_ylabel("p50, TSC ticks (instructions under --deterministic)")
    ax.set_title("Cost of each command against vCPUs", loc="left")
    _legend_by_last_value(ax)
    _log_n_axis(ax, groups)
    return _svg(fig)


def _legend_by_last_value(ax):
    """The legend in the order the lines end at the largest N, top first,
    so each name sits beside its line's place."""
    handles, labels = ax.get_legend_handles_labels()
    ends = [h.lines[0].get_ydata()[-1] for h in handles]
    order = sorted(range(len(handles)), key=lambda i: -ends[i])
    ax.legend([handles[i] for i in order], [labels[i] for i in order],
              loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)


def _plain_log_labels(axis):
    """Log axis labelled at 1, 2 and 5 of each decade in plain numbers
    (EngFormatter: 2k, 50k, 1M), not only at powers of ten."""
    axis.set_major_locator(LogLocator(base=10, subs=(1, 2, 5)))
    axis.set_major_formatter(EngFormatter(sep=""))
    axis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
