// A throw-away Thunderbird for end-to-end tests: Xvfb, a profile made from files (user.js, the
// extension in extensions/<id>.xpi, a CA trusted with certutil), Marionette on a free port.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackages } from '../../packages/outlook-addin/test/debian.js';
import { connectMarionette, type Marionette } from './marionette.js';

/** What the end-to-end test needs from Debian: the client, a display server, NSS tools. */
export function ensureThunderbirdInstalled() {
  ensureDebianPackages({ '/usr/bin/thunderbird': 'thunderbird', '/usr/bin/Xvfb': 'xvfb', '/usr/bin/certutil': 'libnss3-tools' });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => (clearTimeout(timer), resolve()));
    child.kill('SIGTERM');
  });
}

/** Starts Xvfb on a free display (it picks the number and writes it to fd 3). */
export async function startXvfb(): Promise<{ display: string; stop(): Promise<void> }> {
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1400x900x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const display = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdio[3]!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(`:${out.trim()}`);
    });
    child.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before it had a display`)));
  });
  return { display, stop: () => stop(child) };
}

export interface ProfileOptions {
  imap: { host: string; port: number; user: string };
  identity: { name: string; email: string };
  /** The .xpi and the add-on id from its manifest (installed as extensions/<id>.xpi); none when absent. */
  extension?: { xpi: string; id: string };
  /** More preferences for user.js (e.g. a subscribed calendar). */
  prefs?: Record<string, string | number | boolean>;
  /** A CA certificate (PEM file) to trust for web sites. */
  caFile: string;
  marionettePort: number;
}

const pref = (name: string, value: string | number | boolean) => `user_pref(${JSON.stringify(name)}, ${JSON.stringify(value)});`;

/** Writes a profile from files alone: no first-run UI, one IMAP account, the extension active. */
export function makeProfile(o: ProfileOptions): string {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-tb-profile-'));
  const prefs: Record<string, string | number | boolean> = {
    'marionette.port': o.marionettePort,
    // Unsigned, sideloaded, and enabled without asking.
    'xpinstall.signatures.required': false,
    'extensions.autoDisableScopes': 0,
    'extensions.enabledScopes': 15,
    'extensions.update.enabled': false,
    // No first-run, start page, default-client, update or telemetry UI.
    'mail.shell.checkDefaultClient': false,
    'mailnews.start_page.enabled': false,
    'mailnews.start_page_override.mstone': 'ignore',
    'mail.rights.version': 1,
    'mail.spotlight.firstRunDone': true,
    'mail.winsearch.firstRunDone': true,
    'app.update.disabledForTesting': true,
    'app.update.auto': false,
    'toolkit.telemetry.reportingpolicy.firstRun': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'datareporting.healthreport.uploadEnabled': false,
    'mail.biff.show_alert': false,
    'mail.biff.play_sound': false,
    'ui.prefersReducedMotion': 1,
    'browser.dom.window.dump.enabled': true,
    'devtools.console.stdout.content': true,
    // The IMAP account (plain IMAP on loopback, password from the login manager) and Local Folders.
    'mail.accountmanager.accounts': 'account1,account2',
    'mail.accountmanager.defaultaccount': 'account1',
    'mail.accountmanager.localfoldersserver': 'server2',
    'mail.account.account1.server': 'server1',
    'mail.account.account1.identities': 'id1',
    'mail.identity.id1.fullName': o.identity.name,
    'mail.identity.id1.useremail': o.identity.email,
    'mail.identity.id1.valid': true,
    'mail.server.server1.type': 'imap',
    'mail.server.server1.hostname': o.imap.host,
    'mail.server.server1.port': o.imap.port,
    'mail.server.server1.userName': o.imap.user,
    'mail.server.server1.name': 'Rapport test',
    'mail.server.server1.socketType': 0,
    'mail.server.server1.authMethod': 3,
    'mail.server.server1.login_at_startup': false,
    'mail.server.server1.check_new_mail': false,
    'mail.server.server1.download_on_biff': false,
    'mail.account.account2.server': 'server2',
    'mail.server.server2.type': 'none',
    'mail.server.server2.hostname': 'Local Folders',
    'mail.server.server2.userName': 'nobody',
    'mail.server.server2.name': 'Local Folders',
    ...o.prefs,
  };
  writeFileSync(
    join(dir, 'user.js'),
    Object.entries(prefs)
      .map(([k, v]) => pref(k, v))
      .join('\n') + '\n',
  );
  mkdirSync(join(dir, 'extensions'));
  if (o.extension) copyFileSync(o.extension.xpi, join(dir, 'extensions', `${o.extension.id}.xpi`));
  execFileSync('certutil', ['-N', '-d', `sql:${dir}`, '--empty-password']);
  execFileSync('certutil', ['-A', '-d', `sql:${dir}`, '-n', 'Rapport dev CA', '-t', 'C,,', '-i', o.caFile]);
  return dir;
}

export interface Thunderbird {
  marionette: Marionette;
  /** Everything Thunderbird printed (console, dump()), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts Thunderbird on `profile` with Marionette (chrome context allowed) and opens a session. */
export async function startThunderbird(profile: string, display: string, marionettePort: number): Promise<Thunderbird> {
  const child = spawn('thunderbird', ['--profile', profile, '--no-remote', '--marionette', '--remote-allow-system-access'], {
    env: { ...process.env, DISPLAY: display, MOZ_CRASHREPORTER_DISABLE: '1', MOZ_DISABLE_AUTO_SAFE_MODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const quit = async () => {
    await stop(child);
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const marionette = await connectMarionette(marionettePort, 60_000);
    await marionette.send('WebDriver:NewSession', { capabilities: { alwaysMatch: { 'moz:accessibilityChecks': false } } });
    await marionette.send('Marionette:SetContext', { value: 'chrome' });
    return { marionette, output: () => output, stop: async () => (marionette.close(), await quit()) };
  } catch (err) {
    await quit();
    throw new Error(`Thunderbird did not start: ${(err as Error).message}\n${output.slice(-3000)}`, { cause: err });
  }
}
