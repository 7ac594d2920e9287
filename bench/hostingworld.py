"""The hosting world: many customer domains, few servers, as at a mail hosting provider. Built from the e2e
world's own parts (tests/e2e/world.py: Pki, Knot, Postfix, Nginx, Listener), for the hosting benchmark.

- One Knot zone `test.` holds the provider and every customer domain cNNNNN.test. Knot is authoritative,
  not a resolver: it follows a CNAME only inside its zone, and c-ares does not chase one either, so the
  customers' CNAMEs to the provider's host only resolve (as through a recursive resolver) when both sit in
  one zone.
- Four fifths of the domains publish SRV _submissions._tcp (465) and _submission._tcp (587) to the one
  shared host smtp.provider.test (one IPv4 and one IPv6 address). Every fifth domain (i % 5 == 0) has no
  SRV but smtp.<domain> CNAME smtp.provider.test, so relaymetry probes smtp.<domain> on 465 and 587 with
  that SNI name; Postfix answers each such name with the domain's own certificate (tls_server_sni_maps,
  Postfix >= 3.4), the SRV name with the provider's.
- MX 10 mx1.provider.test, 20 mx2.provider.test (A records only: MX hosts are named, not probed);
  _mta-sts TXT, mta-sts.<domain> A (one nginx address), _smtp._tls TXT, per domain.
- nginx serves every policy host from a server block of its own, with its own leaf (one SAN, as in real
  life) loaded at start, as a hosting panel or certbot writes them; names without one get the default
  block (the provider's certificate, 404).
- bench/delay.py stands in the network's place: the addresses DNS publishes (127.0.13.x and an IPv6 ULA)
  are its relays, which add the round-trip time and forward to the servers' own addresses (127.0.12.x and a
  second ULA). No --connect-to: it would send both addresses of a host to one place, and the run-wide probe
  cache is keyed by the real address.

The two ULAs are added to `lo` by up() (when absent) and removed by down(). The PKI (root, intermediate, one
leaf per policy host and per smtp.<domain>) is cached between runs; the leaves are signed in-process with
python3-cryptography (about 1 ms each) instead of one openssl CLI process each (about 60 ms). Everything
started is stopped by its pid in down().
"""

import datetime
import ipaddress
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "e2e"))
import world  # noqa: E402
import scenarios  # noqa: E402

ZONE = "test"
PROVIDER = "provider.test"
SUBMISSION_HOST = f"smtp.{PROVIDER}"
MX_HOSTS = (f"mx1.{PROVIDER}", f"mx2.{PROVIDER}")
PKI_VERSION = "v1"

# Where the servers listen.
BACKEND_V4 = "127.0.12.1"  # Postfix 465 and 587
BACKEND_V6 = "fd72:6d00:0:12::1"
BACKEND_STS = "127.0.12.2"  # nginx 443
# What DNS publishes: bench/delay.py's relays in front of the servers.
FRONT_V4 = "127.0.13.1"
FRONT_V6 = "fd72:6d00:0:13::1"
FRONT_STS = "127.0.13.2"
FRONT_DNS = "127.0.13.53"
MX_ADDRESSES = ("127.0.13.25", "127.0.13.26")  # nothing listens there
ULAS = (BACKEND_V6, FRONT_V6)


def domain_name(i):
    return f"c{i:05d}.{ZONE}"


# Every CNAME_EVERY-th domain reaches the shared host through smtp.<domain> CNAME instead of SRV (0: none;
# bench/run --hosting-cname-every).
CNAME_EVERY = 5


def via_cname(i):
    """Whether domain i has no SRV but smtp.<domain> CNAME to the shared host (its own SNI name)."""
    return CNAME_EVERY > 0 and i % CNAME_EVERY == 0


def index_of(domain):
    return int(domain.split(".")[0][1:])


# ---- PKI --------------------------------------------------------------------------------------------

class HostingPki:
    """The e2e Pki (root, intermediate, a shared leaf key; its "good" leaf covers *.provider.test and so
    smtp.provider.test), plus one leaf per host name that needs its own: mta-sts.<d> for every domain and
    smtp.<d> for the CNAME domains, signed by the same intermediate. Rebuilt when older than 30 days (the
    leaves last 90); leaves missing for a larger count are added."""

    def __init__(self, cache_dir):
        self.base = os.path.join(cache_dir, f"hosting-pki-{PKI_VERSION}")
        self.dir = os.path.join(self.base, "pki")
        self.root = os.path.join(self.dir, "root.pem")
        self.key = os.path.join(self.dir, "leaf.key")
        self.provider_chain = os.path.join(self.dir, "good.chain.pem")
        self.leaf_dir = os.path.join(self.dir, "hosts")

    def ensure(self, count):
        stamp = os.path.join(self.base, "built")
        fresh = os.path.exists(stamp) and time.time() - os.path.getmtime(stamp) < 30 * 86400
        if not fresh:
            shutil.rmtree(self.base, ignore_errors=True)
            os.makedirs(self.base)
            world.Pki(self.base, [PROVIDER]).build()
            os.makedirs(self.leaf_dir)
            open(stamp, "w").close()
        self._sign_missing(count)
        return self

    def chain(self, host):
        """What the server sends for `host`: its leaf, then the intermediate (the key is the shared one)."""
        return os.path.join(self.leaf_dir, f"{host}.chain.pem")

    def _sign_missing(self, count):
        hosts = [f"mta-sts.{domain_name(i)}" for i in range(1, count + 1)]
        hosts += [f"smtp.{domain_name(i)}" for i in range(1, count + 1) if via_cname(i)]
        todo = [h for h in hosts if not os.path.exists(self.chain(h))]
        if not todo:
            return
        # Imported here: bench/run imports this module before it installs python3-cryptography.
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        with open(os.path.join(self.dir, "int.key"), "rb") as f:
            int_key = serialization.load_pem_private_key(f.read(), None)
        with open(os.path.join(self.dir, "int.pem"), "rb") as f:
            int_pem = f.read()
        intermediate = x509.load_pem_x509_certificate(int_pem)
        with open(self.key, "rb") as f:
            public = serialization.load_pem_private_key(f.read(), None).public_key()
        # The same extensions as the e2e leaves (world.CA_CONF's v3_leaf), one SAN each.
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
            intermediate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value)
        ski = x509.SubjectKeyIdentifier.from_public_key(public)
        now = datetime.datetime.now(datetime.timezone.utc)
        for host in todo:
            cert = (x509.CertificateBuilder()
                    .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
                    .issuer_name(intermediate.subject).public_key(public)
                    .serial_number(x509.random_serial_number())
                    .not_valid_before(now - datetime.timedelta(days=1))
                    .not_valid_after(now + datetime.timedelta(days=90))
                    .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=False)
                    .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=True,
                                                 content_commitment=False, data_encipherment=False,
                                                 key_agreement=False, key_cert_sign=False, crl_sign=False,
                                                 encipher_only=False, decipher_only=False), critical=True)
                    .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                    .add_extension(ski, critical=False)
                    .add_extension(aki, critical=False)
                    .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
                    .sign(int_key, hashes.SHA256()))
            path = self.chain(host)
            with open(path + ".tmp", "wb") as f:
                f.write(cert.public_bytes(serialization.Encoding.PEM) + int_pem)
            os.rename(path + ".tmp", path)


# ---- addresses on lo ----------------------------------------------------------------------------------

def lo_has(address):
    out = subprocess.run(["ip", "-6", "-o", "addr", "show", "dev", "lo"], capture_output=True, text=True).stdout
    return any(ipaddress.ip_address(m) == ipaddress.ip_address(address)
               for m in re.findall(r"inet6 ([0-9a-f:]+)/", out))


class LoopbackAddresses:
    """IPv6 ULAs on lo for the world's lifetime; only the ones added here are removed again."""

    def __init__(self):
        self.added = []

    def add(self, address):
        if lo_has(address):
            return
        # nodad: duplicate address detection would keep the address "tentative" (unusable) for a second.
        world._run(["ip", "-6", "addr", "add", f"{address}/128", "dev", "lo", "nodad"])
        self.added.append(address)

    def remove_all(self):
        for address in reversed(self.added):
            subprocess.run(["ip", "-6", "addr", "del", f"{address}/128", "dev", "lo"], capture_output=True)
        self.added = []


# ---- the world ----------------------------------------------------------------------------------------

NGINX_CONF = """\
worker_processes 1;
pid {pid};
error_log {logs}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log {logs}/access.log;
    server_tokens off;
    server_names_hash_max_size {hash_size};
    server_names_hash_bucket_size 64;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate_key {key};
    # Names without a server block of their own: the provider's certificate, and no policy.
    server {{
        listen {addr}:443 ssl default_server;
        server_name _;
        ssl_certificate {provider_chain};
        location / {{ return 404; }}
    }}
{servers}}}
"""

# One server block per policy host, with its own leaf, as a provider's panel (or certbot) writes them: the
# certificates are loaded once, at start. (A single block naming the leaf by a variable,
# `ssl_certificate .../$ssl_server_name.chain.pem`, makes nginx read and parse the chain and the key from
# disk at every handshake, which its documentation warns costs performance: its worker spent 1.8 s of CPU
# on a 1,000-domain run that way, 0.65-0.69 s this way, on the two cores relaymetry runs on.)
NGINX_SERVER = """\
    server {{
        listen {addr}:443 ssl;
        server_name {host};
        ssl_certificate {chain};
        location = /.well-known/mta-sts.txt {{ types {{ }} default_type text/plain; alias {www}/{host}.txt; }}
        location / {{ return 404; }}
    }}
"""


def zone_records(count):
    records = [("smtp.provider", "A", FRONT_V4), ("smtp.provider", "AAAA", FRONT_V6)]
    records += [(host[: -len(ZONE) - 1], "A", addr) for host, addr in zip(MX_HOSTS, MX_ADDRESSES)]
    for i in range(1, count + 1):
        label = domain_name(i)[: -len(ZONE) - 1]
        if via_cname(i):
            records.append((f"smtp.{label}", "CNAME", f"{SUBMISSION_HOST}."))
        else:
            records += [(f"_submissions._tcp.{label}", "SRV", f"0 1 465 {SUBMISSION_HOST}."),
                        (f"_submission._tcp.{label}", "SRV", f"0 1 587 {SUBMISSION_HOST}.")]
        records += [
            (label, "MX", f"10 {MX_HOSTS[0]}."),
            (label, "MX", f"20 {MX_HOSTS[1]}."),
            (f"_mta-sts.{label}", "TXT", '"v=STSv1; id=20261201T1200"'),
            (f"mta-sts.{label}", "A", FRONT_STS),
            (f"_smtp._tls.{label}", "TXT", f'"v=TLSRPTv1; rua=mailto:tlsrpt@{PROVIDER}"'),
        ]
    return records


class HostingWorld:
    def __init__(self, count, cache_dir, rtt_ms):
        self.count = count
        self.rtt_ms = rtt_ms
        self.pki = HostingPki(cache_dir)
        self.base = tempfile.mkdtemp(prefix="relaymetry-bench-hosting-")
        os.chmod(self.base, 0o755)  # Postfix (user postfix) and nginx workers (nobody) must traverse it
        self.knot = world.Knot(self.base)
        self.postfix = world.Postfix(self.base)
        self.nginx = world.Nginx(self.base)
        self.listeners = []
        self.lo = LoopbackAddresses()
        self.delay = None
        self.delay_log = os.path.join(self.base, "delay.log")
        self.dns = f"{FRONT_DNS}:53"

    @property
    def root_ca(self):
        return self.pki.root

    @property
    def maillog(self):
        return os.path.join(self.postfix.dir, "maillog")

    def domains(self, n=None):
        return [domain_name(i) for i in range(1, (n or self.count) + 1)]

    def up(self):
        try:
            self._up()
        except BaseException:
            self.down()
            raise
        return self

    def _up(self):
        self.pki.ensure(self.count)
        for address in ULAS:
            self.lo.add(address)
        self.knot.build({ZONE: zone_records(self.count)})
        self.knot.start(ZONE)
        self._start_postfix()
        self._start_nginx()
        self._start_delay()

    def _start_postfix(self):
        sasl = world.Listener("sasl", "127.0.0.1", 0)
        self.listeners.append(sasl)
        sasl.start()
        sec0 = os.path.join(self.base, "openssl-sec0.cnf")
        world._write(sec0, world.SEC0_CONF)
        services = [(addr, port, self.pki.key, self.pki.provider_chain, dict(scenarios.MODERN), False)
                    for addr in (BACKEND_V4, f"[{BACKEND_V6}]") for port in (465, 587)]
        self.postfix.build(services, sasl.port, sec0)
        # master.cf wants the IPv6 address in brackets, the readiness check (a connect) without.
        self.postfix.services = [(a.strip("[]"), p) for a, p in self.postfix.services]
        sni = os.path.join(self.postfix.conf, "sni")
        lines = [f"{SUBMISSION_HOST} {self.pki.key},{self.pki.provider_chain}"]
        lines += [f"smtp.{d} {self.pki.key},{self.pki.chain('smtp.' + d)}"
                  for i, d in enumerate(self.domains(), start=1) if via_cname(i)]
        world._write(sni, "\n".join(lines) + "\n")
        world._run(["postconf", "-c", self.postfix.conf, "-e",
                    "inet_protocols = all",
                    # The relay connects from a ULA, which /etc/hosts does not name: a reverse lookup
                    # would go to the system resolver, off this machine.
                    "smtpd_peername_lookup = no",
                    # An indexed SNI table must hold the PEM itself (postmap -F, base64), postconf(5).
                    f"tls_server_sni_maps = hash:{sni}"])
        world._run(["postmap", "-c", self.postfix.conf, "-F", f"hash:{sni}"])
        self.postfix.start()

    def _start_nginx(self):
        www = self.nginx.www
        body = scenarios.policy(PROVIDER, mx=list(MX_HOSTS))
        servers = []
        for d in self.domains():
            host = f"mta-sts.{d}"
            world._write(os.path.join(www, f"{host}.txt"), body)
            servers.append(NGINX_SERVER.format(addr=BACKEND_STS, host=host, chain=self.pki.chain(host), www=www))
        world._write(os.path.join(self.nginx.dir, "nginx.conf"), NGINX_CONF.format(
            pid=self.nginx.pid_file, logs=os.path.join(self.nginx.dir, "logs"), addr=BACKEND_STS,
            hash_size=max(512, 4 * len(servers)), key=self.pki.key, provider_chain=self.pki.provider_chain,
            servers="".join(servers)))
        self.nginx.servers = [BACKEND_STS]
        self.nginx.start()

    def _start_delay(self):
        knot = f"127.0.0.1:{self.knot.port}"
        cmd = [sys.executable, os.path.join(HERE, "delay.py"), "--rtt-ms", str(self.rtt_ms), "--log", self.delay_log,
               "--udp", f"{FRONT_DNS}:53={knot}", "--tcp", f"{FRONT_DNS}:53={knot}",
               "--tcp", f"{FRONT_STS}:443={BACKEND_STS}:443"]
        for front, back in ((FRONT_V4, BACKEND_V4), (f"[{FRONT_V6}]", f"[{BACKEND_V6}]")):
            cmd += [arg for port in (465, 587) for arg in ("--tcp", f"{front}:{port}={back}:{port}")]
        self.delay = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        if self.delay.stdout.readline().strip() != "ready":
            raise RuntimeError("bench/delay.py did not start")

    def down(self):
        if self.delay is not None:
            if self.delay.poll() is None:
                self.delay.terminate()
                try:
                    self.delay.wait(10)
                except subprocess.TimeoutExpired:
                    self.delay.kill()
                    self.delay.wait()
            self.delay = None
        world.stop_servers(self, "hosting world")
        self.lo.remove_all()
        shutil.rmtree(self.base, ignore_errors=True)

    # ---- what the servers saw ----

    def delay_cpu_seconds(self):
        """user+sys CPU of bench/delay.py so far: tells whether the relay, not relaymetry, is the limit."""
        with open(f"/proc/{self.delay.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def mark(self):
        """Where the logs end now; seen() counts what was written after it."""
        return {path: os.path.getsize(path) if os.path.exists(path) else 0
                for path in (self.maillog, self.delay_log)}

    def seen(self, mark, quiet_s=1.0, limit_s=20.0):
        """Connections and queries logged since `mark`, once both logs have been quiet for quiet_s (Postfix
        logs through postlogd, the relay when both directions of a connection have ended):
        {"smtp": {"ADDR:PORT": n}, "relay": {"ADDR:PORT": n}, "dns_queries": n}."""
        deadline = time.monotonic() + limit_s
        sizes = None
        while time.monotonic() < deadline:
            now = self.mark()
            if now == sizes:
                break
            sizes = now
            time.sleep(quiet_s)
        smtp = {}
        for line in _lines_after(self.maillog, mark[self.maillog]):
            # syslog_name is e2e/ADDR:PORT (world.Postfix), e.g. "e2e/[fd72:6d00:0:12::1]:465/smtpd[42]: connect from"
            m = re.search(r"e2e/(\S+?):(\d+)/smtpd\[\d+\]: connect from ", line)
            if m:
                key = f"{m.group(1)}:{m.group(2)}"
                smtp[key] = smtp.get(key, 0) + 1
        relay = {}
        queries = 0
        for line in _lines_after(self.delay_log, mark[self.delay_log]):
            parts = line.split()
            if parts and parts[0] == "udp":
                queries += 1
            elif parts and parts[0] == "tcp":
                relay[parts[1]] = relay.get(parts[1], 0) + 1
        return {"smtp": smtp, "relay": relay, "dns_queries": queries}


def _lines_after(path, offset):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8", errors="replace") as f:
        f.seek(offset)
        return f.read().splitlines()
