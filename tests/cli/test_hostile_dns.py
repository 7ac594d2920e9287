"""`relaymetry check` against a hostile resolver: absence only when the DNS says so.

A lookup that could not be completed (TC even over TCP, a CNAME loop, records that do not parse) is
dns.lookup-failed with its reason, never "not published"; one malformed record is dropped, the rest kept.
Probes go to a loopback port where nothing listens, so they end at once (refused)."""

import unittest

from harness import Fake, json_lines, run, validate

CLOSED = ["--connect-to", "::127.0.0.1:1"]

RECORDS = [
    # tc.test: _mta-sts TXT always truncated, over UDP and TCP alike
    {"name": "tc.test", "type": "MX", "preference": 10, "host": "mx.tc.test"},
    {"name": "mx.tc.test", "type": "A", "address": "127.0.0.1"},
    {"name": "_mta-sts.tc.test", "type": "TXT", "text": "v=STSv1; id=never-seen;"},
    # loop.test: _mta-sts is a CNAME to a CNAME back to it
    {"name": "loop.test", "type": "MX", "preference": 10, "host": "mx.loop.test"},
    {"name": "mx.loop.test", "type": "A", "address": "127.0.0.1"},
    {"name": "_mta-sts.loop.test", "type": "CNAME", "target": "sts.loop.test"},
    {"name": "sts.loop.test", "type": "CNAME", "target": "_mta-sts.loop.test"},
    # srvesc.test: one good SRV target and one with ESC in it
    {"name": "_submissions._tcp.srvesc.test", "type": "SRV", "priority": 0, "weight": 0, "port": 465,
     "target": "mail.srvesc.test"},
    {"name": "_submissions._tcp.srvesc.test", "type": "SRV", "priority": 0, "weight": 0, "port": 465,
     "target": "bad\u001b[2Jhost.srvesc.test"},
    {"name": "mail.srvesc.test", "type": "A", "address": "127.0.0.1"},
    # badaddr.test: the MX host's only address record is 5 bytes long
    {"name": "badaddr.test", "type": "MX", "preference": 10, "host": "mx.badaddr.test"},
    {"name": "mx.badaddr.test", "type": "A", "rdata_hex": "7f00000101"},
]

BEHAVIOURS = [
    {"name": "_mta-sts.tc.test", "type": "TXT", "behaviour": "truncate-always"},
]


class HostileDns(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dns = Fake("FAKE_DNS", {"records": RECORDS, "behaviours": BEHAVIOURS})
        cls.dns_args = ["--dns", f"127.0.0.1:{cls.dns.port}"]

    @classmethod
    def tearDownClass(cls):
        cls.dns.stop()

    def check_json(self, domain):
        result = run("check", domain, "--json", *self.dns_args, *CLOSED, "--timeout", "5")
        (document,) = json_lines(result.stdout)
        validate(document, "relaymetry-check.schema.json")
        return result, document

    def lookup_failed(self, document, name):
        return [f for f in document["findings"] if f["id"] == "dns.lookup-failed" and name in str(f)]

    def test_truncated_even_over_tcp_is_a_failed_lookup_not_a_missing_record(self):
        result, doc = self.check_json("tc.test")
        self.assertEqual(doc["mta_sts"]["txt"]["status"], "lookup-failed")
        failures = self.lookup_failed(doc, "_mta-sts.tc.test")
        self.assertTrue(failures, doc["findings"])
        self.assertIn("truncated", str(failures))
        self.assertNotIn("mta-sts.not-published", [f["id"] for f in doc["findings"]])
        self.assertNotEqual(doc["summary"]["result"], "pass")
        self.assertEqual(result.returncode, 1)

    def test_cname_loop_is_a_failed_lookup_naming_the_loop(self):
        result, doc = self.check_json("loop.test")
        self.assertEqual(doc["mta_sts"]["txt"]["status"], "lookup-failed")
        failures = self.lookup_failed(doc, "_mta-sts.loop.test")
        self.assertTrue(failures, doc["findings"])
        self.assertIn("CNAME loop: _mta-sts.loop.test -> sts.loop.test -> _mta-sts.loop.test", str(failures))
        self.assertNotIn("mta-sts.not-published", [f["id"] for f in doc["findings"]])
        self.assertEqual(result.returncode, 1)

    def test_one_hostile_srv_target_leaves_the_good_one(self):
        _, doc = self.check_json("srvesc.test")
        discovery = doc["submission"]["discovery"]
        self.assertEqual(discovery["source"], "srv")
        self.assertEqual([r["target"] for r in discovery["srv"]], ["mail.srvesc.test"])
        self.assertEqual([(e["host"], e["port"]) for e in doc["submission"]["endpoints"]],
                         [("mail.srvesc.test", 465)])
        self.assertEqual(self.lookup_failed(doc, "_submissions._tcp.srvesc.test"), [])
        text = run("check", "srvesc.test", *self.dns_args, *CLOSED, "--timeout", "5", "--color", "never")
        self.assertNotIn("\x1b", text.stdout)

    def test_a_record_of_the_wrong_length_is_a_failed_lookup_not_no_address(self):
        result, doc = self.check_json("badaddr.test")
        failures = self.lookup_failed(doc, "mx.badaddr.test")
        self.assertTrue(failures, doc["findings"])
        self.assertEqual(result.returncode, 1)
        self.assertIn("rdata is 5 bytes, not 4", str(failures))
        (host,) = doc["mx"]["hosts"]
        self.assertEqual(host["resolution"]["addresses"], [])
        self.assertEqual(host["resolution"]["v4_status"], "malformed", "a failure, not NODATA")


if __name__ == "__main__":
    unittest.main()
