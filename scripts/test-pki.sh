#!/usr/bin/env bash
# A throw-away PKI for the TLS tests, made with openssl: a CA, a server certificate for
# 127.0.0.1/localhost, and clients in libvirt's pkipath layout (cacert.pem, clientcert.pem,
# clientkey.pem per folder):
#   client1  signed by the CA (CN=client1)           — admitted
#   client2  signed by the CA (CN=client2)           — not in the test's DN list
#   revoked  signed by the CA (CN=client3), revoked  — in ca/crl.pem
#   stranger signed by another CA (CN=client1)       — fails the chain check
# Usage: scripts/test-pki.sh DIR
set -euo pipefail
dir=$1
mkdir -p "$dir"/{ca,other,server,client1,client2,revoked,stranger}
cd "$dir"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() { # folder, subject
  key "$1/cakey.pem"
  openssl req -x509 -new -key "$1/cakey.pem" -out "$1/cacert.pem" -days 30 -subj "$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
leaf() { # ca folder, key out, cert out, subject, extensions
  key "$2"
  openssl req -new -key "$2" -out "$3.csr" -subj "$4" 2>/dev/null
  printf '%s\n' "$5" > "$3.ext"
  openssl x509 -req -in "$3.csr" -CA "$1/cacert.pem" -CAkey "$1/cakey.pem" -set_serial "0x$(openssl rand -hex 8)" \
    -out "$3" -days 30 -extfile "$3.ext" 2>/dev/null
  rm -f "$3.csr" "$3.ext"
}
client_ext=$'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth'
server_ext=$'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost'
ca ca "/C=GB/O=virtkit test/CN=virtkit test CA"
ca other "/C=GB/O=elsewhere/CN=another CA"
leaf ca server/serverkey.pem server/servercert.pem "/C=GB/O=virtkit test/CN=localhost" "$server_ext"
leaf ca client1/clientkey.pem client1/clientcert.pem "/C=GB/O=virtkit test/CN=client1" "$client_ext"
leaf ca client2/clientkey.pem client2/clientcert.pem "/C=GB/O=virtkit test/CN=client2" "$client_ext"
leaf ca revoked/clientkey.pem revoked/clientcert.pem "/C=GB/O=virtkit test/CN=client3" "$client_ext"
leaf other stranger/clientkey.pem stranger/clientcert.pem "/C=GB/O=virtkit test/CN=client1" "$client_ext"
for c in client1 client2 revoked; do cp ca/cacert.pem "$c/cacert.pem"; done
# The stranger trusts both CAs: its own (libvirt clients check their certificate first)
# and ours (to accept the server), so only the server's check can refuse it.
cat ca/cacert.pem other/cacert.pem > stranger/cacert.pem
# The CRL: openssl's "ca" keeps its database in files.
: > ca/index.txt
echo 01 > ca/crlnumber
cat > ca/ca.cnf <<CNF
[ ca ]
default_ca = testca
[ testca ]
database = $PWD/ca/index.txt
crlnumber = $PWD/ca/crlnumber
default_md = sha256
default_crl_days = 30
CNF
openssl ca -config ca/ca.cnf -keyfile ca/cakey.pem -cert ca/cacert.pem -revoke revoked/clientcert.pem 2>/dev/null
openssl ca -config ca/ca.cnf -keyfile ca/cakey.pem -cert ca/cacert.pem -gencrl -out ca/crl.pem 2>/dev/null
