import type { IndexDef } from '../store/schema.js';

/**
 * Index fields for "newest first" by `field`, with the id tiebreak the cursor adds: the order
 * search reads candidates in, so a broad word is answered by walking the index (decision 0170).
 */
export const RECENT = (field: string): IndexDef['fields'] => [
  { field, desc: true },
  { field: 'id', desc: true },
];
