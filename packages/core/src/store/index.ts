/**
 * @rapport/core/store: what a storage adapter author needs. The `Store` port (store.ts states
 * every promise), the filter AST and its semantics, the schema a store must hold, and the
 * helpers every store shares (cursors, sorting, aggregation), so each adapter compiles only.
 */
export type {
  Store,
  StoreCapabilities,
  CountOptions,
  FindQuery,
  Page,
  SortField,
  AggregateQuery,
  AggregateRow,
  Measure,
  GroupKey,
  MigrationReport,
} from './store.js';
export { DEFAULT_LIMIT, MAX_LIMIT, checkSequenceCount, resolveAtMost } from './store.js';
export { where, normalizeFilter, matches, readPath, compareScalars, filterFields, GRANT_KINDS, GRANTS_COLLECTION, READABLE_COLLECTIONS } from './filter.js';
export type { Filter, NormalFilter, Scalar, GrantKind, GrantLevel, GrantLookup, ReadableCollection, RowLookup } from './filter.js';
export {
  foldText,
  searchTokens,
  queryTokens,
  matchesSearch,
  DIACRITIC_RANGES,
  FOLD_LETTERS,
  MAX_SEARCH_LENGTH,
  MAX_SEARCH_TOKENS,
  MIN_SEARCH_TOKEN,
  SEARCH_TOKEN_LENGTH,
} from './search.js';
export { Schema, allFields, indexFields, ID_FIELD, VERSION_FIELD } from './schema.js';
export type { CollectionDef, FieldDef, FieldType, IndexDef, IndexField, StoredRecord } from './schema.js';
export { resolveSort, resolveLimit, encodeCursor, decodeCursor, afterCursor, compareBySort, cursorFilter } from './cursor.js';
export { checkFilter, checkSort, checkSelect, selectedFields, checkAggregate, checkPath, MEASURE_FNS, GRANULARITIES } from './check.js';
export type { ResolvedSort } from './cursor.js';
export { aggregateRecords, groupKeyName, groupValue } from './aggregate.js';
export { memoryStore } from './memory.js';
export { findAll, readAll } from './find-all.js';
export { valueCodec } from './codec.js';
export type { ValueCodec } from './codec.js';
export { coreSchema, coreCollections } from '../domain/schema.js';
export { RapportError, isRapportError } from '../errors.js';
export type { RapportErrorCode } from '../errors.js';
