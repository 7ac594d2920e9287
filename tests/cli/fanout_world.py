"""The hostile fan-out case of docs/cli.md "Limits": a domain whose SRV records name 32 targets per
service, each with 8 addresses, each serving TLS with a 100-certificate chain. Shared by the CLI test
(behaviour, ASan build) and bench/run's "fanout" measurement (wall time and peak RSS, release build)."""

import json
import os
import pathlib
import subprocess
import tempfile

from harness import Fake

DOMAIN = "fanout.test"
TARGETS_PER_SERVICE = 32
ADDRESSES_PER_TARGET = 8
CHAIN_LENGTH = 100


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_long_chain(directory, length=CHAIN_LENGTH):
    """A genuine path of `length` certificates to a root (all on one EC key, so it is quick to make):
    leaf <- I1 <- ... <- I(length-1) <- root. Returns (chain.pem, key.pem, root.pem) paths."""
    d = pathlib.Path(directory)
    (d / "ca.ext").write_text("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
    (d / "leaf.ext").write_text("subjectAltName=DNS:*.fanout.test\nbasicConstraints=CA:FALSE\n")
    _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "key.pem", cwd=d)
    _openssl("req", "-x509", "-new", "-key", "key.pem", "-subj", "/CN=Fanout Root", "-days", "30",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-out", "root.pem", cwd=d)
    _openssl("req", "-new", "-key", "key.pem", "-subj", "/CN=fanout", "-out", "any.csr", cwd=d)
    issuer = "root.pem"
    names = []
    for i in range(length - 1, 0, -1):  # I(length-1), issued by the root, down to I1
        name = f"i{i}.pem"
        _openssl("x509", "-req", "-in", "any.csr", "-CA", issuer, "-CAkey", "key.pem", "-set_serial", str(i),
                 "-days", "30", "-extfile", "ca.ext", "-subj", f"/CN=Fanout Intermediate {i}", "-out", name, cwd=d)
        names.append(name)
        issuer = name
    _openssl("x509", "-req", "-in", "any.csr", "-CA", issuer, "-CAkey", "key.pem", "-set_serial", "1000",
             "-days", "30", "-extfile", "leaf.ext", "-subj", "/CN=*.fanout.test", "-out", "leaf.pem", cwd=d)
    chain = (d / "leaf.pem").read_text() + "".join((d / n).read_text() for n in reversed(names))
    (d / "chain.pem").write_text(chain)
    return str(d / "chain.pem"), str(d / "key.pem"), str(d / "root.pem")


def address(target, index):
    return f"127.1.{target}.{index + 1}"


class FanoutWorld:
    """Two fake submission servers (465, 587) on every address of every target, and the fake DNS."""

    def __init__(self):
        self.directory = tempfile.TemporaryDirectory()
        chain, key, self.root = make_long_chain(self.directory.name)
        everywhere = [address(t, a) for t in range(TARGETS_PER_SERVICE) for a in range(ADDRESSES_PER_TARGET)]
        self.stats = [os.path.join(self.directory.name, f"stats{port}.json") for port in (465, 587)]
        common = {"cert": chain, "key": key, "ipv6": False, "also_listen": everywhere}
        self.smtp465 = Fake("FAKE_SMTP", {"mode": "implicit-tls", "stats": self.stats[0], **common})
        self.smtp587 = Fake("FAKE_SMTP", {"mode": "starttls", "stats": self.stats[1], **common})
        records = []
        for service, fake in (("_submissions._tcp", self.smtp465), ("_submission._tcp", self.smtp587)):
            for t in range(TARGETS_PER_SERVICE):
                records.append({"name": f"{service}.{DOMAIN}", "type": "SRV", "priority": 0, "weight": 0,
                                "port": fake.port, "target": f"t{t}.{DOMAIN}"})
        for t in range(TARGETS_PER_SERVICE):
            for a in range(ADDRESSES_PER_TARGET):
                records.append({"name": f"t{t}.{DOMAIN}", "type": "A", "address": address(t, a)})
        self.dns = Fake("FAKE_DNS", {"records": records})

    def args(self, timeout=5):
        return ["--dns", f"127.0.0.1:{self.dns.port}", "--ca-file", self.root, "--only", "submission",
                "--timeout", str(timeout), "--json"]

    def stop(self):
        """Stops the fakes; returns their stats (465, 587)."""
        for fake in (self.smtp465, self.smtp587, self.dns):
            fake.stop()
        seen = []
        for path in self.stats:
            with open(path) as handle:
                seen.append(json.load(handle))
        self.directory.cleanup()
        return seen
