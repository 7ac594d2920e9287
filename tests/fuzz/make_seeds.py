#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/ (run from anywhere; the files are committed).

The seeds are the examples of the RFCs (8461 §3.1-3.2, 8460 §3, 6698 §2.3, 5321 §4.2) and literals
from the unit tests; the DNS answers are built here byte by byte. Regression inputs found by fuzzing
are added to the corpus by hand, named regression-<what>, and are not touched by this script."""

import pathlib
import struct

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"
TYPES = {"A": 1, "AAAA": 28, "MX": 15, "TXT": 16, "SRV": 33, "DNSKEY": 48, "TLSA": 52}
ORDER = ["A", "AAAA", "MX", "TXT", "SRV", "DNSKEY", "TLSA"]  # tests/fuzz/dns_answer.cpp k_types


def name(text):
    out = b""
    for label in text.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def message(qtype, answers, flags=0x8180, qname="example.com"):
    header = struct.pack(">HHHHHH", 0x1234, flags, 1, len(answers), 0, 0)
    question = name(qname) + struct.pack(">HH", TYPES[qtype], 1)
    body = b""
    for rtype, rdata, owner in answers:
        body += owner + struct.pack(">HHIH", TYPES[rtype], 1, 3600, len(rdata)) + rdata
    return header + question + body


AT_QNAME = b"\xc0\x0c"  # a compression pointer to the question's name


def dns_seeds():
    seeds = {
        "a": ("A", [("A", bytes([192, 0, 2, 1]), AT_QNAME), ("A", bytes([192, 0, 2, 2]), AT_QNAME)]),
        "aaaa": ("AAAA", [("AAAA", bytes.fromhex("20010db8000000000000000000000001"), AT_QNAME)]),
        "mx": ("MX", [("MX", struct.pack(">H", 10) + name("mx1.example.com"), AT_QNAME),
                      ("MX", struct.pack(">H", 20) + b"\x03mx2\xc0\x0c", AT_QNAME)]),
        "null-mx": ("MX", [("MX", struct.pack(">H", 0) + b"\0", AT_QNAME)]),
        "txt": ("TXT", [("TXT", b"\x0dv=STSv1; id=1" + b"\x0b" + b"20160831Z;x", AT_QNAME)]),
        "srv": ("SRV", [("SRV", struct.pack(">HHH", 0, 1, 465) + name("mail.example.com"), AT_QNAME)]),
        "tlsa": ("TLSA", [("TLSA", bytes([3, 1, 1]) + bytes(range(32)), AT_QNAME)]),
        "a-bad-rdlength": ("A", [("A", bytes([192, 0, 2]), AT_QNAME), ("A", bytes([192, 0, 2, 9]), AT_QNAME)]),
    }
    out = {}
    for label, (qtype, answers) in seeds.items():
        out[label] = bytes([ORDER.index(qtype)]) + message(qtype, answers)
    out["truncated-tc"] = bytes([0]) + message("A", [], flags=0x8380)
    out["nxdomain"] = bytes([0]) + message("A", [], flags=0x8183)
    # A CNAME that points at itself: example.com CNAME example.com.
    cname = struct.pack(">HHHHHH", 0x1234, 0x8180, 1, 1, 0, 0) + name("example.com") + struct.pack(">HH", 1, 1)
    cname += AT_QNAME + struct.pack(">HHIH", 5, 1, 60, 2) + AT_QNAME
    out["cname-loop"] = bytes([0]) + cname
    out["pointer-loop"] = bytes([0]) + struct.pack(">HHHHHH", 1, 0x8180, 1, 1, 0, 0) + b"\xc0\x0c" + b"\0\1\0\1"
    return out


SEEDS = {
    "dns_answer": dns_seeds(),
    "tlsa_rdata": {
        "dane-ee-spki-sha256": bytes([3, 1, 1]) + bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        "dane-ta-cert-full": bytes([2, 0, 0]) + bytes.fromhex("308201"),
        "pkix-sha512": bytes([1, 1, 2]) + bytes(64),
        "short": bytes([3, 1]),
    },
    "smtp_reply": {
        "greeting": b"220 mail.example.com ESMTP Postfix\r\n",
        "ehlo": b"250-mail.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
        "push-back": b"421 4.7.0 mail.example.com Error: too many connections\r\n",
        "code-change": b"250-first\r\n251 second\r\n",
        "bare-code": b"220\r\n354 go ahead\n",
    },
    "connect_to": {
        "full": b"mail.example.com:465:127.0.0.1:10465",
        "any-host": b":25:192.0.2.1:",
        "ipv6": b"mx.example.com:25:[::1]:2525",
        "bad": b"mail.example.com:465:mail.other:1",
    },
    "mta_sts_txt": {
        "rfc8461": b"v=STSv1; id=20160831085700Z;",
        "extension": b"v=STSv1;id=abc;  ext=value",
        "two-records": b"v=STSv1; id=one\0v=STSv1; id=two",
        "not-sts": b"v=STSv10; id=1\0V=STSv1; id=2",
    },
    "mta_sts_policy": {
        "rfc8461": b"version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
                   b"mx: backupmx.example.com\r\nmax_age: 604800\r\n\0mail.example.com\nfoo.example.net\nbar.example.org",
        "testing-lf": b"version: STSv1\nmode: testing\nmx: *.example.com\nmax_age: 86400\n\0mx1.example.com",
        "none": b"version: STSv1\r\nmode: none\r\nmax_age: 0\r\n",
        "broken": b"version: STSv1\r\n\r\nmode: Enforce\r\nmax_age: 99999999999\r\nmx: 192.0.2.1\r\nmx: *.*.x\r\n",
    },
    "tls_rpt": {
        "rfc8460-mailto": b"v=TLSRPTv1;rua=mailto:reports@example.com",
        "rfc8460-https": b"v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt",
        "two-fields": b"v=TLSRPTv1; rua=mailto:a@example.com,mailto:b@example.com; rua=https://x.example",
        "bad-uri": b"v=TLSRPTv1; rua=ftp://example.com\0v=TLSRPTv1; rua=mailto:not-an-address",
    },
    "host_name": {
        "plain": b"mail.example.com",
        "hyphen-end": b"a-.example",
        "address": b"192.0.2.1",
        "wildcard": b"*.example.com",
        "long-label": b"a" * 64 + b".example",
    },
    "domain_input": {
        "list": "example.com\nbücher.example\n# comment\nhttps://example.com/\n  example.org  # main\r\n".encode(),
        "idn": "faß.de".encode(),
        "address": b"[2001:db8::1]",
        "trailing-dot": b"Example.COM.",
    },
    "escaping": {
        "plain": b"mail.example.com:465",
        "sgr": b"\x1b[31mred\x1b[0m",
        "invalid-utf8": b"\xff\xfe\xc0\xaf",
        "bidi": "abc\u202efed\u2066x\u2069".encode(),
        "lines": b"a\\u001b\nb\r\nc\n",
    },
    "lint": {
        "policy-text": b"\x00version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 604800\r\n\0mail.example.com\nother.example.net",
        "policy-json": b"\x03version: STSv1\nmode: testing\nmx: *.example.com\nmax_age: 0\n",
        "policy-junit-colour": b"\x86version: STSv1\r\nmode: Enforce\r\n\r\n",
        "txt-text": b"\x01v=STSv1; id=20160831085700Z;",
        "txt-json": b"\x04v=STSv1; id=a\0v=STSv1; id=b",
        "tls-rpt-text": b"\x02v=TLSRPTv1;rua=mailto:reports@example.com",
        "tls-rpt-junit": b"\x08v=TLSRPTv1; rua=ftp://x\x1b[2J",
    },
    "report": {
        # status byte, then: SRV target, address, error, banner, EHLO lines, cipher, MX host, DNS error
        # text, MTA-STS TXT, policy body, TLS-RPT record (tests/fuzz/report.cpp).
        "ok-text": b"\x00" + b"\0".join([
            b"mail.example.com", b"192.0.2.1", b"", b"mail.example.com ESMTP", b"mail.example.com\nPIPELINING\nAUTH PLAIN",
            b"ECDHE-RSA-AES256-GCM-SHA384", b"mx.example.com", b"SERVFAIL", b"v=STSv1; id=1",
            b"version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmax_age: 604800\r\n",
            b"v=TLSRPTv1;rua=mailto:reports@example.com"]),
        "refused-colour-timings": b"\xc1" + b"\0".join([
            b"mail\x1b[2J.example.com", b"2001:db8::1", b"connection refused \xe2\x80\xae", b"", b"",
            b"", b"*.example.com", b"timed out\r\n", b"v=STSv1; id=\xff", b"mode: none", b"v=TLSRPTv1; rua=ftp://x"]),
        "tls-failed-json": b"\x05" + b"\0".join([b"a.example", b"192.0.2.9", b"handshake failure\x07", b"\xc2\x9b31m"]),
    },
    "state_file": {
        "version": b"# relaymetry state v1",
        "entry": b'example.com\t{"checked_at":1764547200,"mx":["mx1.example.com"],"mta_sts_txt":["v=STSv1; id=1"],'
                 b'"sts_id":"1","policy":{"sha256":"ab","mode":"enforce","max_age":604800,"mx":["mx1.example.com"],'
                 b'"fetched_at":1764547200,"id":"1"},"tls_rpt_txt":["v=TLSRPTv1;rua=mailto:r@example.com"],'
                 b'"keys":[{"host":"mail.example.com","port":465,"address":"192.0.2.1","spki_sha256":"cd",'
                 b'"not_after":1800000000}]}',
        "bare": b'example.org\t{"checked_at":0}',
        "damaged": b'example.com\t{"checked_at": 1\n',
    },
}


def main():
    for harness, seeds in SEEDS.items():
        directory = CORPUS / harness
        directory.mkdir(parents=True, exist_ok=True)
        for label, content in seeds.items():
            (directory / label).write_bytes(content)


if __name__ == "__main__":
    main()
