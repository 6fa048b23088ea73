"""Turns the bench scenario's serial lines into figures, a table, CSV and
SVG charts. Kept apart from running QEMU so it can be tested on canned
output (report_test.py).

The scenario prints `bench: KEY k=v ...` lines; cycles are TSC cycles and
`tsc_khz` converts them. Every ratio is against a reference measured in the
same run, never against a constant.
"""

import math
import re
import statistics

# The per-command figures, in CSV order: `bench: cmd name=X p50=..` lines
# become X_ticks columns (p50 TSC ticks: instructions under
# --deterministic), each also shown as a multiple of the IPI ping-pong.
COMMANDS = ["none", "get1", "get31", "set1", "set31", "translate",
            "run_intercept", "cancel", "remove", "ipi"]

_LINE = re.compile(r"^bench: (\w+)((?: \w+=[^ ]+)*)\s*$")


def parse(text):
    """Returns {key: [dict(fields), ...]} for every `bench:` line."""
    out = {}
    for line in text.splitlines():
        m = _LINE.match(line.strip())
        if not m:
            continue
        fields = {}
        for kv in m.group(2).split():
            k, v = kv.split("=", 1)
            try:
                fields[k] = int(v, 0)
            except ValueError:
                try:
                    fields[k] = float(v)
                except ValueError:
                    fields[k] = v
        out.setdefault(m.group(1), []).append(fields)
    return out


def _one(d, key):
    if key not in d or not d[key]:
        raise ValueError("bench output lacks a '%s' line" % key)
    return d[key][0]


class Run:
    """The figures of one QEMU run (one VP count)."""

    def __init__(self, text):
        d = parse(text)
        self.raw = d
        cfg = _one(d, "config")
        self.vps = cfg["vps"]
        self.nodes = cfg["nodes"]
        self.tsc_khz = cfg["tsc_khz"]
        self.boot_cycles = _one(d, "boot")["cycles"]
        self.starts = d.get("start", [])
        self.depth = max([s["depth"] for s in self.starts] or [0])
        self.single_start = (statistics.median(
            [s["launch"] - s["req"] for s in self.starts])
            if self.starts else 0)
        self.ipi = _one(d, "ipi")
        self.none = _one(d, "none")
        self.regs = {r["op"]: r for r in d.get("regs", [])}
        self.cancel = _one(d, "cancel")
        self.cmds = {c["name"]: c for c in d.get("cmd", [])}
        self.memory = d.get("memory", [])
        self.image_bytes = _one(d, "image")["bytes"]

    def us(self, cycles):
        return cycles * 1000.0 / self.tsc_khz

    @property
    def depth_bound(self):
        """The image's claim: each node's start tree is at most ceil(log2
        n) deep, n the node's VPs (from the memory lines, one per node)."""
        sizes = [m["vps"] for m in self.memory] or [self.vps]
        return max(math.ceil(math.log2(n)) if n > 1 else 0 for n in sizes)

    @property
    def boot_ratio(self):
        denom = self.depth_bound * self.single_start
        return self.boot_cycles / denom if denom else float("nan")

    @property
    def rtt_ratio_p50(self):
        return self.none["p50"] / self.ipi["p50"]

    @property
    def rtt_ratio_p99(self):
        return self.none["p99"] / self.ipi["p99"]


GOALS = {
    "rtt_ratio": 1.3,
    "boot_ratio": 3.0,
}


def rows(run):
    """(figure, value, unit, goal, verdict) rows for one run."""
    r = []

    def add(name, value, unit, goal="", ok=None):
        verdict = "" if ok is None else ("meets" if ok else "MISSES")
        r.append((name, value, unit, goal, verdict))

    add("boot: entry to all IDLE", "%.0f" % run.us(run.boot_cycles), "us")
    add("boot: start-tree depth", str(run.depth), "",
        "<= %d (ceil(log2 n) per node)" % run.depth_bound,
        run.depth <= run.depth_bound)
    add("boot: median single start", "%.0f" % run.us(run.single_start), "us")
    add("boot: time / (depth bound x single start)", "%.2f" % run.boot_ratio,
        "", "<= %.1f" % GOALS["boot_ratio"],
        run.boot_ratio <= GOALS["boot_ratio"])
    add("bare IPI ping-pong p50 / p99",
        "%.1f / %.1f" % (run.us(run.ipi["p50"]), run.us(run.ipi["p99"])),
        "us")
    add("NONE round trip p50 / p99",
        "%.1f / %.1f" % (run.us(run.none["p50"]), run.us(run.none["p99"])),
        "us")
    add("NONE / IPI ratio p50", "%.2f" % run.rtt_ratio_p50, "",
        "<= %.1f" % GOALS["rtt_ratio"], run.rtt_ratio_p50 <= GOALS["rtt_ratio"])
    add("NONE / IPI ratio p99", "%.2f" % run.rtt_ratio_p99, "",
        "<= %.1f" % GOALS["rtt_ratio"], run.rtt_ratio_p99 <= GOALS["rtt_ratio"])
    for op in ("get1", "get31", "get100", "set31"):
        if op in run.regs:
            g = run.regs[op]
            add("%s: per call / per register" % op,
                "%.1f / %.2f" % (run.us(g["per_call"]),
                                 run.us(g["per_call"]) / g["count"]), "us")
    ipi = run.cmds.get("ipi", {}).get("p50")
    for name in COMMANDS:
        if name in run.cmds and name != "ipi":
            p50 = run.cmds[name]["p50"]
            add("%s: p50 ticks (x IPI %s)" % (name, ipi),
                "%d (%.2f)" % (p50, p50 / ipi if ipi else float("nan")), "")
    add("RUN_VP cancel (STOP to IDLE) p50 / p99",
        "%.1f / %.1f" % (run.us(run.cancel["p50"]), run.us(run.cancel["p99"])),
        "us")
    # (Node memory per VP is not a figure: the launcher sizes it with
    # sidecar_required_memory, so comparing the two compared it with
    # itself.)
    add("image size", str(run.image_bytes), "bytes")
    return r


def table(runs):
    lines = []
    for run in runs:
        lines.append("")
        lines.append("== %d vCPUs, %d node(s), TSC %.0f MHz" %
                     (run.vps, run.nodes, run.tsc_khz / 1000.0))
        rs = rows(run)
        w = max(len(x[0]) for x in rs)
        for name, value, unit, goal, verdict in rs:
            lines.append("  %-*s  %14s %-5s  %-22s %s" %
                         (w, name, value, unit, goal, verdict))
    return "\n".join(lines)


def csv(runs):
    head = ["vps", "nodes", "boot_us", "depth", "depth_bound",
            "single_start_us", "boot_ratio", "ipi_p50_us", "ipi_p99_us",
            "none_p50_us", "none_p99_us", "rtt_ratio_p50", "rtt_ratio_p99",
            "get1_us", "get31_us", "get100_us", "set31_us",
            "cancel_p50_us", "cancel_p99_us", "image_bytes"] + [
                "%s_ticks" % c for c in COMMANDS]
    out = [",".join(head)]
    for r in runs:
        reg = lambda op: ("%.2f" % r.us(r.regs[op]["per_call"])
                          if op in r.regs else "")
        out.append(",".join(str(x) for x in [
            r.vps, r.nodes, "%.1f" % r.us(r.boot_cycles), r.depth,
            r.depth_bound, "%.1f" % r.us(r.single_start),
            "%.3f" % r.boot_ratio,
            "%.2f" % r.us(r.ipi["p50"]), "%.2f" % r.us(r.ipi["p99"]),
            "%.2f" % r.us(r.none["p50"]), "%.2f" % r.us(r.none["p99"]),
            "%.3f" % r.rtt_ratio_p50, "%.3f" % r.rtt_ratio_p99,
            reg("get1"), reg("get31"), reg("get100"), reg("set31"),
            "%.2f" % r.us(r.cancel["p50"]), "%.2f" % r.us(r.cancel["p99"]),
            r.image_bytes] + [r.cmds[c]["p50"] if c in r.cmds else ""
                              for c in COMMANDS]))
    return "\n".join(out) + "\n"
