"""A whole check of the real binary against the fakes: DNS, submission on 465 and 587, the policy host."""

import os
import re
import subprocess
import sys
import tempfile
import unittest

from harness import Fake, json_lines, run, validate

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from certificate_digests import leaf_digests  # noqa: E402

POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx.full.test\r\nmax_age: 604800\r\n"


def served_leaf_digests(port, host, starttls):
    """The digests of the leaf the server sends, as openssl s_client receives it."""
    command = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", host, "-showcerts"]
    if starttls:
        command += ["-starttls", "smtp"]
    out = subprocess.run(command, input="Q\n", capture_output=True, text=True, timeout=20).stdout
    return leaf_digests(re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", out, re.S).group(0))


VERIFY_CODES = {"expired", "not-yet-valid", "unknown-issuer", "self-signed", "missing-intermediate", "name-mismatch",
                "weak-key", "weak-digest", "other"}


def read_ca(fake_output_ca):
    with open(fake_output_ca) as handle:
        return handle.read()


class FullCheck(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        leaf = {"common_name": "mail.full.test", "dns_names": ["mail.full.test"]}
        cls.smtp465 = Fake("FAKE_SMTP", {"mode": "implicit-tls", "leaf": leaf, "ipv6": False})
        cls.smtp587 = Fake("FAKE_SMTP", {"mode": "starttls", "leaf": leaf, "ipv6": False})
        cls.https = Fake("FAKE_HTTPS", {
            "leaf": {"common_name": "mta-sts.full.test", "dns_names": ["mta-sts.full.test"]},
            "responses": {"/.well-known/mta-sts.txt": {"status": 200, "content_type": "text/plain; charset=utf-8",
                                                        "body": POLICY}}})
        fakes = (cls.smtp465, cls.smtp587, cls.https)
        cls.ca = tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False)
        cls.ca.write("".join(read_ca(fake.ca_file) for fake in fakes))
        cls.ca.close()

        def srv(service, port):
            return {"name": f"{service}.full.test", "type": "SRV", "priority": 0, "weight": 0, "port": port,
                    "target": "mail.full.test"}

        cls.dns = Fake("FAKE_DNS", {"records": [
            srv("_submissions._tcp", cls.smtp465.port), srv("_submission._tcp", cls.smtp587.port),
            {"name": "mail.full.test", "type": "A", "address": "127.0.0.1"},
            {"name": "full.test", "type": "MX", "preference": 10, "host": "mx.full.test"},
            {"name": "mx.full.test", "type": "A", "address": "127.0.0.1"},
            {"name": "_mta-sts.full.test", "type": "TXT", "text": "v=STSv1; id=20261128;"},
            {"name": "mta-sts.full.test", "type": "A", "address": "127.0.0.1"},
            {"name": "_smtp._tls.full.test", "type": "TXT", "text": "v=TLSRPTv1; rua=mailto:tlsrpt@full.test"},
        ]})
        cls.args = ["--dns", f"127.0.0.1:{cls.dns.port}", "--ca-file", cls.ca.name,
                    "--connect-to", f"mta-sts.full.test:443:127.0.0.1:{cls.https.port}", "--timeout", "10"]

    @classmethod
    def tearDownClass(cls):
        for fake in (cls.dns, cls.smtp465, cls.smtp587, cls.https):
            fake.stop()
        os.unlink(cls.ca.name)

    def test_a_clean_domain_passes_with_every_fact(self):
        result = run("check", "full.test", "--json", *self.args)
        (doc,) = json_lines(result.stdout)
        validate(doc, "relaymetry-check.schema.json")
        self.assertEqual(doc["findings"], [], doc["findings"])
        self.assertEqual(result.returncode, 0)
        self.assertEqual(doc["summary"], {"errors": 0, "warnings": 0, "notices": 0, "result": "pass"})

        implicit, starttls = doc["submission"]["endpoints"]
        self.assertEqual((implicit["port"], implicit["security"]), (self.smtp465.port, "implicit-tls"))
        self.assertEqual((starttls["port"], starttls["security"]), (self.smtp587.port, "starttls"))
        for endpoint in (implicit, starttls):
            (address,) = endpoint["addresses"]
            self.assertEqual(address["status"], "ok")
            tls = address["tls"]
            self.assertEqual(tls["version"], "TLSv1.3")
            self.assertEqual(tls["legacy_versions_accepted"], [])
            certificate = tls["certificate"]
            self.assertTrue(certificate["chain_valid"])
            self.assertTrue(certificate["name_match"])
            self.assertEqual(certificate["san"], ["mail.full.test"])
            self.assertEqual(certificate["key"], "RSA-2048")
            self.assertGreaterEqual(certificate["days_left"], 88)
        self.assertTrue(starttls["addresses"][0]["smtp"]["starttls_offered"])
        self.assertEqual(starttls["addresses"][0]["smtp"]["auth_before_tls"], [])

        policy = doc["mta_sts"]["policy"]
        self.assertEqual(policy["status"], "fetched")
        self.assertEqual(policy["http_status"], 200)
        self.assertEqual(policy["mode"], "enforce")
        self.assertEqual(policy["max_age"], 604800)
        self.assertEqual(policy["mx"], ["mx.full.test"])
        self.assertTrue(policy["certificate"]["name_match"])
        self.assertEqual(doc["mta_sts"]["mx_coverage"],
                         [{"mx": "mx.full.test", "covered": True, "pattern": "mx.full.test"}])

    def test_certificate_digests_are_those_of_the_served_certificate(self):
        result = run("check", "full.test", "--json", *self.args)
        (doc,) = json_lines(result.stdout)
        implicit, starttls = doc["submission"]["endpoints"]
        for endpoint, is_starttls in ((implicit, False), (starttls, True)):
            certificate = endpoint["addresses"][0]["tls"]["certificate"]
            expected = served_leaf_digests(endpoint["port"], "mail.full.test", is_starttls)
            for key, value in expected.items():
                self.assertEqual(certificate[key], value, f"{key} of {endpoint['port']}")
            self.assertIsNone(certificate["verify_error_code"])
        policy_certificate = doc["mta_sts"]["policy"]["certificate"]
        expected = served_leaf_digests(self.https.port, "mta-sts.full.test", False)
        self.assertEqual(policy_certificate["spki_sha256"], expected["spki_sha256"])
        self.assertEqual(policy_certificate["sha256"], expected["sha256"])

    def test_text_report_shows_the_facts(self):
        result = run("check", "full.test", "--color", "never", *self.args)
        self.assertEqual(result.returncode, 0)
        for fact in ("TLSv1.3", "mail.full.test", "enforce", "604800", "mx.full.test", "PASS"):
            self.assertIn(fact, result.stdout)

    def test_the_wrong_trust_anchor_fails_every_certificate(self):
        result = run("check", "full.test", "--json", *[a if a != self.ca.name else "/etc/ssl/certs/ca-certificates.crt"
                                                         for a in self.args])
        (doc,) = json_lines(result.stdout)
        ids = sorted({f["id"] for f in doc["findings"]})
        self.assertEqual(ids, ["cert.untrusted", "mta-sts.policy-tls-invalid"])
        self.assertEqual(doc["mta_sts"]["policy"]["status"], "tls-failed")
        for endpoint in doc["submission"]["endpoints"]:
            certificate = endpoint["addresses"][0]["tls"]["certificate"]
            self.assertFalse(certificate["chain_valid"])
            self.assertIn(certificate["verify_error_code"], VERIFY_CODES)
            self.assertEqual(certificate["trust_error_code"], "unknown-issuer", certificate["trust_error"])
        self.assertEqual(result.returncode, 1)


if __name__ == "__main__":
    unittest.main()
