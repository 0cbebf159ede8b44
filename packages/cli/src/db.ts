import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Crm, Store } from '@rapport/core';
import { RapportError } from '@rapport/core/store';

export const DEFAULT_DB = 'sqlite:./rapport.db';

/** The database URL: `--db`, else RAPPORT_DB, else the embedded SQLite file. */
export function resolveDb(option: string | undefined): string {
  return option ?? process.env.RAPPORT_DB ?? DEFAULT_DB;
}

/** The folder a `sqlite:PATH` database lives in, when it does not exist yet (else null). */
export function missingSqliteDir(url: string): string | null {
  if (!url.startsWith('sqlite:') || url.endsWith(':memory:')) return null;
  const dir = dirname(resolve(url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')));
  return existsSync(dir) ? null : dir;
}

/** Opens a store for a `sqlite:PATH` or `postgres://` URL (loading the adapters only then). */
export async function openStore(url: string): Promise<Store> {
  if (url.startsWith('sqlite:')) {
    const filename = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!filename) throw new RapportError('VALIDATION', `--db ${url} names no file (use sqlite:./rapport.db or sqlite::memory:)`);
    const missing = missingSqliteDir(url);
    if (missing) throw new RapportError('VALIDATION', `--db ${url}: the folder ${missing} does not exist (rapport init creates it)`);
    const { sqliteStore } = await import('@rapport/storage-adapters');
    return sqliteStore({ filename });
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { postgresStore } = await import('@rapport/storage-adapters');
    return postgresStore({ url });
  }
  throw new RapportError('VALIDATION', `--db must be sqlite:PATH or postgres://... (got ${JSON.stringify(redact(url))})`);
}

/** Hides a password in a database URL before it is printed. */
export function redact(url: string): string {
  // The URL parser splits user info at the last `@`, so a password holding `@`, `:` or `/` is
  // hidden whole; what it cannot parse loses everything up to its last `@`.
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const at = url.lastIndexOf('@');
    const start = url.indexOf('//');
    return at > start && start >= 0 ? `${url.slice(0, start + 2)}***${url.slice(at)}` : url;
  }
  if (!parsed.password) return url;
  parsed.password = '***';
  return parsed.href;
}

/** Where attachments go: RAPPORT_BLOBS, else a folder beside the SQLite file, else ./rapport-blobs. */
export function blobDir(url: string): string {
  if (process.env.RAPPORT_BLOBS) return resolve(process.env.RAPPORT_BLOBS);
  if (url.startsWith('sqlite:') && !url.endsWith(':memory:')) return resolve(`${url.slice('sqlite:'.length)}.blobs`);
  return resolve('rapport-blobs');
}

/** Opens the store, applies pending migrations and builds the CRM (the caller closes it). */
export async function openCrm(
  dbOption: string | undefined,
  options: { createDirectory?: boolean } = {},
): Promise<{ crm: Crm; url: string; applied: string[]; createdDirectory: string | null }> {
  const url = resolveDb(dbOption);
  const createdDirectory = options.createDirectory ? missingSqliteDir(url) : null;
  if (createdDirectory) mkdirSync(createdDirectory, { recursive: true });
  const store = await openStore(url);
  try {
    const report = await store.migrate();
    // Loaded here, not at start: `rapport --help` and usage errors never load the CRM.
    const { createCrm, fsBlobStore } = await import('@rapport/core');
    const crm = createCrm({ store, blobs: fsBlobStore({ dir: blobDir(url) }) });
    // Data from before access control (or before a later access migration: e-mails, stages and
    // entries carrying their task's fields) gets what the rules read, once, when it applies.
    if (report.applied.some((name) => name.startsWith('Access'))) await crm.access.upgrade();
    return { crm, url, applied: report.applied, createdDirectory };
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}
