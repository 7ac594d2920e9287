"""check --state through the real binary, each test two runs against the fakes with something changed in
between (the policy, the MX, the policy host, the key), and the state files it must refuse: damaged, newer,
locked; and SIGKILL at random points of a run never leaves a file the next run cannot read."""

import fcntl
import os
import random
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import Fake, json_lines, run, validate


def policy(mx, mode="enforce"):
    lines = ["version: STSv1", f"mode: {mode}"] + [f"mx: {host}" for host in mx] + ["max_age: 604800"]
    return "\r\n".join(lines) + "\r\n"


def https(body):
    return Fake("FAKE_HTTPS", {"leaf": {"common_name": "mta-sts.drift.test", "dns_names": ["mta-sts.drift.test"]},
                               "responses": {"/.well-known/mta-sts.txt": {"status": 200, "content_type": "text/plain",
                                                                           "body": body}}})


def records(mx=("mx1.drift.test",), sts_id="1"):
    out = [{"name": "_mta-sts.drift.test", "type": "TXT", "text": f"v=STSv1; id={sts_id};"},
           {"name": "mta-sts.drift.test", "type": "A", "address": "127.0.0.1"}]
    for preference, host in enumerate(mx, start=1):
        out += [{"name": "drift.test", "type": "MX", "preference": 10 * preference, "host": host},
                {"name": host, "type": "A", "address": "127.0.0.1"}]
    return out


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class State(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.state = os.path.join(self.dir.name, "state")

    def tearDown(self):
        self.dir.cleanup()

    def check(self, dns_records, policy_port, ca, *args, domains=("drift.test",)):
        with Fake("FAKE_DNS", {"records": dns_records}) as dns:
            result = run("check", *domains, "--json", "--only", "mx,mta-sts", "--state", self.state, "--dns",
                         f"127.0.0.1:{dns.port}", "--ca-file", ca, "--connect-to",
                         f"mta-sts.drift.test:443:127.0.0.1:{policy_port}", "--timeout", "10", *args)
        docs = json_lines(result.stdout)
        for doc in docs:
            validate(doc, "relaymetry-check.schema.json")
        return result, docs

    def ids(self, doc):
        return {finding["id"] for finding in doc["findings"]}

    def test_a_policy_changed_under_the_same_id_is_an_error_until_the_id_changes(self):
        both = ("mx1.drift.test", "mx2.drift.test")
        with https(policy(["*.drift.test"])) as old:
            result, (doc,) = self.check(records(mx=both), old.port, old.ca_file)
        self.assertEqual(self.ids(doc), set(), doc["findings"])
        self.assertTrue(open(self.state).readline().startswith("# relaymetry state v1"))
        with https(policy(["mx1.drift.test", "mx2.drift.test"])) as new:
            result, (doc,) = self.check(records(mx=both), new.port, new.ca_file)
            self.assertEqual(result.returncode, 1)
            (finding,) = [f for f in doc["findings"] if f["id"] == "drift.policy-changed-id-unchanged"]
            self.assertEqual(finding["severity"], "error")
            self.assertIn("mx added mx1.drift.test, mx2.drift.test; mx removed *.drift.test", finding["message"])
            self.assertIn(doc["mta_sts"]["policy"]["body_sha256"], finding["message"])
            # Bumping the id clears it: what changed is now only worth a notice.
            # Run after run, until the id changes: senders still apply the old policy.
            result, (doc,) = self.check(records(mx=both), new.port, new.ca_file)
            self.assertIn("drift.policy-changed-id-unchanged", self.ids(doc))
            result, (doc,) = self.check(records(mx=both, sts_id="2"), new.port, new.ca_file)
        self.assertEqual(self.ids(doc), {"drift.record-changed"}, doc["findings"])
        self.assertEqual(result.returncode, 0)
        # And the next run, with nothing changed, is silent.
        with https(policy(["mx1.drift.test", "mx2.drift.test"])) as same:
            result, (doc,) = self.check(records(mx=both, sts_id="2"), same.port, same.ca_file)
        self.assertEqual(self.ids(doc), set(), doc["findings"])

    def test_a_new_mx_host_the_cached_policy_does_not_cover(self):
        with https(policy(["mx1.drift.test"])) as server:
            self.check(records(), server.port, server.ca_file)
            result, (doc,) = self.check(records(mx=("mx9.drift.test",)), server.port, server.ca_file)
        ids = self.ids(doc)
        self.assertIn("drift.mx-changed-under-cached-policy", ids)
        self.assertIn("mta-sts.mx-not-covered", ids)
        (finding,) = [f for f in doc["findings"] if f["id"] == "drift.mx-changed-under-cached-policy"]
        self.assertIn("refuse to deliver to mx9.drift.test until", finding["message"])

    def test_a_dead_policy_host_warns_until_the_cache_expires(self):
        ca = os.path.join(self.dir.name, "ca.pem")
        with https(policy(["mx1.drift.test"])) as server:
            with open(server.ca_file) as source, open(ca, "w") as copy:
                copy.write(source.read())
            self.check(records(), server.port, ca)
        result, (doc,) = self.check(records(), closed_port(), ca)
        ids = self.ids(doc)
        self.assertIn("drift.policy-unreachable-cached", ids)
        self.assertIn("mta-sts.policy-unreachable", ids)
        # The state keeps the cached policy: the next run still knows what senders apply.
        result, (doc,) = self.check(records(), closed_port(), ca)
        self.assertIn("drift.policy-unreachable-cached", self.ids(doc))

    def test_a_renewed_key_is_a_notice(self):
        leaf = {"common_name": "mail.drift.test", "dns_names": ["mail.drift.test"]}
        dns_records = [{"name": "_submission._tcp.drift.test", "type": "SRV", "priority": 0, "weight": 0,
                        "port": 587, "target": "mail.drift.test"},
                       {"name": "mail.drift.test", "type": "A", "address": "127.0.0.1"}]
        keys = []
        for _ in range(2):  # each fake generates its own PKI: a new key, at the same address and port
            with Fake("FAKE_SMTP", {"leaf": leaf, "ipv6": False}) as smtp:
                with Fake("FAKE_DNS", {"records": dns_records}) as dns:
                    result = run("check", "drift.test", "--json", "--only", "submission", "--state", self.state,
                                 "--dns", f"127.0.0.1:{dns.port}", "--ca-file", smtp.ca_file, "--connect-to",
                                 f"mail.drift.test:587:127.0.0.1:{smtp.port}")
                self.assertEqual(result.returncode, 0, result.stderr)
                (doc,) = json_lines(result.stdout)
                keys.append(doc["submission"]["endpoints"][0]["addresses"][0]["tls"]["certificate"]["spki_sha256"])
        self.assertNotEqual(keys[0], keys[1])
        (finding,) = [f for f in doc["findings"] if f["id"] == "drift.key-changed"]
        self.assertEqual(finding["severity"], "notice")
        self.assertIn(f"{keys[0]} → {keys[1]}", finding["message"])

    def refused(self, content, expect_in_stderr):
        with open(self.state, "w") as handle:
            handle.write(content)
        with https(policy(["mx1.drift.test"])) as server:
            result, docs = self.check(records(), server.port, server.ca_file)
            self.assertEqual(result.returncode, 2, result.stderr)
            self.assertEqual(len(docs), 1, "the domain is still checked")
            self.assertEqual(result.stderr.count(expect_in_stderr), 1, result.stderr)
            with open(self.state) as handle:
                self.assertEqual(handle.read(), content, "left untouched")
            # --state-reset replaces it.
            result, docs = self.check(records(), server.port, server.ca_file, "--state-reset")
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(self.state) as handle:
            self.assertTrue(handle.readline().startswith("# relaymetry state v1"))

    def test_a_newer_state_file_is_refused_and_left_untouched(self):
        self.refused("# relaymetry state v9\ndrift.test\t{\"checked_at\": 1}\n", "written by a newer relaymetry")

    def test_a_damaged_state_file_is_reported_once_and_left_untouched(self):
        self.refused("# relaymetry state v1\ndrift.test\t{\"checked_at\": 17", "line 2 is damaged")
        self.refused("garbage\n", "not a relaymetry state file")

    def test_two_runs_on_one_state_file_are_refused(self):
        with open(self.state + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            with https(policy(["mx1.drift.test"])) as server:
                result, docs = self.check(records(), server.port, server.ca_file)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(docs, [], "refused: nothing checked")
        self.assertIn("another relaymetry run is using this state file", result.stderr)
        self.assertFalse(os.path.exists(self.state))

    def test_sigkill_at_any_point_leaves_a_readable_state(self):
        domains = [f"d{i}.kill.test" for i in range(150)]
        dns_records = []
        for i, domain in enumerate(domains):
            dns_records += [{"name": domain, "type": "MX", "preference": 10, "host": f"mx{i % 7}.kill.test"},
                            {"name": f"_smtp._tls.{domain}", "type": "TXT",
                             "text": f"v=TLSRPTv1; rua=mailto:r{i}@kill.test"}]
        with Fake("FAKE_DNS", {"records": dns_records}) as dns:
            base = [os.environ["RELAYMETRY"], "check", "--only", "mx,tls-rpt", "--json", "--state", self.state,
                    "--dns", f"127.0.0.1:{dns.port}", "--timeout", "10"]
            started = time.monotonic()
            subprocess.run(base + domains, capture_output=True, timeout=60, check=False)
            duration = time.monotonic() - started
            rng = random.Random(8461)
            for attempt in range(100):
                process = subprocess.Popen(base + domains, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                # Every other kill lands near the end, where the file is written.
                time.sleep(rng.uniform(0, duration * 1.1) if attempt % 2 else rng.uniform(0.8, 1.05) * duration)
                process.send_signal(signal.SIGKILL)
                process.wait()
                after = subprocess.run(base + [domains[attempt % len(domains)]], capture_output=True, text=True,
                                       timeout=60)
                self.assertEqual(after.returncode, 0, f"attempt {attempt}: {after.stderr}")
                self.assertNotIn("--state", after.stderr, f"attempt {attempt}")
        with open(self.state) as handle:
            lines = handle.read().splitlines()
        self.assertEqual(lines[0], "# relaymetry state v1")
        self.assertEqual(len(lines), 1 + len(domains), "one entry per domain")


if __name__ == "__main__":
    unittest.main()
