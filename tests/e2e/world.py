#!/usr/bin/python3
"""The end-to-end world: real Knot DNS, unbound, Postfix, nginx and Exim, plus a few Python listeners, built in a
fresh temporary directory from the one declarative description in scenarios.py.

    /usr/bin/python3 tests/e2e/world.py --up     # bring it up, print how to reach it, wait for Ctrl-C
    /usr/bin/python3 tests/e2e/world.py --list   # every scenario: expected findings and why

Everything listens on loopback only (127.0.0.0/8, ::1 stays empty on purpose). Every process the world starts
is stopped by World.down() through its own pid (pid files of Postfix, nginx and Exim, Popen handles of knotd and
unbound); the system's own services are never touched. Runs as root (Postfix and nginx need it to bind
25/465/587/443).

DNS is a real DNSSEC chain: Knot serves a signed root zone "." that delegates every scenario zone (NS, glue, and
DS when the zone is signed) and the scenario zones themselves, signed by Knot; unbound validates them with the
root's key as its only trust anchor and is the resolver relaymetry uses by default (see World._dns_up).
"""

import datetime
import fcntl
import glob
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import scenarios  # noqa: E402
from certificate_digests import leaf_digests  # noqa: E402

try:
    import dns.dnssec
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rdata
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype
    import dns.zone
    from cryptography.hazmat.primitives.asymmetric import ec
except ImportError:  # missing_tools() names the packages, so the suite skips saying what to install
    dns = None

TOOLS = ("postfix", "knotd", "knotc", "unbound", "nginx", "openssl", "dig")


def missing_tools():
    missing = [t for t in TOOLS if shutil.which(t, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") is None]
    if dns is None:
        missing.append("python3-dnspython/python3-cryptography")
    return missing


def _run(cmd, **kw):
    res = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stdout}{res.stderr}")
    return res.stdout


def _write(path, text, mode=0o644):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.chmod(path, mode)


def _free_port():
    """A port free for both TCP and UDP on 127.0.0.1 (Knot and unbound listen on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                try:
                    u.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port")


def _wait_listening(addr, port, timeout=15.0):
    deadline = time.monotonic() + timeout
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    while time.monotonic() < deadline:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(1.0)
            if s.connect_ex((addr, port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {addr}:{port} after {timeout}s")


def _proc_net_key(addr, port):
    """addr:port as the kernel writes local_address in /proc/net/tcp (IPv4) or tcp6: each 32-bit word of the
    address in host (little-endian) byte order, in hex."""
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    raw = socket.inet_pton(family, addr)
    words = "".join(raw[i:i + 4][::-1].hex().upper() for i in range(0, len(raw), 4))
    return f"{words}:{port:04X}"


def _wait_bound(services, timeout=15.0):
    """Like _wait_listening for every (addr, port), without connecting: a server that limits connections
    per client (anvil, Exim's smtp_accept_max_per_host) would still count that connection when the suite's
    first run arrives, and its log would show connections the suite never made."""
    pending = {_proc_net_key(addr, port): (addr, port) for addr, port in services}
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with open(table) as f:
                for fields in (line.split() for line in f):
                    if len(fields) > 3 and fields[3] == "0A":  # LISTEN
                        pending.pop(fields[1], None)
        if pending:
            time.sleep(0.05)
    if pending:
        addr, port = next(iter(pending.values()))
        raise RuntimeError(f"nothing listens on {addr}:{port} after {timeout}s")


def _stamp(days):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return t.strftime("%Y%m%d%H%M%SZ")


# ---- PKI ------------------------------------------------------------------------------------------

CA_CONF = """\
[ ca ]
default_ca = ca_int

[ ca_root ]
dir = {dir}/root-db
database = $dir/index.txt
new_certs_dir = $dir
serial = $dir/serial
certificate = {dir}/root.pem
private_key = {dir}/root.key
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none

[ ca_int ]
dir = {dir}/int-db
database = $dir/index.txt
new_certs_dir = $dir
serial = $dir/serial
certificate = {dir}/int.pem
private_key = {dir}/int.key
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none

[ policy_any ]
commonName = supplied

[ v3_int ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ v3_leaf ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = @alt_all

[ v3_wrong ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:wrong-name.invalid

[ alt_all ]
{alt}
"""


class Pki:
    """Root -> intermediate -> leaves, made with the openssl CLI. Each leaf is (key, chain) where chain is
    the file a server sends: leaf + intermediate, or the leaf alone for self-signed/missing-intermediate.

    Beside them two key pairs no certificate carries, for TLSA records: "next" (the spare key a rollover
    publishes in advance) and "old" (the key the good leaf had before its renewal). `digests` holds the hex
    SHA-256 of the DER SubjectPublicKeyInfo of the good leaf, the intermediate, and those two, under the names
    scenario records use as placeholders ({good_spki_sha256}, ...)."""

    def __init__(self, base, domains):
        self.dir = os.path.join(base, "pki")
        os.makedirs(self.dir)
        self.root = os.path.join(self.dir, "root.pem")
        self.leaves = {}
        self.digests = {}
        self._domains = domains

    def _path(self, name):
        return os.path.join(self.dir, name)

    def build(self):
        d = self.dir
        # The spare keys' RSA generation runs on the second core while the chain below is made.
        spare = {name: subprocess.Popen(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                                         "-out", self._path(f"{name}.key")], stderr=subprocess.PIPE, text=True)
                 for name in ("next", "old")}
        alt = "\n".join(f"DNS.{i} = {name}" for i, name in
                        enumerate((n for dom in self._domains for n in (dom, f"*.{dom}")), start=1))
        _write(self._path("ca.cnf"), CA_CONF.format(dir=d, alt=alt))
        for db in ("root-db", "int-db"):
            os.makedirs(self._path(db))
            _write(self._path(f"{db}/index.txt"), "")
            _write(self._path(f"{db}/serial"), "1000\n")
        cnf = self._path("ca.cnf")
        _run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self._path("root.key"),
              "-out", self.root, "-subj", "/CN=relaymetry e2e root", "-days", "3650",
              "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        _run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", self._path("int.key"),
              "-out", self._path("int.csr"), "-subj", "/CN=relaymetry e2e intermediate"])
        self._sign("ca_root", "v3_int", "int.csr", "int.pem", -400, 3000)
        _run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
              "-out", self._path("leaf.key")])
        _run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024",
              "-out", self._path("leaf1024.key")])
        with open(self._path("int.pem")) as f:
            intermediate = f.read()

        def leaf(name, key, days_from, days_to, ext="v3_leaf", md=None, chain=True, cn="e2e.relaymetry.test"):
            _run(["openssl", "req", "-new", "-key", self._path(key), "-subj", f"/CN={cn}",
                  "-out", self._path(f"{name}.csr")])
            self._sign("ca_int", ext, f"{name}.csr", f"{name}.pem", days_from, days_to, md)
            self._finish(name, key, intermediate if chain else "")

        leaf("good", "leaf.key", -1, 90)
        leaf("expired", "leaf.key", -60, -1)
        leaf("not-yet-valid", "leaf.key", 10, 400)
        leaf("wrong-name", "leaf.key", -1, 90, ext="v3_wrong", cn="wrong-name.invalid")
        leaf("expires-soon", "leaf.key", -30, 5)
        leaf("rsa-1024", "leaf1024.key", -1, 90)
        leaf("sha1", "leaf.key", -1, 90, md="sha1")
        self._finish("missing-intermediate", "leaf.key", "", source="good")
        _run(["openssl", "req", "-x509", "-key", self._path("leaf.key"), "-out", self._path("self-signed.pem"),
              "-subj", "/CN=e2e.relaymetry.test", "-days", "90", "-config", cnf, "-extensions", "v3_leaf"])
        self._finish("self-signed", "leaf.key", "")
        for name in scenarios.CERTS:
            assert name in self.leaves, name
        for name, pem in (("good", "good.pem"), ("intermediate", "int.pem")):
            with open(self._path(pem)) as f:
                self.digests[f"{name}_spki_sha256"] = leaf_digests(f.read())["spki_sha256"]
        for name, proc in spare.items():
            if proc.wait() != 0:
                raise RuntimeError(f"openssl genpkey ({name}.key) failed:\n{proc.stderr.read()}")
            spki = subprocess.run(["openssl", "pkey", "-in", self._path(f"{name}.key"), "-pubout", "-outform", "DER"],
                                  capture_output=True, check=True).stdout
            self.digests[f"{name}_spki_sha256"] = hashlib.sha256(spki).hexdigest()

    def _sign(self, ca, ext, csr, out, days_from, days_to, md=None):
        cmd = ["openssl", "ca", "-batch", "-notext", "-config", self._path("ca.cnf"), "-name", ca,
               "-extensions", ext, "-in", self._path(csr), "-out", self._path(out),
               "-startdate", _stamp(days_from), "-enddate", _stamp(days_to)]
        if md:
            cmd += ["-md", md]
        _run(cmd)

    def _finish(self, name, key, intermediate, source=None):
        with open(self._path(f"{source or name}.pem")) as f:
            leaf_pem = f.read()
        chain = self._path(f"{name}.chain.pem")
        _write(chain, leaf_pem + intermediate)
        self.leaves[name] = (self._path(key), chain)


# ---- small listeners for what no real server does ----------------------------------------------------

class Listener(threading.Thread):
    """'silent': accepts and never speaks (keeps the socket open); 'busy-421': greets with 421 and closes;
    'hostile-smtp': control characters in banner and EHLO, no STARTTLS; 'ssh': an SSH identification line;
    'sasl': a minimal Dovecot auth server so that Postfix can advertise AUTH (see Postfix.SASL_NOTE)."""

    def __init__(self, kind, addr, port):
        super().__init__(daemon=True)
        self.kind = kind
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((addr, port))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.stopping = False

    def run(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self.kind == "silent":
                self.held.append(conn)
            elif self.kind == "ssh":
                # An SSH daemon on a submission port: it speaks first, but not SMTP; then waits.
                try:
                    conn.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
                except OSError:
                    conn.close()
                    continue
                self.held.append(conn)
            elif self.kind == "hostile-smtp":
                threading.Thread(target=self._hostile, args=(conn,), daemon=True).start()
            elif self.kind == "busy-421":
                try:
                    conn.sendall(b"421 4.7.0 e2e.relaymetry.test Error: too many connections, try again later\r\n")
                finally:
                    conn.close()
            else:
                threading.Thread(target=self._sasl, args=(conn,), daemon=True).start()

    HOSTILE_BANNER = b"220 e2e\x1b[2J\x1b]0;pwned\x07 ESMTP\r\n"

    def _hostile(self, conn):
        # An SMTP server whose banner and EHLO carry terminal control sequences (clear screen, set the
        # window title, bell), and which offers no STARTTLS.
        try:
            conn.settimeout(15)
            conn.sendall(self.HOSTILE_BANNER)
            f = conn.makefile("rb")
            while True:
                line = f.readline(1000)
                if not line:
                    return
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    conn.sendall(b"250-e2e\x1b[31m red\r\n250 PIPELINING\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 2.0.0 bye\r\n")
                    return
                else:
                    conn.sendall(b"502 5.5.2 not here\r\n")
        except OSError:
            return
        finally:
            conn.close()

    def _sasl(self, conn):
        # Dovecot auth protocol 1.2, server side of the handshake: the server announces its mechanisms
        # without waiting for the client; Postfix then only needs them to build its EHLO AUTH line.
        try:
            conn.sendall(b"VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nMECH\tLOGIN\tplaintext\n"
                         b"SPID\t4242\nCUID\t1\nCOOKIE\t" + b"0" * 32 + b"\nDONE\n")
            buf = b""
            while True:
                data = conn.recv(4096)
                if not data:
                    return
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    fields = line.split(b"\t")
                    if fields[0] == b"AUTH" and len(fields) > 1:
                        conn.sendall(b"FAIL\t" + fields[1] + b"\treason=e2e world accepts no login\n")
        except OSError:
            return
        finally:
            conn.close()

    def stop(self):
        self.stopping = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        for c in self.held:
            c.close()


# ---- Knot DNS -------------------------------------------------------------------------------------------

def _fqdn(*labels):
    """Labels joined into an absolute name, "" standing for the root: _fqdn("ns", "") == "ns."."""
    return ".".join(label for label in labels if label) + "."


def zone_text(domain, records, serial=1):
    """A zone file of `domain` ("" = the root): SOA, NS ns.<domain> at 127.0.0.1 (where Knot listens), then
    records as (owner relative to the zone or absolute, type, rdata)."""
    ns = _fqdn("ns", domain)
    lines = [f"$ORIGIN {_fqdn(domain)}", "$TTL 60",
             f"@ SOA {ns} {_fqdn('hostmaster', domain)} {serial} 3600 600 86400 60", f"@ NS {ns}", "ns A 127.0.0.1"]
    lines += [f"{owner} {rtype} {rdata}" for owner, rtype, rdata in records]
    return "\n".join(lines) + "\n"


def _stop_child(proc):
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _ask(port, name, rdtype, addr="127.0.0.1"):
    """One query with the DO bit; None when nothing answers in time (a server still starting)."""
    query = dns.message.make_query(name, rdtype, want_dnssec=True)
    try:
        return dns.query.udp(query, addr, port=port, timeout=1)
    except (dns.exception.Timeout, OSError):
        return None


def _wait_for(what, check, timeout=15.0):
    """check() until it returns something true, which is returned."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise RuntimeError(f"{what} after {timeout}s")


def _signed_rrset(answer, name, rdtype):
    """The rrset `name` `rdtype` of an answer, when it comes with its RRSIG; else None."""
    if answer is None or answer.rcode() != dns.rcode.NOERROR:
        return None
    owner = dns.name.from_text(name)
    try:
        rrset = answer.find_rrset(answer.answer, owner, dns.rdataclass.IN, dns.rdatatype.from_text(rdtype))
        answer.find_rrset(answer.answer, owner, dns.rdataclass.IN, dns.rdatatype.RRSIG, rrset.rdtype)
    except KeyError:
        return None
    return rrset


def sign_expired(domain, text):
    """The zone file `text` of `domain` signed with a fresh ECDSA P-256 key (one CSK) whose RRSIGs, over every
    rrset and an NSEC chain, expired a day ago: a zone whose signer stopped re-signing. Knot never serves
    signatures it made expired, so dnspython signs it and Knot serves the result as it is. The zone must hold
    no delegation (its NS and glue would have to stay unsigned)."""
    origin = dns.name.from_text(_fqdn(domain))
    zone = dns.zone.from_text(text, origin=origin, relativize=False)
    key = ec.generate_private_key(ec.SECP256R1())
    dnskey = dns.dnssec.make_dnskey(key.public_key(), dns.dnssec.Algorithm.ECDSAP256SHA256, flags=257)
    zone.find_rdataset(origin, dns.rdatatype.DNSKEY, create=True).add(dnskey, 60)
    names = sorted(zone.nodes)  # dnspython orders names canonically (RFC 4034 §6.1), as NSEC needs
    for i, name in enumerate(names):
        node = zone.nodes[name]
        assert name == origin or not node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.NS), \
            f"{name}: a delegation in a zone signed by world.py"
        types = sorted({rds.rdtype for rds in node} | {dns.rdatatype.RRSIG, dns.rdatatype.NSEC})
        nsec = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.NSEC, " ".join(
            [names[(i + 1) % len(names)].to_text()] + [dns.rdatatype.to_text(t) for t in types]))
        node.find_rdataset(dns.rdataclass.IN, dns.rdatatype.NSEC, create=True).add(nsec, 60)
    now = time.time()
    for name, node in zone.nodes.items():
        for rds in list(node):
            rrsig = dns.dnssec.sign((name, rds), key, origin, dnskey, inception=now - 30 * 86400,
                                    expiration=now - 86400)
            node.find_rdataset(dns.rdataclass.IN, dns.rdatatype.RRSIG, rds.rdtype, create=True).add(rrsig, rds.ttl)
    return zone.to_text(relativize=False)


class Knot:
    """One knotd serving zones from zone files in its directory, on 127.0.0.1 and a port of its own. The zones
    in `signed` Knot signs itself (automatic signing, policy e2e: one ECDSA P-256 CSK per zone, generated by
    Knot when it first loads the zone); the others it serves as written, unsigned or signed beforehand. A
    Knot with no zone answers REFUSED to every query."""

    def __init__(self, base, name="knot"):
        self.dir = os.path.join(base, name)
        os.makedirs(os.path.join(self.dir, "zones"))
        os.makedirs(os.path.join(self.dir, "run"))
        os.makedirs(os.path.join(self.dir, "db"))
        self.conf = os.path.join(self.dir, "knot.conf")
        self.port = None
        self.proc = None

    def build(self, zones, signed=()):
        """zones: {domain: [(owner, type, rdata)] with rdata filled in, or a finished zone file's text}, with
        "" for the root zone."""
        self.port = _free_port()
        conf = [
            "server:",
            f"    rundir: \"{self.dir}/run\"",
            f"    listen: 127.0.0.1@{self.port}",
            "database:",
            f"    storage: \"{self.dir}/db\"",
            "log:",
            "  - target: stderr",
            "    any: info",
            "control:",
            f"    listen: \"{self.dir}/run/knot.sock\"",
            "policy:",
            "  - id: e2e",
            "    algorithm: ecdsap256sha256",
            "    single-type-signing: on",
            "template:",
            "  - id: default",
            f"    storage: \"{self.dir}/zones\"",
            "    journal-content: none",
            "    zonefile-sync: -1",
        ]
        conf += ["zone:"] if zones else []
        for domain, content in zones.items():
            conf += [f"  - domain: {_fqdn(domain)}", f"    file: \"{domain or 'root'}.zone\""]
            if domain in signed:
                conf += ["    dnssec-signing: on", "    dnssec-policy: e2e"]
            self.write(domain, content)
        _write(self.conf, "\n".join(conf) + "\n")

    def write(self, domain, content, serial=1):
        text = content if isinstance(content, str) else zone_text(domain, content, serial)
        _write(os.path.join(self.dir, "zones", f"{domain or 'root'}.zone"), text)

    def reload(self, domains):
        """Knot reads the zone files of `domains` again (and re-signs them); returns when it has."""
        _run(["knotc", "-c", self.conf, "-b", "zone-reload", *(_fqdn(d) for d in domains)])

    def start(self, probe_domain):
        """Returns when Knot answers the SOA of probe_domain, or, with None, when it answers at all."""
        log = open(os.path.join(self.dir, "knot.log"), "w")
        self.proc = subprocess.Popen(["knotd", "-c", self.conf],
                                     stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        _write(os.path.join(self.dir, "run", "world-knotd.pid"), f"{self.proc.pid}\n")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"knotd exited: see {self.dir}/knot.log")
            out = subprocess.run(["dig", "+time=1", "+tries=1", "-p", str(self.port), "@127.0.0.1",
                                  probe_domain or ".", "SOA"], capture_output=True, text=True).stdout
            if re.search(r"status: NOERROR.*ANSWER: [1-9]" if probe_domain else r"status: ", out, re.S):
                return
            time.sleep(0.1)
        raise RuntimeError("knotd does not answer")

    def signed_rrset(self, name, rdtype):
        """`name` `rdtype` as Knot serves it on 127.0.0.1, when it comes with its RRSIG; else None."""
        return _signed_rrset(_ask(self.port, name, rdtype), name, rdtype)

    def stop(self):
        _stop_child(self.proc)


# ---- unbound ------------------------------------------------------------------------------------------

UNBOUND_CONF = """\
server:
    interface: 127.0.0.1@{port}
    do-ip6: no
    access-control: 127.0.0.0/8 allow
    username: ""
    chroot: ""
    directory: "{dir}"
    pidfile: "{dir}/unbound.pid"
    use-syslog: no
    logfile: "{dir}/unbound.log"
    verbosity: 1
    num-threads: 1
    module-config: "validator iterator"
    # The world's root key is the only trust anchor: static, never the Internet's (no auto-trust-anchor-file).
    trust-anchor: "{anchor}"
    harden-dnssec-stripped: yes
    # Why each answer failed validation, in the log, and as an RFC 8914 extended error to the client.
    val-log-level: 2
    ede: yes
    # Knot listens on 127.0.0.1, which unbound otherwise never queries.
    do-not-query-localhost: no
    # "test." is one of unbound's built-in empty zones (RFC 6761 names); the world lives below it.
    local-zone: "test." nodefault
    # Short enough that a zone changed by hand in a world kept up (world.py --up) shows at once.
    cache-max-ttl: 5
    cache-max-negative-ttl: 5
remote-control:
    control-enable: no
# Every name goes to Knot, which is authoritative for the root and every zone below it, so no root hint is
# ever used and no query leaves loopback.
forward-zone:
    name: "."
    forward-addr: 127.0.0.1@{knot_port}
"""


class Unbound:
    """A validating resolver in front of Knot, on its own port of 127.0.0.1, in the foreground as a child."""

    def __init__(self, base):
        self.dir = os.path.join(base, "unbound")
        os.makedirs(self.dir)
        self.conf = os.path.join(self.dir, "unbound.conf")
        self.port = None
        self.proc = None

    def build(self, knot_port, anchor):
        """anchor: the root's DNSKEY as one line of presentation format."""
        self.port = _free_port()
        _write(self.conf, UNBOUND_CONF.format(port=self.port, dir=self.dir, anchor=anchor, knot_port=knot_port))

    def start(self, probe_domain):
        """Returns when the SOA of probe_domain, a signed zone, comes back validated (the AD bit)."""
        log = open(os.path.join(self.dir, "stderr.log"), "w")
        self.proc = subprocess.Popen(["unbound", "-d", "-c", self.conf],
                                     stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        _wait_bound([("127.0.0.1", self.port)])  # a UDP query sent earlier would wait out its whole timeout

        def validated():
            if self.proc.poll() is not None:
                raise RuntimeError(f"unbound exited: see {self.dir}/stderr.log and unbound.log")
            answer = _ask(self.port, probe_domain, "SOA")
            return answer is not None and answer.flags & dns.flags.AD

        _wait_for(f"unbound does not validate {probe_domain} (see {self.dir}/unbound.log)", validated)

    def stop(self):
        _stop_child(self.proc)


# ---- Postfix ------------------------------------------------------------------------------------------

INTERNAL_SERVICES = """\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


class Postfix:
    """One Postfix instance (own config_directory, queue_directory, data_directory) with one smtpd service
    per scenario port on the scenario's own 127.0.1.N address, and port 25 on its 127.0.3.N MX address when the
    scenario has an MX server, each with -o overrides.

    SASL_NOTE: Postfix advertises AUTH only when its SASL backend lists mechanisms. The least invasive way is
    smtpd_sasl_type=dovecot with smtpd_sasl_path=inet:127.0.0.1:PORT pointing at a tiny Python Dovecot-auth
    responder in this process (it announces PLAIN and LOGIN and refuses every login): no Dovecot install,
    no Cyrus config under /etc."""

    def __init__(self, base):
        self.dir = os.path.join(base, "postfix")
        self.conf = os.path.join(self.dir, "etc")
        self.queue = os.path.join(self.dir, "spool")
        self.data = os.path.join(self.dir, "data")
        for p in (self.conf, self.queue, self.data):
            os.makedirs(p)
        self.services = []  # (addr, port)
        self.started = False

    def build(self, services, sasl_port, sec0_conf):
        """services: [(addr, port, key, chain, params, sasl)]"""
        main = {
            "compatibility_level": "3.6",
            "queue_directory": self.queue,
            "data_directory": self.data,
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "myhostname": "e2e-mta.relaymetry.test",
            "mydestination": "",
            "alias_maps": "",
            "alias_database": "",
            "inet_interfaces": "loopback-only",
            "inet_protocols": "ipv4",
            # maillog_file must start with one of maillog_file_prefixes, or postfix refuses to start
            # without a word on stderr.
            "maillog_file_prefixes": self.dir,
            "maillog_file": os.path.join(self.dir, "maillog"),
            "smtpd_tls_loglevel": "1",
            "smtpd_tls_received_header": "no",
            "smtpd_sasl_type": "dovecot",
            "smtpd_sasl_path": f"inet:127.0.0.1:{sasl_port}",
            "smtpd_sasl_auth_enable": "no",
            "smtpd_tls_session_cache_database": "",
            "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination",
            # The world's servers must be able to load RSA-1024 and SHA-1 certificates and speak TLS 1.0 when
            # a scenario asks for it: OpenSSL reads its defaults from this file (security level 0); each
            # scenario then narrows protocols and ciphers per service.
            "import_environment": f"MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C OPENSSL_CONF={sec0_conf}",
        }
        _write(os.path.join(self.conf, "main.cf"), "".join(f"{k} = {v}\n" for k, v in main.items()))
        lines = [INTERNAL_SERVICES]
        for addr, port, key, chain, params, sasl in services:
            opts = {"syslog_name": f"e2e/{addr}:{port}", "smtpd_tls_chain_files": f"{key},{chain}"}
            if port == 465:
                opts.update({"smtpd_tls_wrappermode": "yes", "smtpd_tls_security_level": "encrypt"})
            else:
                opts.update({"smtpd_tls_security_level": "may"})
            opts.update(params)
            if not sasl:
                opts["smtpd_sasl_auth_enable"] = "no"
            line = f"{addr}:{port} inet n - n - - smtpd"
            for k, v in opts.items():
                assert " " not in v, (k, v)
                line += f"\n  -o {k}={v}"
            lines.append(line)
            self.services.append((addr, port))
        _write(os.path.join(self.conf, "master.cf"), "\n".join(lines) + "\n")

    def _postfix(self, *args):
        return _run(["postfix", "-c", self.conf, *args])

    def start(self):
        # data_directory belongs to mail_owner (master.lock, caches); `postfix start` creates the queue's
        # subdirectories with the right owners itself.
        shutil.chown(self.data, "postfix", "postfix")
        self._postfix("start")
        self.started = True
        _wait_bound(self.services)

    def pid(self):
        try:
            with open(os.path.join(self.queue, "pid", "master.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def stop(self):
        if not self.started:
            return
        pid = self.pid()
        subprocess.run(["postfix", "-c", self.conf, "stop"], capture_output=True)
        if pid:
            _wait_gone(pid)


def _wait_gone(pid, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        if _zombie(pid):
            return  # exited; a daemon's parent is init, which may take a while to reap it
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# ---- Exim ---------------------------------------------------------------------------------------------

EXIM_PACKAGE = "exim4-daemon-light"
EXIM_CACHE = os.path.join(os.environ.get("E2E_CACHE", "/var/cache/relaymetry-e2e"), "exim")

EXIM_CONF = """\
primary_hostname = e2e-exim.relaymetry.test
spool_directory = {dir}/spool
log_file_path = {dir}/log/%slog
pid_file_path = {dir}/exim.pid
local_interfaces = {addr}
daemon_smtp_ports = {ports}
tls_on_connect_ports = {implicit}
tls_advertise_hosts = *
tls_certificate = {dir}/chain.pem
tls_privatekey = {dir}/key.pem
# No reverse lookups of the client and no ident query: the world answers at once, from loopback only.
host_lookup =
rfc1413_hosts =
# Stopping, the daemon re-execs /usr/sbin/exim4 to remove its pid file, which fails here (not installed):
# one line in the paniclog, nothing else.
keep_environment =
log_selector = +incoming_interface +incoming_port +smtp_connection +millisec +pid
acl_smtp_rcpt = refuse
{params}
begin acl
refuse:
  deny message = the e2e world accepts no mail
"""


class EximUnavailable(Exception):
    """Exim could not be fetched or does not run here: its scenarios are skipped, saying why."""


class EximTree:
    """Exim 4 from Debian's own .deb (exim4-daemon-light, the GnuTLS build), extracted, never installed:
    Debian's exim4 packages conflict with Postfix (both are the system's MTA). Its libraries come from
    scripts/install-e2e-deps.sh, and so does libnss-wrapper: the binary looks up its compiled-in user
    Debian-exim before it reads any configuration, and nss_wrapper (LD_PRELOAD) answers that lookup from a
    passwd file of the world's (Debian-exim = nobody), so no user is added to the system.

    Fetched once with `apt-get download` and kept, extracted, in E2E_CACHE/exim (default
    /var/cache/relaymetry-e2e/exim). A failed download or a missing library raises EximUnavailable."""

    def __init__(self, cache=EXIM_CACHE):
        self.cache = cache
        self.tree = os.path.join(cache, "tree")
        self.exim = os.path.join(self.tree, "usr", "sbin", "exim4")
        self.nss_wrapper = None

    def ensure(self):
        os.makedirs(self.cache, exist_ok=True)
        with open(os.path.join(self.cache, "lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # a second world (the benchmark's) may fetch at the same time
            stamp = os.path.join(self.cache, "tree.ok")
            if not (os.path.exists(stamp) and os.access(self.exim, os.X_OK)):
                self._fetch(stamp)
        wrapper = glob.glob("/usr/lib/*/libnss_wrapper.so")
        ldd = subprocess.run(["ldd", self.exim], capture_output=True, text=True)
        missing = sorted(set(re.findall(r"^\s*(\S+) => not found", ldd.stdout, re.M)))
        if not wrapper:
            missing.append("libnss_wrapper.so")
        if missing:
            raise EximUnavailable(f"{', '.join(missing)} not installed (run scripts/install-e2e-deps.sh)")
        self.nss_wrapper = wrapper[0]
        return self

    def _fetch(self, stamp):
        work = tempfile.mkdtemp(prefix="fetch-", dir=self.cache)
        try:
            try:
                res = subprocess.run(["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root", EXIM_PACKAGE],
                                     cwd=work, capture_output=True, text=True, timeout=180)
            except (OSError, subprocess.TimeoutExpired) as e:
                raise EximUnavailable(f"apt-get download {EXIM_PACKAGE}: {e}") from e
            debs = glob.glob(os.path.join(work, "*.deb"))
            if res.returncode != 0 or len(debs) != 1:
                last = (res.stderr.strip() or res.stdout.strip() or "no output").splitlines()[-1]
                raise EximUnavailable(f"apt-get download {EXIM_PACKAGE} failed ({res.returncode}): {last}")
            tree = os.path.join(work, "tree")
            _run(["dpkg-deb", "-x", debs[0], tree])
            if os.path.exists(stamp):
                os.unlink(stamp)
            shutil.rmtree(self.tree, ignore_errors=True)
            os.rename(tree, self.tree)
            _write(stamp, "".join(os.path.basename(d) + "\n" for d in debs))
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def env(self, passwd, group):
        return dict(os.environ, LD_PRELOAD=self.nss_wrapper, NSS_WRAPPER_PASSWD=passwd, NSS_WRAPPER_GROUP=group)


class Exim:
    """One Exim daemon per scenario address, serving all of that address's ports: smtp_accept_max_per_host
    counts a client's connections to the daemon, whatever the port. Each has its own directory (config,
    spool, log/mainlog, pid file) and runs as nobody under the name Debian-exim (EximTree)."""

    def __init__(self, base, tree=None):
        self.dir = os.path.join(base, "exim")
        self.tree = tree or EximTree()
        self.instances = []  # (addr, dir, ports)
        self.started = []

    def build(self, services):
        """services: {addr: [(port, key, chain, params)]}, the same key, chain and params on every port."""
        if not services:
            return
        self.tree.ensure()
        os.makedirs(self.dir)
        passwd = os.path.join(self.dir, "passwd")
        group = os.path.join(self.dir, "group")
        with open("/etc/passwd") as f:
            users = [line for line in f if not line.startswith("Debian-exim:")]
        with open("/etc/group") as f:
            groups = [line for line in f if not line.startswith("Debian-exim:")]
        _write(passwd, "".join(users) + "Debian-exim:x:65534:65534::/nonexistent:/usr/sbin/nologin\n")
        _write(group, "".join(groups) + "Debian-exim:x:65534:\n")
        self.env = self.tree.env(passwd, group)
        for addr, ports in services.items():
            _, key, chain, params = ports[0]
            assert all(p[1:] == ports[0][1:] for p in ports), f"{addr}: one Exim daemon, one TLS setup"
            d = os.path.join(self.dir, addr)
            for sub in ("spool", "log"):
                os.makedirs(os.path.join(d, sub))
            shutil.copy(key, os.path.join(d, "key.pem"))
            shutil.copy(chain, os.path.join(d, "chain.pem"))
            os.chmod(os.path.join(d, "key.pem"), 0o400)
            for path in ("spool", "log", "key.pem", "chain.pem"):
                os.chown(os.path.join(d, path), 65534, 65534)
            numbers = [p[0] for p in ports]
            conf = EXIM_CONF.format(dir=d, addr=addr, ports=" : ".join(map(str, numbers)),
                                    implicit=" : ".join(str(p) for p in numbers if p == 465),
                                    params="".join(f"{k} = {v}\n" for k, v in params.items()))
            _write(os.path.join(d, "exim.conf"), conf)  # root's and not group-writable, or Exim refuses it
            self.instances.append((addr, d, numbers))

    def start(self):
        for addr, d, ports in self.instances:
            _run([self.tree.exim, "-C", os.path.join(d, "exim.conf"), "-bd"], env=self.env)
            self.started.append(d)
            _wait_bound([(addr, port) for port in ports])

    def mainlog(self, addr):
        return os.path.join(self.dir, addr, "log", "mainlog")

    def stop(self):
        for d in self.started:
            try:
                with open(os.path.join(d, "exim.pid")) as f:
                    pid = int(f.read().strip())
            except (OSError, ValueError):
                continue
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            _wait_gone(pid)
        self.started = []


def _zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


# ---- nginx --------------------------------------------------------------------------------------------

class Nginx:
    def __init__(self, base):
        self.dir = os.path.join(base, "nginx")
        self.www = os.path.join(self.dir, "www")
        os.makedirs(self.www)
        os.makedirs(os.path.join(self.dir, "logs"))
        self.pid_file = os.path.join(self.dir, "nginx.pid")
        self.servers = []
        self.started = False

    def build(self, sites):
        """sites: [(n, addr, host, key, chain, sts)] with sts as in scenarios.py"""
        conf = [
            "worker_processes 1;",
            f"pid {self.pid_file};",
            f"error_log {self.dir}/logs/error.log info;",
            "events { worker_connections 512; }",
            "http {",
            f"    access_log {self.dir}/logs/access.log;",
            "    server_tokens off;",
        ]
        for n, addr, host, key, chain, sts in sites:
            body_path = os.path.join(self.www, f"{n}.txt")
            _write(body_path, sts["body"])
            if sts["status"] == 200:
                action = f"types {{ }} default_type {sts['content_type']}; alias {body_path};"
            elif sts["redirect"]:
                action = f"return {sts['status']} {sts['redirect']};"
            else:
                action = f"return {sts['status']};"
            conf += [
                "    server {",
                f"        listen {addr}:443 ssl;",
                f"        server_name {host};",
                f"        ssl_certificate {chain};",
                f"        ssl_certificate_key {key};",
                "        ssl_protocols TLSv1.2 TLSv1.3;",
                f"        location = /.well-known/mta-sts.txt {{ {action} }}",
                "        location / { return 404; }",
                "    }",
            ]
            self.servers.append(addr)
        conf.append("}")
        _write(os.path.join(self.dir, "nginx.conf"), "\n".join(conf) + "\n")

    def start(self):
        if not self.servers:
            return
        _run(["nginx", "-p", self.dir, "-c", os.path.join(self.dir, "nginx.conf"), "-e",
              os.path.join(self.dir, "logs", "error.log")])
        self.started = True
        for addr in self.servers:
            _wait_listening(addr, 443)

    def stop(self):
        if not self.started:
            return
        try:
            with open(self.pid_file) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        _wait_gone(pid)


# ---- the world ----------------------------------------------------------------------------------------

SEC0_CONF = """\
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MinProtocol = None
CipherString = DEFAULT:@SECLEVEL=0
"""


# The second octet of every scenario address: E2E_NET=N moves the whole world to 127.N.x.y, so a second
# world (the benchmark's, or another run) can be up at the same time.
NET = int(os.environ.get("E2E_NET", "0"))
assert 0 <= NET <= 255, "E2E_NET must be 0..255"


def stop_servers(w, label):
    """Stops nginx, Postfix, Knot, unbound and the listeners of a world (this one or the benchmark's bulk
    world), each by its own pid; one failing to stop does not keep the others running."""
    extra = [getattr(w, name, None) for name in ("exim", "unbound", "knot_refusing")]  # not in the benchmarks
    for stop in [w.nginx.stop, w.postfix.stop, w.knot.stop] + [server.stop for server in extra if server]:
        try:
            stop()
        except Exception as e:  # keep stopping the rest
            print(f"{label}: stop failed: {e}", file=sys.stderr)
    for listener in w.listeners:
        listener.stop()
    w.listeners = []


def addresses(n):
    return {"mail": f"127.{NET}.1.{n}", "sts": f"127.{NET}.2.{n}", "mx": f"127.{NET}.3.{n}"}



def _enclosing(domain):
    """The names above `domain`, nearest first, down to the root "": a.b.c -> b.c, c, ""."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(1, len(labels))] + [""]


class World:
    def __init__(self, keep=False):
        self.scenarios = scenarios.with_numbers()
        assert len(self.scenarios) < 250
        self.base = tempfile.mkdtemp(prefix="relaymetry-e2e-")
        # Postfix (user postfix) and nginx workers (user nobody) must traverse it.
        os.chmod(self.base, 0o755)
        self.keep = keep
        self.pki = Pki(self.base, [s["domain"] for _, s in self.scenarios])
        self.knot = Knot(self.base)
        self.knot_refusing = Knot(self.base, "knot-refusing")  # no zone: REFUSED to everything
        self.unbound = Unbound(self.base)
        self.postfix = Postfix(self.base)
        self.nginx = Nginx(self.base)
        self.exim = Exim(self.base)
        self.listeners = []
        self.dns_port = None  # unbound's, the resolver relaymetry uses unless a scenario says otherwise
        self.authoritative_port = None  # Knot's
        self.unavailable = {}  # scenario name -> why its servers could not be set up (reported as skipped)
        self._log_marks = {}  # server log -> its size when the world was up

    @property
    def root_ca(self):
        return self.pki.root

    def up(self):
        try:
            self._up()
        except BaseException:
            self.down()
            raise
        return self

    def _up(self):
        self.pki.build()
        zones = {}
        services = []
        exim = {}
        sites = []
        sasl = Listener("sasl", "127.0.0.1", 0)
        self.listeners.append(sasl)
        for n, s in self.scenarios:
            a = addresses(n)
            fill = dict(a, d=s["domain"], n=n, **self.pki.digests)
            if s["records"] is not None:
                zones[s["domain"]] = {"signed": s["signed"],
                                      "records": [(o, t, r.format(**fill)) for o, t, r in s["records"]]}
            for name, z in s["zones"].items():
                zones[name.format(**fill)] = {"signed": z.get("signed", True),
                                              "records": [(o, t, r.format(**fill)) for o, t, r in z["records"]]}
            for port, srv in s["smtp"].items():
                if srv["kind"] == "postfix":
                    key, chain = self.pki.leaves[srv["cert"]]
                    services.append((a["mail"], port, key, chain, srv["params"], srv.get("sasl", False)))
                elif srv["kind"] == "exim":
                    key, chain = self.pki.leaves[srv["cert"]]
                    exim.setdefault(a["mail"], []).append((port, key, chain, srv["params"]))
                elif srv["kind"] in ("silent", "busy-421", "hostile-smtp", "ssh"):
                    self.listeners.append(Listener(srv["kind"], a["mail"], port))
                else:
                    assert srv["kind"] == "closed", srv
            if s["mx_smtp"] is not None:
                key, chain = self.pki.leaves[s["mx_smtp"]["cert"]]
                services.append((a["mx"], 25, key, chain, s["mx_smtp"]["params"], False))
            if s["sts"] is not None:
                key, chain = self.pki.leaves[s["sts"]["cert"]]
                sites.append((n, a["sts"], f"mta-sts.{s['domain']}", key, chain, s["sts"]))
        _write(os.path.join(self.base, "openssl-sec0.cnf"), SEC0_CONF)
        for listener in self.listeners:
            listener.start()
        self._dns_up(zones)
        self.postfix.build(services, sasl.port, os.path.join(self.base, "openssl-sec0.cnf"))
        self.postfix.start()
        self.nginx.build(sites)
        self.nginx.start()
        try:
            self.exim.build(exim)
        except EximUnavailable as e:
            for _, s in self.scenarios:
                if any(srv["kind"] == "exim" for srv in s["smtp"].values()):
                    self.unavailable[s["name"]] = f"Exim unavailable: {e}"
        else:
            self.exim.start()
        for path in self._server_logs():
            self._log_marks[path] = os.path.getsize(path) if os.path.exists(path) else 0

    def _dns_up(self, zones):
        """zones: {domain: {"signed": True | False | "expired", "records": [...]}}, every zone but the root.

        Knot serves them and a root zone that delegates each to its nearest enclosing zone (NS and glue), Knot
        signing every zone marked True. Once Knot has generated their keys, the DS of every signed zone goes
        into its parent, which Knot reloads; then unbound starts with the root's key as trust anchor. So a
        zone marked False is provably insecure (a signed delegation without DS) and one marked "expired"
        bogus (its DS matches its key, whose signatures expired)."""
        zones = dict(zones, **{"": {"signed": True, "records": []}})
        parents = {}
        for child in zones:
            if child:
                parents[child] = next(p for p in _enclosing(child) if p in zones)
                zones[parents[child]]["records"] += [(_fqdn(child), "NS", _fqdn("ns", child)),
                                                     (_fqdn("ns", child), "A", "127.0.0.1")]
        contents = {d: sign_expired(d, zone_text(d, z["records"])) if z["signed"] == "expired" else z["records"]
                    for d, z in zones.items()}
        self.knot.build(contents, {d for d, z in zones.items() if z["signed"] is True})
        self.knot.start(next(d for d in zones if d))
        self.authoritative_port = self.knot.port
        keys = {d: _wait_for(f"Knot serves no signed DNSKEY of {_fqdn(d)}",
                             lambda d=d: self.knot.signed_rrset(_fqdn(d), "DNSKEY"))
                for d, z in zones.items() if z["signed"]}
        ds = {}
        for child, parent in parents.items():
            if child in keys:
                ds[child] = {dns.dnssec.make_ds(_fqdn(child), key, "SHA256").to_text()
                             for key in keys[child] if key.flags & dns.dnssec.Flag.SEP}
                zones[parent]["records"] += [(_fqdn(child), "DS", text) for text in sorted(ds[child])]
        reloaded = {parents[child] for child in ds}
        for domain in reloaded:
            assert zones[domain]["signed"] != "expired", f"{domain}: world.py signs no zone with delegations"
            self.knot.write(domain, zones[domain]["records"], serial=2)
        self.knot.reload(reloaded)
        for child, want in ds.items():
            _wait_for(f"Knot serves no signed DS of {_fqdn(child)}",
                      lambda c=child, w=want: {r.to_text() for r in self.knot.signed_rrset(_fqdn(c), "DS") or ()} == w)
        anchor = next(key for key in keys[""] if key.flags & dns.dnssec.Flag.SEP)
        self.unbound.build(self.knot.port, f". DNSKEY {anchor.to_text()}")
        self.unbound.start(_fqdn(next(d for d, z in zones.items() if d and z["signed"] is True)))
        self.dns_port = self.unbound.port
        self.knot_refusing.build({})
        self.knot_refusing.start(None)

    def resolver(self, kind):
        """What relaymetry's --dns names for a scenario's "resolver" (see scenarios.clean)."""
        return {"validating": f"127.0.0.1:{self.dns_port}", "authoritative": f"127.0.0.1:{self.authoritative_port}",
                "refusing": f"127.0.0.1:{self.knot_refusing.port}"}[kind]

    def _server_logs(self):
        return [os.path.join(self.postfix.dir, "maillog")] + [self.exim.mainlog(a) for a, _, _ in self.exim.instances]

    def turned_away(self, n, s):
        """{port: how many connections the scenario's own server logged turning away (too many connections
        from the client) since the world came up}. Postfix logs through postlogd, a moment later."""
        mail = addresses(n)["mail"]
        patterns = {}
        for port, srv in s["smtp"].items():
            if srv["kind"] == "postfix":
                patterns[port] = (os.path.join(self.postfix.dir, "maillog"), re.compile(
                    rf"e2e/{re.escape(mail)}:{port}/smtpd\[\d+\]: warning: Connection concurrency limit exceeded"))
            elif srv["kind"] == "exim":
                patterns[port] = (self.exim.mainlog(mail), re.compile(
                    rf"Connection from \S+ I=\[{re.escape(mail)}\]:{port} refused: too many connections"))
        counts = {}
        for port, (path, pattern) in patterns.items():
            with open(path, encoding="utf-8", errors="replace") as f:
                f.seek(self._log_marks.get(path, 0))
                counts[port] = sum(1 for line in f if pattern.search(line))
        return counts

    def mx_connections(self, n):
        """How many connections the Postfix on the scenario's MX address logged on port 25 since the world came
        up (Postfix logs through postlogd, a moment later)."""
        path = os.path.join(self.postfix.dir, "maillog")
        pattern = re.compile(rf"e2e/{re.escape(addresses(n)['mx'])}:25/smtpd\[\d+\]: connect from ")
        with open(path, encoding="utf-8", errors="replace") as f:
            f.seek(self._log_marks.get(path, 0))
            return sum(1 for line in f if pattern.search(line))

    def down(self):
        stop_servers(self, "world")
        if not self.keep:
            shutil.rmtree(self.base, ignore_errors=True)

    def describe(self):
        out = [f"world in {self.base}",
               f"DNS: unbound, validating: 127.0.0.1 port {self.dns_port} (dig -p {self.dns_port} @127.0.0.1)",
               f"     Knot, authoritative: 127.0.0.1 port {self.authoritative_port}; refusing everything: port "
               f"{self.knot_refusing.port}",
               f"CA:  {self.root_ca}"]
        for n, s in self.scenarios:
            a = addresses(n)
            mx = f"  mx {a['mx']}:25" if s["mx_smtp"] is not None else ""
            out.append(f"{n:3} {s['name']:28} {s['domain']:42} mail {a['mail']}  mta-sts {a['sts']}{mx}")
        return "\n".join(out)


def main():
    if "--list" in sys.argv:
        for n, s in scenarios.with_numbers():
            found = ", ".join(sorted(s["expect"]["findings"])) or "(none)"
            print(f"{n:3} {s['name']:26} {found}\n    why: {s['why']}")
        return 0
    if "--up" not in sys.argv:
        print(__doc__)
        return 2
    if os.geteuid() != 0:
        print("world.py --up needs root", file=sys.stderr)
        return 77
    world = World(keep="--keep" in sys.argv).up()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(world.describe(), flush=True)
    print(f"AUTHORITATIVE_PORT={world.authoritative_port}", flush=True)
    print(f"DNS_PORT={world.dns_port}", flush=True)
    try:
        stop.wait()
    finally:
        world.down()
    return 0


if __name__ == "__main__":
    sys.exit(main())
