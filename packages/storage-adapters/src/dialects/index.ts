import type { Dialect, DialectName } from '../dialect.js';
import { postgres } from './postgres.js';
import { sqlite } from './sqlite.js';

/** Every dialect by name (the migration generator writes one migration per entry). A new dialect adds its file to this list. */
export const dialects: Record<DialectName, Dialect> = Object.fromEntries([sqlite, postgres].map((d) => [d.name, d]));
