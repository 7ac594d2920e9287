"""`relaymetry lint`: the parsers and rules of `check`, on text the user gives."""

import json
import os
import tempfile
import unittest

from harness import json_lines, run, validate

GOOD_POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n"


def finding_ids(document):
    return sorted(finding["id"] for finding in document["findings"])


class PolicyFile(unittest.TestCase):
    def lint(self, body, *args, fail_on=None):
        with tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False) as handle:
            handle.write(body.encode())
        try:
            extra = ["--fail-on", fail_on] if fail_on else []
            result = run("lint", "mta-sts-policy", handle.name, "--json", *args, *extra)
        finally:
            os.unlink(handle.name)
        documents = json_lines(result.stdout)
        self.assertEqual(len(documents), 1, result.stdout)
        validate(documents[0], "relaymetry-lint.schema.json")
        return result, documents[0]

    def test_good_policy_is_valid_and_covers_its_mx(self):
        result, doc = self.lint(GOOD_POLICY, "--mx", "mx1.example.com", "--mx", "a.example.net")
        self.assertEqual(result.returncode, 0, doc)
        self.assertEqual(doc["lint"], "mta-sts-policy")
        self.assertTrue(doc["valid"])
        self.assertEqual(doc["mode"], "enforce")
        self.assertEqual(doc["max_age"], 604800)
        self.assertEqual(doc["mx"], ["mx1.example.com", "*.example.net"])
        self.assertEqual([c["covered"] for c in doc["mx_coverage"]], [True, True])
        self.assertEqual(finding_ids(doc), [])

    def test_wildcard_covers_one_label_only(self):
        result, doc = self.lint(GOOD_POLICY, "--mx", "mx1.example.com", "--mx", "a.b.example.net")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(finding_ids(doc), ["mta-sts.mx-not-covered", "mta-sts.mx-pattern-unused"])
        uncovered = [f for f in doc["findings"] if f["id"] == "mta-sts.mx-not-covered"]
        self.assertEqual(uncovered[0]["target"], "a.b.example.net")
        self.assertEqual(uncovered[0]["severity"], "error")

    def test_testing_mode_makes_coverage_a_warning(self):
        body = GOOD_POLICY.replace("enforce", "testing")
        result, doc = self.lint(body, "--mx", "other.example.org")
        self.assertEqual(result.returncode, 0)
        severities = {f["id"]: f["severity"] for f in doc["findings"]}
        self.assertEqual(severities["mta-sts.mx-not-covered"], "warning")
        self.assertEqual(severities["mta-sts.mode-testing"], "notice")

    def test_invalid_policy(self):
        result, doc = self.lint("version: STSv1\r\nmode: enforcing\r\nmax_age: 31557601\r\nmx: mx.example.com\r\n")
        self.assertEqual(result.returncode, 1)
        self.assertFalse(doc["valid"])
        self.assertIn("mta-sts.policy-invalid", finding_ids(doc))

    def test_max_age_zero_is_valid(self):
        result, doc = self.lint(GOOD_POLICY.replace("604800", "0"))
        self.assertTrue(doc["valid"])
        self.assertIn("mta-sts.max-age-short", finding_ids(doc))

    def test_mode_none_needs_no_mx(self):
        result, doc = self.lint("version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n")
        self.assertTrue(doc["valid"])
        self.assertEqual(finding_ids(doc), ["mta-sts.mode-none"])
        self.assertEqual(result.returncode, 0)

    def test_lf_line_endings_are_a_notice(self):
        result, doc = self.lint(GOOD_POLICY.replace("\r\n", "\n"))
        self.assertEqual(result.returncode, 0)
        self.assertTrue(doc["valid"])
        self.assertEqual(finding_ids(doc), ["mta-sts.policy-line-endings"])
        result, _ = self.lint(GOOD_POLICY.replace("\r\n", "\n"), fail_on="notice")
        self.assertEqual(result.returncode, 1)

    def test_duplicate_field(self):
        result, doc = self.lint(GOOD_POLICY + "mode: testing\r\n")
        self.assertEqual(doc["mode"], "enforce", "RFC 8461 §3.2: the first occurrence wins")
        self.assertIn("mta-sts.policy-duplicate-field", finding_ids(doc))

    def test_too_large(self):
        body = GOOD_POLICY + ("x-filler: " + "a" * 100 + "\r\n") * 700
        result, doc = self.lint(body)
        self.assertEqual(result.returncode, 1)
        self.assertFalse(doc["valid"])
        self.assertEqual(finding_ids(doc), ["mta-sts.policy-too-large"])

    def test_from_stdin_as_text(self):
        result = run("lint", "mta-sts-policy", "-", "--color", "never", stdin=GOOD_POLICY)
        self.assertEqual(result.returncode, 0)
        self.assertIn("enforce", result.stdout)
        self.assertIn("604800", result.stdout)

    def test_unreadable_file(self):
        result = run("lint", "mta-sts-policy", "/nonexistent/policy.txt")
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stdout, "")


class Records(unittest.TestCase):
    def lint(self, kind, *records, expected_exit):
        result = run("lint", kind, *records, "--json")
        self.assertEqual(result.returncode, expected_exit, result.stdout + result.stderr)
        documents = json_lines(result.stdout)
        self.assertEqual(len(documents), 1)
        validate(documents[0], "relaymetry-lint.schema.json")
        return documents[0]

    def test_mta_sts_txt_valid(self):
        doc = self.lint("mta-sts-txt", "v=STSv1; id=20261128T120000;", expected_exit=0)
        self.assertTrue(doc["valid"])
        self.assertEqual(doc["id"], "20261128T120000")

    def test_mta_sts_txt_unrelated_records_are_ignored(self):
        doc = self.lint("mta-sts-txt", "v=spf1 -all", "v=STSv1; id=abc123", expected_exit=0)
        self.assertTrue(doc["valid"])

    def test_mta_sts_txt_invalid_id(self):
        doc = self.lint("mta-sts-txt", "v=STSv1; id=2026-11-28;", expected_exit=1)
        self.assertFalse(doc["valid"])
        self.assertEqual(finding_ids(doc), ["mta-sts.txt-invalid"])

    def test_mta_sts_txt_two_records(self):
        doc = self.lint("mta-sts-txt", "v=STSv1; id=a1", "v=STSv1; id=b2", expected_exit=1)
        self.assertFalse(doc["valid"])
        self.assertEqual(finding_ids(doc), ["mta-sts.txt-multiple"])

    def test_tls_rpt_valid(self):
        doc = self.lint("tls-rpt", "v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://r.example.com/v1",
                        expected_exit=0)
        self.assertTrue(doc["valid"])
        self.assertEqual(doc["rua"], ["mailto:tlsrpt@example.com", "https://r.example.com/v1"])

    def test_tls_rpt_repeated_rua_is_valid_with_a_warning(self):
        record = "v=TLSRPTv1; rua=mailto:a@x.example; rua=mailto:b@x.example"
        doc = self.lint("tls-rpt", record, expected_exit=0)
        self.assertTrue(doc["valid"], "RFC 8460 §3's ABNF allows rua more than once")
        self.assertEqual(doc["rua"], ["mailto:a@x.example", "mailto:b@x.example"])
        self.assertEqual(doc["errors"], [])
        self.assertEqual(finding_ids(doc), ["tls-rpt.rua-repeated"])
        finding = doc["findings"][0]
        self.assertEqual(finding["severity"], "warning")
        self.assertEqual(finding["target"], "_smtp._tls.<domain>")
        self.assertIn('"mailto:a@x.example"; "mailto:b@x.example"', finding["message"])
        self.assertIn("rua=mailto:a@x.example,mailto:b@x.example", finding["fix"])
        self.assertEqual(doc["summary"]["warnings"], 1)
        self.assertEqual(doc["summary"]["errors"], 0)

        text = run("lint", "tls-rpt", record)
        self.assertEqual(text.returncode, 0, text.stdout + text.stderr)
        self.assertIn("tls-rpt.rua-repeated", text.stdout)
        self.assertNotIn("Senders send no reports", text.stdout)
        self.assertEqual(run("lint", "tls-rpt", record, "--fail-on", "warning").returncode, 1)

    def test_tls_rpt_one_rua_with_two_uris_is_not_repeated(self):
        doc = self.lint("tls-rpt", "v=TLSRPTv1; rua=mailto:a@x.example,mailto:b@x.example", expected_exit=0)
        self.assertEqual(doc["rua"], ["mailto:a@x.example", "mailto:b@x.example"])
        self.assertEqual(finding_ids(doc), [])

    def test_tls_rpt_bad_rua(self):
        doc = self.lint("tls-rpt", "v=TLSRPTv1; rua=ftp://example.com/reports", expected_exit=1)
        self.assertIn("tls-rpt.rua-invalid", finding_ids(doc))
        self.assertFalse(doc["valid"], "no usable rua: no sender can deliver a report")

    def test_tls_rpt_wrong_version(self):
        doc = self.lint("tls-rpt", "v=TLSRPTv2; rua=mailto:a@example.com", expected_exit=1)
        self.assertFalse(doc["valid"], "a record that is not v=TLSRPTv1 is not a TLS-RPT record")
        self.assertEqual(finding_ids(doc), ["tls-rpt.invalid"])

    def test_mta_sts_txt_case_matters(self):
        doc = self.lint("mta-sts-txt", "v=stsv1; id=1", expected_exit=1)
        self.assertEqual(finding_ids(doc), ["mta-sts.txt-invalid"])
        self.assertIn("v=STSv1", doc["findings"][0]["message"])


if __name__ == "__main__":
    unittest.main()
