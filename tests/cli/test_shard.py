"""`check --shard K/N`: N runs together check every domain of a list exactly once."""

import os
import tempfile
import unittest

from harness import Fake, json_lines, run

DOMAINS = [f"shard{i}.test" for i in range(40)]


def fnv1a_64(data):
    """The hash docs/scale.md documents, written again here so that the binary is held to the doc."""
    value = 0xcbf29ce484222325
    for byte in data:
        value = ((value ^ byte) * 0x100000001b3) % 2**64
    return value


class Shard(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Every name is unscripted: NXDOMAIN at once, so each check is quick.
        cls.dns = Fake("FAKE_DNS", {})
        cls.base = ["--json", "--dns", f"127.0.0.1:{cls.dns.port}", "--only", "tls-rpt"]
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
            # Upper case and a trailing dot: the shard is chosen after normalisation.
            handle.write("\n".join(d.upper() + "." for d in DOMAINS) + "\nshard7.test\n")
        cls.list_file = handle.name

    @classmethod
    def tearDownClass(cls):
        cls.dns.stop()
        os.unlink(cls.list_file)

    def test_the_shards_together_check_every_domain_exactly_once(self):
        seen = []
        for k in range(4):
            result = run("check", "-f", self.list_file, "--shard", f"{k}/4", *self.base)
            self.assertEqual(result.returncode, 0, result.stderr)
            domains = [d["domain"] for d in json_lines(result.stdout)]
            expected = [d for d in DOMAINS + ["shard7.test"] if fnv1a_64(d.encode()) % 4 == k]
            self.assertEqual(domains, expected, "the documented hash, in input order")
            self.assertTrue(domains, "40 names spread over every shard")
            seen += domains
        # Lists are not deduplicated: the repeated name is checked twice, both times in the same shard.
        self.assertEqual(sorted(seen), sorted(DOMAINS + ["shard7.test"]))

    def test_one_shard_is_the_whole_list(self):
        result = run("check", "-f", self.list_file, "--shard", "0/1", *self.base)
        self.assertEqual(len(json_lines(result.stdout)), 41)

    def test_an_empty_shard_is_not_an_error(self):
        # fnv1a_64("example.com") % 4 == 2: shard 0 of 4 holds nothing of this list.
        self.assertEqual(fnv1a_64(b"example.com") % 4, 2)
        result = run("check", "example.com", "--shard", "0/4", *self.base)
        self.assertEqual((result.returncode, result.stdout, result.stderr), (0, "", ""))

    def test_bad_values_are_one_line_and_exit_2(self):
        for value, fragment in (("4/4", "less than N"), ("1/0", "at least 1"), ("x/3", "whole numbers"),
                                ("3", "K/N")):
            with self.subTest(value=value):
                result = run("check", "example.com", "--shard", value, *self.base)
                self.assertEqual(result.returncode, 2)
                self.assertEqual(result.stdout, "")
                lines = result.stderr.splitlines()
                self.assertEqual(len(lines), 1, result.stderr)
                self.assertIn(f"--shard {value}: ", lines[0])
                self.assertIn(fragment, lines[0])


if __name__ == "__main__":
    unittest.main()
