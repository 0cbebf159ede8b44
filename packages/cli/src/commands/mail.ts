import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { isRapportError, RapportError } from '@rapport/core/store';
import { host, portFrom } from '../args.js';
import { emit, type GlobalOptions } from '../output.js';
import { positiveInt } from './history.js';

interface MailTestOptions {
  smtpHost?: string;
  smtpPort?: number;
  smtpTls?: 'implicit' | 'starttls' | 'none';
  smtpUser?: string;
  smtpPasswordEnv?: string;
  imapHost?: string;
  imapPort?: number;
  imapTls?: 'implicit' | 'starttls' | 'none';
  imapUser?: string;
  imapPasswordEnv?: string;
  caFile?: string;
}

interface Check {
  target: string;
  ok: boolean;
  /** What failed, in words, when not ok. */
  error?: { code: string; message: string };
  detail?: Record<string, unknown>;
}

const TLS = ['implicit', 'starttls', 'none'] as const;

/** `rapport mail test`: checks SMTP (flags or RAPPORT_SMTP_*) and IMAP credentials and says exactly what failed. */
export function registerMail(program: Command) {
  const mail = program.command('mail').description('outbound mail: serial mailings, checking the servers');
  registerSerial(mail);
  mail
    .command('test')
    .description('check the SMTP and IMAP servers and credentials (SMTP defaults from RAPPORT_SMTP_*)')
    .option('--smtp-host <host>', 'SMTP server (default RAPPORT_SMTP_HOST)', host)
    .option('--smtp-port <port>', 'SMTP port (default RAPPORT_SMTP_PORT or 587)', portFrom(1))
    .addOption(new Option('--smtp-tls <mode>', 'implicit TLS, STARTTLS (required) or none (default: implicit on 465, else starttls)').choices(TLS))
    .option('--smtp-user <user>', 'SMTP login (default RAPPORT_SMTP_USER)')
    .option('--smtp-password-env <VAR>', 'environment variable holding the SMTP password (default RAPPORT_SMTP_PASSWORD)')
    .option('--imap-host <host>', 'IMAP server to check as well', host)
    .option('--imap-port <port>', 'IMAP port (default 993, or 143 with --imap-tls starttls/none)', portFrom(1))
    .addOption(new Option('--imap-tls <mode>', 'implicit TLS, STARTTLS (required) or none (default: implicit on 993, else starttls)').choices(TLS))
    .option('--imap-user <user>', 'IMAP login')
    .option('--imap-password-env <VAR>', 'environment variable holding the IMAP password')
    .option('--ca-file <file>', "trust this CA certificate (PEM), e.g. a self-signed server's")
    .action(async (o: MailTestOptions, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const { checkImap, checkSmtp, smtpConnectionFromEnv } = await import('@rapport/mail-bridge');
      const ca = o.caFile
        ? await readFile(o.caFile).catch((err: NodeJS.ErrnoException) =>
            Promise.reject(new RapportError('VALIDATION', `--ca-file ${o.caFile} cannot be read (${err.code ?? err.message})`)),
          )
        : undefined;
      const result: { smtp?: Check; imap?: Check } = {};
      const env = smtpConnectionFromEnv();
      const smtpHost = o.smtpHost ?? env?.host;
      if (smtpHost) {
        const user = o.smtpUser ?? env?.user;
        const passwordEnv = o.smtpPasswordEnv ?? (user ? 'RAPPORT_SMTP_PASSWORD' : undefined);
        const port = o.smtpPort ?? (o.smtpHost ? 587 : (env?.port ?? 587));
        const tls = o.smtpTls ?? (o.smtpHost ? undefined : env?.tls);
        result.smtp = await check(`smtp://${smtpHost}:${port}`, () =>
          checkSmtp({
            host: smtpHost,
            port,
            ...(tls ? { tls } : {}),
            ...(user ? { user } : {}),
            ...(passwordEnv ? { passwordEnv } : {}),
            ...(ca ? { ca } : {}),
          }),
        );
      }
      if (o.imapHost) {
        const imapHost = o.imapHost;
        const port = o.imapPort ?? (o.imapTls && o.imapTls !== 'implicit' ? 143 : 993);
        result.imap = await check(`imap://${imapHost}:${port}`, async () => {
          if (!o.imapUser || !o.imapPasswordEnv) throw new RapportError('VALIDATION', '--imap-user and --imap-password-env are needed to log in');
          const password = process.env[o.imapPasswordEnv];
          if (!password) throw new RapportError('VALIDATION', `environment variable ${o.imapPasswordEnv} (--imap-password-env) is not set or empty`);
          return checkImap({ host: imapHost, port, user: o.imapUser, password, ...(o.imapTls ? { tls: o.imapTls } : {}), ...(ca ? { ca } : {}) });
        });
      }
      if (!result.smtp && !result.imap) throw new RapportError('VALIDATION', 'nothing to test: set RAPPORT_SMTP_HOST or pass --smtp-host and/or --imap-host');
      const checks = Object.entries(result) as Array<[string, Check]>;
      const failed = checks.filter(([, r]) => !r.ok);
      // A failure is the command's error (one line, and {"error"} with --json), naming every check.
      if (failed.length > 0) {
        const says = checks.map(([what, r]) => `${what.toUpperCase()} ${r.target}: ${r.ok ? 'OK' : `FAILED: ${r.error!.message}`}`).join('; ');
        throw new RapportError(isCode(failed[0]![1].error!.code) ? failed[0]![1].error!.code : 'CONNECTION', says);
      }
      emit(g, result, () => checks.map(([what, r]) => `${what.toUpperCase()} ${r.target}: OK${r.detail ? ` (${JSON.stringify(r.detail)})` : ''}`).join('\n'));
    });
}

/** `rapport mail serial`: the implementation loads on use. */
function registerSerial(mail: Command) {
  mail
    .command('serial')
    .description('one e-mail template to every partner or person of a view or an id list: throttled, resumable by --key, with a per-recipient report')
    .requiredOption('--template <id>', 'an e-mail template written for a partner or a person')
    .option('--view <name>', 'a saved view (name or id) of partners or persons')
    .option('--ids <ids>', "partner or person ids, comma-separated (of the template's kind)")
    .option('--rate <n>', 'messages per minute at most (default: no limit)', positiveInt)
    .option('--key <key>', 'name of the run; the same key again resumes it without sending anyone twice')
    .option('--from <address>', 'the sender (default RAPPORT_SMTP_FROM)')
    .option('--as <email>', 'run as this operator (whose rules and views apply)')
    .option('--concurrency <n>', 'SMTP connections at once (default 4)', positiveInt)
    .option('--no-wait', 'only queue the messages; `rapport worker` delivers them')
    .action(async (o: import('./mail-serial.js').SerialOptions, c: Command) => {
      const { runSerial } = await import('./mail-serial.js');
      await runSerial(o, c.optsWithGlobals<GlobalOptions>());
    });
}

const isCode = (code: string): code is RapportError['code'] => ['NOT_FOUND', 'CONFLICT', 'VALIDATION', 'FORBIDDEN', 'STORAGE', 'CONNECTION'].includes(code);

async function check(target: string, fn: () => Promise<unknown>): Promise<Check> {
  try {
    const detail = await fn();
    return { target, ok: true, ...(detail && typeof detail === 'object' ? { detail: detail as Record<string, unknown> } : {}) };
  } catch (err) {
    const code = isRapportError(err) ? err.code : 'ERROR';
    return { target, ok: false, error: { code, message: err instanceof Error ? err.message : String(err) } };
  }
}
