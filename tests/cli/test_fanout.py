"""docs/cli.md "Limits": a domain cannot make one check do unbounded work. 32 SRV targets per service x 8
addresses x a 100-certificate chain: 32 probes, the first 10 certificates of each chain, notices saying
what was left out, and the check over within its --timeout."""

import time
import unittest

from fanout_world import CHAIN_LENGTH, DOMAIN, FanoutWorld
from harness import json_lines, run, validate


class FanOut(unittest.TestCase):
    def test_the_fan_out_case_is_bounded_and_says_what_it_left_out(self):
        world = FanoutWorld()
        try:
            started = time.monotonic()
            result = run("check", DOMAIN, *world.args(timeout=5))
            wall = time.monotonic() - started
        finally:
            seen = world.stop()
        [doc] = json_lines(result.stdout)
        validate(doc, "relaymetry-check.schema.json")
        submission = doc["submission"]
        self.assertEqual(len(submission["endpoints"]), 16)  # 8 targets per service
        probes = [a for e in submission["endpoints"] for a in e["addresses"]]
        self.assertEqual(len(probes), 32)
        for endpoint in submission["endpoints"]:
            self.assertEqual(len(endpoint["resolution"]["addresses"]), 8)
        self.assertEqual([c["limit"] for c in submission["caps"]],
                         ["SRV targets probed per service: 8", "address probes per domain (submission): 32"])
        self.assertEqual([c["left_out"] for c in submission["caps"]], [48, 96])
        certificates = [a["tls"]["certificate"] for a in probes if a["tls"] and a["tls"]["certificate"]]
        self.assertTrue(certificates, [a["status"] for a in probes])
        for certificate in certificates:
            self.assertEqual(certificate["certificates_sent"], CHAIN_LENGTH)
            self.assertEqual(len(certificate["intermediates"]), 9)
            self.assertFalse(certificate["chain_valid"])  # the path to the root is past the tenth
        ids = [f["id"] for f in doc["findings"]]
        self.assertEqual(ids.count("submission.probes-capped"), 2)
        self.assertEqual(ids.count("tls.chain-too-long"), len(certificates))
        # The deadline holds: the check took its --timeout at most (the process adds start-up and the
        # background QUIT, which is bounded at 2 s; generous for an ASan build on a busy machine).
        self.assertLessEqual(doc["duration_ms"], 5000 + 1000)
        self.assertLess(wall, 5 + 4, wall)
        # At most five connections per address probe (docs/cli.md "Limits"), 16 probes per port.
        for stats in seen:
            self.assertLessEqual(stats["connections"], 16 * 5, stats)


if __name__ == "__main__":
    unittest.main()
