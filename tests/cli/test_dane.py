"""DNSSEC and DANE through the real binary: the fake DNS plays a validating resolver (AD bits, bogus
answers with an extended error unless CD is set, or a resolver that does not validate), the fake SMTP
servers serve real certificates, and the TLSA records are made from what openssl sees them send."""

import os
import re
import sys
import tempfile
import unittest

from harness import Fake, json_lines, run, validate

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_full_check import read_ca, served_leaf_digests  # noqa: E402

OLD_KEY = "5f" * 32  # the SHA-256 of a key the servers no longer use: the records before a renewal


class Dane(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        leaf = {"common_name": "mail.dane.test", "dns_names": ["mail.dane.test"]}
        cls.smtp465 = Fake("FAKE_SMTP", {"mode": "implicit-tls", "leaf": leaf, "ipv6": False})
        cls.smtp587 = Fake("FAKE_SMTP", {"mode": "starttls", "leaf": leaf, "ipv6": False})
        cls.ca = tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False)
        cls.ca.write("".join(read_ca(fake.ca_file) for fake in (cls.smtp465, cls.smtp587)))
        cls.ca.close()
        cls.served = {cls.smtp465.port: served_leaf_digests(cls.smtp465.port, "mail.dane.test", False)["spki_sha256"],
                      cls.smtp587.port: served_leaf_digests(cls.smtp587.port, "mail.dane.test", True)["spki_sha256"]}

    @classmethod
    def tearDownClass(cls):
        cls.smtp465.stop()
        cls.smtp587.stop()
        os.unlink(cls.ca.name)

    def records(self, tlsa):
        """The domain dane.test (submission only), with `tlsa` {port: [hex digests of 3 1 1 records]}."""
        out = [{"name": "_submissions._tcp.dane.test", "type": "SRV", "priority": 0, "weight": 0,
                "port": self.smtp465.port, "target": "mail.dane.test"},
               {"name": "_submission._tcp.dane.test", "type": "SRV", "priority": 0, "weight": 0,
                "port": self.smtp587.port, "target": "mail.dane.test"},
               {"name": "mail.dane.test", "type": "A", "address": "127.0.0.1"}]
        for port, digests in tlsa.items():
            out += [{"name": f"_{port}._tcp.mail.dane.test", "type": "TLSA", "usage": 3, "selector": 1,
                     "matching_type": 1, "data": digest} for digest in digests]
        return out

    def check(self, scenario, *extra):
        with Fake("FAKE_DNS", scenario) as dns:
            result = run("check", "dane.test", "--only", "submission", "--dns", f"127.0.0.1:{dns.port}",
                         "--ca-file", self.ca.name, "--timeout", "10", *extra)
        return result

    def check_json(self, scenario):
        result = self.check(scenario, "--json")
        (doc,) = json_lines(result.stdout)
        validate(doc, "relaymetry-check.schema.json")
        return result, doc

    def ids(self, doc):
        return sorted(finding["id"] for finding in doc["findings"])

    def test_a_renewal_with_a_new_key_is_a_mismatch_whose_fix_makes_it_go_away(self):
        result, doc = self.check_json({"records": self.records({port: [OLD_KEY] for port in self.served})})
        self.assertEqual(self.ids(doc), ["dane.tlsa-mismatch", "dane.tlsa-mismatch"], doc["findings"])
        self.assertEqual(result.returncode, 1)
        fixed = {}
        for finding in doc["findings"]:
            port = int(re.match(r"mail\.dane\.test:(\d+) \[127\.0\.0\.1\]$", finding["target"]).group(1))
            self.assertIn(self.served[port], finding["message"])  # the digest seen, named
            self.assertIn(OLD_KEY[:16], finding["message"])        # and the record that did not match
            published = re.search(r"_(\d+)\._tcp\.mail\.dane\.test\. IN TLSA 3 1 1 ([0-9a-f]{64})", finding["fix"])
            self.assertIsNotNone(published, finding["fix"])
            self.assertEqual(int(published.group(1)), port)
            fixed[port] = [OLD_KEY, published.group(2)]  # beside the old one, as the fix says
        self.assertEqual(fixed, {port: [OLD_KEY, digest] for port, digest in self.served.items()})
        endpoint = doc["submission"]["endpoints"][0]
        self.assertEqual(endpoint["dane"]["dnssec"], "secure")
        self.assertEqual(endpoint["dane"]["addresses"], [{"address": "127.0.0.1", "chain_seen": True, "matches": []}])

        result, doc = self.check_json({"records": self.records(fixed)})
        self.assertEqual(doc["findings"], [])
        self.assertEqual(result.returncode, 0)
        for endpoint in doc["submission"]["endpoints"]:
            self.assertEqual(endpoint["dane"]["addresses"][0]["matches"], [{"record": 1, "certificate": 0}])

    def test_the_text_report_says_which_record_matches_which_address(self):
        tlsa = {port: [OLD_KEY, digest] for port, digest in self.served.items()}
        result = self.check({"records": self.records(tlsa)})
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertIn(f"TLSA _{self.smtp465.port}._tcp.mail.dane.test: 2 records, DNSSEC secure (validated)",
                      result.stdout)
        self.assertIn(f"3 1 1 {OLD_KEY}\n        127.0.0.1: does not match", result.stdout)
        self.assertIn(f"3 1 1 {self.served[self.smtp465.port]}\n        127.0.0.1: matches the leaf", result.stdout)

    def test_a_resolver_that_does_not_validate_gets_one_notice_and_no_dane_verdict(self):
        scenario = {"records": self.records({port: [OLD_KEY] for port in self.served}), "validating": False}
        result, doc = self.check_json(scenario)
        self.assertEqual(self.ids(doc), ["dnssec.resolver-not-validating"], doc["findings"])
        self.assertEqual(result.returncode, 0)
        self.assertIs(doc["dns"]["validating"], False)
        self.assertIn("unbound", doc["findings"][0]["fix"])

    def test_a_bogus_zone_is_dnssec_bogus_not_a_lookup_failure_nor_not_found(self):
        scenario = {"records": self.records({}), "dnssec": [{"zone": "dane.test", "status": "bogus"}]}
        result, doc = self.check_json(scenario)
        self.assertEqual(self.ids(doc), ["dnssec.bogus", "dnssec.bogus"], doc["findings"])
        self.assertEqual(result.returncode, 1)
        self.assertEqual(doc["submission"]["discovery"]["source"], "lookup-failed")
        for finding in doc["findings"]:
            self.assertIn("extended DNS error 7, Signature Expired", finding["message"])
        failure = doc["submission"]["lookup_failures"][0]
        self.assertEqual((failure["status"], failure["dnssec"]), ("servfail", "bogus"))
        self.assertEqual(failure["extended_error"]["code"], 7)

    def test_an_unsigned_zone_is_a_notice_and_its_tlsa_records_are_not_looked_up(self):
        scenario = {"records": self.records({port: [OLD_KEY] for port in self.served}),
                    "dnssec": [{"zone": "dane.test", "status": "insecure"}]}
        result, doc = self.check_json(scenario)
        self.assertEqual(self.ids(doc), ["dnssec.unsigned"], doc["findings"])  # told by the SRV lookups
        self.assertEqual(result.returncode, 0)
        self.assertEqual(doc["submission"]["discovery"]["dnssec"], "insecure")
        self.assertEqual(doc["dns"]["domain_dnssec"], "insecure")
        for endpoint in doc["submission"]["endpoints"]:
            self.assertIsNone(endpoint["dane"])  # RFC 7673 §3: behind insecure SRV records, TLSA does not count


if __name__ == "__main__":
    unittest.main()
