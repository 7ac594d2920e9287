"""The digests of a certificate the way an admin computes them, for the tests that compare relaymetry's
JSON with them (CLI and e2e): `openssl x509 -outform der | sha256sum` for the certificate, and
`openssl x509 -pubkey | openssl pkey -pubin -outform der | sha256sum` (and sha512sum) for its key."""

import subprocess


def _run(command, data):
    return subprocess.run(command, input=data, capture_output=True, check=True).stdout


def _digest(tool, data):
    return _run([tool], data).split()[0].decode()


def leaf_digests(pem):
    """{"sha256", "spki_sha256", "spki_sha512"} of the PEM certificate `pem` (str or bytes)."""
    pem = pem.encode() if isinstance(pem, str) else pem
    der = _run(["openssl", "x509", "-outform", "der"], pem)
    spki = _run(["openssl", "pkey", "-pubin", "-outform", "der"], _run(["openssl", "x509", "-noout", "-pubkey"], pem))
    return {"sha256": _digest("sha256sum", der), "spki_sha256": _digest("sha256sum", spki),
            "spki_sha512": _digest("sha512sum", spki)}
