'use strict';
// Signatures computed independently of the package: the openssl command line, as Genea's Ruby does
// `'sha1=' + OpenSSL::HMAC.hexdigest('sha1', SECRET, payload_body)`.
const { execFileSync } = require('node:child_process');

function opensslSignature(body, secret, algorithm = 'sha1') {
  const out = execFileSync('openssl', ['dgst', `-${algorithm}`, '-hmac', secret], { input: body, encoding: 'utf8' });
  return `${algorithm}=${out.trim().split('= ').pop()}`;
}

module.exports = { opensslSignature };
