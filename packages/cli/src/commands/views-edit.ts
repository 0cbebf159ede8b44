import { readFile } from 'node:fs/promises';
import { text as readAll } from 'node:stream/consumers';
import type { Command, Option } from 'commander';
import type { Crm, SavedView, ViewInput, ViewShare } from '@rapport/core';
import { RapportError } from '@rapport/core/store';
import { openCrm } from '../db.js';
import { emit, type GlobalOptions } from '../output.js';
import { actingCrm } from './views.js';

/** A share as a file names it: an operator by e-mail (or id) or a group, for use or for editing. */
interface FileShare {
  operator?: string;
  operatorId?: string;
  group?: string;
  canEdit?: boolean;
}

/** The JSON `views show` prints and `views save` reads. */
interface ViewFile {
  name: string;
  spec: ViewInput['spec'];
  shares?: FileShare[];
}

async function readViewFile(file: string): Promise<ViewFile> {
  let text: string;
  try {
    text = file === '-' ? await readAll(process.stdin) : await readFile(file, 'utf8');
  } catch (err) {
    throw new RapportError('VALIDATION', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new RapportError('VALIDATION', `${file} is not JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new RapportError('VALIDATION', `${file} must hold a view as a JSON object: { "name": ..., "spec": { "kind": "tasks", ... }, "shares": [...] }`);
  return parsed as ViewFile;
}

/** Shares with operators named by e-mail turned into ids (core checks the rest). */
async function toShares(crm: Crm, shares: unknown): Promise<ViewShare[] | undefined> {
  if (!Array.isArray(shares)) return shares as undefined;
  return Promise.all(
    shares.map(async (s: FileShare, i) => {
      if (!s || typeof s !== 'object' || typeof s.operator !== 'string') return s as ViewShare;
      const { operator, ...rest } = s;
      const op = await crm.operators.findByEmail(operator);
      if (!op) throw new RapportError('NOT_FOUND', `shares[${i}]: operator ${JSON.stringify(operator)} does not exist`);
      return { ...rest, operatorId: op.id, canEdit: rest.canEdit ?? false };
    }),
  );
}

/** A saved view as `views save` reads it back: shares name operators by e-mail. */
async function toFile(crm: Crm, view: SavedView): Promise<ViewFile & { id: string; version: number; ownerId: string | null }> {
  const shares = await Promise.all(
    view.shares.map(async (s) => {
      if (!s.operatorId) return { group: s.group!, canEdit: s.canEdit };
      const op = await crm.operators.get(s.operatorId).catch(() => null);
      return op ? { operator: op.email, canEdit: s.canEdit } : { operatorId: s.operatorId, canEdit: s.canEdit };
    }),
  );
  return { id: view.id, version: view.version, ownerId: view.ownerId, name: view.name, spec: view.spec, shares };
}

/** `views show`, `views save` and `views delete`: saved views as JSON files. */
export function registerViewEdits(views: Command, asOption: () => Option) {
  views
    .command('show <view>')
    .description('a view as JSON (name, spec, shares): what views save reads')
    .addOption(asOption())
    .action(async (ref: string, opts: { as?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm } = await openCrm(g.db);
      try {
        const view = await (await actingCrm(crm, opts.as)).views.get(ref);
        const shown = 'builtin' in view ? view : await toFile(crm, view);
        emit(g, { view: shown }, () => JSON.stringify(shown, null, 2));
      } finally {
        await crm.close();
      }
    });

  views
    .command('save <file>')
    .description('save a view from a JSON file ({ name, spec, shares }; - reads standard input); shares name operators by e-mail or groups by name')
    .addOption(asOption())
    .option('--replace', 'change the saved view of that name (its spec and shares) instead of refusing a taken name')
    .action(async (file: string, opts: { as?: string; replace?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const input = await readViewFile(file);
      const { crm } = await openCrm(g.db);
      try {
        const acting = await actingCrm(crm, opts.as);
        const shares = await toShares(crm, input.shares);
        const { name, spec, ...rest } = input;
        const extra = Object.keys(rest).filter((k) => !['shares', 'id', 'version', 'ownerId'].includes(k));
        if (extra.length > 0)
          throw new RapportError('VALIDATION', `${file}: a view has no ${extra.map((k) => JSON.stringify(k)).join(', ')} (it takes name, spec, shares)`);
        const existing = opts.replace ? (await acting.views.list()).find((v) => v.name === name && !('builtin' in v)) : undefined;
        const view = existing
          ? await acting.views.update(existing.id, { spec, ...(shares === undefined ? {} : { shares }) })
          : await acting.views.save({ name, spec, ...(shares === undefined ? {} : { shares }) }).catch((err: unknown) => {
              if (err instanceof RapportError && err.code === 'CONFLICT')
                throw new RapportError('CONFLICT', `${err.message}: pass --replace to change that view`);
              throw err;
            });
        const report = { id: view.id, name: view.name, kind: view.kind, version: view.version, replaced: existing !== undefined };
        emit(g, { view: report }, () => `view ${JSON.stringify(view.name)} ${existing ? 'changed' : 'saved'} (${view.id}, version ${view.version})`);
      } finally {
        await crm.close();
      }
    });

  views
    .command('delete <view>')
    .description('delete a saved view (by name or id; its owner)')
    .addOption(asOption())
    .action(async (ref: string, opts: { as?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm } = await openCrm(g.db);
      try {
        const acting = await actingCrm(crm, opts.as);
        const view = await acting.views.get(ref);
        if ('builtin' in view) throw new RapportError('VALIDATION', `${JSON.stringify(view.name)} is a built-in view: it cannot be deleted`);
        await acting.views.remove(view.id);
        emit(g, { deleted: view.id, name: view.name }, () => `view ${JSON.stringify(view.name)} deleted`);
      } finally {
        await crm.close();
      }
    });
}
