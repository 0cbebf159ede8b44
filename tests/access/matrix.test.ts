/**
 * The authorization matrix: every record kind with an owner × action × scope, through the SDK.
 * Each operator U_s holds one role giving `scope` s for the action under test (and read: all for
 * writes, so a refusal is FORBIDDEN rather than NOT_FOUND); U_s acts on a triple of records: one
 * it owns, one owned by G (a member of its group), one owned by O (in no group of theirs).
 */
import { describe, expect, it } from 'vitest';
import { isRapportError, where, type AccessAction, type AccessScope, type Crm, type Operator, type Permissions } from '@rapport/core';
import { createApiServer } from '@rapport/outlook-addin';
import { team } from './setup.js';

const SCOPES: AccessScope[] = ['none', 'own', 'group', 'all'];
type Which = 'own' | 'group' | 'other';
const REACH: Record<AccessScope, Which[]> = { none: [], own: ['own'], group: ['own', 'group'], all: ['own', 'group', 'other'] };

interface KindUnderTest {
  kind: 'partners' | 'tasks' | 'opportunities' | 'offers' | 'campaigns';
  /** The kind records its creator: what I create is mine ("own" is owner or creator), whoever owns it. */
  creator?: boolean;
  /** Makes a record owned by `ownerId` as the trusted host. */
  make(root: Crm, ownerId: string, n: string): Promise<{ id: string }>;
  get(crm: Crm, id: string): Promise<unknown>;
  update(crm: Crm, id: string): Promise<unknown>;
  assign(crm: Crm, id: string, to: string): Promise<unknown>;
  create(crm: Crm, ownerId: string, n: string): Promise<unknown>;
}

/** The partner opportunities and offers of the current world are made on (tests of a file run one after another). */
let basePartner = '';
const LINE = [{ item: 'Licencja', quantity: 1, unitPrice: 1000, vatRate: 23 }];

const KINDS: KindUnderTest[] = [
  {
    kind: 'partners',
    make: (root, ownerId, n) => root.partners.create({ code: `P${n}`, name: `Partner ${n}`, ownerId }),
    get: (crm, id) => crm.partners.get(id),
    update: (crm, id) => crm.partners.update(id, { industry: 'IT' }),
    assign: (crm, id, to) => crm.partners.update(id, { ownerId: to }),
    create: (crm, ownerId, n) => crm.partners.create({ code: `C${n}`, name: `Created ${n}`, ownerId }),
  },
  {
    kind: 'tasks',
    creator: true,
    make: (root, ownerId, n) => root.tasks.create({ subject: `Task ${n}`, ownerId }),
    get: (crm, id) => crm.tasks.get(id),
    update: (crm, id) => crm.tasks.update(id, { priority: 'high' }),
    assign: (crm, id, to) => crm.tasks.assign(id, to),
    create: (crm, ownerId, n) => crm.tasks.create({ subject: `Created ${n}`, ownerId }),
  },
  {
    kind: 'opportunities',
    creator: true,
    make: (root, ownerId, n) => root.opportunities.create({ name: `Opp ${n}`, partnerId: basePartner, ownerId, amount: 100, currency: 'PLN' }),
    get: (crm, id) => crm.opportunities.get(id),
    update: (crm, id) => crm.opportunities.update(id, { amount: 200 }),
    assign: (crm, id, to) => crm.opportunities.update(id, { ownerId: to }),
    create: (crm, ownerId, n) => crm.opportunities.create({ name: `Created ${n}`, partnerId: basePartner, ownerId, amount: 1, currency: 'PLN' }),
  },
  {
    kind: 'offers',
    make: (root, ownerId) => root.offers.create({ partnerId: basePartner, ownerId, currency: 'PLN', lines: LINE }),
    get: (crm, id) => crm.offers.get(id),
    update: (crm, id) => crm.offers.update(id, { note: 'changed' }),
    assign: (crm, id, to) => crm.offers.update(id, { ownerId: to }),
    create: (crm, ownerId) => crm.offers.create({ partnerId: basePartner, ownerId, currency: 'PLN', lines: LINE }),
  },
  {
    kind: 'campaigns',
    make: (root, ownerId, n) => root.campaigns.create({ code: `K${n}`, name: `Campaign ${n}`, ownerId }),
    get: (crm, id) => crm.campaigns.get(id),
    update: (crm, id) => crm.campaigns.update(id, { objective: 'more' }),
    assign: (crm, id, to) => crm.campaigns.update(id, { ownerId: to }),
    create: (crm, ownerId, n) => crm.campaigns.create({ code: `N${n}`, name: `Created ${n}`, ownerId }),
  },
];

/** The code an attempt ends with: 'ok', or the RapportError's code. */
async function outcome(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'ok';
  } catch (err) {
    if (isRapportError(err)) return err.code;
    throw err;
  }
}

/** Operators U_none..U_all, each with one role for `kind`, all in one group with G; O outside. */
async function world(k: KindUnderTest, permissionsFor: (scope: AccessScope) => Permissions) {
  const t = await team();
  const { root } = t;
  basePartner = (await root.partners.create({ code: 'BASE', name: 'Base' })).id;
  const g = await root.operators.create({ name: 'G', email: 'g@firma.pl' });
  const o = await root.operators.create({ name: 'O', email: 'o@firma.pl' });
  const group = await root.groups.create({ name: 'Sprzedaż' });
  await root.groups.addMember(group.id, g.id);
  const users = {} as Record<AccessScope, Operator>;
  const triples = {} as Record<AccessScope, Record<Which, string>>;
  for (const scope of SCOPES) {
    const u = await root.operators.create({ name: `U ${scope}`, email: `u-${scope}@firma.pl` });
    await root.groups.addMember(group.id, u.id);
    // Opportunities and offers name a partner: reading partners is part of creating them.
    const role = await root.roles.create({ name: `${k.kind} ${scope}`, permissions: { partners: { read: 'all' }, ...permissionsFor(scope) } });
    await root.roles.grant(u.id, role.id);
    users[scope] = u;
    triples[scope] = {
      own: (await k.make(root, u.id, `${scope}-own`)).id,
      group: (await k.make(root, g.id, `${scope}-group`)).id,
      other: (await k.make(root, o.id, `${scope}-other`)).id,
    };
  }
  return { ...t, g, o, users, triples };
}

const WHICH: Which[] = ['own', 'group', 'other'];

describe.each(KINDS)('authorization matrix: $kind', (k) => {
  it('read: lists, counts and single reads reach exactly the scope; the rest is NOT_FOUND', async () => {
    const w = await world(k, (scope) => ({ [k.kind]: { read: scope } }));
    for (const scope of SCOPES) {
      const crm = w.root.as(w.users[scope].id);
      const ids = w.triples[scope];
      const expected = REACH[scope].map((x) => ids[x]).sort();
      const filter = where.in('id', Object.values(ids));
      const listed = (await crm.store.find<{ id: string; version: number }>(k.kind, { where: filter, limit: 10 })).items.map((r) => r.id).sort();
      expect(listed, `${k.kind} read ${scope}: list`).toEqual(expected);
      expect(await crm.store.count(k.kind, filter), `${k.kind} read ${scope}: count`).toBe(expected.length);
      for (const which of WHICH) {
        expect(await outcome(() => k.get(crm, ids[which])), `${k.kind} read ${scope}: get ${which}`).toBe(REACH[scope].includes(which) ? 'ok' : 'NOT_FOUND');
      }
      expect(await crm.access.can(k.kind, 'read'), `${k.kind} can read ${scope}`).toBe(scope !== 'none');
    }
  });

  it('update: allowed within the scope, FORBIDDEN outside it (records stay readable)', async () => {
    const w = await world(k, (scope) => ({ [k.kind]: { read: 'all', update: scope } }));
    for (const scope of SCOPES) {
      const crm = w.root.as(w.users[scope].id);
      for (const which of WHICH) {
        const id = w.triples[scope][which];
        expect(await outcome(() => k.update(crm, id)), `${k.kind} update ${scope}: ${which}`).toBe(REACH[scope].includes(which) ? 'ok' : 'FORBIDDEN');
        expect(await crm.access.can(k.kind, 'update', (await k.get(w.root, id)) as never)).toBe(REACH[scope].includes(which));
      }
    }
  });

  it('assign: changing the owner needs the assign scope on the record as it is', async () => {
    const w = await world(k, (scope) => ({ [k.kind]: { read: 'all', update: 'all', assign: scope } }));
    for (const scope of SCOPES) {
      const crm = w.root.as(w.users[scope].id);
      for (const which of WHICH) {
        // Always a real change of owner: O's record goes to G, the others to O.
        const to = which === 'other' ? w.g.id : w.o.id;
        const result = await outcome(() => k.assign(crm, w.triples[scope][which], to));
        expect(result, `${k.kind} assign ${scope}: ${which}`).toBe(REACH[scope].includes(which) ? 'ok' : 'FORBIDDEN');
      }
    }
  });

  it('create: for oneself with any scope but none; for someone else only with assign reaching them (or as its creator)', async () => {
    const w = await world(k, (scope) => ({ [k.kind]: { read: 'all', create: scope, assign: scope } }));
    for (const scope of SCOPES) {
      const crm = w.root.as(w.users[scope].id);
      const owners: Record<Which, string> = { own: w.users[scope].id, group: w.g.id, other: w.o.id };
      for (const which of WHICH) {
        // A kind that records its creator makes what I create "own" for any owner.
        const allowed = k.creator ? scope !== 'none' : REACH[scope].includes(which);
        expect(await outcome(() => k.create(crm, owners[which], `${scope}-${which}`)), `${k.kind} create ${scope}: for ${which}`).toBe(
          allowed ? 'ok' : 'FORBIDDEN',
        );
      }
    }
  });

  it('delete: within the scope only; a refused delete leaves the record', async () => {
    const w = await world(k, (scope) => ({ [k.kind]: { read: 'all', delete: scope } }));
    for (const scope of SCOPES) {
      const crm = w.root.as(w.users[scope].id);
      for (const which of WHICH) {
        const id = w.triples[scope][which];
        const allowed = REACH[scope].includes(which);
        expect(await outcome(() => crm.store.delete(k.kind, id)), `${k.kind} delete ${scope}: ${which}`).toBe(allowed ? 'ok' : 'FORBIDDEN');
        expect(await w.store.get(k.kind, id), `${k.kind} delete ${scope}: ${which} stored`).toEqual(allowed ? null : expect.objectContaining({ id }));
      }
    }
  });

  it('export: crm.access.can answers per record by the export scope', async () => {
    const w = await world(k, (scope) => ({ [k.kind]: { read: 'all', export: scope } }));
    for (const scope of SCOPES) {
      const crm = w.root.as(w.users[scope].id);
      for (const which of WHICH) {
        const record = await w.store.get<{ id: string; version: number }>(k.kind, w.triples[scope][which]);
        expect(await crm.access.can(k.kind, 'export' as AccessAction, record!), `${k.kind} export ${scope}: ${which}`).toBe(REACH[scope].includes(which));
      }
    }
  });
});

describe('kinds without an owner (persons)', () => {
  it('any scope but none reaches every person; none reaches none', async () => {
    const t = await team();
    const person = await t.root.persons.create({ firstName: 'Jan', lastName: 'Fiszka' });
    for (const scope of SCOPES) {
      const u = await t.root.operators.create({ name: `U ${scope}`, email: `p-${scope}@firma.pl` });
      const role = await t.root.roles.create({ name: `persons ${scope}`, permissions: { persons: { read: scope } } });
      await t.root.roles.grant(u.id, role.id);
      expect(await outcome(() => t.root.as(u.id).persons.get(person.id)), scope).toBe(scope === 'none' ? 'NOT_FOUND' : 'ok');
    }
  });
});

describe('administrator and the trusted host', () => {
  it('the administrator role and the host reach every record of every kind', async () => {
    const t = await team();
    await t.root.roles.grant(t.admin.id, 'administrator');
    basePartner = (await t.root.partners.create({ code: 'BASE', name: 'Base' })).id;
    const other = await t.root.operators.create({ name: 'O', email: 'o@firma.pl' });
    for (const k of KINDS) {
      const r = await k.make(t.root, other.id, `adm-${k.kind}`);
      expect(await outcome(() => k.update(t.crm, r.id)), k.kind).toBe('ok');
      expect(await outcome(() => k.get(t.root, r.id)), k.kind).toBe('ok');
    }
  });
});

describe('authorization matrix through the HTTP API (tasks, the kind with routes)', () => {
  it('GET /api/v1/tasks/:id and /api/v1/tasks reach exactly the read scope; GET /api/v1/me shows it', async () => {
    const k = KINDS.find((x) => x.kind === 'tasks')!;
    const w = await world(k, (scope) => ({ tasks: { read: scope } }));
    const app = await createApiServer({ crm: w.root, paneDir: false, rateLimit: false });
    try {
      for (const scope of SCOPES) {
        const { token } = await w.root.operators.createToken(w.users[scope].id);
        const get = (url: string) => app.inject({ url, headers: { authorization: `Bearer ${token}` } });
        const ids = w.triples[scope];
        for (const which of WHICH) {
          expect((await get(`/api/v1/tasks/${ids[which]}`)).statusCode, `tasks read ${scope}: GET ${which}`).toBe(REACH[scope].includes(which) ? 200 : 404);
        }
        const listed = (await get('/api/v1/tasks?limit=200')).json().items.map((t: { id: string }) => t.id);
        expect(
          WHICH.filter((x) => listed.includes(ids[x])),
          `tasks read ${scope}: list`,
        ).toEqual(REACH[scope]);
        const me = (await get('/api/v1/me')).json();
        expect(me.access.permissions.tasks.read, `tasks read ${scope}: /me`).toBe(scope);
      }
    } finally {
      await app.close();
    }
  });
});
