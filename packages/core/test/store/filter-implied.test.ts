import { describe, expect, it } from 'vitest';
import { matches, normalizeFilter, where, type Filter } from '@rapport/core/store';

// An operator's access rule as the scoped store ANDs it into a query (decision 0100).
const rule = (me: string) => where.or(where.eq('private', false), where.in('ownerId', [me]), where.in('createdBy', [me]));

describe('normalizeFilter drops an or that an eq beside it already makes true', () => {
  it('drops the access rule from an operator’s own list, keeping the rest', () => {
    const f = normalizeFilter(where.and(where.eq('ownerId', 'op3'), where.in('status', ['open', 'done']), rule('op3')));
    expect(f).toEqual({
      op: 'and',
      filters: [
        { op: 'eq', field: 'ownerId', value: 'op3' },
        { op: 'in', field: 'status', values: ['open', 'done'] },
      ],
    });
  });

  it('keeps it when the eq names another value or another field, or sits in an or', () => {
    for (const f of [
      where.and(where.eq('ownerId', 'op4'), rule('op3')),
      where.and(where.eq('partnerId', 'op3'), rule('op3')),
      where.or(where.eq('ownerId', 'op3'), rule('op3')),
    ]) {
      expect(JSON.stringify(normalizeFilter(f))).toContain('"private"');
    }
  });

  it('compares dates by instant', () => {
    const at = new Date('2026-03-01T00:00:00Z');
    const f = normalizeFilter(where.and(where.eq('dueAt', at), where.or(where.eq('dueAt', new Date(at.getTime())), where.eq('private', true))));
    expect(f).toEqual({ op: 'eq', field: 'dueAt', value: at });
  });

  it('gives every record the same answer as the filter it came from', () => {
    const filters: Filter[] = [
      where.and(where.eq('ownerId', 'op3'), rule('op3')),
      where.and(where.eq('ownerId', 'op3'), where.eq('createdBy', 'op1'), rule('op1')),
      where.and(where.eq('status', 'open'), where.or(where.in('status', ['open', 'done']), where.eq('ownerId', 'op9'))),
      where.and(where.eq('ownerId', 'op3'), where.not(rule('op3'))),
    ];
    const records = [];
    for (const ownerId of ['op1', 'op3', 'op9', null])
      for (const createdBy of ['op1', 'op3', null])
        for (const priv of [true, false]) for (const status of ['open', 'done', 'cancelled']) records.push({ ownerId, createdBy, private: priv, status });
    for (const f of filters) {
      const naive: Filter = { op: 'and', filters: [f] }; // the unsimplified semantics, leaf by leaf
      for (const r of records) expect(matches(r, normalizeFilter(f))).toBe(evaluate(r, naive));
    }
  });
});

/** The filter semantics written out directly, for the leaves these tests use. */
function evaluate(r: Record<string, unknown>, f: Filter): boolean {
  switch (f.op) {
    case 'and':
      return f.filters.every((c) => evaluate(r, c));
    case 'or':
      return f.filters.some((c) => evaluate(r, c));
    case 'not':
      return !evaluate(r, f.filter);
    case 'eq':
      return r[f.field] === f.value;
    case 'in':
      return f.values.includes(r[f.field] as never);
    default:
      throw new Error(`not used here: ${f.op}`);
  }
}
