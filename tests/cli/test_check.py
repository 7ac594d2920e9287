"""`relaymetry check` against the fake DNS server: discovery, MX, the TXT records, output and exit codes.

Submission targets point at loopback ports where nothing listens, so probes end at once (refused)."""

import os
import subprocess
import tempfile
import time
import unittest

from harness import Fake, json_lines, run, validate

# Nothing listens on 127.0.0.1:1 (tcpmux, never served here); connection attempts are refused at once.
CLOSED = ["--connect-to", "::127.0.0.1:1"]


def srv(name, port, target, priority=0, weight=0):
    return {"name": name, "type": "SRV", "priority": priority, "weight": weight, "port": port, "target": target}


def a(name, address="127.0.0.1"):
    return {"name": name, "type": "A", "address": address}


def txt(name, *strings):
    return {"name": name, "type": "TXT", "strings": list(strings)}


def mx(name, preference, host):
    return {"name": name, "type": "MX", "preference": preference, "host": host}


RECORDS = [
    # srv.test: both SRV services, two priorities for 587
    srv("_submissions._tcp.srv.test", 465, "mail.srv.test"),
    srv("_submission._tcp.srv.test", 587, "backup.srv.test", priority=20),
    srv("_submission._tcp.srv.test", 2587, "mail.srv.test", priority=10, weight=5),
    a("mail.srv.test"), a("backup.srv.test", "127.0.0.2"),
    mx("srv.test", 10, "mx1.srv.test"), mx("srv.test", 20, "mx2.srv.test"),
    a("mx1.srv.test"), a("mx2.srv.test"),
    txt("_mta-sts.srv.test", "v=STSv1; ", "id=20261128;"),
    txt("_smtp._tls.srv.test", "v=TLSRPTv1; rua=mailto:tlsrpt@srv.test"),
    txt("_smtp._tls.srv.test", "some other record"),
    # fallback.test: no SRV, smtp.<domain> exists
    a("smtp.fallback.test"), mx("fallback.test", 0, "smtp.fallback.test"),
    # none.test: nothing at all but an MX
    mx("none.test", 5, "mx.elsewhere.example"),
    # disabled.test: both services explicitly not offered (RFC 6186 "."), null MX (RFC 7505)
    srv("_submissions._tcp.disabled.test", 0, "."),
    srv("_submission._tcp.disabled.test", 0, "."),
    mx("disabled.test", 0, "."),
    # two STS records: senders treat that as no policy
    mx("twotxt.test", 10, "mx.twotxt.test"),
    txt("_mta-sts.twotxt.test", "v=STSv1; id=one;"), txt("_mta-sts.twotxt.test", "v=STSv1; id=two;"),
    # a hostile TXT record: terminal escape sequences must not reach the terminal
    mx("hostile.test", 10, "mx.hostile.test"),
    txt("_mta-sts.hostile.test", "v=STSv1; id=\x1b[2J\x1b]0;pwned\x07"),
]

BEHAVIOURS = [
    {"name": "broken.test", "behaviour": "servfail"},
    {"name": "_submissions._tcp.broken.test", "behaviour": "servfail"},
    {"name": "_submission._tcp.broken.test", "behaviour": "servfail"},
    {"name": "_mta-sts.broken.test", "behaviour": "servfail"},
    {"name": "_smtp._tls.broken.test", "behaviour": "servfail"},
    {"name": "mta-sts.broken.test", "behaviour": "servfail"},
    {"name": "smtp.broken.test", "behaviour": "servfail"},
    {"name": "silent.test", "behaviour": "drop"},
    {"name": "_submissions._tcp.silent.test", "behaviour": "drop"},
    {"name": "_submission._tcp.silent.test", "behaviour": "drop"},
    {"name": "_mta-sts.silent.test", "behaviour": "drop"},
    {"name": "_smtp._tls.silent.test", "behaviour": "drop"},
    {"name": "mta-sts.silent.test", "behaviour": "drop"},
    {"name": "smtp.silent.test", "behaviour": "drop"},
    {"name": "garbage.test", "behaviour": "garbage"},
    {"name": "_mta-sts.garbage.test", "behaviour": "malformed"},
    {"name": "_smtp._tls.garbage.test", "behaviour": "truncate-loop"},
]


class CheckAgainstFakeDns(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dns = Fake("FAKE_DNS", {"records": RECORDS, "behaviours": BEHAVIOURS})
        cls.dns_args = ["--dns", f"127.0.0.1:{cls.dns.port}"]

    @classmethod
    def tearDownClass(cls):
        cls.dns.stop()

    def check_json(self, *domains, extra=(), timeout="5"):
        result = run("check", *domains, "--json", *self.dns_args, *CLOSED, "--timeout", timeout, *extra)
        documents = json_lines(result.stdout)
        for document in documents:
            validate(document, "relaymetry-check.schema.json")
        return result, documents

    def test_srv_discovery_in_rfc_2782_order(self):
        result, (doc,) = self.check_json("srv.test")
        discovery = doc["submission"]["discovery"]
        self.assertEqual(discovery["source"], "srv")
        self.assertEqual(
            [(r["service"], r["priority"], r["port"], r["target"]) for r in discovery["srv"]],
            [("_submissions._tcp", 0, 465, "mail.srv.test"),
             ("_submission._tcp", 10, 2587, "mail.srv.test"),
             ("_submission._tcp", 20, 587, "backup.srv.test")])
        endpoints = [(e["host"], e["port"], e["security"]) for e in doc["submission"]["endpoints"]]
        self.assertEqual(endpoints, [("mail.srv.test", 465, "implicit-tls"), ("mail.srv.test", 2587, "starttls"),
                                     ("backup.srv.test", 587, "starttls")])
        self.assertEqual(doc["mx"]["records"], [{"preference": 10, "host": "mx1.srv.test"},
                                                {"preference": 20, "host": "mx2.srv.test"}])
        self.assertFalse(doc["mx"]["null_mx"])
        self.assertEqual(doc["mta_sts"]["txt"]["status"], "published")
        self.assertEqual(doc["mta_sts"]["txt"]["records"], ["v=STSv1; id=20261128;"],
                         "character-strings of one record are concatenated")
        self.assertEqual(doc["mta_sts"]["txt"]["id"], "20261128")
        self.assertEqual(doc["tls_rpt"]["status"], "published")
        self.assertEqual(doc["tls_rpt"]["rua"], ["mailto:tlsrpt@srv.test"])
        self.assertIn("some other record", doc["tls_rpt"]["records"])
        # Every probe was refused: each SRV endpoint is unreachable.
        ids = [f["id"] for f in doc["findings"]]
        self.assertEqual(ids.count("submission.unreachable"), 3)
        self.assertEqual(result.returncode, 1)

    def test_fallback_discovery(self):
        _, (doc,) = self.check_json("fallback.test")
        self.assertEqual(doc["submission"]["discovery"]["source"], "fallback")
        self.assertEqual(doc["submission"]["discovery"]["srv"], [])
        self.assertEqual([(e["host"], e["port"], e["security"]) for e in doc["submission"]["endpoints"]],
                         [("smtp.fallback.test", 465, "implicit-tls"), ("smtp.fallback.test", 587, "starttls")])

    def test_no_submission_server(self):
        _, (doc,) = self.check_json("none.test")
        self.assertEqual(doc["submission"]["discovery"]["source"], "none")
        self.assertEqual(doc["submission"]["endpoints"], [])
        ids = sorted(f["id"] for f in doc["findings"])
        self.assertEqual(ids, ["mta-sts.not-published", "submission.not-found", "tls-rpt.not-published"])
        self.assertEqual(doc["mta_sts"]["txt"]["status"], "not-published")
        self.assertEqual(doc["tls_rpt"]["status"], "not-published")

    def test_disabled_submission_and_null_mx(self):
        result, (doc,) = self.check_json("disabled.test")
        self.assertEqual(doc["submission"]["discovery"]["source"], "disabled")
        self.assertEqual(doc["mx"]["records"], [{"preference": 0, "host": "."}])
        self.assertTrue(doc["mx"]["null_mx"])
        ids = sorted(f["id"] for f in doc["findings"])
        # A domain that takes no mail gets no advice to publish MTA-STS or TLS-RPT.
        self.assertEqual(ids, ["mx.null", "submission.srv-disabled", "submission.srv-disabled"])
        self.assertEqual(result.returncode, 0)
        self.assertEqual(doc["summary"]["result"], "pass")

    def test_two_sts_records(self):
        _, (doc,) = self.check_json("twotxt.test")
        self.assertEqual(doc["mta_sts"]["txt"]["status"], "multiple")
        self.assertEqual(sorted(doc["mta_sts"]["txt"]["records"]), ["v=STSv1; id=one;", "v=STSv1; id=two;"])
        self.assertIn("mta-sts.txt-multiple", [f["id"] for f in doc["findings"]])

    def test_servfail_is_lookup_failed_and_the_area_is_not_judged(self):
        result, (doc,) = self.check_json("broken.test")
        self.assertEqual(result.returncode, 1, "a broken zone is the domain's fault: exit 1, not 4")
        self.assertFalse(doc["dns"]["resolver_unreachable"])
        ids = [f["id"] for f in doc["findings"]]
        self.assertTrue(ids, "a broken zone must produce findings")
        self.assertEqual(set(ids), {"dns.lookup-failed"})
        self.assertEqual(doc["mta_sts"]["txt"]["status"], "lookup-failed")
        self.assertEqual(doc["tls_rpt"]["status"], "lookup-failed")

    def test_silent_server_ends_within_the_timeout(self):
        started = time.monotonic()
        _, (doc,) = self.check_json("silent.test", timeout="2")
        elapsed = time.monotonic() - started
        self.assertLess(elapsed, 10, "a silent DNS server must not hold the check past its deadline")
        ids = {f["id"] for f in doc["findings"]}
        # The resolver answers (about the root), only the domain's zone is silent: the domain's fault.
        self.assertEqual(ids, {"dns.lookup-failed"})
        self.assertTrue(all(f["status"] == "timeout" for f in doc["submission"]["lookup_failures"]))
        self.assertFalse(doc["dns"]["resolver_unreachable"])

    def test_garbage_malformed_and_truncation_loops(self):
        result, (doc,) = self.check_json("garbage.test", timeout="3")
        self.assertIn(result.returncode, (0, 1))
        self.assertEqual(doc["mta_sts"]["txt"]["status"], "lookup-failed")
        self.assertEqual(doc["tls_rpt"]["status"], "lookup-failed")
        self.assertIn("dns.lookup-failed", {f["id"] for f in doc["findings"]})

    def test_network_strings_are_escaped(self):
        result = run("check", "hostile.test", *self.dns_args, *CLOSED, "--timeout", "5", "--color", "never")
        self.assertNotIn("\x1b", result.stdout)
        self.assertNotIn("\x07", result.stdout)
        self.assertIn("\\u001b", result.stdout)
        _, (doc,) = self.check_json("hostile.test")
        self.assertEqual(doc["mta_sts"]["txt"]["records"], ["v=STSv1; id=\x1b[2J\x1b]0;pwned\x07"],
                         "JSON carries the exact bytes, escaped by JSON itself")

    def test_several_domains_in_input_order_one_line_each(self):
        domains = ["srv.test", "none.test", "fallback.test", "disabled.test"]
        result, documents = self.check_json(*domains, extra=["--parallel", "2"])
        self.assertEqual([d["domain"] for d in documents], domains)
        self.assertEqual(result.returncode, 1)

    def test_domain_file_with_bad_lines(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
            handle.write("# mail domains\nNONE.test.\n\nhttps://srv.test/\ndisabled.test  # trailing comment\n")
        try:
            result, documents = self.check_json("-f", handle.name)
        finally:
            os.unlink(handle.name)
        self.assertEqual([d["domain"] for d in documents], ["none.test", "disabled.test"])
        self.assertEqual(result.returncode, 2)
        self.assertRegex(result.stderr, rf"{handle.name}:4: ")

    def test_domains_from_stdin(self):
        result = run("check", "-f", "-", "--json", *self.dns_args, *CLOSED, stdin="disabled.test\n")
        self.assertEqual([d["domain"] for d in json_lines(result.stdout)], ["disabled.test"])
        self.assertEqual(result.returncode, 0)

    def test_fail_on_and_ignore_decide_the_exit_code(self):
        base = ["none.test", "--json", *self.dns_args, *CLOSED]
        self.assertEqual(run("check", *base).returncode, 0, "warnings and notices only")
        self.assertEqual(run("check", *base, "--fail-on", "warning").returncode, 1)
        self.assertEqual(run("check", *base, "--fail-on", "notice").returncode, 1)
        self.assertEqual(run("check", *base, "--fail-on", "never").returncode, 0)
        ignored = run("check", *base, "--fail-on", "warning", "--ignore", "mta-sts.not-published,tls-rpt.*")
        self.assertEqual(ignored.returncode, 0)
        (doc,) = json_lines(ignored.stdout)
        self.assertEqual([f["id"] for f in doc["findings"]], ["submission.not-found"])

    def test_options_may_come_before_the_domains(self):
        # Every repeatable option takes one value per occurrence: the domain after it is a domain.
        result = run("check", "--dns", f"127.0.0.1:{self.dns.port}", "--connect-to", "::127.0.0.1:1",
                     "--ignore", "submission.not-found", "--only", "submission,mx", "none.test", "--json")
        (doc,) = json_lines(result.stdout)
        self.assertEqual(doc["domain"], "none.test")
        self.assertEqual(doc["findings"], [])
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_only_restricts_the_areas(self):
        _, (doc,) = self.check_json("srv.test", extra=["--only", "tls-rpt"])
        self.assertIsNone(doc["submission"])
        self.assertIsNone(doc["mta_sts"])
        self.assertEqual(doc["tls_rpt"]["status"], "published")
        self.assertIsNotNone(doc["mx"], "MX decides whether TLS-RPT advice applies (null MX)")

    def test_idn_domains_are_checked_in_a_label_form(self):
        _, (doc,) = self.check_json("Bücher.TEST")
        self.assertEqual(doc["domain"], "xn--bcher-kva.test")

    def test_colour(self):
        base = ["check", "none.test", *self.dns_args, *CLOSED]
        self.assertIn("\x1b[", run(*base, "--color", "always").stdout)
        self.assertNotIn("\x1b[", run(*base, "--color", "never").stdout)
        # Not a terminal: auto means no colour.
        self.assertNotIn("\x1b[", run(*base).stdout)

    def test_no_color_is_honoured_on_a_terminal(self):
        # A pseudo-terminal makes stdout a TTY: colour unless NO_COLOR is set.
        import pty
        binary = os.environ["RELAYMETRY"]
        args = [binary, "check", "none.test", *self.dns_args, *CLOSED]

        def tty_output(env):
            pid, fd = pty.fork()
            if pid == 0:
                os.execve(binary, args, env)
            chunks = []
            while True:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    break
                if not data:
                    break
                chunks.append(data)
            os.waitpid(pid, 0)
            return b"".join(chunks).decode(errors="replace")

        env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
        self.assertIn("\x1b[", tty_output(env))
        self.assertNotIn("\x1b[", tty_output({**env, "NO_COLOR": "1"}))


class ResolverUnreachable(unittest.TestCase):
    """A resolver that answers nothing is not a verdict about the domains: one diagnostic, exit 4."""

    RESOLVER = "127.0.0.1:9"  # the discard port: nothing listens, the kernel refuses

    def test_one_diagnostic_and_exit_4(self):
        result = run("check", "good.test", "other.test", "--json", "--dns", self.RESOLVER, "--timeout", "3")
        self.assertEqual(result.returncode, 4, result.stderr)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        self.assertIn(self.RESOLVER, result.stderr)
        for doc in json_lines(result.stdout):
            validate(doc, "relaymetry-check.schema.json")
            self.assertEqual([f["id"] for f in doc["findings"]], ["dns.resolver-unreachable"])
            self.assertEqual(doc["findings"][0]["target"], self.RESOLVER)
            self.assertTrue(doc["dns"]["resolver_unreachable"])
            self.assertEqual(doc["dns"]["resolvers"], [self.RESOLVER])

    def test_text_says_not_checked(self):
        result = run("check", "good.test", "--dns", self.RESOLVER, "--timeout", "3", "--color", "never")
        self.assertEqual(result.returncode, 4)
        self.assertIn("not judged: the resolver 127.0.0.1:9", result.stdout)
        self.assertIn("NOT CHECKED", result.stdout)
        self.assertNotIn("dns.lookup-failed", result.stdout)

    def test_fail_on_never_still_says_the_check_could_not_run(self):
        result = run("check", "good.test", "--dns", self.RESOLVER, "--timeout", "3", "--fail-on", "never")
        self.assertEqual(result.returncode, 4)


if __name__ == "__main__":
    unittest.main()
