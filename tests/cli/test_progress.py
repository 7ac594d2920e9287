"""`check --progress`: one line on stderr saying how far a run is; stdout never changes.

The fake DNS answers the TLS-RPT lookup of each slow*.test domain after a delay, so that a run with
--parallel 1 lasts long enough to be redrawn; fast*.test names are unscripted (NXDOMAIN at once)."""

import os
import re
import select
import subprocess
import tempfile
import time
import tty
import unittest

from harness import BINARY, Fake, json_lines, run

SLOW = [f"slow{i}.test" for i in range(6)]
FAST = [f"fast{i}.test" for i in range(5)]
DELAY_MS = 400  # under the resolver's first retry (500 ms): one query per lookup
SCENARIO = {
    "records": [{"name": "_smtp._tls.slow0.test", "type": "TXT", "text": "v=TLSRPTv1; rua=mailto:r@slow0.test"}],
    "delays": [{"name": f"_smtp._tls.{domain}", "delay_ms": DELAY_MS} for domain in SLOW],
}
LINE = re.compile(r"^relaymetry: (\d+)/(\d+) checked, (\d+) failing(, [0-9.]+/s, (\d+ s left|done in .+))?$")


def stable(documents):
    """The JSON of a run without what differs from run to run (timestamps, durations)."""
    return [{k: v for k, v in d.items() if k not in ("started_at", "duration_ms")} for d in documents]


DNS = None
BASE = []  # the options of every run against the fake DNS


def setUpModule():
    global DNS
    DNS = Fake("FAKE_DNS", SCENARIO)
    # --fail-on warning: every domain without a TLS-RPT record is failing, slow0.test is not.
    BASE.extend(["--json", "--dns", f"127.0.0.1:{DNS.port}", "--only", "tls-rpt", "--fail-on", "warning"])


def tearDownModule():
    DNS.stop()


class Progress(unittest.TestCase):
    def check(self, *args):
        return run("check", *args, *BASE)

    def test_piped_stderr_gets_no_progress_by_default(self):
        result = self.check(*FAST)
        self.assertEqual(result.stderr, "")
        self.assertEqual([d["domain"] for d in json_lines(result.stdout)], FAST)

    def test_stdout_is_the_same_with_and_without_progress(self):
        never = self.check(*FAST, "--progress", "never")
        self.assertEqual(never.stderr, "")
        for mode in ("auto", "always"):
            with self.subTest(mode=mode):
                result = self.check(*FAST, "--progress", mode)
                self.assertEqual(stable(json_lines(result.stdout)), stable(json_lines(never.stdout)))
                self.assertEqual(result.returncode, never.returncode)

    def test_always_writes_plain_lines_about_once_a_second_and_a_final_one(self):
        started = time.monotonic()
        result = self.check(*SLOW, "--parallel", "1", "--progress", "always")
        elapsed = time.monotonic() - started
        self.assertNotIn("\r", result.stderr)
        self.assertNotIn("\x1b", result.stderr)
        lines = result.stderr.splitlines()
        self.assertGreaterEqual(len(lines), 2, f"a run of {elapsed:.1f} s: a line a second and a final one")
        self.assertLessEqual(len(lines), int(elapsed) + 1, "at most one line a second, and the final one")
        for line in lines:
            self.assertRegex(line, LINE)
        self.assertRegex(lines[-1], r"^relaymetry: 6/6 checked, 5 failing, [0-9.]+/s, done in [0-9.]+ s$")
        self.assertRegex(lines[0], r" left$")
        self.assertEqual([d["domain"] for d in json_lines(result.stdout)], SLOW)
        self.assertEqual(result.returncode, 1)

    def test_the_redraw_timer_does_not_keep_the_run_alive(self):
        # The plain style redraws every second: a run that waited for its timer would take a second more.
        started = time.monotonic()
        self.check(*FAST, "--progress", "never")
        never = time.monotonic() - started
        started = time.monotonic()
        self.check(*FAST, "--progress", "always")
        self.assertLess(time.monotonic() - started, never + 0.7)

    def test_always_with_one_domain_still_reports(self):
        result = self.check(FAST[0], "--progress", "always")
        self.assertRegex(result.stderr, r"^relaymetry: 1/1 checked, 1 failing, [0-9.]+/s, done in [0-9.]+ s\n$")

    def test_bad_mode_is_a_usage_error(self):
        result = self.check(FAST[0], "--progress", "sometimes")
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stdout, "")
        self.assertIn("--progress", result.stderr)


def run_with_stderr_on_a_terminal(args, stdout_too=False):
    """Runs relaymetry with stderr on a pseudo-terminal and stdout to a file (or the same terminal):
    (terminal bytes, stdout file text, exit code)."""
    master, slave = os.openpty()
    tty.setraw(slave)  # no output processing: the bytes exactly as written
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen([BINARY, *args], stdin=subprocess.DEVNULL, stdout=slave if stdout_too else out,
                                   stderr=slave, env=env)
        os.close(slave)
        chunks = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child's side is closed
                break
            if not data:
                break
            chunks.append(data)
        code = process.wait(timeout=10)
        os.close(master)
        out.seek(0)
        return b"".join(chunks), out.read(), code


class ProgressOnATerminal(unittest.TestCase):
    def test_one_self_updating_line_cleared_at_the_end(self):
        stderr, stdout, code = run_with_stderr_on_a_terminal(["check", *SLOW, "--parallel", "1", *BASE])
        self.assertEqual(code, 1)
        self.assertNotIn(b"\n", stderr, "one line, redrawn in place")
        self.assertTrue(stderr.endswith(b"\r\x1b[K"), f"the line is erased at the end: {stderr[-80:]!r}")
        draws = [d.decode() for d in re.findall(rb"\r(relaymetry: [^\r\x1b]*)\x1b\[K", stderr)]
        self.assertGreaterEqual(len(draws), 3, stderr)
        for draw in draws:
            self.assertRegex(draw, LINE)
        self.assertEqual(draws[0], "relaymetry: 0/6 checked, 0 failing")
        self.assertGreater(len(set(draws)), 2, "the line updates as domains finish")
        done = [int(LINE.match(d).group(1)) for d in draws]
        self.assertEqual(done, sorted(done), "the count only grows")
        # stdout is a file: the results, nothing of the progress line.
        never = run("check", *SLOW, "--parallel", "1", *BASE, "--progress", "never")
        self.assertEqual(stable(json_lines(stdout)), stable(json_lines(never.stdout)))

    def test_results_on_the_same_terminal_erase_the_line_first(self):
        terminal, _, code = run_with_stderr_on_a_terminal(
            ["check", *SLOW, "--parallel", "1", *(a for a in BASE if a != "--json"), "--color", "never"], stdout_too=True)
        self.assertEqual(code, 1)
        headers = [m.start() for m in re.finditer(rb"slow\d\.test \(checked", terminal)]
        self.assertEqual(len(headers), len(SLOW), terminal)
        for start in headers:
            before = terminal[max(start - 4, 0):start]
            self.assertTrue(start == 0 or before == b"\r\x1b[K" or before.endswith(b"\n"),
                            f"a result must not begin on the progress line: {terminal[start - 60:start + 20]!r}")
        self.assertTrue(terminal.endswith(b"\r\x1b[K"), terminal[-80:])

    def test_never_and_one_domain_draw_nothing(self):
        for args in (["check", *FAST, "--progress", "never"], ["check", FAST[0]]):
            with self.subTest(args=args):
                stderr, stdout, _ = run_with_stderr_on_a_terminal([*args, *BASE])
                self.assertEqual(stderr, b"")
                self.assertTrue(json_lines(stdout))

    def test_a_diagnostic_never_shares_the_line(self):
        # A resolver that answers nothing: one diagnostic line in the middle of the run.
        stderr, _, code = run_with_stderr_on_a_terminal(
            ["check", *FAST, "--json", "--dns", "127.0.0.1:9", "--timeout", "3"])
        self.assertEqual(code, 4)
        self.assertRegex(stderr, rb"\r\x1b\[Krelaymetry: the resolver 127\.0\.0\.1:9 did not answer[^\r\x1b]*\n")
        self.assertEqual(stderr.count(b"\n"), 1)
        self.assertTrue(stderr.endswith(b"\r\x1b[K"))


if __name__ == "__main__":
    unittest.main()
