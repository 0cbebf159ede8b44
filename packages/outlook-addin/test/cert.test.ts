import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureDevCertificate } from '@rapport/outlook-addin';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const fresh = () => join(mkdtempSync(join(tmpdir(), 'rapport-cert-')), 'certs');

/** GETs / from an HTTPS server using the certificate, trusting only `ca`, by host name or IP. */
async function handshake(cert: { key: Buffer; cert: Buffer }, ca: Buffer, host: string): Promise<string> {
  const server = createServer({ key: cert.key, cert: cert.cert }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    return await new Promise<string>((resolve, reject) => {
      // Node checks the name in `servername` (or the IP in `host`) against the SAN.
      const req = request({ host: '127.0.0.1', port, path: '/', ca, servername: host === 'localhost' ? host : undefined, headers: { host } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    server.close();
  }
}

describe('ensureDevCertificate', () => {
  it('issues an end-entity localhost certificate (CA:FALSE, serverAuth, SAN) signed by a local CA', () => {
    const c = ensureDevCertificate(fresh());
    expect(c.created).toBe(true);
    const leaf = new X509Certificate(c.cert);
    const ca = new X509Certificate(c.ca);
    expect(leaf.ca).toBe(false);
    expect(leaf.keyUsage).toContain(SERVER_AUTH);
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(ca.ca).toBe(true);
    const text = execFileSync('openssl', ['x509', '-noout', '-text', '-in', c.caPath], { encoding: 'utf8' });
    // The CA can vouch for loopback names only.
    expect(text).toMatch(/Name Constraints: critical[\s\S]*DNS:localhost/);
    expect(execFileSync('openssl', ['verify', '-CAfile', c.caPath, '-purpose', 'sslserver', c.certPath], { encoding: 'utf8' })).toContain(': OK');
  });

  it('serves HTTPS that a client trusting only the CA accepts, by name and by IP', async () => {
    const c = ensureDevCertificate(fresh());
    expect(await handshake(c, c.ca, 'localhost')).toBe('ok');
    expect(await handshake(c, c.ca, '127.0.0.1')).toBe('ok');
  });

  it('reuses its certificates, and replaces an older self-signed CA certificate used as the server certificate', () => {
    const dir = fresh();
    const first = ensureDevCertificate(dir);
    const again = ensureDevCertificate(dir);
    expect(again.created).toBe(false);
    expect(again.cert.equals(first.cert)).toBe(true);

    const old = fresh();
    mkdirSync(old, { recursive: true });
    // What earlier versions made: one self-signed CA:TRUE certificate as localhost.pem.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '30',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost',
        '-keyout',
        join(old, 'localhost-key.pem'),
        '-out',
        join(old, 'localhost.pem'),
      ],
      { stdio: 'pipe' },
    );
    const upgraded = ensureDevCertificate(old);
    expect(upgraded.created).toBe(true);
    expect(new X509Certificate(readFileSync(upgraded.certPath)).ca).toBe(false);
  });
});
