import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RapportError } from '@rapport/core';

export interface DevCertificate {
  /** The server's private key (PEM). */
  key: Buffer;
  /** The server's certificate (PEM): an end-entity certificate for localhost, signed by `ca`. */
  cert: Buffer;
  /** The local CA certificate (PEM): the one to trust in Thunderbird, the OS or a browser. */
  ca: Buffer;
  keyPath: string;
  certPath: string;
  caPath: string;
  /** True when this call made the certificates. */
  created: boolean;
}

/** Where dev certificates live: RAPPORT_CONFIG_DIR, else ~/.config/rapport. */
export function defaultConfigDir(): string {
  return process.env.RAPPORT_CONFIG_DIR ?? join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'rapport');
}

// Clients refuse a CA certificate used as a server's own (Thunderbird:
// MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY), so the server gets a leaf signed by a local CA.
// The CA may only vouch for loopback names (critical name constraints), so trusting it, or its
// key leaking, cannot be used to impersonate any other site.
const CA_EXTENSIONS = [
  'basicConstraints=critical,CA:TRUE,pathlen:0',
  'keyUsage=critical,keyCertSign,cRLSign',
  'nameConstraints=critical,permitted;DNS:localhost,permitted;IP:127.0.0.0/255.0.0.0,permitted;IP:::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
];
const LEAF_EXTENSIONS = [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature',
  'extendedKeyUsage=serverAuth',
  'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
];

function openssl(args: string[], dir: string) {
  try {
    execFileSync('openssl', args, { stdio: 'pipe' });
  } catch (err) {
    throw new RapportError('VALIDATION', `could not create a dev certificate in ${dir} with openssl (is openssl installed?)`, { cause: err });
  }
}

/** True when the files hold a leaf for localhost issued by the CA beside it (not an older self-signed CA certificate). */
function usable(certPath: string, caPath: string): boolean {
  try {
    const cert = new X509Certificate(readFileSync(certPath));
    const ca = new X509Certificate(readFileSync(caPath));
    return !cert.ca && cert.checkIssued(ca) && cert.verify(ca.publicKey) && new Date(cert.validTo) > new Date();
  } catch {
    return false;
  }
}

/**
 * A local development CA and a localhost certificate it signed (CA:FALSE, serverAuth, SAN
 * localhost, 127.0.0.1 and ::1), made with openssl on first use and reused after. Only for
 * development: the CA (`caPath`) must be trusted by the mail client (docs/addin.md).
 */
export function ensureDevCertificate(dir = join(defaultConfigDir(), 'dev-certs')): DevCertificate {
  const caPath = join(dir, 'rapport-dev-ca.pem');
  const caKeyPath = join(dir, 'rapport-dev-ca-key.pem');
  const keyPath = join(dir, 'localhost-key.pem');
  const certPath = join(dir, 'localhost.pem');
  let created = false;
  if (![caPath, caKeyPath, keyPath, certPath].every((p) => existsSync(p)) || !usable(certPath, caPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const p of [caPath, caKeyPath, keyPath, certPath]) rmSync(p, { force: true });
    // P-256 keys: generated in milliseconds (RSA takes seconds) and accepted by every client.
    const common = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256'];
    openssl(
      [
        'req',
        '-x509',
        ...common,
        '-days',
        '3650',
        '-subj',
        '/CN=Rapport development CA (localhost only)',
        ...CA_EXTENSIONS.flatMap((e) => ['-addext', e]),
        '-keyout',
        caKeyPath,
        '-out',
        caPath,
      ],
      dir,
    );
    // 397 days: the longest validity browsers accept for a server certificate.
    openssl(
      [
        'req',
        '-x509',
        '-CA',
        caPath,
        '-CAkey',
        caKeyPath,
        ...common,
        '-days',
        '397',
        '-subj',
        '/CN=localhost',
        ...LEAF_EXTENSIONS.flatMap((e) => ['-addext', e]),
        '-keyout',
        keyPath,
        '-out',
        certPath,
      ],
      dir,
    );
    created = true;
  }
  return { key: readFileSync(keyPath), cert: readFileSync(certPath), ca: readFileSync(caPath), keyPath, certPath, caPath, created };
}
