#!/usr/bin/python3
"""End-to-end suite: relaymetry against real Knot DNS, unbound, Postfix and nginx (see world.py, scenarios.py).

    sudo RELAYMETRY=build/debug/relaymetry /usr/bin/python3 tests/e2e/test_e2e.py [-v] [-k NAME]

Environment: RELAYMETRY (required), E2E_OUT=DIR (write every run's output there), E2E_KEEP=1 (keep the
world's temporary directory: configs, logs, certificates), RELAYMETRY_SCHEMA=FILE (validate against it;
default: the check schema under docs/schema/, when there is one), E2E_CACHE=DIR (where the Exim .debs are
kept, extracted; default /var/cache/relaymetry-e2e).

For every scenario it runs
    relaymetry check DOMAIN --json --dns 127.0.0.1:PORT --ca-file ROOT.pem --timeout 10 [ARGS]
(PORT: the world's validating resolver, unbound, or Knot itself when the scenario's "resolver" says so; ARGS:
the scenario's "args", e.g. --mx-probe) and asserts the exit code (also for the scenario's extra --fail-on
values), the JSON facts the scenario lists, the EXACT set of finding IDs, their severities, and, for every TLS
endpoint relaymetry reached (submission, MX on port 25, the MTA-STS policy host), that its version, cipher and
certificate facts agree with what `openssl s_client` sees on the same endpoint. For a server that limits
connections per client, its own log must show that it turned relaymetry away; for an MX server, its log must
show relaymetry's connections exactly when the scenario runs with --mx-probe.

Exits 77 (CTest SKIP_RETURN_CODE) with one line on stdout when not root or a server is missing.
"""

import calendar
import concurrent.futures
import datetime
import glob
import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from certificate_digests import leaf_digests  # noqa: E402
import scenarios  # noqa: E402
import world as world_mod  # noqa: E402

WORLD = None
RESULTS = {}     # scenario name -> {fail_on: Run}
SCHEMA = None
WORKERS = 4      # 2 cores: enough to overlap the network waits (silent server, timeouts)


class Run:
    def __init__(self, cmd, proc, elapsed):
        self.cmd = cmd
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.elapsed = elapsed
        self.lines = [line for line in self.stdout.splitlines() if line.strip()]
        self.doc = None
        self.parse_error = None
        try:
            if len(self.lines) == 1:
                self.doc = json.loads(self.lines[0])
        except ValueError as e:
            self.parse_error = str(e)

    def explain(self):
        return (f"\n$ {' '.join(self.cmd)}\nexit {self.rc} after {self.elapsed:.1f}s\n"
                f"stdout: {self.stdout[:4000]}\nstderr: {self.stderr[-2000:]}")


def relaymetry(domain, resolver, args, fail_on=None):
    """resolver: the scenario's "resolver" (world.World.resolver); args: its "args"; fail_on: None (the
    default, error), a --fail-on value, "text" for the text report (--color always, the worst case for a
    hostile server), or "nagios" for --format nagios."""
    cmd = [os.environ["RELAYMETRY"], "check", domain, "--dns", WORLD.resolver(resolver),
           "--ca-file", WORLD.root_ca, "--timeout", "10", *args]
    if fail_on == "text":
        cmd += ["--color", "always"]
        fail_on = None
    elif fail_on == "nagios":
        cmd += ["--format", "nagios"]
        fail_on = None
    else:
        cmd.insert(3, "--json")
    if fail_on:
        cmd += ["--fail-on", fail_on]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    return Run(cmd, proc, time.monotonic() - start)


def lookup(doc, path):
    """'a.b.0.c' into nested dicts/lists; raises KeyError/IndexError with the path when absent."""
    cur = doc
    for part in path.split("."):
        if isinstance(cur, list):
            if not part.isdigit() or int(part) >= len(cur):
                raise KeyError(f"{path}: no element {part} in a list of {len(cur)}")
            cur = cur[int(part)]
        elif isinstance(cur, dict):
            if part not in cur:
                raise KeyError(f"{path}: no key {part!r} (have {sorted(cur)})")
            cur = cur[part]
        else:
            raise KeyError(f"{path}: {part!r} below a {type(cur).__name__}")
    return cur


# ---- openssl s_client: the reference view of an endpoint ---------------------------------------------

def _s_client(address, port, host, starttls, *extra):
    cmd = ["openssl", "s_client", "-connect", f"{address}:{port}", "-servername", host,
           "-verify_hostname", host, "-CAfile", WORLD.root_ca, *extra]
    if starttls:
        cmd += ["-starttls", "smtp"]
    res = subprocess.run(cmd, input="Q\n", capture_output=True, text=True, timeout=20)
    return res.stdout + res.stderr  # -brief reports on stderr


def s_client(address, port, host, starttls, legacy):
    """What openssl s_client sees: version, cipher and verify result of a default handshake (at
    @SECLEVEL=0 when `legacy`), which of TLS 1.0/1.1/1.3 it accepts alone, and the leaf via openssl x509."""
    sec0 = ["-cipher", "DEFAULT:@SECLEVEL=0"]
    out = _s_client(address, port, host, starttls, "-brief", *(sec0 if legacy else []))
    seen = {}
    m = re.search(r"^Protocol version: (\S+)", out, re.M)
    seen["version"] = m.group(1) if m else None
    m = re.search(r"^Ciphersuite: (\S+)", out, re.M)
    seen["cipher"] = m.group(1) if m else None
    seen["verify_ok"] = re.search(r"^Verification: OK", out, re.M) is not None
    seen["legacy"] = [v for v, flag in (("TLSv1", "-tls1"), ("TLSv1.1", "-tls1_1"))
                      if f"Protocol version: {v}\n" in _s_client(address, port, host, starttls, "-brief", flag, *sec0)]
    seen["tls13"] = "Protocol version: TLSv1.3" in _s_client(address, port, host, starttls, "-brief", "-tls1_3")
    out = _s_client(address, port, host, starttls, "-showcerts", *(sec0 if legacy else []))
    m = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", out, re.S)
    if m:
        x = subprocess.run(["openssl", "x509", "-noout", "-subject", "-issuer", "-enddate", "-nameopt", "RFC2253",
                            "-text"], input=m.group(0), capture_output=True, text=True).stdout
        seen["subject"] = re.search(r"^subject=(.*)$", x, re.M).group(1).strip()
        seen["issuer"] = re.search(r"^issuer=(.*)$", x, re.M).group(1).strip()
        end = re.search(r"^notAfter=(.*)$", x, re.M).group(1).strip()
        seen["not_after"] = calendar.timegm(time.strptime(end, "%b %d %H:%M:%S %Y %Z"))
        san = re.search(r"X509v3 Subject Alternative Name:.*?\n\s*(.*)\n", x)
        seen["san"] = re.findall(r"DNS:([^,\s]+)", san.group(1)) if san else []
        seen["key_bits"] = int(re.search(r"Public-Key: \((\d+) bit\)", x).group(1))
        seen["signature"] = re.search(r"Signature Algorithm: (\S+)", x).group(1)
        seen.update(leaf_digests(m.group(0)))
    return seen


def to_epoch(value):
    """not_after as relaymetry writes it: an RFC 3339 string (or, tolerated, epoch seconds)."""
    if isinstance(value, (int, float)):
        return int(value)
    text = value.replace("Z", "+00:00")
    return int(datetime.datetime.fromisoformat(text).timestamp())


# ---- the tests --------------------------------------------------------------------------------------------

class Scenarios(unittest.TestCase):
    maxDiff = None

    def check_scenario(self, n, s):
        if s["name"] in WORLD.unavailable:
            self.skipTest(WORLD.unavailable[s["name"]])
        runs = RESULTS[s["name"]]
        run = runs[None]
        exp = s["expect"]
        self.assertIsNotNone(run.doc, f"expected exactly one JSON line ({run.parse_error}){run.explain()}")
        doc = run.doc
        self.assertEqual(doc.get("schema_version"), 2, run.explain())
        self.assertEqual(doc.get("domain"), s["domain"], run.explain())
        if SCHEMA is not None:
            import jsonschema
            try:
                jsonschema.validate(doc, SCHEMA)
            except jsonschema.ValidationError as e:
                self.fail(f"output does not match the JSON schema: {e.message} at {list(e.absolute_path)}"
                          f"{run.explain()}")

        # A hostile server must not drive the terminal: no control character it sent reaches stdout unescaped
        # (in the text report, relaymetry's own colour sequences "ESC[...m" are allowed).
        for key, r in runs.items():
            out = re.sub(r"\x1b\[[0-9;]*m", "", r.stdout) if key == "text" else r.stdout
            bad = sorted({c for c in out if ord(c) < 0x20 and c != "\n" or ord(c) == 0x7f})
            self.assertEqual(bad, [], f"raw control characters on stdout{r.explain()}")
            if "pwned" in r.stdout:
                self.assertIn("\\u001b]0;pwned\\u0007", r.stdout, f"escaped as JSON escapes{r.explain()}")
        text = runs.pop("text", None)
        if text is not None:
            self.assertEqual(text.rc, scenarios.exit_code(exp, "error"), f"text exit code{text.explain()}")
        nagios = runs.pop("nagios", None)
        if nagios is not None:
            self.check_nagios(s, doc, nagios)

        ids = [f["id"] for f in doc.get("findings", [])]
        self.assertEqual(set(ids), exp["findings"], f"finding IDs ({s['why']}){run.explain()}")
        for f in doc["findings"]:
            want = scenarios.severity(f["id"], exp)
            if (f["id"] in ("mta-sts.mx-not-covered", "mta-sts.mx-certificate-invalid")
                    and lookup(doc, "mta_sts.policy.mode") == "testing"):
                want = "warning"
            self.assertEqual(f["severity"], want, f"severity of {f['id']}{run.explain()}")
            for key in ("target", "message", "fix", "reference"):
                self.assertTrue(isinstance(f.get(key), str) and f[key], f"{f['id']}: {key} empty{run.explain()}")
            allowed = expected_targets(f["id"], n, s, doc)
            if allowed is not None:
                self.assertIn(f["target"], allowed, f"target of {f['id']}{run.explain()}")
            if f["id"] in exp["fix_contains"]:
                want = exp["fix_contains"][f["id"]].format(**WORLD.pki.digests)
                self.assertIn(want.lower(), f["fix"].lower(), f"fix of {f['id']}{run.explain()}")
        for key, sev in (("errors", "error"), ("warnings", "warning"), ("notices", "notice")):
            want = sum(1 for f in doc["findings"] if f["severity"] == sev)
            self.assertEqual(lookup(doc, f"summary.{key}"), want, f"summary.{key}{run.explain()}")

        facts = dict(exp["facts"])
        facts.update(scenarios.DNSSEC_FACTS.get(s["name"], {}))
        for path, want in facts.items():
            if isinstance(want, str):
                want = want.format(n=n, net=world_mod.NET)
            try:
                got = lookup(doc, path)
            except KeyError as e:
                self.fail(f"{e}{run.explain()}")
            self.assertEqual(got, want, f"{path}{run.explain()}")

        for fail_on, r in runs.items():
            want = scenarios.exit_code(exp, fail_on or "error")
            self.assertEqual(r.rc, want, f"exit code with --fail-on {fail_on or 'error (default)'}{r.explain()}")
            self.assertEqual(len(r.lines), 1, f"stdout must be one JSON line{r.explain()}")

        if exp["turned_away"]:
            self.check_turned_away(n, s, run)
        if s["mx_smtp"] is not None:
            self.check_mx_connections(n, s, run)
        self.compare_with_s_client(s, doc, run)

    def check_nagios(self, s, doc, run):
        """--format nagios: the Monitoring Plugins state from the same findings, named on the status line."""
        exp = s["expect"]
        findings = exp["findings"]
        if "dns.resolver-unreachable" in findings:
            state, code = "UNKNOWN", 3
        elif any(scenarios.severity(f, exp) == "error" for f in findings):
            state, code = "CRITICAL", 2
        elif any(scenarios.severity(f, exp) == "warning" for f in findings):
            state, code = "WARNING", 1
        else:
            state, code = "OK", 0
        self.assertEqual(run.rc, code, f"nagios exit code{run.explain()}")
        status = run.stdout.splitlines()[0] if run.stdout else ""
        self.assertTrue(status.startswith(f"RELAYMETRY {state} - {s['domain']}: "), f"nagios status{run.explain()}")
        # UNKNOWN says why the check could not run instead of naming findings.
        counting = [f["id"] for f in doc["findings"] if f["severity"] in ("error", "warning") and code != 3]
        for rule in counting[:5]:
            self.assertIn(rule, status.partition(" | ")[0], f"nagios status names {rule}{run.explain()}")

    def check_turned_away(self, n, s, run):
        """The server's own log shows it turned relaymetry away at least once during the run (read before the
        s_client comparison, which connects too): otherwise its limit did not apply and the scenario proves
        nothing about push-back."""
        deadline = time.monotonic() + 5
        while True:
            counts = WORLD.turned_away(n, s)
            if sum(counts.values()) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        per_port = ", ".join(f"{port}: {count}" for port, count in sorted(counts.items()))
        print(f"e2e: {s['name']}: the server logged {sum(counts.values())} connection(s) turned away "
              f"({per_port})", file=sys.stderr)
        self.assertGreater(sum(counts.values()), 0, f"the server logged no connection turned away ({per_port}): "
                                                    f"its per-client limit did not apply{run.explain()}")

    def check_mx_connections(self, n, s, run):
        """The MX server's own log (read before the s_client comparison, which connects too) shows connections
        from relaymetry's runs with --mx-probe, and none without: port 25 is probed only when asked for. The
        scenarios that probe prove that the log would show them."""
        if "--mx-probe" not in s["args"]:
            self.assertEqual(WORLD.mx_connections(n), 0, f"port 25 connected to without --mx-probe{run.explain()}")
            return
        deadline = time.monotonic() + 5
        while not WORLD.mx_connections(n) and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertGreater(WORLD.mx_connections(n), 0, f"the MX server logged no connection{run.explain()}")

    def compare_with_s_client(self, s, doc, run):
        """Every TLS session relaymetry reports (also the diagnostic one after a modern client failed), for the
        submission addresses, the MX addresses and the MTA-STS policy host, against openssl s_client on the same
        endpoint."""
        mx_hosts = (doc.get("mx") or {}).get("hosts") or []
        for ep in (doc.get("submission") or {}).get("endpoints", []) + mx_hosts:
            for addr in ep.get("addresses", []):
                tls = addr.get("tls")
                if not tls or not tls.get("version") or not {"host", "port", "security"} <= ep.keys():
                    continue
                self.compare_session(f"{ep['host']}:{ep['port']} [{addr['address']}]", tls, tls.get("certificate"),
                                     addr["address"], ep["port"], ep["host"], ep["security"] == "starttls", run)
        policy = (doc.get("mta_sts") or {}).get("policy") or {}
        tls = policy.get("tls")
        addresses = (policy.get("resolution") or {}).get("addresses") or []
        if tls and tls.get("version") and addresses:
            host = f"mta-sts.{s['domain']}"
            cert = policy.get("certificate") or tls.get("certificate")
            self.compare_session(f"{host}:443 [{addresses[0]}]", tls, cert, addresses[0], 443, host, False, run)

    def compare_session(self, where, tls, cert, address, port, host, starttls, run):
        legacy = tls.get("modern_client_failed") or tls.get("version") in ("TLSv1", "TLSv1.1")
        seen = s_client(address, port, host, starttls, legacy)
        self.assertEqual(tls.get("version"), seen["version"], f"{where}: version vs s_client{run.explain()}")
        self.assertEqual(tls.get("cipher"), seen["cipher"], f"{where}: cipher vs s_client{run.explain()}")
        self.assertEqual(tls.get("legacy_versions_accepted"), seen["legacy"],
                         f"{where}: legacy versions vs s_client -tls1/-tls1_1{run.explain()}")
        self.assertEqual(tls.get("tls13_supported"), seen["tls13"], f"{where}: TLS 1.3 vs s_client -tls1_3"
                                                                    f"{run.explain()}")
        self.assertIsNotNone(cert, f"{where}: no certificate facts{run.explain()}")
        if "subject" not in seen:
            return
        self.assertEqual(cert.get("subject"), seen["subject"], f"{where}: subject{run.explain()}")
        self.assertEqual(cert.get("issuer"), seen["issuer"], f"{where}: issuer{run.explain()}")
        self.assertEqual(sorted(cert.get("san", [])), sorted(seen["san"]), f"{where}: san{run.explain()}")
        self.assertEqual(cert.get("key"), f"RSA-{seen['key_bits']}", f"{where}: key{run.explain()}")
        self.assertEqual(cert.get("signature"), seen["signature"], f"{where}: signature{run.explain()}")
        self.assertEqual(to_epoch(cert.get("not_after")), seen["not_after"], f"{where}: not_after{run.explain()}")
        for key in ("sha256", "spki_sha256", "spki_sha512"):
            self.assertEqual(cert.get(key), seen[key], f"{where}: {key} vs openssl{run.explain()}")
        self.assertEqual(cert.get("verify_error_code") is None, cert.get("chain_valid"),
                         f"{where}: verify_error_code present exactly when chain_valid is false{run.explain()}")
        days = (seen["not_after"] - time.time()) / 86400
        self.assertLessEqual(abs(cert.get("days_left") - days), 1.0, f"{where}: days_left{run.explain()}")
        if not legacy:
            self.assertEqual(cert.get("chain_valid"), seen["verify_ok"],
                             f"{where}: chain_valid vs s_client's verify result{run.explain()}")




def expected_targets(rule, n, s, doc):
    """The targets the contract prescribes for a finding, where it is unambiguous; None = not checked."""
    d = s["domain"]
    mail = world_mod.addresses(n)["mail"]
    mx = f"mx1.{d}:25 [{world_mod.addresses(n)['mx']}]"
    if rule.startswith("tls-rpt."):
        return {f"_smtp._tls.{d}"}
    if rule in ("mta-sts.txt-invalid", "mta-sts.txt-multiple", "mta-sts.not-published"):
        return {f"_mta-sts.{d}"}
    if rule in ("mta-sts.policy-http-error", "mta-sts.policy-redirect", "mta-sts.policy-tls-invalid",
                "mta-sts.policy-content-type", "mta-sts.policy-too-large", "mta-sts.policy-invalid",
                "mta-sts.policy-line-endings", "mta-sts.policy-duplicate-field", "mta-sts.policy-unreachable"):
        return {f"mta-sts.{d}"}
    if rule == "mta-sts.mx-not-covered":
        return {c.get("mx") for c in (doc.get("mta_sts") or {}).get("mx_coverage", []) if not c.get("covered")}
    if rule in ("mx.null", "mx.none", "submission.not-found"):
        return {d}
    if rule in ("mx.unreachable", "mx.starttls-missing", "mx.starttls-failed", "mx.inconclusive",
                "mta-sts.mx-certificate-invalid"):
        return {mx}
    if rule == "mx.requiretls-not-offered":
        return {f"mx1.{d}:25"}
    if s["name"].startswith("mx-") and (rule.startswith(("tls.", "cert.")) or rule == "dane.tlsa-mismatch"):
        return {mx}
    if rule.startswith(("tls.", "cert.")):
        if s["name"].startswith("sts-"):
            sts = world_mod.addresses(n)["sts"]
            return {f"mta-sts.{d}", f"mta-sts.{d}:443 [{sts}]"}
        hosts = (f"mail.{d}", f"mail2.{d}", f"smtp.{d}")
        return {f"{h}:{p} [{mail}]" for h in hosts for p in (465, 587)}
    if rule in ("submission.starttls-missing", "submission.auth-before-tls"):
        return {f"mail.{d}:587 [{mail}]"}
    if rule == "submission.not-tls":
        return {f"mail.{d}:465 [{mail}]"}
    return None


def _make_test(n, s):
    def test(self):
        self.check_scenario(n, s)
    test.__doc__ = f"{s['name']}: {s['why']}"
    return test


for _n, _s in scenarios.with_numbers():
    setattr(Scenarios, "test_" + _s["name"].replace("-", "_"), _make_test(_n, _s))


# ---- driver -----------------------------------------------------------------------------------------------

def find_schema():
    path = os.environ.get("RELAYMETRY_SCHEMA")
    if not path:
        files = sorted(f for f in glob.glob(os.path.join(REPO, "docs", "schema", "*.json")) if "lint" not in f)
        preferred = [f for f in files if re.search(r"check|domain|report", os.path.basename(f))]
        path = (preferred or files or [None])[0]
    if not path:
        print("e2e: no JSON schema found, output not validated against one", file=sys.stderr)
        return None
    print(f"e2e: validating output against {os.path.relpath(path, REPO)}", file=sys.stderr)
    with open(path) as f:
        return json.load(f)


def run_all(selected):
    jobs = []
    for n, s in selected:
        if s["name"] in WORLD.unavailable:
            continue
        # A second run at the same time would itself be turned away by a server that limits connections
        # per client: those scenarios get no nagios run.
        nagios = [] if s["expect"]["turned_away"] else ["nagios"]
        for fail_on in [None] + nagios + s["expect"]["fail_on"]:
            jobs.append((s["name"], s["domain"], s["resolver"], s["args"], fail_on))
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        futures = {pool.submit(relaymetry, domain, resolver, args, fail_on): (name, fail_on)
                   for name, domain, resolver, args, fail_on in jobs}
        for fut in concurrent.futures.as_completed(futures):
            name, fail_on = futures[fut]
            RESULTS.setdefault(name, {})[fail_on] = fut.result()
    out_dir = os.environ.get("E2E_OUT")  # keep every run's output for a human to read
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        for name, runs in RESULTS.items():
            for fail_on, r in runs.items():
                suffix = f".fail-on-{fail_on}" if fail_on else ""
                with open(os.path.join(out_dir, f"{name}{suffix}.out"), "w") as f:
                    f.write(f"$ {' '.join(r.cmd)}\nexit {r.rc}\n{r.stdout}\n--- stderr\n{r.stderr}")


def main():
    global WORLD, SCHEMA
    if os.geteuid() != 0:
        print("e2e: skipped, needs root (Postfix and nginx bind 465/587/443)")
        return 77
    missing = world_mod.missing_tools()
    if missing:
        print(f"e2e: skipped, missing {', '.join(missing)} (run scripts/install-e2e-deps.sh)")
        return 77
    binary = os.environ.get("RELAYMETRY")
    if not binary or not os.access(binary, os.X_OK):
        print(f"e2e: RELAYMETRY must name the relaymetry binary (got {binary!r})", file=sys.stderr)
        return 2
    os.environ["RELAYMETRY"] = os.path.abspath(binary)
    # ctest's timeout and Ctrl-C must still take the world down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    SCHEMA = find_schema()

    argv = [sys.argv[0]] + sys.argv[1:]
    names = None
    if "-k" in argv:
        names = {argv[argv.index("-k") + 1]}
    selected = [(n, s) for n, s in scenarios.with_numbers() if names is None or s["name"] in names]

    started = time.monotonic()
    WORLD = world_mod.World(keep=bool(os.environ.get("E2E_KEEP")))
    try:
        WORLD.up()
        print(f"e2e: world up in {time.monotonic() - started:.1f}s (DNS: unbound on port {WORLD.dns_port}, "
              f"Knot on {WORLD.authoritative_port})", file=sys.stderr)
        for name, why in sorted(WORLD.unavailable.items()):
            print(f"e2e: {name} will be skipped: {why}", file=sys.stderr)
        run_all(selected)
        print(f"e2e: {sum(len(r) for r in RESULTS.values())} relaymetry runs done at "
              f"{time.monotonic() - started:.1f}s", file=sys.stderr)
        suite = unittest.TestSuite()
        for n, s in selected:
            suite.addTest(Scenarios("test_" + s["name"].replace("-", "_")))
        verbosity = 2 if "-v" in argv else 1
        result = unittest.TextTestRunner(verbosity=verbosity, stream=sys.stderr).run(suite)
        return 0 if result.wasSuccessful() else 1
    finally:
        WORLD.down()
        print(f"e2e: world down, total {time.monotonic() - started:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
