/** One committed migration file of a dialect: the class it exports and its file name. */
export interface MigrationFile {
  exported: string;
  file: string;
}

/**
 * The source of src/migrations/index.ts: every dialect's migration files in order, keyed by
 * dialect name. The dialects are whatever the registry holds, so a new one needs no edit here.
 */
export function migrationIndexSource(files: Record<string, MigrationFile[]>): string {
  const imports: string[] = [];
  const lists: string[] = [];
  for (const [dialect, list] of Object.entries(files)) {
    const aliases = list.map(({ exported, file }) => {
      const alias = `${dialect}${exported}`;
      imports.push(`import { ${exported} as ${alias} } from './${dialect}/${file.replace(/\.ts$/, '.js')}';`);
      return alias;
    });
    const key = /^[A-Za-z_$][\w$]*$/.test(dialect) ? dialect : JSON.stringify(dialect);
    lists.push(`    ${key}: [${aliases.join(', ')}],`);
  }
  return `// Rewritten by scripts/generate-migration.ts: the committed migrations of each dialect, in order.
import type { MigrationSet, Snapshot } from '../migration-plan.js';
import snapshot from '../../migrations/snapshot.json';
${imports.join('\n')}

export const coreMigrations: MigrationSet = {
  dialects: {
${lists.join('\n')}
  },
  snapshot: snapshot as unknown as Snapshot,
};
`;
}
