"""--format nagios, prometheus and junit from the real binary against the fakes, each read back by a
real consumer of the format: the Monitoring Plugins' perfdata syntax, Prometheus' own parser (and
promtool when it is installed), an XML parser."""

import datetime
import os
import re
import shutil
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ElementTree

from prometheus_client.parser import text_string_to_metric_families

from harness import Fake, json_lines, run

POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx.clean.test\r\nmax_age: 604800\r\n"
HOSTED = [f"customer{i}.test" for i in range(100)]

# 'label'=value[UOM];[warn];[crit];[min];[max] (Monitoring Plugins development guidelines, perfdata).
PERF_ITEM = re.compile(r"'[^'=]+'=-?[0-9.]+(s|ms|us|%|B|KB|MB|TB|c)?(;[0-9.:~@-]*){0,4}")


def perf_items(text):
    """Splits perfdata into items (labels are quoted and may hold spaces)."""
    return re.findall(r"'[^']*'=\S*", text)


def read(path):
    with open(path) as handle:
        return handle.read()


class Formats(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        good = {"common_name": "mail.clean.test", "dns_names": ["mail.clean.test"]}
        expired = {"common_name": "mail.expired.test", "dns_names": ["mail.expired.test"], "not_after_days": -2}
        cls.good465 = Fake("FAKE_SMTP", {"mode": "implicit-tls", "leaf": good, "ipv6": False})
        cls.good587 = Fake("FAKE_SMTP", {"mode": "starttls", "leaf": good, "ipv6": False})
        cls.expired465 = Fake("FAKE_SMTP", {"mode": "implicit-tls", "leaf": expired, "ipv6": False})
        cls.https = Fake("FAKE_HTTPS", {
            "leaf": {"common_name": "mta-sts.clean.test", "dns_names": ["mta-sts.clean.test"]},
            "responses": {"/.well-known/mta-sts.txt": {"status": 200, "content_type": "text/plain", "body": POLICY}}})
        cls.fakes = [cls.good465, cls.good587, cls.expired465, cls.https]
        cls.ca = tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False)
        cls.ca.write("".join(read(fake.ca_file) for fake in cls.fakes))
        cls.ca.close()

        def srv(domain, service, port, target):
            return {"name": f"{service}.{domain}", "type": "SRV", "priority": 0, "weight": 0, "port": port,
                    "target": target}

        records = [
            srv("clean.test", "_submissions._tcp", cls.good465.port, "mail.clean.test"),
            srv("clean.test", "_submission._tcp", cls.good587.port, "mail.clean.test"),
            {"name": "mail.clean.test", "type": "A", "address": "127.0.0.1"},
            {"name": "clean.test", "type": "MX", "preference": 10, "host": "mx.clean.test"},
            {"name": "mx.clean.test", "type": "A", "address": "127.0.0.1"},
            {"name": "_mta-sts.clean.test", "type": "TXT", "text": "v=STSv1; id=1;"},
            {"name": "mta-sts.clean.test", "type": "A", "address": "127.0.0.1"},
            {"name": "_smtp._tls.clean.test", "type": "TXT", "text": "v=TLSRPTv1; rua=mailto:r@clean.test"},
            srv("expired.test", "_submissions._tcp", cls.expired465.port, "mail.expired.test"),
            srv("expired.test", "_submission._tcp", 0, "."),
            {"name": "mail.expired.test", "type": "A", "address": "127.0.0.1"},
        ]
        # A hosting provider's customers: every SRV names the one shared submission host.
        for domain in HOSTED:
            records.append(srv(domain, "_submissions._tcp", cls.good465.port, "mail.clean.test"))
            records.append(srv(domain, "_submission._tcp", cls.good587.port, "mail.clean.test"))
        cls.dns = Fake("FAKE_DNS", {"records": records})
        cls.args = ["--dns", f"127.0.0.1:{cls.dns.port}", "--ca-file", cls.ca.name,
                    "--connect-to", f"mta-sts.clean.test:443:127.0.0.1:{cls.https.port}", "--timeout", "10"]

    @classmethod
    def tearDownClass(cls):
        for fake in [cls.dns, *cls.fakes]:
            fake.stop()
        os.unlink(cls.ca.name)

    def check(self, *args):
        return run("check", *args, *self.args)

    # ---- nagios ---------------------------------------------------------------------------------

    def assert_plugin_output(self, stdout):
        """One status line 'RELAYMETRY STATE - text | perfdata', long text, perfdata after a second '|'."""
        lines = stdout.splitlines()
        status, _, perfdata = lines[0].partition(" | ")
        self.assertRegex(status, r"^RELAYMETRY (OK|WARNING|CRITICAL|UNKNOWN) - \S")
        self.assertNotIn("|", status)
        more = [line[2:] for line in lines[1:] if line.startswith("| ")]
        for item in perf_items(perfdata) + [i for line in more for i in perf_items(line)]:
            self.assertRegex(item, PERF_ITEM)
        return status, perfdata

    def test_nagios_clean_domain_is_ok(self):
        result = self.check("clean.test", "--format", "nagios")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        status, perfdata = self.assert_plugin_output(result.stdout)
        self.assertTrue(status.startswith("RELAYMETRY OK - clean.test: OK (0 errors, 0 warnings"), status)
        self.assertIn("'errors'=0;;;0;", perfdata)
        self.assertRegex(perfdata, r"'time'=[0-9.]+s")
        # Days left of every certificate: the two submission ports and the policy host.
        self.assertEqual(len(re.findall(r"'cert_days [^']+'=\d+;14:;0:", result.stdout)), 3, result.stdout)

    def test_nagios_expired_certificate_is_critical(self):
        result = self.check("expired.test", "--format", "nagios")
        self.assertEqual(result.returncode, 2, result.stdout)
        status, perfdata = self.assert_plugin_output(result.stdout)
        self.assertTrue(status.startswith("RELAYMETRY CRITICAL - expired.test: cert.expired mail.expired.test:"), status)
        self.assertRegex(result.stdout, r"'cert_days mail.expired.test:\d+ 127.0.0.1'=-\d+;14:;0:")
        self.assertIn("[error] cert.expired", result.stdout)

    def test_nagios_thresholds_move_the_state(self):
        warning = self.check("expired.test", "--format", "nagios", "--critical-on", "never", "--warning-on", "error")
        self.assertEqual(warning.returncode, 1)
        self.assertTrue(warning.stdout.startswith("RELAYMETRY WARNING - expired.test: cert.expired"))
        ok = self.check("expired.test", "--format", "nagios", "--critical-on", "never", "--warning-on", "never")
        self.assertEqual(ok.returncode, 0)
        self.assertTrue(ok.stdout.startswith("RELAYMETRY OK - expired.test: OK (1 error"), ok.stdout)

    def test_nagios_several_domains(self):
        result = self.check("clean.test", "expired.test", "--format", "nagios")
        self.assertEqual(result.returncode, 2)
        status, _ = self.assert_plugin_output(result.stdout)
        self.assertTrue(status.startswith("RELAYMETRY CRITICAL - 1 of 2 domains not OK; expired.test: cert.expired"))
        self.assertIn("'clean.test errors'=0", result.stdout)
        self.assertIn("'expired.test errors'=1", result.stdout)

    def test_nagios_unknown_when_the_check_cannot_run(self):
        result = run("check", "clean.test", "--format", "nagios", "--dns", "127.0.0.1:9", "--timeout", "3")
        self.assertEqual(result.returncode, 3)
        self.assertTrue(result.stdout.startswith("RELAYMETRY UNKNOWN - clean.test: could not be checked: the resolver "
                                                 "127.0.0.1:9 did not answer"), result.stdout)

    def test_nagios_unknown_on_bad_usage(self):
        bad_dns = run("check", "clean.test", "--format", "nagios", "--dns", "not an address")
        self.assertEqual(bad_dns.returncode, 3)
        self.assertTrue(bad_dns.stdout.startswith("RELAYMETRY UNKNOWN - relaymetry: --dns"), bad_dns.stdout)
        self.assertIn("--dns", bad_dns.stderr)
        bad_option = run("check", "clean.test", "--format", "nagios", "--no-such-option")
        self.assertEqual(bad_option.returncode, 3)
        self.assertTrue(bad_option.stdout.startswith("RELAYMETRY UNKNOWN - "), bad_option.stdout)
        # A refused domain beside a good one: the good one is checked, the state is UNKNOWN.
        bad_domain = self.check("clean.test", "bad..name", "--format", "nagios")
        self.assertEqual(bad_domain.returncode, 3, bad_domain.stdout)
        self.assertIn("1 input(s) refused: 'bad..name'", bad_domain.stdout.splitlines()[0])
        self.assertIn("clean.test: OK", bad_domain.stdout)

    def test_json_and_another_format_contradict(self):
        result = self.check("clean.test", "--json", "--format", "junit")
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stdout, "")
        self.assertIn("--json and --format junit", result.stderr)
        self.assertEqual(json_lines(self.check("clean.test", "--format", "json").stdout)[0]["domain"], "clean.test")

    # ---- prometheus -----------------------------------------------------------------------------

    def parse_metrics(self, text):
        families = {family.name: family for family in text_string_to_metric_families(text)}
        if shutil.which("promtool"):
            lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
            self.assertEqual(lint.returncode, 0, lint.stdout + lint.stderr)
        return families

    def samples(self, families, name):
        return [(sample.labels, sample.value) for sample in families[name].samples]

    def test_prometheus_clean_and_failing_domains(self):
        result = self.check("clean.test", "expired.test", "--format", "prometheus")
        self.assertEqual(result.returncode, 1)
        families = self.parse_metrics(result.stdout)
        docs = {doc["domain"]: doc for doc in json_lines(self.check("clean.test", "expired.test", "--json").stdout)}
        self.assertEqual(sorted(self.samples(families, "relaymetry_up"), key=str),
                         [({"domain": "clean.test"}, 1.0), ({"domain": "expired.test"}, 1.0)])
        findings = {(labels["domain"], labels["rule"]): value
                    for labels, value in self.samples(families, "relaymetry_findings")}
        for domain, doc in docs.items():
            for finding in doc["findings"]:
                self.assertIn((domain, finding["id"]), findings)
        self.assertEqual(findings[("expired.test", "cert.expired")], 1.0)
        expiry = {(labels["domain"], labels["host"], labels["port"]): value
                  for labels, value in self.samples(families, "relaymetry_certificate_expiry_timestamp_seconds")}
        leaf = docs["expired.test"]["submission"]["endpoints"][0]["addresses"][0]["tls"]["certificate"]
        not_after = datetime.datetime.strptime(leaf["not_after"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
        self.assertEqual(expiry[("expired.test", "mail.expired.test", str(self.expired465.port))], not_after.timestamp())
        self.assertEqual(len([key for key in expiry if key[0] == "clean.test"]), 3)
        versions = self.samples(families, "relaymetry_tls_version_info")
        self.assertIn("TLSv1.3", {labels["version"] for labels, _ in versions})
        self.assertEqual(self.samples(families, "relaymetry_mta_sts_mode_info"),
                         [({"domain": "clean.test", "mode": "enforce"}, 1.0)])
        errors = {labels["domain"]: value for labels, value in self.samples(families, "relaymetry_findings_by_severity")
                  if labels["severity"] == "error"}
        self.assertEqual(errors, {"clean.test": 0.0, "expired.test": 1.0})

    def test_prometheus_one_hundred_domains(self):
        result = self.check(*HOSTED, "--format", "prometheus")
        families = self.parse_metrics(result.stdout)
        up = self.samples(families, "relaymetry_up")
        self.assertEqual(sorted(labels["domain"] for labels, _ in up), sorted(HOSTED))
        self.assertTrue(all(value == 1.0 for _, value in up))
        self.assertEqual(len(self.samples(families, "relaymetry_check_duration_seconds")), 100)
        # Each metric's HELP and TYPE once, whatever the number of domains.
        self.assertEqual(result.stdout.count("# TYPE relaymetry_up gauge"), 1)

    def test_prometheus_says_down_when_the_resolver_does_not_answer(self):
        result = run("check", "clean.test", "--format", "prometheus", "--dns", "127.0.0.1:9", "--timeout", "3")
        self.assertEqual(result.returncode, 4)
        families = self.parse_metrics(result.stdout)
        self.assertEqual(self.samples(families, "relaymetry_up"), [({"domain": "clean.test"}, 0.0)])

    # ---- junit ----------------------------------------------------------------------------------

    def test_junit_counts_one_failure_per_error_finding(self):
        result = self.check("clean.test", "expired.test", *HOSTED[:3], "--format", "junit")
        self.assertEqual(result.returncode, 1)
        root = ElementTree.fromstring(result.stdout)
        self.assertEqual(root.tag, "testsuites")
        suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
        self.assertEqual(sorted(suites), sorted(["clean.test", "expired.test", *HOSTED[:3]]))
        docs = json_lines(self.check("clean.test", "expired.test", *HOSTED[:3], "--json").stdout)
        for doc in docs:
            suite = suites[doc["domain"]]
            error_findings = [f for f in doc["findings"] if f["severity"] == "error"]
            failures = suite.findall("testcase/failure")
            self.assertEqual(len(failures), len(error_findings), doc["domain"])
            self.assertEqual(int(suite.get("failures")), len(error_findings))
            self.assertEqual(int(suite.get("tests")), len(suite.findall("testcase")))
            self.assertEqual(sorted(f.get("type") for f in failures), sorted(f["id"] for f in error_findings))
        failure = suites["expired.test"].find("testcase/failure")
        self.assertIn("Fix:", failure.text)
        self.assertIn("Reference:", failure.text)

    def test_junit_for_lint(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as policy:
            policy.write("version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\n")  # no mx line
            policy.flush()
            result = run("lint", "mta-sts-policy", policy.name, "--format", "junit")
        root = ElementTree.fromstring(result.stdout)
        self.assertEqual(result.returncode, 1)
        self.assertGreaterEqual(len(root.findall("testsuite/testcase/failure")), 1)
        self.assertEqual(run("lint", "tls-rpt", "v=TLSRPTv1; rua=mailto:a@b.test", "--format", "nagios").returncode, 2)

    def test_usage_line_names_the_program_not_its_path(self):
        result = run("check", "--help")
        self.assertEqual(result.returncode, 0)
        first = result.stdout.splitlines()[0] if result.stdout else ""
        self.assertIn("relaymetry check", result.stdout)
        self.assertNotIn("/", first, first)


if __name__ == "__main__":
    unittest.main()
