"""The bulk world: N domains that look like the e2e world's "clean" scenario, built from the e2e world's own
parts (tests/e2e/world.py: Pki, Knot, Postfix, Nginx, Listener), for the bulk benchmark.

- One zone bulk.relaymetry.test holding every domain dNNNN.bulk.relaymetry.test: SRV for 465 and 587 to
  mK.bulk.relaymetry.test, MX mx1.dNNNN, the MTA-STS TXT, mta-sts.dNNNN, the TLS-RPT TXT.
- mK resolves to 127.0.10.K (K = 1..hosts). relaymetry opens at most two connections at once to one address,
  and each clean domain costs six SMTP connections per address (two main sessions, four legacy-version
  handshakes); spreading the domains over many addresses is what a real bulk run looks like.
- One Postfix instance with an smtpd service on 465 and 587 of every 127.0.10.K (the "good" certificate:
  *.bulk.relaymetry.test).
- nginx on 127.0.11.1:443 serving each domain's policy with its own leaf certificate for
  mta-sts.dNNNN.bulk.relaymetry.test (one SAN each, as in real life; a shared certificate listing every
  name would make every handshake and every report carry all of them).

The PKI (root, intermediate, the leaves) is kept in a cache directory between runs: the 1,000 policy leaves
take a while to sign with the openssl CLI. Everything started is stopped by its pid in down().
"""

import concurrent.futures
import datetime
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "e2e"))
import world  # noqa: E402
import scenarios  # noqa: E402

ZONE = "bulk.relaymetry.test"
PKI_VERSION = "v1"


def domain_name(i):
    return f"d{i:04d}.{ZONE}"


def host_address(k):
    return f"127.0.10.{k}"


STS_ADDRESS = "127.0.11.1"

LEAF_EXT = """\
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:{host}
"""


class BulkPki:
    """The e2e Pki for the zone itself (its "good" leaf covers *.bulk.relaymetry.test), plus one leaf per
    policy host, signed by the same intermediate. Rebuilt when older than 30 days (the leaves last 90)."""

    def __init__(self, cache_dir, count):
        self.base = os.path.join(cache_dir, f"pki-{PKI_VERSION}")
        self.count = count
        self.pki = None

    def ensure(self):
        stamp = os.path.join(self.base, "built")
        fresh = os.path.exists(stamp) and (
            datetime.datetime.now().timestamp() - os.path.getmtime(stamp) < 30 * 86400)
        if not fresh:
            shutil.rmtree(self.base, ignore_errors=True)
            os.makedirs(self.base)
            pki = world.Pki(self.base, [ZONE])
            pki.build()
        self.dir = os.path.join(self.base, "pki")
        self.root = os.path.join(self.dir, "root.pem")
        self.key = os.path.join(self.dir, "leaf.key")
        self.good_chain = os.path.join(self.dir, "good.chain.pem")
        os.makedirs(os.path.join(self.dir, "sts"), exist_ok=True)
        self._sign_missing()
        open(stamp, "a").close()
        return self

    def chain(self, i):
        return os.path.join(self.dir, "sts", f"{i:04d}.chain.pem")

    def _sign_missing(self):
        with open(os.path.join(self.dir, "int.pem")) as f:
            intermediate = f.read()
        csr = os.path.join(self.dir, "sts", "leaf.csr")
        if not os.path.exists(csr):
            world._run(["openssl", "req", "-new", "-key", self.key, "-subj", "/CN=bulk policy host", "-out", csr])
        todo = [i for i in range(1, self.count + 1) if not os.path.exists(self.chain(i))]

        def sign(i):
            host = f"mta-sts.{domain_name(i)}"
            ext = os.path.join(self.dir, "sts", f"{i:04d}.ext")
            pem = os.path.join(self.dir, "sts", f"{i:04d}.pem")
            world._write(ext, LEAF_EXT.format(host=host))
            world._run(["openssl", "x509", "-req", "-in", csr, "-CA", os.path.join(self.dir, "int.pem"),
                        "-CAkey", os.path.join(self.dir, "int.key"), "-set_serial", str(100000 + i),
                        "-days", "90", "-sha256", "-extfile", ext, "-out", pem])
            with open(pem) as f:
                leaf = f.read()
            world._write(self.chain(i) + ".tmp", leaf + intermediate)
            os.rename(self.chain(i) + ".tmp", self.chain(i))

        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(sign, todo))


class BulkWorld:
    def __init__(self, count, hosts, cache_dir):
        self.count = count
        self.hosts = hosts
        self.pki = BulkPki(cache_dir, count)
        self.base = tempfile.mkdtemp(prefix="relaymetry-bench-bulk-")
        os.chmod(self.base, 0o755)
        self.knot = world.Knot(self.base)
        self.postfix = world.Postfix(self.base)
        self.nginx = world.Nginx(self.base)
        self.listeners = []
        self.dns_port = None

    @property
    def root_ca(self):
        return self.pki.root

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
        self.pki.ensure()
        records = [(f"m{k}", "A", host_address(k)) for k in range(1, self.hosts + 1)]
        sites = []
        for i in range(1, self.count + 1):
            d = domain_name(i)
            label = d[: -len(ZONE) - 1]
            k = (i - 1) % self.hosts + 1
            records += [
                (f"_submissions._tcp.{label}", "SRV", f"0 1 465 m{k}.{ZONE}."),
                (f"_submission._tcp.{label}", "SRV", f"0 1 587 m{k}.{ZONE}."),
                (label, "MX", f"10 mx1.{d}."),
                (f"mx1.{label}", "A", "127.0.3.1"),
                (f"_mta-sts.{label}", "TXT", '"v=STSv1; id=20261128T1200"'),
                (f"mta-sts.{label}", "A", STS_ADDRESS),
                (f"_smtp._tls.{label}", "TXT", f'"v=TLSRPTv1; rua=mailto:tlsrpt@{d}"'),
            ]
            sts = {"cert": None, "status": 200, "content_type": "text/plain", "body": scenarios.policy(d),
                   "redirect": None}
            sites.append((i, STS_ADDRESS, f"mta-sts.{d}", self.pki.key, self.pki.chain(i), sts))
        sasl = world.Listener("sasl", "127.0.0.1", 0)
        self.listeners.append(sasl)
        sasl.start()
        sec0 = os.path.join(self.base, "openssl-sec0.cnf")
        world._write(sec0, world.SEC0_CONF)
        self.knot.build({ZONE: records})
        self.knot.start(ZONE)
        self.dns_port = self.knot.port
        services = [(host_address(k), port, self.pki.key, self.pki.good_chain, dict(scenarios.MODERN), False)
                    for k in range(1, self.hosts + 1) for port in (465, 587)]
        self.postfix.build(services, sasl.port, sec0)
        self.postfix.start()
        self.nginx.build(sites)
        # A thousand server names outgrow nginx's default name hash (512 entries).
        conf = os.path.join(self.nginx.dir, "nginx.conf")
        with open(conf) as f:
            text = f.read()
        world._write(conf, text.replace("http {", "http {\n    server_names_hash_max_size 4096;\n"
                                                  "    server_names_hash_bucket_size 128;", 1))
        self.nginx.start()

    def down(self):
        world.stop_servers(self, "bulk world")
        shutil.rmtree(self.base, ignore_errors=True)
