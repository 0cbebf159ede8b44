import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

/**
 * The public MIME corpus, or null: RAPPORT_MAIL_CORPUS, else `shared/corpus` beside the clone
 * (where CI puts it) or beside the folder of worktrees. Tests using it must pass without it.
 */
export const CORPUS: string | null =
  process.env.RAPPORT_MAIL_CORPUS ?? [join(ROOT, '..', 'shared', 'corpus'), join(ROOT, '..', '..', 'shared', 'corpus')].find((dir) => existsSync(dir)) ?? null;

/** The corpus's message files (not its licences and notes), sorted. */
export function corpusFiles(dir = CORPUS): string[] {
  if (!dir) return [];
  const walk = (path: string): string[] =>
    readdirSync(path).flatMap((name) => {
      const full = join(path, name);
      if (statSync(full).isDirectory()) return walk(full);
      return /license|readme|\.md$|\.json$|\.js$|\.ts$|\.rb$/i.test(name) ? [] : [full];
    });
  return walk(dir).sort();
}
