"""--mx-probe through the real binary: fake port-25 servers (STARTTLS, no STARTTLS, a broken handshake,
421, a self-signed certificate, REQUIRETLS), reached through --connect-to, judged as opportunistic,
MTA-STS and DANE senders judge them; and nothing on port 25 without the flag."""

import json
import os
import socket
import tempfile
import unittest

from harness import Fake, json_lines, run, validate


def closed_port():
    """A loopback port nothing listens on: connections to it are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def mx_records(domain, hosts):
    records = []
    for preference, host in enumerate(hosts, start=1):
        records += [{"name": domain, "type": "MX", "preference": 10 * preference, "host": host},
                    {"name": host, "type": "A", "address": "127.0.0.1"}]
    return records


def leaf(host, **extra):
    return {"common_name": host, "dns_names": [host], **extra}


def findings_by_target(doc):
    """{(rule id, target)} of a JSON document ("host:25 [address]" for an MX address)."""
    return {(finding["id"], finding["target"]) for finding in doc["findings"]}


class MxProbe(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fakes = {
            "mx1.mxp.test": Fake("FAKE_SMTP", {"leaf": leaf("mx1.mxp.test"), "ipv6": False,
                                               "capabilities_after_tls": ["PIPELINING", "REQUIRETLS"]}),
            "mx2.mxp.test": Fake("FAKE_SMTP", {"leaf": leaf("mx2.mxp.test"), "ipv6": False, "offer_starttls": False}),
            "mx3.mxp.test": Fake("FAKE_SMTP", {"leaf": leaf("mx3.mxp.test"), "ipv6": False,
                                               "behaviour": "reset-in-handshake"}),
            "mx4.mxp.test": Fake("FAKE_SMTP", {"leaf": leaf("mx4.mxp.test"), "ipv6": False, "behaviour": "busy"}),
            "mx5.mxp.test": Fake("FAKE_SMTP", {"leaf": leaf("mx5.mxp.test", issuer="self"), "ipv6": False}),
        }
        cls.ca = tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False)
        for fake in cls.fakes.values():
            with open(fake.ca_file) as handle:
                cls.ca.write(handle.read())
        cls.ca.close()
        cls.routes = []
        for host, fake in cls.fakes.items():
            cls.routes += ["--connect-to", f"{host}:25:127.0.0.1:{fake.port}"]

    @classmethod
    def tearDownClass(cls):
        for fake in cls.fakes.values():
            fake.stop()
        os.unlink(cls.ca.name)

    def check(self, records, *args, ca=None):
        with Fake("FAKE_DNS", {"records": records}) as dns:
            return run("check", "mxp.test", "--dns", f"127.0.0.1:{dns.port}", "--ca-file", ca or self.ca.name,
                       "--timeout", "10", *self.routes, *args)

    def check_json(self, records, *args, ca=None):
        result = self.check(records, "--json", *args, ca=ca)
        (doc,) = json_lines(result.stdout)
        validate(doc, "relaymetry-check.schema.json")
        return result, doc

    def test_without_the_flag_nothing_connects_to_port_25(self):
        stats = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
        counted = Fake("FAKE_SMTP", {"leaf": leaf("mx.quiet.test"), "ipv6": False, "stats": stats})
        try:
            records = mx_records("quiet.test", ["mx.quiet.test"])
            route = ["--connect-to", f"mx.quiet.test:25:127.0.0.1:{counted.port}"]
            for only in ([], ["--only", "mx"], ["--only", "mx,mta-sts"]):
                with Fake("FAKE_DNS", {"records": records}) as dns:
                    result = run("check", "quiet.test", "--json", "--dns", f"127.0.0.1:{dns.port}", *route, *only)
                (doc,) = json_lines(result.stdout)
                self.assertFalse(doc["mx"]["probed"])
                self.assertEqual(doc["mx"]["hosts"][0]["addresses"], [])
                self.assertEqual(doc["mx"]["hosts"][0]["resolution"]["addresses"], ["127.0.0.1"])
            # The control: the counter does count a probe.
            with Fake("FAKE_DNS", {"records": records}) as dns:
                run("check", "quiet.test", "--json", "--only", "mx", "--mx-probe", "--dns", f"127.0.0.1:{dns.port}",
                    *route)
        finally:
            counted.stop()
        with open(stats) as handle:
            connections = json.load(handle)["connections"]
        os.unlink(stats)
        self.assertGreaterEqual(connections, 1, "the --mx-probe run connected")
        self.assertLessEqual(connections, 3, "only the --mx-probe run connected (main session, TLS 1.0/1.1 tests)")

    def test_an_mx_host_shared_by_many_domains_is_probed_once(self):
        stats = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
        shared = Fake("FAKE_SMTP", {"leaf": leaf("mx.hoster.test"), "ipv6": False, "stats": stats})
        domains = [f"customer{i}.test" for i in range(20)]
        # One A record for the shared host, as its zone has it (an RRset holds no duplicates, RFC 2181 §5).
        records = [record for d in domains for record in mx_records(d, ["mx.hoster.test"]) if record["type"] == "MX"]
        records.append({"name": "mx.hoster.test", "type": "A", "address": "127.0.0.1"})
        try:
            with Fake("FAKE_DNS", {"records": records}) as dns:
                result = run("check", *domains, "--json", "--only", "mx", "--mx-probe", "--dns",
                             f"127.0.0.1:{dns.port}", "--ca-file", shared.ca_file, "--connect-to",
                             f"mx.hoster.test:25:127.0.0.1:{shared.port}")
        finally:
            shared.stop()
        with open(stats) as handle:
            connections = json.load(handle)["connections"]
        os.unlink(stats)
        docs = json_lines(result.stdout)
        self.assertEqual(len(docs), 20)
        probes = [doc["mx"]["hosts"][0]["addresses"][0] for doc in docs]
        self.assertTrue(all(probe["status"] == "ok" for probe in probes), probes)
        self.assertTrue(all(doc["findings"] == [] for doc in docs), [doc["findings"] for doc in docs])
        self.assertEqual(sum(1 for probe in probes if not probe["shared"]), 1, "one domain's probe, shared by 19")
        self.assertLessEqual(connections, 3, "one main session and the TLS 1.0/1.1 tests, for all 20 domains")

    def test_each_mx_host_is_judged_as_opportunistic_senders_do(self):
        hosts = sorted(self.fakes)
        result, doc = self.check_json(mx_records("mxp.test", hosts), "--only", "mx", "--mx-probe")
        self.assertEqual(findings_by_target(doc), {
            ("mx.starttls-missing", "mx2.mxp.test:25 [127.0.0.1]"),
            ("mx.starttls-failed", "mx3.mxp.test:25 [127.0.0.1]"),
            ("mx.inconclusive", "mx4.mxp.test:25 [127.0.0.1]"),
        }, doc["findings"])
        self.assertEqual(result.returncode, 1, "mx.starttls-failed is an error")
        mx = doc["mx"]
        self.assertTrue(mx["probed"])
        self.assertIsNone(mx["egress_blocked"])
        status = {host["host"]: [a["status"] for a in host["addresses"]] for host in mx["hosts"]}
        self.assertEqual(status, {"mx1.mxp.test": ["ok"], "mx2.mxp.test": ["no-starttls"],
                                  "mx3.mxp.test": ["tls-failed"], "mx4.mxp.test": ["inconclusive"],
                                  "mx5.mxp.test": ["ok"]})
        first = mx["hosts"][0]
        self.assertEqual((first["port"], first["security"]), (25, "starttls"))
        self.assertTrue(first["addresses"][0]["smtp"]["requiretls_offered"])
        self.assertFalse(mx["hosts"][4]["addresses"][0]["smtp"]["requiretls_offered"])
        # A self-signed MX certificate is no opportunistic error: senders that do not check it deliver.
        self.assertTrue(mx["hosts"][4]["addresses"][0]["tls"]["certificate"]["self_signed"])

    def check_with_policy(self, mode, mx_host):
        """mxp.test with the single MX `mx_host` and an MTA-STS policy of `mode` covering it."""
        policy = f"version: STSv1\r\nmode: {mode}\r\nmx: {mx_host}\r\nmax_age: 604800\r\n"
        with Fake("FAKE_HTTPS", {
                "leaf": leaf("mta-sts.mxp.test"),
                "responses": {"/.well-known/mta-sts.txt": {"status": 200, "content_type": "text/plain",
                                                            "body": policy}}}) as https:
            with tempfile.NamedTemporaryFile("w", suffix=".pem") as ca:
                with open(self.ca.name) as mine, open(https.ca_file) as theirs:
                    ca.write(mine.read() + theirs.read())
                ca.flush()
                records = mx_records("mxp.test", [mx_host]) + [
                    {"name": "_mta-sts.mxp.test", "type": "TXT", "text": "v=STSv1; id=1;"},
                    {"name": "mta-sts.mxp.test", "type": "A", "address": "127.0.0.1"}]
                return self.check_json(records, "--only", "mx,mta-sts", "--mx-probe", "--connect-to",
                                       f"mta-sts.mxp.test:443:127.0.0.1:{https.port}", ca=ca.name)

    def test_a_self_signed_mx_is_an_mta_sts_error_under_enforce_and_a_warning_in_testing(self):
        for mode, severity in (("enforce", "error"), ("testing", "warning")):
            result, doc = self.check_with_policy(mode, "mx5.mxp.test")
            ids = {finding["id"]: finding for finding in doc["findings"]}
            expected = {"mta-sts.mx-certificate-invalid", "mx.requiretls-not-offered"}
            if mode == "testing":
                expected.add("mta-sts.mode-testing")
            self.assertEqual(set(ids), expected, doc["findings"])
            invalid = ids["mta-sts.mx-certificate-invalid"]
            self.assertEqual(invalid["severity"], severity)
            self.assertEqual(invalid["target"], "mx5.mxp.test:25 [127.0.0.1]")
            self.assertIn("self-signed", invalid["message"])
            self.assertEqual(result.returncode, 1 if mode == "enforce" else 0)

    def test_no_starttls_under_enforce_is_an_error(self):
        result, doc = self.check_with_policy("enforce", "mx2.mxp.test")
        (missing,) = [finding for finding in doc["findings"] if finding["id"] == "mx.starttls-missing"]
        self.assertEqual(missing["severity"], "error")
        self.assertIn("do not deliver", missing["message"])
        self.assertEqual(result.returncode, 1)
        result, doc = self.check_json(mx_records("mxp.test", ["mx2.mxp.test"]), "--only", "mx", "--mx-probe")
        self.assertEqual([(f["id"], f["severity"]) for f in doc["findings"]], [("mx.starttls-missing", "warning")])

    def test_blocked_port_25_is_one_notice_and_no_error(self):
        routes = []
        hosts = ["mx1.blocked.test", "mx2.blocked.test"]
        for host in hosts:
            routes += ["--connect-to", f"{host}:25:127.0.0.1:{closed_port()}"]
        records = mx_records("blocked.test", hosts) + mx_records("blocked2.test", hosts)
        with Fake("FAKE_DNS", {"records": records}) as dns:
            result = run("check", "blocked.test", "blocked2.test", "--json", "--only", "mx", "--mx-probe",
                         "--fail-on", "error", "--dns", f"127.0.0.1:{dns.port}", *routes)
        docs = json_lines(result.stdout)
        self.assertEqual(result.returncode, 0, result.stderr)
        for doc in docs:
            validate(doc, "relaymetry-check.schema.json")
            self.assertEqual([f["id"] for f in doc["findings"]], ["mx.probe-blocked"], doc["findings"])
            self.assertIn("port 25 seems blocked", doc["mx"]["egress_blocked"])
            for host in doc["mx"]["hosts"]:
                self.assertEqual([a["status"] for a in host["addresses"]], ["inconclusive"])
        self.assertEqual(result.stderr.count("port 25 seems blocked"), 1, result.stderr)

    def test_one_unreachable_mx_beside_a_working_one_is_the_domains_problem(self):
        hosts = ["mx1.mxp.test", "mx9.mxp.test"]
        result, doc = self.check_json(mx_records("mxp.test", hosts), "--only", "mx", "--mx-probe", "--connect-to",
                                      f"mx9.mxp.test:25:127.0.0.1:{closed_port()}")
        self.assertEqual(findings_by_target(doc), {("mx.unreachable", "mx9.mxp.test:25 [127.0.0.1]")})
        self.assertIsNone(doc["mx"]["egress_blocked"])
        self.assertEqual(result.returncode, 0, "a warning")

    def test_the_text_report_shows_each_mx_address(self):
        result = self.check(mx_records("mxp.test", ["mx1.mxp.test", "mx2.mxp.test"]), "--only", "mx", "--mx-probe")
        self.assertIn("mx1.mxp.test:25 (STARTTLS, --mx-probe)", result.stdout)
        self.assertIn("REQUIRETLS (RFC 8689): offered", result.stdout)
        self.assertIn("no-starttls", result.stdout)
        without = self.check(mx_records("mxp.test", ["mx1.mxp.test"]), "--only", "mx")
        self.assertIn("port 25: not probed (--mx-probe is off)", without.stdout)


if __name__ == "__main__":
    unittest.main()
