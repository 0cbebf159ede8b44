import { describe, expect, it } from 'vitest';
import { createCrm, memoryStore, type Task } from '@rapport/core';
import { all, rejects, setup } from './setup.js';

describe('registers and number series', () => {
  it('formats {seq:4}/{yyyy}/CRM as 0001/2026/CRM, then 0002/2026/CRM', async () => {
    const { crm } = await setup();
    const reg = await crm.registers.create({ code: 'crm', name: 'Sprzedaż', color: '#FF0000', numberPattern: '{seq:4}/{yyyy}/CRM' });
    expect(reg).toMatchObject({ code: 'CRM', color: '#ff0000', active: true });
    const a = await crm.tasks.create({ subject: 'a', registerId: reg.id });
    const b = await crm.tasks.create({ subject: 'b', registerCode: 'crm' });
    expect([a.number, b.number]).toEqual(['0001/2026/CRM', '0002/2026/CRM']);
  });

  it('supports {seq}, {yy}, {mm}, {dd} and {code}', async () => {
    const { crm } = await setup({ start: '2026-03-02T08:00:00Z' });
    const reg = await crm.registers.create({ code: 'REK', name: 'Reklamacje', numberPattern: '{code}-{yy}{mm}{dd}-{seq}' });
    expect((await crm.tasks.create({ subject: 'x', registerId: reg.id })).number).toBe('REK-260302-1');
  });

  it('defaults the pattern to {seq:4}/{yyyy}/CODE', async () => {
    const { crm } = await setup();
    const reg = await crm.registers.create({ code: 'INT', name: 'Wewnętrzne' });
    expect(reg.numberPattern).toBe('{seq:4}/{yyyy}/INT');
  });

  it('refuses patterns without {seq} or with unknown tokens, naming the pattern', async () => {
    const { crm, store } = await setup();
    await rejects(crm.registers.create({ code: 'A', name: 'A', numberPattern: '{yyyy}/A' }), 'VALIDATION', 'register.numberPattern', '{seq}', '"{yyyy}/A"');
    await rejects(crm.registers.create({ code: 'B', name: 'B', numberPattern: '{seq}/{year}' }), 'VALIDATION', 'register.numberPattern', '{year}');
    await rejects(crm.registers.create({ code: 'C', name: 'C', numberPattern: '' }), 'VALIDATION', 'register.numberPattern');
    await rejects(crm.registers.create({ code: 'D', name: 'D', color: 'red' }), 'VALIDATION', 'register.color', '"red"');
    expect(await all(store, 'registers')).toHaveLength(0);
    const reg = await crm.registers.create({ code: 'E', name: 'E' });
    await rejects(crm.registers.update(reg.id, { numberPattern: '{mm}' }), 'VALIDATION', 'register.numberPattern');
  });

  it('refuses a non-boolean active flag', async () => {
    const { crm } = await setup();
    const reg = await crm.registers.create({ code: 'A', name: 'A' });
    await rejects(crm.registers.update(reg.id, { active: 'false' as never }), 'VALIDATION', 'register.active', '"false"');
    expect((await crm.registers.get(reg.id)).active).toBe(true);
  });

  it('refuses a second register with the same code', async () => {
    const { crm } = await setup();
    await crm.registers.create({ code: 'CRM', name: 'CRM' });
    await rejects(crm.registers.create({ code: 'crm', name: 'again' }), 'CONFLICT', 'register.code', 'CRM');
  });

  it('restarts the sequence in a new year', async () => {
    const store = memoryStore();
    const clock = {
      t: new Date('2026-12-31T23:59:00Z'),
      now() {
        return new Date(this.t);
      },
    };
    const crm = createCrm({ store, clock });
    const reg = await crm.registers.create({ code: 'CRM', name: 'CRM', numberPattern: '{seq:4}/{yyyy}/CRM' });
    const a = await crm.tasks.create({ subject: 'a', registerId: reg.id });
    const b = await crm.tasks.create({ subject: 'b', registerId: reg.id });
    clock.t = new Date('2027-01-01T00:00:01Z');
    const c = await crm.tasks.create({ subject: 'c', registerId: reg.id });
    expect([a.number, b.number, c.number]).toEqual(['0001/2026/CRM', '0002/2026/CRM', '0001/2027/CRM']);
  });

  it('keeps numbering running across years when the pattern shows no year', async () => {
    const store = memoryStore();
    const clock = {
      t: new Date('2026-12-31T23:59:00Z'),
      now() {
        return new Date(this.t);
      },
    };
    const crm = createCrm({ store, clock });
    const reg = await crm.registers.create({ code: 'X', name: 'X', numberPattern: 'X-{seq:3}' });
    await crm.tasks.create({ subject: 'a', registerId: reg.id });
    clock.t = new Date('2027-01-01T00:00:01Z');
    expect((await crm.tasks.create({ subject: 'b', registerId: reg.id })).number).toBe('X-002');
  });

  it('keeps one sequence per register', async () => {
    const { crm } = await setup();
    const sales = await crm.registers.create({ code: 'SPR', name: 'Sprzedaż' });
    const compl = await crm.registers.create({ code: 'REK', name: 'Reklamacje' });
    const numbers = [];
    for (const reg of [sales, compl, sales, compl, sales]) numbers.push((await crm.tasks.create({ subject: 'x', registerId: reg.id })).number);
    expect(numbers).toEqual(['0001/2026/SPR', '0001/2026/REK', '0002/2026/SPR', '0002/2026/REK', '0003/2026/SPR']);
  });

  it('a failed task creation does not use up a number', async () => {
    const { crm } = await setup();
    await crm.tasks.create({ subject: 'a' });
    await rejects(crm.tasks.create({ subject: 'b', stages: [{ subject: '' }] }), 'VALIDATION', 'stage.subject');
    expect((await crm.tasks.create({ subject: 'c' })).number).toBe('0002/2026/CRM');
  });

  it('gives 1,000 parallel task creations 1,000 distinct consecutive numbers', async () => {
    const { crm } = await setup({ stepMs: 0 });
    const tasks: Task[] = await Promise.all(Array.from({ length: 1000 }, (_, i) => crm.tasks.create({ subject: `parallel ${i}` })));
    const numbers = tasks.map((t) => t.number);
    expect(new Set(numbers).size).toBe(1000);
    const seqs = numbers.map((n) => Number(n.split('/')[0])).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  it('creates the default register on first use only once, even under concurrency', async () => {
    const { crm } = await setup();
    await Promise.all([crm.tasks.create({ subject: 'a' }), crm.tasks.create({ subject: 'b' }), crm.tasks.create({ subject: 'c' })]);
    expect((await crm.registers.list()).map((r) => r.code)).toEqual(['CRM']);
  });

  it('refuses tasks in an unknown register code with NOT_FOUND', async () => {
    const { crm } = await setup();
    await rejects(crm.tasks.create({ subject: 'x', registerCode: 'nope' }), 'NOT_FOUND', 'task.registerCode', '"NOPE"');
  });
});
