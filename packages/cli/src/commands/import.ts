import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Crm, MailPolicy } from '@rapport/core';
import { isRapportError, RapportError } from '@rapport/core/store';
import { UNKNOWN_SENDER_POLICIES } from '../choices.js';
import type { ProgressListener, SyncReport } from '@rapport/mail-bridge';
import { day, host, portFrom } from '../args.js';
import { openCrm } from '../db.js';
import { emit, type GlobalOptions } from '../output.js';

interface PolicyOptions {
  ownDomain?: string[];
  unknownSenders?: MailPolicy['unknownSenders'];
  block?: string[];
  register?: string;
  owner?: string;
}

const seconds = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1740) throw new InvalidArgumentError('must be a whole number of seconds from 1 to 1740');
  return n;
};

const collect = (value: string, previous: string[] = []) => [...previous, value];

function withPolicyOptions(cmd: Command): Command {
  return cmd
    .option('--own-domain <domain>', "your organisation's domain (repeatable): never matched to partners", collect)
    .addOption(
      new Option('--unknown-senders <policy>', 'mail from nobody known: ignore, prospect (create partner + person) or keep (unlinked)').choices([
        ...UNKNOWN_SENDER_POLICIES,
      ]),
    )
    .option('--block <address-or-@domain>', 'do not import mail from this address or @domain (repeatable)', collect)
    .option('--register <code>', 'register for tasks made from mail (default: the default register)')
    .option('--owner <email>', 'operator (by e-mail) who owns tasks made from mail');
}

async function policyOf(crm: Crm, o: PolicyOptions): Promise<Partial<MailPolicy>> {
  const policy: Partial<MailPolicy> = {};
  if (o.ownDomain?.length) policy.ownDomains = o.ownDomain;
  if (o.unknownSenders) policy.unknownSenders = o.unknownSenders;
  if (o.block?.length) policy.blocklist = o.block;
  if (o.register) {
    if (!(await crm.registers.findByCode(o.register))) {
      const known = (await crm.registers.list()).map((r) => r.code).join(', ');
      throw new RapportError('NOT_FOUND', `register ${JSON.stringify(o.register)} does not exist (--register${known ? `; registers: ${known}` : ''})`);
    }
    policy.register = o.register;
  }
  if (o.owner) {
    const owner = await crm.operators.findByEmail(o.owner.trim());
    if (!owner) throw new RapportError('NOT_FOUND', `operator with e-mail ${JSON.stringify(o.owner)} does not exist (--owner)`);
    policy.ownerId = owner.id;
  }
  return policy;
}

/** A progress bar on stderr when it is a terminal (and not --json); otherwise nothing. */
async function progressBar(g: GlobalOptions): Promise<{ onProgress: ProgressListener; stop(): void }> {
  if (g.json || !process.stderr.isTTY) return { onProgress: () => undefined, stop: () => undefined };
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: ' {bar} {value}/{total} | imported {imported} · duplicates {duplicates} · quarantined {quarantined} | {mailbox}',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress: ({ done, total, report, mailbox }) => {
      const payload = { imported: report.imported, duplicates: report.duplicates, quarantined: report.quarantined, mailbox: mailbox ?? '' };
      if (!started) {
        bar.start(total ?? done, done, payload);
        started = true;
      }
      if (total !== null && total !== bar.getTotal()) bar.setTotal(total);
      else if (total === null) bar.setTotal(Math.max(done, bar.getTotal()));
      bar.update(done, payload);
    },
    stop: () => started && bar.stop(),
  };
}

function human(report: SyncReport): string {
  const lines = [
    `fetched ${report.fetched}, imported ${report.imported} (linked to existing ${report.linked}, tasks created ${report.tasksCreated}), duplicates ${report.duplicates}, skipped by policy ${report.skipped}, quarantined ${report.quarantined}, failed ${report.failed} in ${report.seconds.toFixed(1)} s`,
  ];
  for (const m of report.mailboxes) lines.push(`  ${m.mailbox}: ${m.state}, ${m.fetched} fetched, UIDVALIDITY ${m.uidValidity}, last UID ${m.lastUid}`);
  if (report.deletedOnServer) lines.push(`  ${report.deletedOnServer} message(s) marked deleted on the server`);
  for (const q of report.quarantine) lines.push(`  quarantined ${q.source}: ${q.reason}`);
  for (const f of report.failures) lines.push(`  failed ${f.source}: ${f.reason}`);
  return lines.join('\n');
}

/** Prints the report; an import in which something failed ends non-zero with the first reason. */
function finish(g: GlobalOptions, report: SyncReport) {
  emit(g, report, () => human(report));
  if (report.failed > 0) {
    const first = report.failures[0]!;
    throw new Error(`${report.failed} item(s) failed; first: ${first.source}: ${first.reason}`);
  }
}

/** The bridge's IMAP errors name no CLI flags: the flags that fix them are named here. */
function withFlags<E>(err: E): E | RapportError {
  if (!isRapportError(err)) return err;
  const kind = err.details?.kind;
  const hint =
    kind === 'tls'
      ? "trust the server's CA with --ca-file, or check --tls/--no-tls and --port"
      : kind === 'unreachable'
        ? 'check --host and --port'
        : err.code === 'FORBIDDEN'
          ? 'check --user and the password in --password-env'
          : null;
  return hint ? new RapportError(err.code, `${err.message}; ${hint}`, { cause: err, ...(err.details ? { details: err.details } : {}) }) : err;
}

export function registerImport(program: Command) {
  const cmd = program.command('import').description('import e-mail as CRM tasks: from an IMAP mailbox, mbox files or .eml files');

  withPolicyOptions(
    cmd
      .command('imap')
      .description('sync IMAP mailboxes (checkpointed: a re-run fetches only new mail)')
      .requiredOption('--host <host>', 'IMAP server', host)
      .option('--port <port>', 'IMAP port (default 993 with --tls, else 143)', portFrom(1))
      .option('--tls', 'implicit TLS (IMAPS)')
      .option('--no-tls', 'plain IMAP, no STARTTLS (test servers only)')
      .requiredOption('--user <user>', 'login name')
      .requiredOption('--password-env <VAR>', 'environment variable holding the password (never pass it on the command line)')
      .option('--mailbox <path>', 'mailbox to sync (repeatable; default INBOX)', collect)
      .option('--since <YYYY-MM-DD>', 'first sync: only mail since this day', day)
      .option('--watch', 'keep running: wait for new mail (IDLE) and import it; stop with Ctrl-C')
      .option('--poll <seconds>', 'with --watch: check mailboxes other than the first every N seconds (default 60)', seconds)
      .option('--ca-file <file>', "trust this CA certificate (PEM), e.g. a self-signed server's"),
  ).action(
    async (
      o: PolicyOptions & {
        host: string;
        port?: number;
        tls?: boolean;
        user: string;
        passwordEnv: string;
        mailbox?: string[];
        since?: Date;
        watch?: boolean;
        poll?: number;
        caFile?: string;
      },
      c: Command,
    ) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const password = process.env[o.passwordEnv];
      if (!password) throw new RapportError('VALIDATION', `environment variable ${o.passwordEnv} (--password-env) is not set or empty`);
      // --tls: implicit TLS; --no-tls: plain; neither: STARTTLS required (implicit TLS on port 993).
      const tls = o.tls === true ? 'implicit' : o.tls === false ? 'none' : undefined;
      const portNumber = o.port ?? (tls === 'implicit' ? 993 : 143);
      const ca = o.caFile
        ? await readFile(o.caFile).catch((err) =>
            Promise.reject(new RapportError('VALIDATION', `--ca-file ${o.caFile} cannot be read (${err.code ?? err.message})`)),
          )
        : undefined;
      const { crm } = await openCrm(g.db);
      const bar = await progressBar(g);
      try {
        const { ImapSync } = await import('@rapport/mail-bridge');
        const sync = new ImapSync(crm, {
          host: o.host,
          port: portNumber,
          ...(tls ? { tls } : {}),
          user: o.user,
          password,
          ...(ca ? { ca } : {}),
          mailboxes: o.mailbox ?? ['INBOX'],
          ...(o.since ? { since: o.since } : {}),
          policy: await policyOf(crm, o),
          onProgress: bar.onProgress,
        });
        if (!o.watch) {
          const report = await sync.sync().catch((err: unknown) => Promise.reject(withFlags(err)));
          bar.stop();
          finish(g, report);
          return;
        }
        await new Promise<void>((resolve, reject) => {
          const subscription = sync
            .watch({
              ...(o.poll ? { pollSeconds: o.poll } : {}),
              onError: (err, retry) => process.stderr.write(`rapport: ${withFlags(err).message}; reconnecting in ${retry} s\n`),
            })
            .subscribe({
              next: (report) => {
                bar.stop();
                if (g.json) process.stdout.write(`${JSON.stringify(report)}\n`);
                else if (report.fetched > 0 || report.deletedOnServer > 0) process.stdout.write(`${new Date().toISOString()} ${human(report)}\n`);
              },
              error: (err: unknown) => done(() => reject(withFlags(err))),
              complete: () => done(resolve),
            });
          const stop = () => done(resolve);
          const done = (then: () => void) => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            subscription.unsubscribe();
            // The CRM closes after the watch has logged out and written its last batch.
            void sync.stopped().then(then, then);
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      } finally {
        bar.stop();
        await crm.close();
      }
    },
  );

  for (const kind of ['mbox', 'eml'] as const) {
    withPolicyOptions(
      cmd
        .command(kind)
        .description(kind === 'mbox' ? 'import mbox files (Thunderbird local folders; mboxrd/mboxo)' : 'import .eml files (one message each)')
        .argument('<file...>', kind === 'mbox' ? 'mbox files' : '.eml files'),
    ).action(async (files: string[], o: PolicyOptions, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const { crm } = await openCrm(g.db);
      const bar = await progressBar(g);
      try {
        const { importEml, importMbox } = await import('@rapport/mail-bridge');
        const options = { policy: await policyOf(crm, o), onProgress: bar.onProgress };
        const report = kind === 'mbox' ? await importMbox(crm, files, options) : await importEml(crm, files, options);
        bar.stop();
        finish(g, report);
      } finally {
        bar.stop();
        await crm.close();
      }
    });
  }
}
