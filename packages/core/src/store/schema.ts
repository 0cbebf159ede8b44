/**
 * One description of every record core stores. Adapters generate their tables, columns and
 * indexes from it; nothing else in the codebase lists the fields a second time.
 */
export type FieldType =
  | 'string' //  short text (codes, names, e-mail addresses); `length` bounds it
  | 'text' //    long text (descriptions, bodies)
  | 'integer' // whole numbers, including money in minor units (safe up to 2^53)
  | 'float'
  | 'boolean'
  | 'date' //    a Date in the domain, millisecond precision
  | 'json'; //   arrays and objects (custom fields, participant lists)

export interface FieldDef {
  type: FieldType;
  nullable?: boolean;
  /** Maximum length for `string` fields (default 255). */
  length?: number;
}

export interface IndexField {
  field: string;
  desc?: boolean;
  /**
   * Key a nullable field in the sort order (nulls after values), so the index serves an ORDER BY
   * on it; without it an index serves equality and ranges on the field (decision 0175).
   */
  nullsLast?: boolean;
}

export interface IndexDef {
  /** Stable name, used by migrations. */
  name: string;
  fields: Array<string | IndexField>;
  unique?: boolean;
}

export interface CollectionDef {
  name: string;
  /** Fields other than the implicit `id` (string primary key) and `version` (integer). */
  fields: Record<string, FieldDef>;
  indexes: IndexDef[];
  /**
   * Fields indexed for full-text search (the `search` filter): text fields, or JSON lists of
   * strings (e-mail addresses). Stores keep one index per collection over all of them.
   */
  search?: string[];
}

/** Every stored record has an id made by core and a version for optimistic concurrency. */
export interface StoredRecord {
  id: string;
  version: number;
}

export const ID_FIELD: FieldDef = { type: 'string', length: 64 };
export const VERSION_FIELD: FieldDef = { type: 'integer' };

/** All fields of a collection, the implicit `id` and `version` first. */
export function allFields(def: CollectionDef): Record<string, FieldDef> {
  return { id: ID_FIELD, version: VERSION_FIELD, ...def.fields };
}

export function indexFields(index: IndexDef): IndexField[] {
  return index.fields.map((f) => (typeof f === 'string' ? { field: f } : f));
}

/** A set of collections: the schema of one application (core's records plus any extensions). */
export class Schema {
  private readonly byName = new Map<string, CollectionDef>();
  /** allFields() of each collection, built once: field() runs for every filter and sort field. */
  private readonly fieldsByName = new Map<string, Record<string, FieldDef>>();

  constructor(collections: Iterable<CollectionDef>) {
    for (const c of collections) {
      if (this.byName.has(c.name)) throw new Error(`collection ${c.name} is defined twice`);
      for (const field of c.search ?? []) {
        const type = Object.hasOwn(c.fields, field) ? c.fields[field]!.type : undefined;
        if (type !== 'string' && type !== 'text' && type !== 'json')
          throw new Error(`collection ${c.name}: search field ${field} must be a text or JSON field`);
      }
      this.byName.set(c.name, c);
    }
  }

  get collections(): CollectionDef[] {
    return [...this.byName.values()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  collection(name: string): CollectionDef {
    const def = this.byName.get(name);
    if (!def) throw new Error(`unknown collection ${JSON.stringify(name)}`);
    return def;
  }

  /** The definition of a field; a dotted path (`customFields.region`) resolves to its JSON root. */
  field(collection: string, path: string): { name: string; def: FieldDef; jsonPath: string[] } {
    const [name, ...jsonPath] = path.split('.') as [string, ...string[]];
    let fields = this.fieldsByName.get(collection);
    if (!fields) this.fieldsByName.set(collection, (fields = allFields(this.collection(collection))));
    // Own fields only: `constructor` or `__proto__` must not resolve through Object.prototype.
    const def = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (!def) throw new Error(`unknown field ${collection}.${name}`);
    if (jsonPath.length > 0 && def.type !== 'json') {
      throw new Error(`field ${collection}.${name} is not JSON, so ${path} is not a valid path`);
    }
    return { name, def, jsonPath };
  }
}
