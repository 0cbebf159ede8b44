import type { CollectionDef } from '../store/schema.js';
import type { StoredRecord } from '../store/schema.js';
import type { Timestamps } from './types.js';

/**
 * A deputy (zastępca) working an absent operator's records for a period: while it is active,
 * the deputy acts for the absent operator (`actingFor` of the access rules) without any record
 * changing owner.
 */
export interface Substitution extends StoredRecord, Timestamps {
  absentId: string;
  deputyId: string;
  /** The first instant the deputy acts for the absent operator. */
  from: Date;
  /** The first instant they no longer do: the substitution ends by itself. */
  until: Date;
  /** When it was ended early or cancelled (then it is over from this instant), else null. */
  endedAt: Date | null;
  createdBy: string | null;
}

export const substitutions: CollectionDef = {
  name: 'substitutions',
  fields: {
    absentId: { type: 'string', length: 64 },
    deputyId: { type: 'string', length: 64 },
    from: { type: 'date' },
    until: { type: 'date' },
    endedAt: { type: 'date', nullable: true },
    createdBy: { type: 'string', length: 64, nullable: true },
    createdAt: { type: 'date' },
    updatedAt: { type: 'date' },
  },
  indexes: [
    // Principal resolution reads a deputy's substitutions on every request: one index range.
    { name: 'substitutions_deputy', fields: ['deputyId', 'until'] },
    { name: 'substitutions_absent', fields: ['absentId', 'until'] },
  ],
};
