// Thunderbird's WebExtension schemas, read from the installed Thunderbird (omni.ja), so the fake
// `messenger` and the host are checked against the API the real client offers, per manifest version.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import JSZip from 'jszip';
import { ensureDebianPackages } from '../debian.js';

export const THUNDERBIRD_OMNI = '/usr/lib/thunderbird/omni.ja';

interface Def {
  name?: string;
  id?: string;
  type?: string;
  $ref?: string;
  choices?: Def[];
  properties?: Record<string, Def>;
  additionalProperties?: Def | boolean;
  items?: Def;
  enum?: Array<string | { name: string }>;
  optional?: boolean;
  isInstanceOf?: string;
  parameters?: Def[];
  functions?: Def[];
  events?: Def[];
  min_manifest_version?: number;
  max_manifest_version?: number;
}
interface Namespace {
  functions: Def[];
  events: Def[];
  properties: Record<string, Def>;
  types: Def[];
}

export interface ThunderbirdSchema {
  /** The function or event at `path` (e.g. `messageDisplay.onMessagesDisplayed`, `storage.local.get`) for manifest version `mv`. */
  member(path: string, mv: number): { kind: 'function' | 'event'; def: Def; ns: string } | null;
  /** Where `value` departs from `def` (empty when it conforms), as `path: problem` lines. */
  check(value: unknown, def: Def, ns: string, mv: number, path?: string): string[];
}

const forVersion = (d: Def, mv: number) => (d.min_manifest_version ?? 0) <= mv && mv <= (d.max_manifest_version ?? Infinity);

/** Loads every schema of the installed Thunderbird (installing it when missing). */
export async function loadThunderbirdSchema(): Promise<ThunderbirdSchema> {
  ensureDebianPackages({ '/usr/bin/thunderbird': 'thunderbird' });
  if (!existsSync(THUNDERBIRD_OMNI)) throw new Error(`no Thunderbird schemas: ${THUNDERBIRD_OMNI} is missing`);
  const zip = await JSZip.loadAsync(readFileSync(realpathSync(THUNDERBIRD_OMNI)));
  const spaces = new Map<string, Namespace>();
  for (const file of Object.values(zip.files).filter((f) => /\/schemas\/[^/]+\.json$/.test(f.name))) {
    // Schema files open with licence comments, which JSON does not allow.
    const text = (await file.async('string')).replace(/^\s*\/\/.*$/gm, '');
    const namespaces = JSON.parse(text) as unknown;
    // A few files under schemas/ are not namespace lists (e.g. indexes): skip them.
    if (!Array.isArray(namespaces)) continue;
    for (const ns of namespaces as Array<Def & { namespace: string }>) {
      const into = spaces.get(ns.namespace) ?? { functions: [], events: [], properties: {}, types: [] };
      into.functions.push(...(ns.functions ?? []));
      into.events.push(...(ns.events ?? []));
      Object.assign(into.properties, ns.properties ?? {});
      into.types.push(...((ns as { types?: Def[] }).types ?? []));
      spaces.set(ns.namespace, into);
    }
  }

  function resolve(ref: string, ns: string): [Def, string] {
    const [space, id] = ref.includes('.') ? [ref.slice(0, ref.lastIndexOf('.')), ref.slice(ref.lastIndexOf('.') + 1)] : [ns, ref];
    const def = spaces.get(space)?.types.find((t) => t.id === id);
    if (!def) throw new Error(`schema type ${ref} not found (from ${ns})`);
    return [def, space];
  }

  function member(path: string, mv: number): ReturnType<ThunderbirdSchema['member']> {
    const parts = path.split('.');
    const ns = parts.shift()!;
    const space = spaces.get(ns);
    if (!space || parts.length === 0) return null;
    let holder: { functions?: Def[]; events?: Def[] } = space;
    let holderNs = ns;
    // storage.local.get: a property whose type carries the functions.
    while (parts.length > 1) {
      const prop = (holder === space ? space.properties : {})[parts.shift()!];
      if (!prop?.$ref) return null;
      [holder, holderNs] = resolve(prop.$ref, holderNs);
    }
    const name = parts[0]!;
    const fn = holder.functions?.find((f) => f.name === name && forVersion(f, mv));
    if (fn) return { kind: 'function', def: fn, ns: holderNs };
    const ev = holder.events?.find((e) => e.name === name && forVersion(e, mv));
    return ev ? { kind: 'event', def: ev, ns: holderNs } : null;
  }

  function check(value: unknown, def: Def, ns: string, mv: number, path = 'value'): string[] {
    if (def.$ref) {
      const [target, space] = resolve(def.$ref, ns);
      return check(value, target, space, mv, path);
    }
    if (def.choices) {
      const open = def.choices.filter((c) => forVersion(c, mv));
      const results = open.map((c) => check(value, c, ns, mv, path));
      return results.some((r) => r.length === 0) ? [] : [`${path}: matches none of ${open.length} choices (${results.map((r) => r[0]).join(' | ')})`];
    }
    switch (def.type) {
      case undefined:
      case 'any':
        return [];
      case 'null':
        return value === null ? [] : [`${path}: expected null`];
      case 'boolean':
      case 'string':
      case 'function':
        if (typeof value !== def.type) return [`${path}: expected ${def.type}, got ${typeof value}`];
        if (def.enum && !def.enum.some((e) => (typeof e === 'string' ? e : e.name) === value)) return [`${path}: ${String(value)} not in enum`];
        return [];
      case 'integer':
      case 'number':
        return typeof value === 'number' && (def.type === 'number' || Number.isInteger(value)) ? [] : [`${path}: expected ${def.type}`];
      case 'array':
        if (!Array.isArray(value)) return [`${path}: expected array`];
        return value.flatMap((v, i) => (def.items ? check(v, def.items, ns, mv, `${path}[${i}]`) : []));
      case 'object': {
        if (def.isInstanceOf)
          return (globalThis as Record<string, unknown>)[def.isInstanceOf] && value instanceof (globalThis as any)[def.isInstanceOf]
            ? []
            : [`${path}: expected a ${def.isInstanceOf}`];
        if (typeof value !== 'object' || value === null) return [`${path}: expected object`];
        const props = Object.fromEntries(Object.entries(def.properties ?? {}).filter(([, p]) => forVersion(p, mv)));
        const out: string[] = [];
        for (const [k, p] of Object.entries(props)) {
          const v = (value as Record<string, unknown>)[k];
          if (v === undefined) {
            if (!p.optional) out.push(`${path}.${k}: missing`);
          } else out.push(...check(v, p, ns, mv, `${path}.${k}`));
        }
        for (const k of Object.keys(value)) if (!(k in props) && !def.additionalProperties) out.push(`${path}.${k}: not in the schema`);
        return out;
      }
      default:
        return [];
    }
  }

  return { member, check };
}
