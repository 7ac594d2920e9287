"""The one declarative description of the end-to-end world: every scenario domain, its DNS records, the
servers behind it (real Postfix, nginx, Exim, a few Python listeners), the certificates they present, and what a
tool conforming to /work/shared/CONTRACT.md must report for it.

Every scenario starts from `clean()`: a domain with nothing to criticise (SRV for 465 and 587 pointing at a
Postfix with TLS 1.2-1.3 and a valid chain, an MX, an MTA-STS policy in enforce mode covering the MX, and a
TLS-RPT record), then changes exactly one thing. So each expected finding set is the contract's consequence
of that one change, and `why` says which rule it is and why no other rule applies.

Addresses (E2E_NET=X moves them to 127.X.*): scenario number N gets 127.0.1.N for its mail host (Postfix or a listener on 465/587),
127.0.2.N for mta-sts.<domain> (nginx on 443) and 127.0.3.N for its MX host (Postfix on port 25 where the
scenario has an MX server, "mx_smtp"; elsewhere nothing listens there, as MX hosts are probed only with
--mx-probe).

DNS: every zone is signed and delegated from the world's signed root with its DS, and relaymetry asks a
validating resolver (unbound) that trusts that root: so every scenario is DNSSEC-secure unless it says
otherwise ("signed", "zones", "resolver" in clean()).
"""

import copy

PARENT = "relaymetry.test"  # RFC 6761 reserves .test; each scenario is a zone <name>.relaymetry.test.

# Severities from the contract's rule catalog, to derive exit codes for --fail-on.
SEVERITY = {
    "submission.not-found": "notice", "submission.srv-disabled": "notice",
    "submission.srv-target-unresolvable": "error", "submission.unreachable": "error",
    "submission.address-unreachable": "warning", "submission.no-implicit-tls": "notice",
    "submission.starttls-missing": "error", "submission.not-tls": "error", "submission.starttls-failed": "error",
    "submission.auth-before-tls": "warning", "submission.protocol-error": "error",
    "submission.inconclusive": "warning",
    "tls.version-deprecated": "error", "tls.legacy-accepted": "warning", "tls.no-tls13": "notice",
    "tls.weak-cipher": "warning",
    "cert.expired": "error", "cert.not-yet-valid": "error", "cert.expires-soon": "warning", "cert.untrusted": "error",
    "cert.name-mismatch": "error", "cert.weak-key": "error", "cert.weak-signature": "error",
    "mx.none": "notice", "mx.null": "notice",
    # --mx-probe: port 25 of every MX address (RFC 3207, RFC 8689); mx-certificate-invalid is a warning in testing
    "mx.unreachable": "warning", "mx.starttls-missing": "warning", "mx.starttls-failed": "error",
    "mx.inconclusive": "notice", "mx.probe-blocked": "notice", "mx.requiretls-not-offered": "notice",
    "mta-sts.mx-certificate-invalid": "error",
    "mta-sts.not-published": "warning", "mta-sts.txt-invalid": "error", "mta-sts.txt-multiple": "error",
    "mta-sts.policy-unreachable": "error", "mta-sts.policy-http-error": "error", "mta-sts.policy-redirect": "error",
    "mta-sts.policy-tls-invalid": "error", "mta-sts.policy-content-type": "warning",
    "mta-sts.policy-too-large": "error", "mta-sts.policy-invalid": "error", "mta-sts.policy-line-endings": "notice",
    "mta-sts.policy-duplicate-field": "warning", "mta-sts.policy-without-txt": "warning",
    "mta-sts.mode-none": "warning", "mta-sts.mode-testing": "notice", "mta-sts.max-age-short": "notice",
    "mta-sts.mx-not-covered": "error", "mta-sts.mx-pattern-unused": "notice",
    "tls-rpt.not-published": "warning", "tls-rpt.invalid": "error", "tls-rpt.multiple": "error",
    "tls-rpt.rua-invalid": "error",
    "dns.lookup-failed": "error",
    # Beyond the contract's minimum, in relaymetry's catalogue (src/rules/catalog.cpp):
    "submission.tls-failed": "error",             # the handshake on the implicit-TLS port failed
    "submission.starttls-buffered-data": "error",  # bytes after "220 Ready to start TLS" (CVE-2011-0411 class)
    "tls-rpt.rua-repeated": "warning",             # more than one rua= field (valid; some senders read one)
    "dns.resolver-unreachable": "error",           # the resolver answered nothing: exit 4
    "dnssec.bogus": "error", "dnssec.unsigned": "notice", "dnssec.resolver-not-validating": "notice",
    "submission.srv-unsigned-outside": "warning",
    "dane.tlsa-mismatch": "error", "dane.tlsa-unusable": "warning", "dane.ta-not-in-chain": "error",
    "dane.tlsa-invalid": "error", "dane.no-rollover-key": "notice", "dane.insecure-tlsa": "notice",
    "dane.mta-sts-conflict": "warning",
}
RANK = {"notice": 1, "warning": 2, "error": 3}

# Certificates the world's PKI issues (world.py builds them with the openssl CLI at run time). Every leaf
# covers *.<d> and <d> for every scenario domain <d>, except "wrong-name".
CERTS = {
    "good": "RSA-2048, SHA-256, issued by the intermediate, valid -1 .. +90 days",
    "expired": "valid -60 .. -1 days",
    "not-yet-valid": "valid +10 .. +400 days",
    "wrong-name": "SAN DNS:wrong-name.invalid only",
    "self-signed": "self-signed leaf, not issued by the test root",
    "missing-intermediate": "the good leaf served without its intermediate",
    "expires-soon": "valid -30 .. +5 days",
    "rsa-1024": "RSA-1024 key",
    "sha1": "sha1WithRSAEncryption signature on the leaf",
}

MODERN = {"smtpd_tls_protocols": ">=TLSv1.2", "smtpd_tls_mandatory_protocols": ">=TLSv1.2"}
# TLS 1.0-1.3, with the suites TLS 1.0/1.1 need (OpenSSL 3 drops them above security level 0).
LEGACY = {"smtpd_tls_protocols": ">=TLSv1", "smtpd_tls_mandatory_protocols": ">=TLSv1",
          "tls_medium_cipherlist": "DEFAULT:@SECLEVEL=0", "tls_high_cipherlist": "DEFAULT:@SECLEVEL=0"}

# Exim's main options for the same (Debian builds Exim with GnuTLS: a GnuTLS priority string).
EXIM_LEGACY = {"tls_require_ciphers": "NORMAL:+VERS-TLS1.0:+VERS-TLS1.1"}


def legacy_both_ports():
    """The facts of a server that negotiates TLS 1.3 and accepts TLS 1.0 and 1.1 on 465 and on 587, each
    version tested to the end (none `not-tested`)."""
    facts = {}
    for i in (0, 1):
        a = f"submission.endpoints.{i}.addresses.0"
        facts.update({f"{a}.status": "ok", f"{a}.error": None, f"{a}.tls.version": "TLSv1.3",
                      f"{a}.tls.legacy_versions_accepted": ["TLSv1", "TLSv1.1"],
                      f"{a}.tls.versions": {"TLSv1": "accepted", "TLSv1.1": "accepted", "TLSv1.3": "accepted"},
                      f"{a}.tls.version_reasons": {}})
    return facts


def policy(d, mode="enforce", mx=None, max_age=604800, eol="\r\n", extra=()):
    lines = ["version: STSv1", f"mode: {mode}"]
    lines += [f"mx: {m}" for m in (mx if mx is not None else [f"mx1.{d}"])]
    lines.append(f"max_age: {max_age}")
    lines += list(extra)
    return eol.join(lines) + eol


def clean(name, why):
    d = f"{name}.{PARENT}"
    return {
        "name": name,
        "domain": d,
        "why": why,
        # (owner relative to the zone, "@" = apex; type; rdata). {mail}, {sts}, {mx} are the scenario's
        # addresses, {d} the domain, {good_spki_sha256}, {intermediate_spki_sha256}, {next_spki_sha256} and
        # {old_spki_sha256} the hex SHA-256 of the SubjectPublicKeyInfo of the good leaf, the intermediate, a
        # spare key and the good leaf's key before its renewal (world.Pki); world.py fills them in.
        "records": [
            ("_submissions._tcp", "SRV", "0 1 465 mail.{d}."),
            ("_submission._tcp", "SRV", "0 1 587 mail.{d}."),
            ("mail", "A", "{mail}"),
            ("@", "MX", "10 mx1.{d}."),
            ("mx1", "A", "{mx}"),
            ("_mta-sts", "TXT", '"v=STSv1; id=20261128T1200"'),
            ("mta-sts", "A", "{sts}"),
            ("_smtp._tls", "TXT", '"v=TLSRPTv1; rua=mailto:tlsrpt@{d}"'),
        ],
        # What listens on the mail address, per port: {"kind": "postfix", "cert": ..., "params": {...}} (params:
        # -o overrides of that smtpd service), {"kind": "exim", "cert": ..., "params": {...}} (main options of
        # one Exim daemon serving every port of the address, the same on each) or
        # {"kind": "silent" | "busy-421" | "hostile-smtp" | "ssh" | "closed"}.
        "smtp": {
            465: {"kind": "postfix", "cert": "good", "params": dict(MODERN)},
            587: {"kind": "postfix", "cert": "good", "params": dict(MODERN)},
        },
        # True: Knot signs the zone, its parent (the root) holds its DS: secure. False: served unsigned and
        # delegated without DS: provably insecure. "expired": signed by world.py with RRSIGs that expired, the
        # DS matching its key: bogus (a validating resolver answers SERVFAIL).
        "signed": True,
        # Further zones below the domain, each delegated from the scenario zone (NS, glue, and DS when signed),
        # {name: {"signed": ..., "records": [...]}} with owner "@" for the child's apex and the placeholders of
        # records, also in the name: {"unsigned.{d}": {"signed": False, "records": [("@", "A", "{mail}")]}}.
        "zones": {},
        # The server relaymetry's --dns names: "validating" (unbound, trusting the world's root key),
        # "authoritative" (Knot itself, serving the root and every zone: all answers, never the AD bit, like a
        # resolver that does not validate) or "refusing" (a second Knot serving no zone: REFUSED to every
        # query, like a server that is no resolver for this check).
        "resolver": "validating",
        # nginx on the sts address, or None.
        "sts": {"cert": "good", "status": 200, "content_type": "text/plain", "body": policy(d), "redirect": None},
        # What listens on port 25 of the MX address (mx1.<d>): None, or {"kind": "postfix", "cert": ..., "params":
        # {...}} as in "smtp" (see mx_server()).
        "mx_smtp": None,
        # Further arguments of every relaymetry run of the scenario (["--mx-probe"]).
        "args": [],
        "expect": {
            "findings": set(),
            # dotted path -> expected value ("submission.endpoints.0.port"); see test_e2e.lookup().
            "facts": {
                "submission.discovery.source": "srv",
                "mx.null_mx": False,
                "mta_sts.txt.status": "published",
                "mta_sts.policy.status": "fetched",
                "tls_rpt.status": "published",
            },
            # extra --fail-on values to run, beyond the default (error); "text" = also the text report
            "fail_on": [],
            # the server limits connections per client: its own log must show that it turned at least one
            # of relaymetry's connections away during the run (else the scenario proves nothing)
            "turned_away": False,
            # finding ID -> text the "fix" of every such finding must contain (placeholders as in records)
            "fix_contains": {},
            "severity": {},  # rule ID -> its severity where the scenario's context changes it
        },
    }


def _drop(s, owner, rtype=None):
    s["records"] = [r for r in s["records"] if not (r[0] == owner and (rtype is None or r[1] == rtype))]


def _both(s, **params):
    for port in (465, 587):
        s["smtp"][port]["params"].update(params)


def _cert(s, cert):
    for port in (465, 587):
        s["smtp"][port]["cert"] = cert


def mx_server(s, cert="good", probe=True, **params):
    """Postfix on port 25 of the MX address, STARTTLS offered (smtpd_tls_security_level=may) with `cert`, and
    relaymetry run with --mx-probe unless `probe` is false."""
    s["mx_smtp"] = {"kind": "postfix", "cert": cert, "params": dict(MODERN, **params)}
    if probe:
        s["args"].append("--mx-probe")


def build():
    out = []

    def add(s, findings=(), facts=None, fail_on=()):
        s["expect"]["findings"] = set(findings)
        f = s["expect"]["facts"]
        f.update(facts or {})
        d = s["domain"]
        # Facts of the clean policy and record, where the scenario left them as in clean().
        if f.get("mta_sts.policy.status") == "fetched":
            for key, value in (("mode", "enforce"), ("max_age", 604800), ("http_status", 200)):
                f.setdefault(f"mta_sts.policy.{key}", value)
        if f.get("tls_rpt.status") == "published":
            f.setdefault("tls_rpt.rua", [f"mailto:tlsrpt@{d}"])
        s["expect"]["fail_on"] = list(fail_on)
        out.append(s)
        return s

    # ---- submission discovery (RFC 6186) ----------------------------------------------------------
    s = clean("clean", "nothing to criticise in any area: the baseline every other scenario changes once")
    add(s, facts={
        "submission.discovery.srv.0.service": "_submissions._tcp", "submission.discovery.srv.0.port": 465,
        "submission.discovery.srv.0.target": f"mail.{s['domain']}",
        "submission.endpoints.0.port": 465, "submission.endpoints.0.security": "implicit-tls",
        "submission.endpoints.0.addresses.0.status": "ok",
        "submission.endpoints.0.addresses.0.tls.version": "TLSv1.3",
        "submission.endpoints.0.addresses.0.tls.legacy_versions_accepted": [],
        "submission.endpoints.0.addresses.0.tls.certificate.chain_valid": True,
        "submission.endpoints.0.addresses.0.tls.certificate.name_match": True,
        "submission.endpoints.0.addresses.0.tls.certificate.key": "RSA-2048",
        "submission.endpoints.0.addresses.0.tls.certificate.signature": "sha256WithRSAEncryption",
        "submission.endpoints.0.addresses.0.tls.certificate.verify_error": None,
        "submission.endpoints.1.port": 587, "submission.endpoints.1.security": "starttls",
        "submission.endpoints.1.addresses.0.status": "ok",
        "submission.endpoints.1.addresses.0.smtp.starttls_offered": True,
        "submission.endpoints.1.addresses.0.smtp.auth_before_tls": [],
        "mx.records.0.host": f"mx1.{s['domain']}", "mx.records.0.preference": 10,
        "mta_sts.policy.content_type": "text/plain", "mta_sts.policy.mx": [f"mx1.{s['domain']}"],
        "mta_sts.mx_coverage.0.covered": True,
    }, fail_on=["notice"])

    s = clean("fallback", "no SRV: smtp.<d> resolves, so 465 and 587 there are probed; RFC 6186 allows this")
    _drop(s, "_submissions._tcp")
    _drop(s, "_submission._tcp")
    _drop(s, "mail")
    s["records"].append(("smtp", "A", "{mail}"))
    add(s, facts={"submission.discovery.source": "fallback", "submission.discovery.srv": [],
                  "submission.endpoints.0.host": f"smtp.{s['domain']}",
                  "submission.endpoints.0.addresses.0.status": "ok",
                  "submission.endpoints.1.addresses.0.status": "ok"})

    s = clean("no-submission", "no SRV and no smtp.<d>: submission.not-found (a notice, fine for inbound-only)")
    _drop(s, "_submissions._tcp")
    _drop(s, "_submission._tcp")
    s["smtp"] = {}
    add(s, ["submission.not-found"], {"submission.discovery.source": "none", "submission.endpoints": []},
        fail_on=["notice", "warning"])

    s = clean("srv-disabled", "both SRV targets are '.': service explicitly not offered (RFC 6186 §3)")
    s["records"][0] = ("_submissions._tcp", "SRV", "0 0 0 .")
    s["records"][1] = ("_submission._tcp", "SRV", "0 0 0 .")
    s["smtp"] = {}
    add(s, ["submission.srv-disabled"], {"submission.discovery.source": "disabled", "submission.endpoints": []})

    s = clean("srv-priorities", "several SRV records: listed in RFC 2782 order, every target probed, all clean")
    s["records"][0:2] = [
        ("_submissions._tcp", "SRV", "10 1 465 mail2.{d}."),
        ("_submissions._tcp", "SRV", "0 1 465 mail.{d}."),
        ("_submission._tcp", "SRV", "5 1 587 mail.{d}."),
    ]
    s["records"].append(("mail2", "A", "{mail}"))
    add(s, facts={"submission.discovery.srv.0.priority": 0, "submission.discovery.srv.0.target": f"mail.{s['domain']}",
                  "submission.discovery.srv.1.priority": 10,
                  "submission.discovery.srv.1.target": f"mail2.{s['domain']}",
                  "submission.discovery.srv.2.service": "_submission._tcp",
                  "submission.discovery.srv.2.priority": 5})

    s = clean("srv-unresolvable", "an SRV target with no A/AAAA: srv-target-unresolvable; the other SRV is fine")
    s["records"][0] = ("_submissions._tcp", "SRV", "0 1 465 nowhere.{d}.")
    add(s, ["submission.srv-target-unresolvable"])

    s = clean("no-465", "SRV only for 587: no-implicit-tls (RFC 8314 §3.3 prefers 465)")
    _drop(s, "_submissions._tcp")
    del s["smtp"][465]
    add(s, ["submission.no-implicit-tls"], {"submission.endpoints.0.port": 587})

    s = clean("closed-465", "SRV announces 465 but the port refuses: the endpoint's only address fails -> unreachable")
    s["smtp"][465] = {"kind": "closed"}
    add(s, ["submission.unreachable"], {"submission.endpoints.0.addresses.0.status": "refused"})

    s = clean("dead-ipv6", "AAAA ::1 where nothing listens beside the live IPv4: some addresses fail")
    s["records"].append(("mail", "AAAA", "::1"))
    add(s, ["submission.address-unreachable"], {
        "submission.endpoints.0.addresses.0.address": "127.{net}.1.{n}",
        "submission.endpoints.0.addresses.0.status": "ok",
        "submission.endpoints.0.addresses.1.address": "::1",
        "submission.endpoints.0.addresses.1.status": "refused"}, fail_on=["warning"])

    s = clean("silent", "accepts and never speaks on 465 and 587: reached, so never 'unreachable'; the 465 "
                        "handshake never completes, 587 never greets (RFC 5321 §3.1)")
    s["smtp"] = {465: {"kind": "silent"}, 587: {"kind": "silent"}}
    add(s, ["submission.tls-failed", "submission.protocol-error"],
        {"submission.endpoints.0.addresses.0.status": "tls-failed",
         "submission.endpoints.1.addresses.0.status": "protocol-error"})

    s = clean("busy", "answers 421 'too many connections' and closes: inconclusive, never 'no TLS'")
    s["smtp"] = {465: {"kind": "postfix", "cert": "good", "params": dict(MODERN)}, 587: {"kind": "busy-421"}}
    add(s, ["submission.inconclusive"], {"submission.endpoints.1.addresses.0.status": "inconclusive"})

    # ---- submission protocol (RFC 3207, RFC 8314) -------------------------------------------------
    s = clean("hostile-banner", "587 banner and EHLO carry ESC/BEL sequences and no STARTTLS: starttls-missing; "
              "the output must carry them escaped (test_e2e checks the raw bytes)")
    s["smtp"][587] = {"kind": "hostile-smtp"}
    add(s, ["submission.starttls-missing"], {"submission.endpoints.1.addresses.0.status": "no-starttls",
                                              "submission.endpoints.1.addresses.0.smtp.banner":
                                                  "e2e\x1b[2J\x1b]0;pwned\x07 ESMTP"},
        fail_on=["text"])

    s = clean("starttls-missing", "587 with smtpd_tls_security_level=none advertises no STARTTLS")
    s["smtp"][587]["params"]["smtpd_tls_security_level"] = "none"
    add(s, ["submission.starttls-missing"], {"submission.endpoints.1.addresses.0.status": "no-starttls",
                                              "submission.endpoints.1.addresses.0.smtp.starttls_offered": False})

    s = clean("plaintext-465", "465 without wrapper mode greets in plaintext: not-tls (RFC 8314 §3.3)")
    s["smtp"][465]["params"].update({"smtpd_tls_wrappermode": "no", "smtpd_tls_security_level": "may"})
    add(s, ["submission.not-tls"])

    s = clean("ssh-on-587", "an SSH daemon answers on 587: no 220 banner, the server broke SMTP")
    s["smtp"][587] = {"kind": "ssh"}
    add(s, ["submission.protocol-error"], {"submission.endpoints.1.addresses.0.status": "protocol-error"})

    s = clean("starttls-broken", "587 offers STARTTLS but only anonymous (aNULL) suites, which no client offers: "
              "the handshake after STARTTLS fails for every client")
    s["smtp"][587]["params"].update({"smtpd_tls_protocols": ">=TLSv1.2,<=TLSv1.2",
                                     "smtpd_tls_mandatory_protocols": ">=TLSv1.2,<=TLSv1.2",
                                     "smtpd_tls_ciphers": "high", "smtpd_tls_mandatory_ciphers": "high",
                                     "tls_high_cipherlist": "aNULL:@SECLEVEL=0"})
    add(s, ["submission.starttls-failed"], {"submission.endpoints.1.addresses.0.smtp.starttls_offered": True})

    s = clean("auth-before-tls", "587 advertises AUTH PLAIN LOGIN before STARTTLS (smtpd_tls_auth_only=no)")
    s["smtp"][587]["params"].update({"smtpd_sasl_auth_enable": "yes", "smtpd_tls_auth_only": "no"})
    s["smtp"][587]["sasl"] = True
    add(s, ["submission.auth-before-tls"], {"submission.endpoints.1.addresses.0.smtp.auth_before_tls":
                                             ["PLAIN", "LOGIN"]}, fail_on=["warning"])

    # ---- TLS versions and suites (RFC 8996) -------------------------------------------------------
    s = clean("tls10-only", "only TLS 1.0: a modern (TLS 1.2+) client's handshake fails on both ports; the "
              "diagnostic handshake negotiates TLS 1.0, so version-deprecated (which says a current client cannot "
              "connect) is the finding, not also tls-failed/starttls-failed; and no TLS 1.3 (no-tls13)")
    _both(s, smtpd_tls_protocols=">=TLSv1,<=TLSv1", smtpd_tls_mandatory_protocols=">=TLSv1,<=TLSv1",
          tls_medium_cipherlist="DEFAULT:@SECLEVEL=0", tls_high_cipherlist="DEFAULT:@SECLEVEL=0")
    add(s, ["tls.version-deprecated", "tls.no-tls13"],
        {"submission.endpoints.0.addresses.0.tls.version": "TLSv1",
         "submission.endpoints.0.addresses.0.tls.modern_client_failed": True,
         "submission.endpoints.1.addresses.0.tls.version": "TLSv1"})

    s = clean("tls12-only", "TLS 1.2 only: no-tls13, nothing else")
    _both(s, smtpd_tls_protocols=">=TLSv1.2,<=TLSv1.2", smtpd_tls_mandatory_protocols=">=TLSv1.2,<=TLSv1.2")
    add(s, ["tls.no-tls13"], {"submission.endpoints.0.addresses.0.tls.version": "TLSv1.2"})

    s = clean("legacy-accepted", "negotiates TLS 1.3 but still accepts TLS 1.0 and 1.1 offered alone")
    _both(s, **LEGACY)
    add(s, ["tls.legacy-accepted"], {"submission.endpoints.0.addresses.0.tls.version": "TLSv1.3",
                                      "submission.endpoints.0.addresses.0.tls.legacy_versions_accepted":
                                          ["TLSv1", "TLSv1.1"]})

    # ---- servers that limit connections per client (docs/cli.md "Politeness") ----------------------
    s = clean("conn-limit-postfix", "as legacy-accepted, but each smtpd service allows one connection per "
              "client (anvil, smtpd_client_connection_count_limit=1; loopback, in $mynetworks, not exempted): "
              "the second of the main session and the TLS 1.0/1.1 test gets 421 'too many connections', on "
              "587 as its greeting, on 465 after the TLS handshake; relaymetry must retry alone and still "
              "report tls.legacy-accepted, never submission.inconclusive")
    _both(s, **LEGACY, smtpd_client_connection_count_limit="1", smtpd_client_event_limit_exceptions="")
    add(s, ["tls.legacy-accepted"], legacy_both_ports())
    s["expect"]["turned_away"] = True

    s = clean("conn-limit-exim", "as conn-limit-postfix with Exim 4.96 (GnuTLS, TLS 1.0-1.3) serving 465 and 587 "
              "from one daemon with smtp_accept_max_per_host=1, which counts the client's connections across "
              "both ports and answers the extra ones with 421 before any TLS, also on 465: relaymetry must retry "
              "alone and still report tls.legacy-accepted, never submission.inconclusive")
    exim = {"kind": "exim", "cert": "good", "params": dict(EXIM_LEGACY, smtp_accept_max_per_host="1")}
    s["smtp"] = {465: copy.deepcopy(exim), 587: copy.deepcopy(exim)}
    add(s, ["tls.legacy-accepted"], legacy_both_ports())
    s["expect"]["turned_away"] = True

    s = clean("weak-cipher", "TLS 1.2 with only AES256-GCM-SHA384 (RSA key exchange: no forward secrecy)")
    _both(s, smtpd_tls_protocols=">=TLSv1.2,<=TLSv1.2", smtpd_tls_mandatory_protocols=">=TLSv1.2,<=TLSv1.2",
          smtpd_tls_ciphers="high", smtpd_tls_mandatory_ciphers="high", tls_high_cipherlist="AES256-GCM-SHA384")
    add(s, ["tls.weak-cipher", "tls.no-tls13"], {"submission.endpoints.0.addresses.0.tls.cipher": "AES256-GCM-SHA384"})

    # ---- certificates -----------------------------------------------------------------------------
    cert_cases = [
        ("cert-expired", "expired", ["cert.expired"], "dates are their own rule, not also cert.untrusted",
         {"tls.certificate.chain_valid": False}),
        ("cert-not-yet-valid", "not-yet-valid", ["cert.not-yet-valid"], "valid from +10 days", {}),
        ("cert-wrong-name", "wrong-name", ["cert.name-mismatch"], "SAN covers only wrong-name.invalid",
         {"tls.certificate.name_match": False}),
        ("cert-self-signed", "self-signed", ["cert.untrusted"], "the chain leads to no trust anchor", {}),
        ("cert-missing-intermediate", "missing-intermediate", ["cert.untrusted"],
         "the leaf alone does not chain to the root given by --ca-file", {}),
        ("cert-expires-soon", "expires-soon", ["cert.expires-soon"], "5 days left < 14", {}),
        ("cert-rsa-1024", "rsa-1024", ["cert.weak-key"], "weak key only, so not also cert.untrusted",
         {"tls.certificate.key": "RSA-1024"}),
        ("cert-sha1", "sha1", ["cert.weak-signature"], "SHA-1 only, so not also cert.untrusted",
         {"tls.certificate.signature": "sha1WithRSAEncryption"}),
    ]
    for name, cert, findings, why, facts in cert_cases:
        s = clean(name, f"465 and 587 present the {cert} certificate: {why}")
        _cert(s, cert)
        if cert in ("rsa-1024", "sha1"):
            # Servers of today refuse to load such certificates at OpenSSL's default security level.
            _both(s, tls_medium_cipherlist="DEFAULT:@SECLEVEL=0", tls_high_cipherlist="DEFAULT:@SECLEVEL=0")
        add(s, findings, {f"submission.endpoints.0.addresses.0.{k}": v for k, v in facts.items()},
            fail_on=["warning"] if cert == "expires-soon" else [])

    # ---- MX (RFC 7505) ------------------------------------------------------------------------------
    s = clean("null-mx", "MX '0 .': mx.null; no MTA-STS/TLS-RPT published, as inbound TLS policy does not apply")
    _drop(s, "@", "MX")
    _drop(s, "mx1")
    _drop(s, "_mta-sts")
    _drop(s, "mta-sts")
    _drop(s, "_smtp._tls")
    s["records"].append(("@", "MX", "0 ."))
    s["sts"] = None
    del s["expect"]["facts"]["mta_sts.policy.status"]  # nothing to fetch: how the tool says so is its business
    add(s, ["mx.null"], {"mx.null_mx": True, "mta_sts.txt.status": "not-published",
                         "tls_rpt.status": "not-published", "tls_rpt.rua": []})

    s = clean("no-mx", "no MX and no MTA-STS: mx.none, and mta-sts.not-published since mail still arrives via A")
    _drop(s, "@", "MX")
    _drop(s, "mx1")
    _drop(s, "_mta-sts")
    _drop(s, "mta-sts")
    s["sts"] = None
    del s["expect"]["facts"]["mta_sts.policy.status"]
    add(s, ["mx.none", "mta-sts.not-published"], {"mx.records": [], "mta_sts.txt.status": "not-published"})

    # ---- MTA-STS (RFC 8461) -------------------------------------------------------------------------
    def sts(name, why, findings, facts=None, body=None, **changes):
        s = clean(name, why)
        if body is not None:
            s["sts"]["body"] = body(s["domain"])
        s["sts"].update(changes)
        return add(s, findings, facts)

    sts("sts-testing", "mode testing", ["mta-sts.mode-testing"], {"mta_sts.policy.mode": "testing"},
        body=lambda d: policy(d, mode="testing"))
    sts("sts-none", "mode none (no mx needed): coverage is not judged", ["mta-sts.mode-none"],
        {"mta_sts.policy.mode": "none"}, body=lambda d: policy(d, mode="none", mx=[]))
    sts("sts-404", "the policy URL answers 404", ["mta-sts.policy-http-error"],
        {"mta_sts.policy.status": "http-error", "mta_sts.policy.http_status": 404}, status=404)
    sts("sts-redirect", "the policy URL answers 301 (RFC 8461 §3.3: MUST NOT follow)", ["mta-sts.policy-redirect"],
        {"mta_sts.policy.status": "redirect", "mta_sts.policy.http_status": 301}, status=301,
        redirect="https://elsewhere.invalid/.well-known/mta-sts.txt")
    sts("sts-wrong-name", "the policy host's certificate names wrong-name.invalid: one policy-tls-invalid whose "
        "message gives the cert.* detail ('details as cert.*'), not a separate cert.name-mismatch",
        ["mta-sts.policy-tls-invalid"], {"mta_sts.policy.status": "tls-failed"}, cert="wrong-name")
    sts("sts-html", "served as text/html", ["mta-sts.policy-content-type"],
        {"mta_sts.policy.content_type": "text/html"}, content_type="text/html")
    sts("sts-lf", "LF-only line endings (RFC 8461 §3.2 says CRLF)", ["mta-sts.policy-line-endings"],
        body=lambda d: policy(d, eol="\n"))
    sts("sts-too-large", "a 70 KiB body (RFC 8461 §3.3: 64 KiB at most)", ["mta-sts.policy-too-large"],
        {"mta_sts.policy.status": "too-large"},
        body=lambda d: policy(d) + "".join(f"x-padding{i}: {'a' * 100}\r\n" for i in range(640)))
    sts("sts-invalid", "mode 'enforced' and max_age 99999999: policy-invalid", ["mta-sts.policy-invalid"],
        {"mta_sts.policy.status": "invalid"},
        body=lambda d: f"version: STSv1\r\nmode: enforced\r\nmx: mx1.{d}\r\nmax_age: 99999999\r\n")
    sts("sts-duplicate", "mode twice (enforce, then testing): duplicate-field; the first one counts",
        ["mta-sts.policy-duplicate-field"], {"mta_sts.policy.mode": "enforce"},
        body=lambda d: policy(d, extra=["mode: testing"]))
    sts("sts-max-age-short", "max_age 3600 < one day", ["mta-sts.max-age-short"],
        {"mta_sts.policy.max_age": 3600}, body=lambda d: policy(d, max_age=3600))
    sts("sts-pattern-unused", "a stale mx pattern old.<d> that matches no MX", ["mta-sts.mx-pattern-unused"],
        body=lambda d: policy(d, mx=[f"mx1.{d}", f"old.{d}"]))

    s = clean("sts-not-covered", "MX backup.<d> is matched by no mx pattern, mode enforce: error")
    s["records"] += [("@", "MX", "20 backup.{d}."), ("backup", "A", "{mx}")]
    add(s, ["mta-sts.mx-not-covered"], {"mta_sts.mx_coverage.0.covered": True,
                                         "mta_sts.mx_coverage.1.mx": f"backup.{s['domain']}",
                                         "mta_sts.mx_coverage.1.covered": False})

    s = clean("sts-wildcard", "mx *.<d> covers mx1.<d> but not a.b.<d> (one label only, RFC 8461 §4.1)")
    s["records"] += [("@", "MX", "20 a.b.{d}."), ("a.b", "A", "{mx}")]
    s["sts"]["body"] = policy(s["domain"], mx=[f"*.{s['domain']}"])
    add(s, ["mta-sts.mx-not-covered"], {"mta_sts.mx_coverage.0.covered": True,
                                         "mta_sts.mx_coverage.0.pattern": f"*.{s['domain']}",
                                         "mta_sts.mx_coverage.1.covered": False})

    s = clean("sts-without-txt", "a policy is served but no TXT announces it: not-published and policy-without-txt")
    _drop(s, "_mta-sts")
    add(s, ["mta-sts.not-published", "mta-sts.policy-without-txt"], {"mta_sts.txt.status": "not-published"})

    s = clean("sts-not-published", "no TXT and no policy host: only not-published")
    _drop(s, "_mta-sts")
    _drop(s, "mta-sts")
    s["sts"] = None
    del s["expect"]["facts"]["mta_sts.policy.status"]
    add(s, ["mta-sts.not-published"], {"mta_sts.txt.status": "not-published"}, fail_on=["warning"])

    s = clean("sts-two-txt", "two v=STSv1 TXT records: senders see no policy")
    s["records"].append(("_mta-sts", "TXT", '"v=STSv1; id=20261129"'))
    add(s, ["mta-sts.txt-multiple"], {"mta_sts.txt.status": "multiple"})

    s = clean("sts-txt-invalid", "TXT id with a '-' (RFC 8461 §3.1: 1*32 alphanumerics)")
    _drop(s, "_mta-sts")
    s["records"].append(("_mta-sts", "TXT", '"v=STSv1; id=not-valid-id"'))
    add(s, ["mta-sts.txt-invalid"], {"mta_sts.txt.status": "invalid"})

    s = clean("sts-unreachable", "TXT published, mta-sts.<d> resolves, nothing answers on 443")
    s["sts"] = None
    add(s, ["mta-sts.policy-unreachable"], {"mta_sts.policy.status": "unreachable"})

    # ---- TLS-RPT (RFC 8460) -------------------------------------------------------------------------
    s = clean("rpt-missing", "no _smtp._tls TXT")
    _drop(s, "_smtp._tls")
    add(s, ["tls-rpt.not-published"], {"tls_rpt.status": "not-published", "tls_rpt.rua": []})

    s = clean("rpt-invalid", "v=TLSRPTv1 without the required rua (RFC 8460 §3)")
    _drop(s, "_smtp._tls")
    s["records"].append(("_smtp._tls", "TXT", '"v=TLSRPTv1"'))
    add(s, ["tls-rpt.invalid"], {"tls_rpt.status": "invalid"})

    s = clean("rpt-two", "two v=TLSRPTv1 records")
    s["records"].append(("_smtp._tls", "TXT", '"v=TLSRPTv1; rua=mailto:other@{d}"'))
    add(s, ["tls-rpt.multiple"], {"tls_rpt.status": "multiple"})

    s = clean("rpt-rua-invalid", "rua=ftp://...: neither mailto: nor https:")
    _drop(s, "_smtp._tls")
    s["records"].append(("_smtp._tls", "TXT", '"v=TLSRPTv1; rua=ftp://reports.{d}/tlsrpt"'))
    add(s, ["tls-rpt.rua-invalid"], {"tls_rpt.rua": [f"ftp://reports.{s['domain']}/tlsrpt"]})

    # ---- DNS ----------------------------------------------------------------------------------------
    s = clean("no-zone", "a domain the server is not authoritative for: Knot answers REFUSED to every lookup, "
                         "the root included, so the server at --dns does not serve this check at all")
    s["domain"] = "no-zone.unserved.test"
    s["resolver"] = "refusing"  # the world's Knot would answer from its root zone: NXDOMAIN
    s["records"] = None  # no zone at all
    s["smtp"] = {}
    s["sts"] = None
    s["expect"]["facts"] = {}
    add(s, ["dns.resolver-unreachable"])

    # ---- DNSSEC and DANE (RFC 4035, RFC 7671, RFC 7672, RFC 7673) -----------------------------------
    def tlsa(s, *rdata, owners=("_465._tcp.mail", "_587._tcp.mail")):
        s["records"] += [(owner, "TLSA", r) for owner in owners for r in rdata]

    ee = ("3 1 1 {good_spki_sha256}", "3 1 1 {next_spki_sha256}")

    s = clean("dane-ee", "TLSA 3 1 1 for the served key and for the next one on both submission ports, in a "
                         "signed zone: DANE-EE matches and a rollover key is ready (RFC 7671 §5.1, §8.1)")
    tlsa(s, *ee)
    add(s)

    s = clean("dane-ta", "TLSA 2 1 1 for the intermediate's key, which both ports send in their chain: "
                         "DANE-TA matches (RFC 7671 §5.2)")
    tlsa(s, "2 1 1 {intermediate_spki_sha256}")
    add(s)

    s = clean("dane-renewed", "the certificate was renewed with a new key but TLSA still names only the old one: "
                              "DANE clients refuse both ports; publish the new key's record first (RFC 7671 §8.1)")
    tlsa(s, "3 1 1 {old_spki_sha256}")
    add(s, ["dane.tlsa-mismatch"])
    s["expect"]["fix_contains"] = {"dane.tlsa-mismatch": "3 1 1 {good_spki_sha256}"}

    s = clean("dane-mx-pkix", "the MX's only TLSA record has usage 1 (PKIX-EE), which SMTP clients must treat as "
                              "unusable (RFC 7672 §3.1.3)")
    tlsa(s, "1 1 1 {good_spki_sha256}", owners=("_25._tcp.mx1",))
    add(s, ["dane.tlsa-unusable"])

    s = clean("dane-invalid", "beside the records of dane-ee, a 3 1 1 whose digest has 20 bytes where SHA-256 has "
                              "32: a malformed record (RFC 6698 §2.1.3, RFC 7671 §5)")
    tlsa(s, *ee, "3 1 1 0123456789abcdef0123456789abcdef01234567")
    add(s, ["dane.tlsa-invalid"])

    s = clean("dane-unsigned-child", "the SRV targets unsigned.<d>, a child zone delegated without DS, whose "
                                     "TLSA records match but are insecure, so no client may use them (RFC 7673 §3)")
    s["records"][0] = ("_submissions._tcp", "SRV", "0 1 465 unsigned.{d}.")
    s["records"][1] = ("_submission._tcp", "SRV", "0 1 587 unsigned.{d}.")
    _drop(s, "mail")
    s["zones"] = {"unsigned.{d}": {"signed": False, "records": [
        ("@", "A", "{mail}"), ("_465._tcp", "TLSA", "3 1 1 {good_spki_sha256}"),
        ("_587._tcp", "TLSA", "3 1 1 {good_spki_sha256}")]}}
    add(s, ["dane.insecure-tlsa"], {"submission.endpoints.0.host": f"unsigned.{s['domain']}"})

    s = clean("dnssec-bogus", "every RRSIG of the zone expired a day ago, its DS still in the root: a validating "
                              "resolver answers SERVFAIL to every name in it (RFC 4035 §5.3.1)")
    s["signed"] = "expired"
    s["expect"]["facts"] = {}  # no lookup succeeds
    add(s, ["dnssec.bogus"])

    s = clean("srv-outside-unsigned", "an unsigned zone whose SRV records name the clean scenario's host in another "
                                      "domain: without DNSSEC the client cannot trust that target and must check "
                                      "the certificate against the user's domain (RFC 8314 §5.1)")
    s["signed"] = False
    s["records"][0] = ("_submissions._tcp", "SRV", f"0 1 465 mail.clean.{PARENT}.")
    s["records"][1] = ("_submission._tcp", "SRV", f"0 1 587 mail.clean.{PARENT}.")
    _drop(s, "mail")
    s["smtp"] = {}
    add(s, ["dnssec.unsigned", "submission.srv-unsigned-outside"],
        {"submission.endpoints.0.host": f"mail.clean.{PARENT}"})

    s = clean("not-validating", "the records of dane-ee, but --dns names Knot itself, which never sets the AD bit: "
                                "DNSSEC and DANE cannot be judged through it (RFC 4035 §3.2.3)")
    tlsa(s, *ee)
    s["resolver"] = "authoritative"
    add(s, ["dnssec.resolver-not-validating"])

    # ---- MX hosts on port 25 (--mx-probe; RFC 3207, RFC 8461 §4.2, RFC 7672) ------------------------
    # Postfix 3.7 does not implement REQUIRETLS (RFC 8689): wherever MTA-STS (enforce or testing) or usable
    # DANE records ask senders for TLS, mx.requiretls-not-offered is the notice that says so.
    def mx(name, why, findings, cert="good", sts=True, facts=None, **params):
        s = clean(name, why)
        if not sts:
            _drop(s, "_mta-sts")
            _drop(s, "mta-sts")
            s["sts"] = None
            del s["expect"]["facts"]["mta_sts.policy.status"]
            s["expect"]["facts"]["mta_sts.txt.status"] = "not-published"
        mx_server(s, cert, **params)
        probed = {"mx.probed": True, "mx.egress_blocked": None, "mx.hosts.0.host": f"mx1.{s['domain']}",
                  "mx.hosts.0.port": 25, "mx.hosts.0.security": "starttls",
                  "mx.hosts.0.addresses.0.address": "127.{net}.3.{n}", "mx.hosts.0.addresses.0.status": "ok",
                  "mx.hosts.0.addresses.0.smtp.starttls_offered": True,
                  "mx.hosts.0.addresses.0.smtp.requiretls_offered": False}
        return add(s, findings, dict(probed, **(facts or {})))

    mx("mx-good", "port 25 of mx1.<d> offers STARTTLS, TLS 1.2-1.3 and a valid chain for its name, under the enforce "
                  "policy: only the REQUIRETLS notice", ["mx.requiretls-not-offered"],
       facts={"mx.hosts.0.addresses.0.tls.version": "TLSv1.3",
              "mx.hosts.0.addresses.0.tls.certificate.chain_valid": True,
              "mx.hosts.0.addresses.0.tls.certificate.name_match": True})

    s = clean("mx-not-probed", "the MX server of mx-good, checked without --mx-probe: nothing connects to port 25 "
                               "(its Postfix logs no connection) and the MX host has no probed address")
    mx_server(s, probe=False)
    add(s, facts={"mx.probed": False, "mx.hosts.0.port": 25, "mx.hosts.0.addresses": []})

    mx("mx-expired", "the MX serves the expired certificate under the enforce policy: cert.expired (dates matter to "
                     "every sender that checks them) and mta-sts.mx-certificate-invalid (RFC 8461 §4.2)",
       ["cert.expired", "mta-sts.mx-certificate-invalid", "mx.requiretls-not-offered"], cert="expired",
       facts={"mx.hosts.0.addresses.0.tls.certificate.chain_valid": False})
    s = mx("mx-expired-testing", "as mx-expired under a testing policy: mta-sts.mx-certificate-invalid is a warning, "
                                 "as senders deliver anyway and only report (RFC 8461 §5)",
           ["cert.expired", "mta-sts.mx-certificate-invalid", "mta-sts.mode-testing", "mx.requiretls-not-offered"],
           cert="expired", facts={"mta_sts.policy.mode": "testing"})
    s["sts"]["body"] = policy(s["domain"], mode="testing")
    mx("mx-wrong-name", "the MX certificate names only wrong-name.invalid: MTA-STS senders refuse it (RFC 8461 §4.2), "
                        "opportunistic ones do not check names, so no cert.name-mismatch",
       ["mta-sts.mx-certificate-invalid", "mx.requiretls-not-offered"], cert="wrong-name",
       facts={"mx.hosts.0.addresses.0.tls.certificate.name_match": False})
    mx("mx-self-signed", "a self-signed MX certificate under the enforce policy: mta-sts.mx-certificate-invalid, but "
                         "no cert.untrusted and no mx.* error, as opportunistic TLS takes any certificate (RFC 3207)",
       ["mta-sts.mx-certificate-invalid", "mx.requiretls-not-offered"], cert="self-signed")
    mx("mx-self-signed-no-sts", "a self-signed MX certificate and no MTA-STS: nothing asks senders to check it, so no "
                                "certificate finding and no REQUIRETLS notice, only not-published",
       ["mta-sts.not-published"], cert="self-signed", sts=False)
    mx("mx-legacy", "port 25 negotiates TLS 1.3 but still accepts TLS 1.0 and 1.1: tls.* judge MX sessions too",
       ["tls.legacy-accepted", "mx.requiretls-not-offered"], **LEGACY,
       facts={"mx.hosts.0.addresses.0.tls.legacy_versions_accepted": ["TLSv1", "TLSv1.1"]})
    s = mx("mx-no-starttls", "port 25 with smtpd_tls_security_level=none offers no STARTTLS: mx.starttls-missing, an "
                             "error under the enforce policy (its senders do not deliver at all, RFC 8461 §5), and "
                             "no REQUIRETLS notice without TLS", ["mx.starttls-missing"],
           smtpd_tls_security_level="none",
           facts={"mx.hosts.0.addresses.0.status": "no-starttls",
                  "mx.hosts.0.addresses.0.smtp.starttls_offered": False})
    s["expect"]["severity"] = {"mx.starttls-missing": "error"}
    mx("mx-no-starttls-no-sts", "as mx-no-starttls without an MTA-STS policy: mx.starttls-missing is a warning "
                                "(senders deliver in plaintext)", ["mx.starttls-missing", "mta-sts.not-published"],
       sts=False, smtpd_tls_security_level="none",
       facts={"mx.hosts.0.addresses.0.status": "no-starttls", "mx.hosts.0.addresses.0.smtp.starttls_offered": False})

    s = mx("mx-dane-match", "a self-signed MX certificate, no MTA-STS, and TLSA 3 1 1 for its key and the next one "
                            "at _25._tcp.mx1.<d>: DANE-EE matches, issuer and name do not matter (RFC 7672 §3.1.1); "
                            "only the REQUIRETLS notice beside not-published",
           ["mta-sts.not-published", "mx.requiretls-not-offered"], cert="self-signed", sts=False)
    tlsa(s, *ee, owners=("_25._tcp.mx1",))
    s = mx("mx-dane-sts", "the records and certificate of mx-dane-match under the enforce policy: DANE senders deliver "
                          "(no dane.* finding, no dane.mta-sts-conflict), MTA-STS senders do not (RFC 8461 §2, §4.2)",
           ["mta-sts.mx-certificate-invalid", "mx.requiretls-not-offered"], cert="self-signed")
    tlsa(s, *ee, owners=("_25._tcp.mx1",))
    s = mx("mx-dane-mismatch", "as mx-dane-match, but the TLSA records name the old and the next key, not the served "
                               "one: DANE senders refuse the MX (RFC 7672 §3.1)",
           ["mta-sts.not-published", "dane.tlsa-mismatch", "mx.requiretls-not-offered"], cert="self-signed",
           sts=False)
    tlsa(s, "3 1 1 {old_spki_sha256}", "3 1 1 {next_spki_sha256}", owners=("_25._tcp.mx1",))
    s["expect"]["fix_contains"] = {"dane.tlsa-mismatch": "3 1 1 {good_spki_sha256}"}  # self-signed: the good key

    return out


# The DNSSEC facts (docs/json.md, "DNSSEC and DANE") of the scenarios where they tell the story: test_e2e
# asserts them beside each scenario's own facts.
DNSSEC_FACTS = {
    "clean": {"dns.validating": True, "dns.domain_dnssec": "secure", "submission.discovery.dnssec": "secure",
              "submission.endpoints.0.dane.status": "nxdomain", "mta_sts.txt.dnssec": "secure",
              "tls_rpt.dnssec": "secure", "mx.dnssec": "secure"},
    "dane-ee": {"dns.domain_dnssec": "secure", "submission.endpoints.0.dane.status": "answer",
                "submission.endpoints.0.dane.dnssec": "secure", "submission.endpoints.1.dane.dnssec": "secure"},
    "dane-unsigned-child": {"dns.domain_dnssec": "secure", "submission.endpoints.0.srv_dnssec": "secure",
                            "submission.endpoints.0.resolution.dnssec": "insecure",
                            "submission.endpoints.0.dane.dnssec": "insecure"},
    "dnssec-bogus": {"dns.domain_dnssec": "bogus", "submission.discovery.dnssec": "bogus"},
    "srv-outside-unsigned": {"dns.domain_dnssec": "insecure", "submission.endpoints.0.srv_dnssec": "insecure",
                             "mta_sts.txt.dnssec": "insecure", "tls_rpt.dnssec": "insecure",
                             "submission.endpoints.0.resolution.dnssec": "secure"},
    "not-validating": {"dns.validating": False},
}


SCENARIOS = build()


def severity(rule, expect):
    """The severity `rule` has in a scenario: the catalogue's, unless the scenario's context changes it."""
    return expect["severity"].get(rule, SEVERITY[rule])


def exit_code(expect, fail_on):
    """What the contract says the exit code is for the scenario's findings and --fail-on value."""
    findings = expect["findings"]
    if "dns.resolver-unreachable" in findings:
        return 4  # the check could not run, whatever --fail-on says
    if fail_on == "never":
        return 0
    return 1 if any(RANK[severity(f, expect)] >= RANK[fail_on] for f in findings) else 0


def with_numbers():
    """Scenarios numbered from 1 (their address octet), deep-copied so callers may fill in templates."""
    return [(n, copy.deepcopy(s)) for n, s in enumerate(SCENARIOS, start=1)]
