"""Tests of the bench report on canned scenario output: the figures and
ratios users read come out right, and every chart is well-formed SVG.
matplotlib is a declared dependency (tools/bootstrap): without it the
chart tests fail, naming the package, rather than skip."""

import os
import sys
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402

try:
    import charts  # noqa: E402
    CHARTS_ERROR = None
except ImportError as e:
    charts, CHARTS_ERROR = None, str(e)

# One node of 4: VP 0 (the BSP) starts 1 and 2, VP 1 starts 3. The last
# launch is VP 2's at 4.2 M; its chain is the BSP's one hop.
CANNED = """
noise before
bench: config vps=4 nodes=1 tsc_khz=2000000
bench: boot cycles=6000000
bench: start parent=0 child=1 depth=1 req=100000 launch=2100000
bench: start parent=0 child=2 depth=1 req=2200000 launch=4200000
bench: start parent=1 child=3 depth=2 req=2200000 launch=4000000
bench: ipi p50=20000 p99=40000 samples=300
bench: none p50=24000 p99=60000 samples=300
bench: regs op=get1 count=1 per_call=30000
bench: regs op=get31 count=31 per_call=310000
bench: regs op=get100 count=100 per_call=1000000
bench: regs op=set31 count=31 per_call=320000
bench: cancel p50=50000 p99=90000 samples=20
bench: cmd name=none p50=24000 p99=60000 samples=300
bench: cmd name=get1 p50=30000 p99=30000 samples=300
bench: cmd name=ipi p50=20000 p99=40000 samples=300
bench: memory node=0 vps=4 bytes=217088 required=217088
bench: image bytes=77864
summary: scenario=bench vps=4 result=pass
"""

# A deeper chain: the last launch (VP 3, 900) is reached BSP -> 1 -> 3;
# the last request is VP 2's, which is not on it.
CHAIN = """
bench: config vps=4 nodes=1 tsc_khz=1000
bench: boot cycles=1000
bench: start parent=0 child=1 depth=1 req=100 launch=300
bench: start parent=0 child=2 depth=1 req=650 launch=800
bench: start parent=1 child=3 depth=2 req=450 launch=900
bench: ipi p50=20 p99=40 samples=3
bench: none p50=24 p99=60 samples=3
bench: cancel p50=50 p99=90 samples=2
bench: memory node=0 base=0 vps=4 bytes=1 required=1
bench: image bytes=1
"""

PAIR = ("bench: pair none_p50=30000 none_p99=90000 ipi_p50=20000 "
        "ipi_p99=50000 samples=200 ref=1\n")


def synthetic(vps=1024, node=32, tsc_khz=1000000):
    """Scenario output of a large boot: nodes of `node` VPs from VP 0; the
    BSP starts each node's second VP (the first is the main kernel's), and
    from there the started VPs start the others as a binomial tree, each
    start 1000 ticks after its parent's launch and 5000 + 7 * m long.
    Returns (text, {vp: (parent, depth, req, launch)})."""
    lines = ["bench: config vps=%d nodes=%d tsc_khz=%d rounds=1" %
             (vps, vps // node, tsc_khz)]
    rec = {}
    for k in range(vps // node):
        base = k * node
        lines.append("bench: memory node=%d base=%d vps=%d bytes=1 "
                     "required=1" % (k, base, node))
        # m = offset - 1: the BSP starts m = 0, and m starts m + 2^j
        # for every 2^j > m (so a VP's depth is 1 + popcount(m)).
        rec[base + 1] = (0, 1, 100 * k, 100 * k + 5000)
        order = [0]
        while order:
            m = order.pop(0)
            _, depth, _, launch = rec[base + 1 + m]
            j = 1
            while j <= m:
                j *= 2
            while m + j < node - 1:
                c = m + j
                req = launch + 1000
                rec[base + 1 + c] = (base + 1 + m, depth + 1, req,
                                     req + 5000 + 7 * c)
                order.append(c)
                j *= 2
    for vp in sorted(rec):
        p, d, req, launch = rec[vp]
        lines.append("bench: start parent=%d child=%d depth=%d req=%d "
                     "launch=%d" % (p, vp, d, req, launch))
    last = max(v[3] for v in rec.values())
    lines += ["bench: boot cycles=%d" % (last + 10000),
              "bench: ipi p50=220 p99=300 samples=9",
              "bench: none p50=900 p99=1500 samples=9",
              "bench: cancel p50=5000 p99=6000 samples=9",
              "bench: cmd name=none p50=900 p99=1500 samples=9",
              "bench: cmd name=get1 p50=2500 p99=2600 samples=9",
              "bench: cmd name=ipi p50=220 p99=300 samples=9",
              "bench: image bytes=80000"]
    return "\n".join(lines) + "\n", rec


def row(groups, column):
    lines = report.csv(groups).splitlines()
    head = lines[0].split(",")
    return [r.split(",")[head.index(column)] for r in lines[1:]]


class ReportTest(unittest.TestCase):
    def setUp(self):
        self.run = report.Run(CANNED)

    def test_figures(self):
        r = self.run
        self.assertEqual(r.vps, 4)
        self.assertEqual(r.depth, 2)
        self.assertEqual(r.depth_bound, 2)  # ceil(log2 4), one node of 4
        self.assertEqual(r.single_start, 2000000)  # median of 2.0/2.0/1.8 M
        self.assertAlmostEqual(r.us(r.boot_cycles), 3000.0)
        self.assertAlmostEqual(r.rtt_ratio_p50, 1.2)
        self.assertAlmostEqual(r.rtt_ratio_p99, 1.5)

    def test_critical_path_one_hop(self):
        r = self.run
        self.assertEqual([s["child"] for s in r.critical], [2])
        self.assertEqual(r.critical_path_ticks, 4200000)
        self.assertEqual(r.critical_path_hops, 1)
        self.assertEqual(r.critical_start_ticks, 2000000)
        # The BSP's wait is its request time itself.
        self.assertEqual(r.critical_wait_ticks, 2200000)

    def test_critical_path_follows_the_parents(self):
        r = report.Run(CHAIN)
        self.assertEqual([s["child"] for s in r.critical], [1, 3])
        self.assertEqual(r.critical_path_ticks, 900)
        self.assertEqual(r.critical_path_hops, 2)
        # Latencies 200 + 450; waits 100 (BSP) + 150 (VP 1: 300 to 450).
        self.assertEqual(r.split, [(100, 200), (150, 450)])
        self.assertEqual(r.critical_start_ticks, 650)
        self.assertEqual(r.critical_wait_ticks + r.critical_start_ticks,
                         r.critical_path_ticks)

    def test_ratio_from_the_interleaved_pair(self):
        r = report.Run(CANNED + PAIR)
        # Not 24000 / 20000 and 60000 / 40000 from the none/ipi lines.
        self.assertAlmostEqual(r.rtt_ratio_p50, 1.5)  # 30000 / 20000
        self.assertAlmostEqual(r.rtt_ratio_p99, 1.8)  # 90000 / 50000
        self.assertEqual(row([[r]], "rtt_ratio_p50"), ["1.500"])
        t = report.table([[r]])
        self.assertRegex(t, r"NONE / IPI ratio p50 \(interleaved\) +1\.50")
        self.assertRegex(t, r"ratio p99 \(interleaved\) +1\.80")

    def test_table_states_goals_and_verdicts(self):
        t = report.table([[self.run]])
        self.assertRegex(t, r"NONE / IPI ratio p50 +1\.20 .*<= 1\.3 +meets")
        self.assertRegex(t, r"NONE / IPI ratio p99 +1\.50 .*MISSES")
        # Counted in instructions the goal is 4x (issue 14), not 1.3x.
        t = report.table([[self.run]], deterministic=True)
        self.assertRegex(t, r"NONE / IPI ratio p99 +1\.50 .*<= 4\.0 +meets")
        self.assertRegex(t, r"node 0 \(VPs 0-3\) start-tree depth +2 "
                         r".*<= 2 .*meets")
        self.assertRegex(t, r"critical path \(last VP's launch\) +4200000")
        self.assertNotIn("depth bound x single start", t)
        self.assertNotIn("memory per VP", t)

    def test_csv(self):
        lines = report.csv([[self.run]]).splitlines()
        self.assertEqual(len(lines), 2)
        head, cells = lines[0].split(","), lines[1].split(",")
        self.assertEqual(len(head), len(cells))
        get = lambda c: cells[head.index(c)]  # noqa: E731
        self.assertEqual(get("rtt_ratio_p50"), "1.200")
        self.assertEqual(get("critical_path_ticks"), "4200000")
        self.assertEqual(get("critical_path_hops"), "1")
        self.assertEqual(get("critical_start_ticks"), "2000000")
        self.assertEqual(get("node_depths"), "2")
        self.assertEqual(get("node_depth_bounds"), "2")
        # Every command has its column; those not measured are empty.
        self.assertEqual(get("none_ticks"), "24000")
        self.assertEqual(get("ipi_ticks"), "20000")
        self.assertEqual(get("remove_ticks"), "")
        # One run per count: no spread columns.
        self.assertFalse([h for h in head if h.endswith(("_min", "_max"))])
        self.assertNotIn("boot_ratio", head)

    def test_commands_beside_the_ping_pong(self):
        t = report.table([[self.run]])
        self.assertRegex(t, r"none: p50 ticks \(x IPI 20000\) +24000 \(1\.20\)")

    def test_missing_figure_is_an_error(self):
        with self.assertRaises(ValueError):
            report.Run(CANNED.replace("bench: cancel", "x"))


class NodeTest(unittest.TestCase):
    def test_depth_bound(self):
        self.assertEqual([report.ceil_log2(n) for n in
                          (1, 2, 3, 4, 22, 24, 32, 33)],
                         [0, 1, 2, 2, 5, 5, 5, 6])

    def test_nodes_without_base_start_at_vp_0(self):
        # driver/launch.c: chunks of the CPU list from VP 0 (the BSP).
        mem = [{"node": 0, "vps": 32}, {"node": 1, "vps": 32}]
        self.assertEqual(report.node_ranges(mem, 64), [(0, 32), (32, 32)])

    def test_nodes_from_base(self):
        mem = [{"node": 1, "base": 24, "vps": 22},
               {"node": 0, "base": 0, "vps": 24}]
        self.assertEqual(report.node_ranges(mem, 46), [(0, 24), (24, 22)])

    def test_depth_per_node(self):
        # Node 1's VPs are started through a chain 33 -> 34 -> 35: depth 3,
        # within ceil(log2 4) = 2? No: it misses.
        text = CHAIN.replace("vps=4 nodes=1", "vps=8 nodes=2").replace(
            "bench: memory node=0 base=0 vps=4 bytes=1 required=1",
            "bench: memory node=0 base=0 vps=4 bytes=1 required=1\n"
            "bench: memory node=1 base=4 vps=4 bytes=1 required=1\n"
            "bench: start parent=0 child=5 depth=1 req=10 launch=20\n"
            "bench: start parent=5 child=6 depth=2 req=30 launch=40\n"
            "bench: start parent=6 child=7 depth=3 req=50 launch=60")
        r = report.Run(text)
        self.assertEqual(r.node_depths, [2, 3])
        self.assertEqual(r.node_depth_bounds, [2, 2])
        self.assertEqual(row([[r]], "node_depths"), ["2;3"])
        self.assertEqual(row([[r]], "depth"), ["3"])
        self.assertEqual(row([[r]], "depth_bound"), ["2"])
        t = report.table([[r]])
        self.assertRegex(t, r"node 0 \(VPs 0-3\) start-tree depth +2 .* meets")
        self.assertRegex(t, r"node 1 \(VPs 4-7\) start-tree depth +3 .* MISSES")


class RepeatTest(unittest.TestCase):
    """Several runs of one VP count: medians, and min-max columns."""

    def runs(self, boots):
        return [report.Run(CANNED.replace("cycles=6000000", "cycles=%d" % b)
                           .replace("ipi p50=20000", "ipi p50=%d" % (b // 300)))
                for b in boots]

    def test_median_and_spread(self):
        # The median run is not the first one.
        four = self.runs([2000000, 6000000, 9000000])
        sixteen = [report.Run(CANNED.replace("vps=4", "vps=16"))]
        groups = report.group([four[0], sixteen[0], four[1], four[2]])
        self.assertEqual([len(g) for g in groups], [3, 1])
        self.assertEqual(row(groups, "boot_us"), ["3000.0", "3000.0"])
        self.assertEqual(row(groups, "boot_us_min"), ["1000.0", "3000.0"])
        self.assertEqual(row(groups, "boot_us_max"), ["4500.0", "3000.0"])
        # IPI p50 20000, 6666, 30000 cycles: median 20000 = 10 us.
        self.assertEqual(row(groups, "ipi_p50_us"), ["10.00", "10.00"])
        self.assertEqual(row(groups, "ipi_p50_us_min"), ["3.33", "10.00"])
        for col in ("none_p50_us", "rtt_ratio_p50"):
            self.assertEqual(len(row(groups, col + "_max")), 2)
        t = report.table(groups)
        self.assertIn("median of 3 runs", t)
        self.assertRegex(t, r"entry to all IDLE +3000 \[1000-4500\]")
        self.assertEqual(report.representative(four), four[1])


class LargeRunTest(unittest.TestCase):
    """1024 VPs in nodes of 32, a binomial fan-out in each node."""

    @classmethod
    def setUpClass(cls):
        text, cls.rec = synthetic()
        cls.big = report.Run(text)

    def test_depths(self):
        r = self.big
        self.assertEqual(len(r.ranges), 32)
        self.assertEqual(len(r.starts), 1024 - 32)
        # Offsets 1..31 binomially from offset 1: offset 16+ at depth 5
        # (1 -> 3 -> 7 -> 15 -> 31 is the longest chain), bound 5.
        self.assertEqual(r.node_depths, [5] * 32)
        self.assertEqual(r.node_depth_bounds, [5] * 32)
        self.assertEqual(r.depth, 5)

    def test_critical_path(self):
        r, rec = self.big, self.rec
        last = max(rec, key=lambda vp: (rec[vp][3], -vp))
        self.assertEqual(r.critical[-1]["child"], last)
        self.assertEqual(r.critical_path_ticks, rec[last][3])
        chain = []
        vp = last
        while vp in rec:
            chain.append(vp)
            vp = rec[vp][0]
        self.assertEqual([s["child"] for s in r.critical], chain[::-1])
        self.assertEqual(r.critical_path_hops, len(chain))
        self.assertEqual(r.critical_start_ticks,
                         sum(rec[v][3] - rec[v][2] for v in chain))
        # Each hop's parent waits 1000 ticks, the BSP its request time.
        self.assertEqual(r.critical_wait_ticks,
                         rec[chain[-1]][2] + 1000 * (len(chain) - 1))

    def test_table_sums_up_the_nodes(self):
        t = report.table([[self.big]])
        self.assertRegex(t, r"deepest of 32 nodes +5 .*meets")
        self.assertNotIn("node 31", t)


def well_formed(test, doc):
    root = ET.fromstring(doc)
    test.assertTrue(root.tag.endswith("svg"))
    test.assertGreater(len(list(root.iter())), 20)
    return root


class ChartTest(unittest.TestCase):
    def setUp(self):
        if CHARTS_ERROR:
            self.fail(CHARTS_ERROR)

    def test_small_charts(self):
        run = report.Run(CANNED)
        groups = [[run], [report.Run(CANNED.replace("vps=4", "vps=16"))]]
        for doc in (charts.timeline(run), charts.timeline(run, ticks=True),
                    charts.tree(run), charts.boot_vs_n(groups),
                    charts.commands_vs_n(groups)):
            well_formed(self, doc)

    def test_large_charts_are_aggregates(self):
        text, _ = synthetic()
        run = report.Run(text)
        timeline, tree = charts.timeline(run), charts.tree(run)
        well_formed(self, timeline)
        well_formed(self, tree)
        # The per-VP drawings label each VP; the aggregates do not.
        self.assertIn("VP 3 &lt; 1", charts.timeline(report.Run(CANNED)))
        self.assertNotIn("VP 1000 &lt; ", timeline)
        self.assertIn("VPs launched", timeline)
        self.assertIn("VPs per depth in each node", tree)

    def test_reproducible(self):
        text, _ = synthetic(vps=128)
        a, b = report.Run(text), report.Run(text)
        self.assertEqual(charts.timeline(a), charts.timeline(b))
        self.assertEqual(charts.tree(a), charts.tree(b))
        self.assertEqual(charts.boot_vs_n([[a]]), charts.boot_vs_n([[b]]))
        self.assertNotIn("<dc:date>", charts.tree(a))

    def test_repeats_draw_one_point_per_count(self):
        four = [report.Run(CANNED.replace("cycles=6000000", "cycles=%d" % b))
                for b in (5000000, 6000000, 7000000)]
        doc = charts.boot_vs_n([four])
        well_formed(self, doc)


if __name__ == "__main__":
    unittest.main()
