import type { Dialect, DialectName } from '../dialect.js';
import { postgres } from './postgres.js';
import { sqlite } from './sqlite.js';

/** Every dialect by name (the migration generator writes one migration per entry). */
export const dialects: Record<DialectName, Dialect> = { sqlite, postgres };
