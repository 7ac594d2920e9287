#!/bin/bash
# The same facts relaymetry gathers, gathered the way admins do today: sequential dig, openssl s_client
# (465 implicit TLS, 587 -starttls smtp) and curl. The peer in bench/run's side-by-side comparison.
#
#   admin_check.sh DOMAIN DNS_ADDR DNS_PORT CA_FILE [MAIL_ADDR STS_ADDR]
#
# MAIL_ADDR / STS_ADDR route the connections (like relaymetry's --connect-to; SNI and names unchanged);
# without them the addresses come from the A lookups, as an admin would take them.
set -u
domain=$1 ns=$2 port=$3 ca=$4 mail_addr=${5:-} sts_addr=${6:-}

q() { dig +time=5 +tries=1 -p "$port" "@$ns" +short "$@"; }

srv465=$(q SRV "_submissions._tcp.$domain")
srv587=$(q SRV "_submission._tcp.$domain")
echo "SRV 465: $srv465"
echo "SRV 587: $srv587"
host465=$(awk 'NR==1 {sub(/\.$/, "", $4); print $4}' <<<"$srv465")
host587=$(awk 'NR==1 {sub(/\.$/, "", $4); print $4}' <<<"$srv587")
a465=$(q A "$host465" | head -n1)
q AAAA "$host465"
a587=$a465
if [ "$host587" != "$host465" ]; then
    a587=$(q A "$host587" | head -n1)
    q AAAA "$host587"
fi
echo "MX: $(q MX "$domain")"
echo "MTA-STS TXT: $(q TXT "_mta-sts.$domain")"
sts_a=$(q A "mta-sts.$domain" | head -n1)
echo "TLS-RPT TXT: $(q TXT "_smtp._tls.$domain")"

# Version, suite and the certificate of each submission port.
tls_facts() {
    local out
    out=$(timeout 20 openssl s_client "$@" -CAfile "$ca" </dev/null 2>&1)
    grep -E '^(New,|Verify return code)' <<<"$out"
    openssl x509 -noout -subject -issuer -dates -ext subjectAltName <<<"$out" | head -n 6
}
echo "== 465"
tls_facts -connect "${mail_addr:-$a465}:465" -servername "$host465" -verify_hostname "$host465"
echo "== 587"
tls_facts -starttls smtp -connect "${mail_addr:-$a587}:587" -servername "$host587" -verify_hostname "$host587"

echo "== policy"
curl -sS --max-time 20 --cacert "$ca" -D - --connect-to "mta-sts.$domain:443:${sts_addr:-$sts_a}:443" \
    "https://mta-sts.$domain/.well-known/mta-sts.txt"
