import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RapportError } from '@rapport/core';

export interface DevCertificate {
  key: Buffer;
  cert: Buffer;
  keyPath: string;
  certPath: string;
  /** True when this call made the certificate. */
  created: boolean;
}

/** Where dev certificates live: RAPPORT_CONFIG_DIR, else ~/.config/rapport. */
export function defaultConfigDir(): string {
  return process.env.RAPPORT_CONFIG_DIR ?? join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'rapport');
}

/**
 * A self-signed certificate for localhost and 127.0.0.1, made with openssl on first use and
 * reused after. Only for development: Outlook and browsers must be told to trust it.
 */
export function ensureDevCertificate(dir = join(defaultConfigDir(), 'dev-certs')): DevCertificate {
  const keyPath = join(dir, 'localhost-key.pem');
  const certPath = join(dir, 'localhost.pem');
  let created = false;
  if (!existsSync(keyPath) || !existsSync(certPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '825', '-sha256',
        '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout', keyPath, '-out', certPath,
      ], { stdio: 'pipe' });
    } catch (err) {
      throw new RapportError('VALIDATION', `could not create a dev certificate in ${dir} with openssl (is openssl installed?)`, { cause: err });
    }
    created = true;
  }
  return { key: readFileSync(keyPath), cert: readFileSync(certPath), keyPath, certPath, created };
}
