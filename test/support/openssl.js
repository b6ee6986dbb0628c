'use strict';
// Signatures computed independently of the package: the openssl command line, as Genea's Ruby does
// `'sha1=' + OpenSSL::HMAC.hexdigest('sha1', SECRET, payload_body)`.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

function opensslSignature(body, secret, algorithm = 'sha1') {
  const out = execFileSync('openssl', ['dgst', `-${algorithm}`, '-hmac', secret], { input: body, encoding: 'utf8' });
  return `${algorithm}=${out.trim().split('= ').pop()}`;
}

/**
 * A self-signed certificate for 127.0.0.1 made by the openssl command line, as PEM strings
 * { key, cert }: a loopback HTTPS server's identity, trusted by a client through NODE_EXTRA_CA_CERTS.
 */
function selfSignedCertificate() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genea-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
        ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
        ...['-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
      ],
      { stdio: 'pipe' },
    );
    return {
      key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'),
      cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { opensslSignature, selfSignedCertificate };
