"""Tests of the bench report on canned scenario output: the figures and
ratios users read come out right, and every SVG is well-formed XML."""

import os
import sys
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402
import svg  # noqa: E402

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
        # 6 M / (2 * 2 M)
        self.assertAlmostEqual(r.boot_ratio, 1.5)
        self.assertAlmostEqual(r.rtt_ratio_p50, 1.2)
        self.assertAlmostEqual(r.rtt_ratio_p99, 1.5)

    def test_table_states_goals_and_verdicts(self):
        t = report.table([self.run])
        self.assertIn("NONE / IPI ratio p50", t)
        self.assertRegex(t, r"NONE / IPI ratio p50 +1\.20 .*<= 1\.3 +meets")
        self.assertRegex(t, r"NONE / IPI ratio p99 +1\.50 .*MISSES")
        self.assertRegex(t, r"start-tree depth +2 .*<= 2 .*meets")
        self.assertNotIn("memory per VP", t)

    def test_csv(self):
        lines = report.csv([self.run]).splitlines()
        self.assertEqual(len(lines), 2)
        head, row = lines[0].split(","), lines[1].split(",")
        self.assertEqual(len(head), len(row))
        self.assertEqual(row[head.index("rtt_ratio_p50")], "1.200")
        # Every command has its column; those not measured are empty.
        self.assertEqual(row[head.index("none_ticks")], "24000")
        self.assertEqual(row[head.index("ipi_ticks")], "20000")
        self.assertEqual(row[head.index("remove_ticks")], "")

    def test_commands_beside_the_ping_pong(self):
        t = report.table([self.run])
        self.assertRegex(t, r"none: p50 ticks \(x IPI 20000\) +24000 \(1\.20\)")

    def test_missing_figure_is_an_error(self):
        with self.assertRaises(ValueError):
            report.Run(CANNED.replace("bench: cancel", "x"))

    def test_svgs_are_well_formed(self):
        runs = [self.run, report.Run(CANNED.replace("vps=4", "vps=16"))]
        for doc in (svg.gantt(self.run), svg.tree(self.run),
                    svg.boot_vs_n(runs), svg.rtt_vs_n(runs)):
            root = ET.fromstring(doc)
            self.assertTrue(root.tag.endswith("svg"))
            self.assertGreater(len(list(root)), 3)


if __name__ == "__main__":
    unittest.main()
