"""The run ends with its last result, not a round trip later: the probes' goodbyes (QUIT, then the wait
for the server's 221 and close) are cut short once nothing else will connect, but every QUIT is sent."""

import os
import tempfile
import unittest

from harness import Fake, json_lines, run


class Goodbye(unittest.TestCase):
    def test_every_session_says_quit_though_the_run_does_not_wait_for_the_reply(self):
        with tempfile.TemporaryDirectory() as directory:
            records = {mode: os.path.join(directory, f"{mode}.txt") for mode in ("implicit-tls", "starttls")}
            # Replies 300 ms late: the 221 to QUIT comes well after the facts are complete.
            smtp = {mode: Fake("FAKE_SMTP", {"mode": mode, "ipv6": False, "step_delay_ms": 300,
                                             "leaf": {"common_name": "mail.bye.test", "dns_names": ["mail.bye.test"]},
                                             "record": path})
                    for mode, path in records.items()}
            try:
                srv = [{"name": f"{service}.bye.test", "type": "SRV", "priority": 0, "weight": 0,
                        "port": smtp[mode].port, "target": "mail.bye.test"}
                       for service, mode in (("_submissions._tcp", "implicit-tls"), ("_submission._tcp", "starttls"))]
                with Fake("FAKE_DNS", {"records": srv + [{"name": "mail.bye.test", "type": "A",
                                                          "address": "127.0.0.1"}]}) as dns:
                    ca = os.path.join(directory, "ca.pem")
                    with open(ca, "w") as out:
                        for fake in smtp.values():
                            with open(fake.ca_file) as handle:
                                out.write(handle.read())
                    result = run("check", "bye.test", "--json", "--only", "submission", "--dns",
                                 f"127.0.0.1:{dns.port}", "--ca-file", ca, "--timeout", "10")
                (doc,) = json_lines(result.stdout)
                self.assertEqual(doc["findings"], [], doc["findings"])
            finally:
                for fake in smtp.values():
                    fake.stop()  # writes the record
            for mode, path in records.items():
                with open(path) as handle:
                    commands = handle.read().split("\n")
                # The main session and the TLS 1.0/1.1 test each end with QUIT (the latter only when it
                # got as far as a session: this server refuses TLS 1.0/1.1, so one QUIT at least).
                self.assertGreaterEqual(commands.count("QUIT"), 1, f"{mode}: {commands}")


if __name__ == "__main__":
    unittest.main()
