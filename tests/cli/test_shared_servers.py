"""Many domains, few servers: what a hosting provider's run looks like. One submission host (a 465 and a
587 fake) named by every customer domain's SRV records; the fakes count the connections they saw."""

import json
import os
import tempfile
import unittest

from harness import Fake, json_lines, run, validate

DOMAINS = [f"c{i:02d}.hosted.test" for i in range(40)]
LEAF = {"common_name": "mail.provider.test", "dns_names": ["mail.provider.test"]}


def finding_keys(doc):
    return sorted((f["id"], f["target"]) for f in doc["findings"])


class SharedSubmissionHost(unittest.TestCase):
    def start(self, extra_465=None, extra_587=None):
        """The provider's submission host; returns (args, stats files)."""
        stats = [tempfile.NamedTemporaryFile(suffix=".json", delete=False).name for _ in range(2)]
        self.smtp465 = Fake("FAKE_SMTP", {"mode": "implicit-tls", "leaf": LEAF, "ipv6": False, "stats": stats[0],
                                          **(extra_465 or {})})
        self.smtp587 = Fake("FAKE_SMTP", {"mode": "starttls", "leaf": LEAF, "ipv6": False, "stats": stats[1],
                                          **(extra_587 or {})})
        self.ca = tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False)
        for fake in (self.smtp465, self.smtp587):
            with open(fake.ca_file) as handle:
                self.ca.write(handle.read())
        self.ca.close()
        records = [{"name": "mail.provider.test", "type": "A", "address": "127.0.0.1"}]
        for domain in DOMAINS:
            records += [
                {"name": f"_submissions._tcp.{domain}", "type": "SRV", "priority": 0, "weight": 0,
                 "port": self.smtp465.port, "target": "mail.provider.test"},
                {"name": f"_submission._tcp.{domain}", "type": "SRV", "priority": 0, "weight": 0,
                 "port": self.smtp587.port, "target": "mail.provider.test"},
            ]
        self.dns = Fake("FAKE_DNS", {"records": records})
        self.stats = stats
        return ["--dns", f"127.0.0.1:{self.dns.port}", "--ca-file", self.ca.name, "--only", "submission",
                "--timeout", "10", "--json"]

    def connections(self):
        """Stops the fakes and returns the connections each saw (465, 587)."""
        for fake in (self.smtp465, self.smtp587, self.dns):
            fake.stop()
        seen = []
        for path in self.stats:
            with open(path) as handle:
                seen.append(json.load(handle))
            os.unlink(path)
        os.unlink(self.ca.name)
        return seen

    def test_one_probe_per_service_for_every_domain_and_the_same_findings(self):
        args = self.start()
        try:
            lone = {domain: finding_keys(json_lines(run("check", domain, *args).stdout)[0]) for domain in DOMAINS[:3]}
            result = run("check", *DOMAINS, *args)
        finally:
            seen = self.connections()
        docs = json_lines(result.stdout)
        self.assertEqual([doc["domain"] for doc in docs], DOMAINS)
        for doc in docs:
            validate(doc, "relaymetry-check.schema.json")
            addresses = [a for e in doc["submission"]["endpoints"] for a in e["addresses"]]
            self.assertEqual([a["status"] for a in addresses], ["ok", "ok"], doc["domain"])
        self.assertEqual(sum(a["shared"] for doc in docs for e in doc["submission"]["endpoints"]
                             for a in e["addresses"]), 2 * len(DOMAINS) - 2)
        for domain in DOMAINS[:3]:
            self.assertEqual(finding_keys(docs[DOMAINS.index(domain)]), lone[domain])
        # The lone checks made 3 x 2 connections per port; the bulk run of 40 domains added 2 per port
        # (the main session and the TLS 1.0-1.1 test).
        self.assertEqual([s["connections"] for s in seen], [3 * 2 + 2, 3 * 2 + 2])
        self.assertTrue(all(s["peak_connections"] <= 2 for s in seen), seen)

    def test_no_share_probes_every_domain_on_its_own(self):
        args = self.start()
        try:
            result = run("check", *DOMAINS[:10], *args, "--no-share", "--connect-rate", "0")
        finally:
            seen = self.connections()
        docs = json_lines(result.stdout)
        self.assertEqual(len(docs), 10)
        self.assertFalse(any(a["shared"] for doc in docs for e in doc["submission"]["endpoints"]
                             for a in e["addresses"]))
        self.assertEqual([s["connections"] for s in seen], [20, 20])
        self.assertTrue(all(s["peak_connections"] <= 2 for s in seen), seen)

    def test_a_server_taking_one_connection_per_client_still_shows_its_legacy_versions(self):
        legacy = {"min_tls": "1.0", "ciphers_seclevel0": True, "max_per_client": 1}
        args = self.start(legacy, legacy)
        try:
            result = run("check", DOMAINS[0], *args)
        finally:
            seen = self.connections()
        (doc,) = json_lines(result.stdout)
        ids = [f["id"] for f in doc["findings"]]
        self.assertNotIn("submission.inconclusive", ids)
        self.assertEqual(ids.count("tls.legacy-accepted"), 2, doc["findings"])
        for endpoint in doc["submission"]["endpoints"]:
            (address,) = endpoint["addresses"]
            self.assertEqual(address["tls"]["legacy_versions_accepted"], ["TLSv1", "TLSv1.1"])
            self.assertEqual(address["tls"]["versions"]["TLSv1"], "accepted")
        self.assertTrue(all(s["turned_away"] > 0 for s in seen), seen)  # it pushed back, and we adapted

    def test_tls_without_a_greeting_is_a_protocol_error_not_unreachable(self):
        args = self.start({"behaviour": "silent-after-tls"})
        try:
            result = run("check", DOMAINS[0], *args[:-3], "--timeout", "3", "--json")
        finally:
            self.connections()
        (doc,) = json_lines(result.stdout)
        ids = [f["id"] for f in doc["findings"]]
        self.assertIn("submission.protocol-error", ids)
        self.assertNotIn("submission.unreachable", ids)
        implicit = next(e for e in doc["submission"]["endpoints"] if e["port"] == self.smtp465.port)
        self.assertIn("no 220 greeting", implicit["addresses"][0]["error"])


if __name__ == "__main__":
    unittest.main()
