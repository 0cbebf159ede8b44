/**
 * Starts a private Dovecot IMAP server for tests: 127.0.0.1, free non-standard ports (plain and
 * TLS with a self-signed certificate), passwd-file users, Maildir in a temp dir, no systemd.
 * Follows /work/shared/MAIL-TEST-NOTES.md. Installs dovecot-imapd + openssl with apt-get when
 * `dovecot` is missing and we are root; otherwise says exactly what to install.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';

const run = promisify(execFile);

export interface DovecotUser {
  user: string;
  password: string;
}

export interface Dovecot {
  host: string;
  /** Plain IMAP port (STARTTLS offered). */
  port: number;
  /** Implicit-TLS IMAP port. */
  tlsPort: number;
  /** The self-signed certificate (PEM): pass it as a trusted CA. */
  caFile: string;
  conf: string;
  dir: string;
  users: DovecotUser[];
  /** Runs `doveadm -c CONF ...args`. */
  doveadm(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0 || existsSync(`/usr/sbin/${cmd}`);
}

/** Makes sure `dovecot` and `openssl` exist, installing them with apt-get when we are root. */
export function ensureDovecotInstalled() {
  if (which('dovecot') && which('openssl')) return;
  const how = 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dovecot-imapd openssl';
  if (process.getuid?.() !== 0) throw new Error(`Dovecot is not installed; as root run: ${how}`);
  execFileSync('sh', ['-c', `flock /tmp/rapport-apt.lock sh -c '${how}'`], { stdio: 'ignore', timeout: 600_000 });
  if (!which('dovecot')) throw new Error(`installing Dovecot failed; run: ${how}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForGreeting(port: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('* OK'));
      });
      s.once('error', () => resolve(false));
      s.setTimeout(1000, () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`dovecot did not greet on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A process is gone when it no longer exists or is a zombie (state Z in /proc/PID/stat). */
function gone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

export async function startDovecot(options: { users?: DovecotUser[] } = {}): Promise<Dovecot> {
  ensureDovecotInstalled();
  const users = options.users ?? [{ user: 'anna', password: 'secret-pass' }];
  const dir = await mkdtemp(join(tmpdir(), 'rapport-dovecot-'));
  const { stdout: idOut } = await run('id', ['-u', 'dovecot']);
  const { stdout: gidOut } = await run('id', ['-g', 'dovecot']);
  const uid = idOut.trim();
  const gid = gidOut.trim();
  for (const d of ['base', 'state', 'home']) await mkdir(join(dir, d), { recursive: true });
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  await writeFile(join(dir, 'passwd'), users.map((u) => `${u.user}:{PLAIN}${u.password}::::::\n`).join(''));
  const [port, tlsPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'dovecot.conf');
  await writeFile(
    conf,
    `protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/base
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovecot
first_valid_uid = 0
first_valid_gid = 0
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
mail_fsync = never
ssl = yes
ssl_cert = <${cert}
ssl_key = <${key}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/passwd
  default_fields = uid=${uid} gid=${gid} home=${dir}/home/%u
}
protocol imap {
  mail_max_userip_connections = 100
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${tlsPort}
    ssl = yes
  }
}
service anvil {
  chroot =
}
`,
  );
  await run('chown', ['-R', `${uid}:${gid}`, dir]);
  // The master daemonises; its output must not be a pipe we wait on, or we wait forever.
  const started = spawnSync('setpriv', ['--reuid=dovecot', '--regid=dovecot', '--init-groups', 'dovecot', '-c', conf], { stdio: 'ignore', timeout: 10_000 });
  if (started.status !== 0) throw new Error(`dovecot -c ${conf} exited with ${started.status}: see ${dir}/dovecot.log`);
  try {
    await waitForGreeting(port);
  } catch (err) {
    const log = existsSync(join(dir, 'dovecot.log')) ? readFileSync(join(dir, 'dovecot.log'), 'utf8').slice(-2000) : '';
    throw new Error(`${(err as Error).message}\n${log}`);
  }
  const pidFile = join(dir, 'base', 'master.pid');
  const doveadm = async (...args: string[]) => (await run('doveadm', ['-c', conf, ...args])).stdout;
  return {
    host: '127.0.0.1',
    port,
    tlsPort,
    caFile: cert,
    conf,
    dir,
    users,
    doveadm,
    async stop() {
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
      if (pid) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
        const deadline = Date.now() + 5000;
        while (!gone(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        if (!gone(pid)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A plain-IMAP client logged in as `user`; later socket errors are ignored (tests drop connections on purpose). */
export async function imapClient(dovecot: Dovecot, user: DovecotUser): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: dovecot.host,
    port: dovecot.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: user.user, pass: user.password },
    logger: false,
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Creates `mailbox` for `user` and appends `messages` to it in order. */
export async function fillMailbox(dovecot: Dovecot, user: DovecotUser, mailbox: string, messages: Iterable<string | Buffer> = []): Promise<void> {
  const client = await imapClient(dovecot, user);
  try {
    await client.mailboxCreate(mailbox);
    for (const m of messages) await client.append(mailbox, m);
  } finally {
    await client.logout();
  }
}
