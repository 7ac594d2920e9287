#!/usr/bin/env bash
# Installs what the end-to-end suite (tests/e2e) needs: real Postfix, Knot DNS, unbound and nginx, plus the
# standard tools the suite uses to cross-check relaymetry (dig, openssl s_client, curl), and dnspython
# (with python3-cryptography) to sign the one zone whose signatures must be expired, which Knot never writes.
# Run as root on Debian 12 ("bookworm"). Safe to run again.
#
# Exim is not installed: Debian's exim4 conflicts with Postfix, so the e2e world fetches its .deb with
# `apt-get download` and runs it extracted (tests/e2e/world.py, EximTree). Only the libraries it needs
# beyond the other peers' are installed here, and libnss-wrapper, which lets it run as a user of the
# world's own (no system user is added).
#
# The suite starts private instances (`postfix -c DIR`, `knotd -c CONF`, `unbound -d -c CONF`,
# `nginx -p DIR`) on 127.0.0.N addresses; the packages' own system services are stopped and disabled so
# nothing listens on the standard ports (unbound's would take 53) and no system daemon competes with the
# suite.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# Postfix asks how to configure itself; "No configuration" leaves /etc/postfix/main.cf absent.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections

packages=(postfix knot unbound nginx-light dnsutils curl openssl python3 python3-jsonschema ca-certificates
  python3-dnspython python3-cryptography libidn12 libgnutls-dane0 libnss-wrapper)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  # Keep package maintainer scripts from starting daemons (no init system in containers, and we do not
  # want the system instances anyway).
  policy_rc=/usr/sbin/policy-rc.d
  created_policy=0
  if [[ ! -e $policy_rc ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy_rc"
    chmod 755 "$policy_rc"
    created_policy=1
  fi
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  if ((created_policy)); then
    rm -f "$policy_rc"
  fi
fi

# If the system services run anyway (a machine with systemd), stop and disable them: the suite never
# touches them afterwards.
if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
  for unit in postfix knot unbound unbound-resolvconf nginx; do
    systemctl disable --now "$unit" >/dev/null 2>&1 || true
  done
fi
