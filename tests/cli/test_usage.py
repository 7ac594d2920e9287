"""The command line itself: usage errors, bad input, exit codes, `rules`, `--version`."""

import unittest

from harness import SOURCE, run


class Version(unittest.TestCase):
    def test_version_names_the_program(self):
        result = run("--version")
        self.assertEqual(result.returncode, 0)
        self.assertRegex(result.stdout.strip(), r"^relaymetry \d+\.\d+\.\d+$")


class BadInput(unittest.TestCase):
    def assert_usage_error(self, result, *fragments):
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertEqual(result.stdout, "", "nothing on stdout for a usage error")
        for fragment in fragments:
            self.assertIn(fragment, result.stderr)

    def test_unknown_option(self):
        self.assert_usage_error(run("check", "--no-such-option", "example.com"), "--no-such-option")

    def test_no_command(self):
        self.assertEqual(run().returncode, 2)

    def test_no_domain(self):
        self.assert_usage_error(run("check"), "no domain")

    def test_each_bad_domain_gets_one_line(self):
        cases = {
            "https://example.com/": "URL",
            "a..b.example": "empty",
            "x" * 64 + ".example": "63",
            "192.0.2.1": "IP",
            "exa mple.com": "",
        }
        result = run("check", *cases, "--dns", "127.0.0.1:9", "--timeout", "1")
        self.assertEqual(result.returncode, 2)
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), len(cases), result.stderr)
        for line, (bad, fragment) in zip(lines, cases.items()):
            self.assertIn(bad, line)
            self.assertIn(fragment, line)

    def test_bad_fail_on(self):
        self.assert_usage_error(run("check", "example.com", "--fail-on", "sometimes"), "--fail-on")

    def test_bad_only(self):
        self.assert_usage_error(run("check", "example.com", "--only", "submission,dane"), "dane")

    def test_unknown_ignored_rule(self):
        self.assert_usage_error(run("check", "example.com", "--ignore", "cert.expird"), "cert.expird")

    def test_bad_connect_to(self):
        self.assert_usage_error(run("check", "example.com", "--connect-to", "a:465:localhost:1"), "--connect-to")

    def test_bad_dns_server(self):
        self.assert_usage_error(run("check", "example.com", "--dns", "not an address"), "--dns")

    def test_unreadable_ca_file(self):
        self.assert_usage_error(run("check", "example.com", "--ca-file", "/nonexistent/ca.pem"), "--ca-file")

    def test_unreadable_domain_file(self):
        self.assert_usage_error(run("check", "-f", "/nonexistent/domains.txt"), "/nonexistent/domains.txt")

    def test_terminal_control_characters_in_input_are_escaped(self):
        result = run("check", "evil\x1b[31m.example", "--dns", "127.0.0.1:9", "--timeout", "1")
        self.assertEqual(result.returncode, 2)
        self.assertNotIn("\x1b", result.stderr)

    def test_control_characters_in_option_values_are_escaped_in_every_part_of_the_message(self):
        for option, value in (("--dns", "1.2.3.4\x1b[31m:99999"), ("--connect-to", "a:25:\x1b[31m:x"),
                              ("--shard", "1\x1b[31m/2")):
            result = run("check", "example.com", option, value)
            self.assert_usage_error(result, option, "\\u001b[31m")
            self.assertNotIn("\x1b", result.stderr, option)

    def test_option_parser_errors_are_escaped(self):
        # Values the option parser itself refuses: its message quotes them, and stderr is a terminal too.
        for arguments in (("check", "example.com", "--timeout", "5\x1b[31m"),
                          ("check", "example.com", "--format", "te\x1b]0;owned\x07xt"),
                          ("check", "example.com", "--no-such\x1b[2J")):
            result = run(*arguments)
            self.assert_usage_error(result, "\\u001b")
            self.assertNotIn("\x1b", result.stderr, arguments)
            self.assertNotIn("\x07", result.stderr, arguments)

    def test_option_parser_errors_are_escaped_in_the_nagios_status_line(self):
        result = run("check", "example.com", "--format", "nagios", "--timeout", "x\x1b[31m")
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertTrue(result.stdout.startswith("RELAYMETRY UNKNOWN - "), result.stdout)
        self.assertNotIn("\x1b", result.stdout + result.stderr)


class Rules(unittest.TestCase):
    def test_listing_matches_the_generated_doc(self):
        listing = run("rules")
        self.assertEqual(listing.returncode, 0)
        doc = (SOURCE / "docs" / "rules.md").read_text()
        for line in listing.stdout.splitlines():
            rule_id = line.split()[0]
            self.assertIn(rule_id, doc)

    def test_every_contract_rule_is_listed(self):
        listing = run("rules").stdout
        contract = ["submission.not-found", "submission.srv-disabled", "submission.inconclusive",
                    "tls.legacy-accepted", "cert.weak-signature", "mx.null", "mta-sts.mx-pattern-unused",
                    "tls-rpt.rua-invalid", "dns.lookup-failed"]
        for rule_id in contract:
            self.assertIn(rule_id, listing)

    def test_explain_one_rule(self):
        result = run("rules", "mta-sts.policy-redirect")
        self.assertEqual(result.returncode, 0)
        self.assertIn("RFC 8461", result.stdout)

    def test_unknown_rule(self):
        result = run("rules", "no.such-rule")
        self.assertEqual(result.returncode, 2)
        self.assertIn("no.such-rule", result.stderr)


if __name__ == "__main__":
    unittest.main()
