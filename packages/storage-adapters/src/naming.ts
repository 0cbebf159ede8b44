/** Column names are the snake_case of field names: `partnerId` → `partner_id`, `customFields` → `custom_fields`. */
export function columnName(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Table names are collection names as they are (`tasks`, `api_tokens`). */
export function tableName(collection: string): string {
  return collection;
}

/** The table TypeORM's migration runner records applied migrations in. */
export const MIGRATIONS_TABLE = 'rapport_migrations';
/** Named counters behind `nextSequence`. */
export const SEQUENCES_TABLE = 'rapport_sequences';
