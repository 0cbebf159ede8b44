import { describe, expect, it } from 'vitest';
import { createScheduler, type DomainEvent } from '@rapport/core';
import { rejects, setup } from './setup.js';

async function inbox() {
  const s = await setup();
  const ewa = await s.root.operators.create({ name: 'Ewa', email: 'ewa@firma.pl' });
  const piotr = await s.root.operators.create({ name: 'Piotr', email: 'piotr@firma.pl' });
  return { ...s, ewa, piotr, asEwa: s.root.as(ewa.id), asPiotr: s.root.as(piotr.id) };
}

describe('in-app notifications', () => {
  it('lists an operator’s notifications newest first, pages them, and counts the unread', async () => {
    const { root, asEwa, ewa, piotr } = await inbox();
    for (let i = 1; i <= 5; i++) await root.notifications.deliver({ operatorId: ewa.id, kind: 'test', title: `n${i}` });
    await root.notifications.deliver({ operatorId: piotr.id, kind: 'test', title: 'for piotr' });
    const first = await asEwa.notifications.list({ limit: 3 });
    expect(first.items.map((n) => n.title)).toEqual(['n5', 'n4', 'n3']);
    const second = await asEwa.notifications.list({ limit: 3, cursor: first.nextCursor! });
    expect(second.items.map((n) => n.title)).toEqual(['n2', 'n1']);
    expect(second.nextCursor).toBeNull();
    expect(await asEwa.notifications.unreadCount()).toBe(5);
  });

  it('delivers one notification per key, however often the key is delivered', async () => {
    const { root, asEwa, ewa } = await inbox();
    const a = await root.notifications.deliver({ operatorId: ewa.id, kind: 'reminder', title: 'Call Zefir', key: 'reminder:t1:due' });
    const b = await root.notifications.deliver({ operatorId: ewa.id, kind: 'reminder', title: 'Call Zefir', key: 'reminder:t1:due' });
    expect(b.id).toBe(a.id);
    expect(await asEwa.notifications.unreadCount()).toBe(1);
  });

  it('marks one or all read, and never another operator’s', async () => {
    const { root, asEwa, asPiotr, ewa } = await inbox();
    const a = await root.notifications.deliver({ operatorId: ewa.id, kind: 'test', title: 'a' });
    await root.notifications.deliver({ operatorId: ewa.id, kind: 'test', title: 'b' });
    await root.notifications.deliver({ operatorId: ewa.id, kind: 'test', title: 'c' });
    await rejects(asPiotr.notifications.markRead(a.id), 'NOT_FOUND', a.id);
    expect(await asEwa.notifications.markRead(a.id)).toBe(1);
    expect(await asEwa.notifications.markRead(a.id)).toBe(0);
    expect(await asEwa.notifications.unreadCount()).toBe(2);
    expect(await asEwa.notifications.markRead('all')).toBe(2);
    expect(await asEwa.notifications.unreadCount()).toBe(0);
    expect((await asEwa.notifications.list({ unreadOnly: true })).items).toEqual([]);
    expect((await asEwa.notifications.list()).items).toHaveLength(3);
  });

  it('hides a snoozed notification until the snooze ends, then shows it unread on top', async () => {
    const { root, asEwa, ewa } = await inbox();
    const a = await root.notifications.deliver({ operatorId: ewa.id, kind: 'test', title: 'a' });
    await root.notifications.deliver({ operatorId: ewa.id, kind: 'test', title: 'b' });
    await asEwa.notifications.markRead(a.id);
    const now = root.clock.now();
    await asEwa.notifications.snooze(a.id, new Date(now.getTime() + 60_000));
    expect((await asEwa.notifications.list()).items.map((n) => n.title)).toEqual(['b']);
    expect(await asEwa.notifications.unreadCount()).toBe(1);
    // The stepping clock advances a second per reading: read it past the snooze.
    for (let i = 0; i < 61; i++) root.clock.now();
    expect((await asEwa.notifications.list()).items.map((n) => n.title)).toEqual(['a', 'b']);
    expect(await asEwa.notifications.unreadCount()).toBe(2);
    const shown = await asEwa.notifications.shownSince(now);
    expect(shown.map((n) => n.title)).toEqual(['a']);
    await rejects(asEwa.notifications.snooze(a.id, '2000-01-01T00:00:00Z'), 'VALIDATION', 'until', 'future');
  });

  it('keeps inboxes apart: an operator cannot read another’s, the host must say whose', async () => {
    const { root, asEwa, piotr } = await inbox();
    await rejects(asEwa.notifications.list({ operatorId: piotr.id }), 'FORBIDDEN', piotr.id);
    await rejects(root.notifications.unreadCount(), 'VALIDATION', 'operatorId');
    expect(await root.notifications.unreadCount({ operatorId: piotr.id })).toBe(0);
    await rejects(root.notifications.deliver({ operatorId: 'nobody', kind: 'x', title: 'x' }), 'NOT_FOUND', 'nobody');
    await rejects(root.notifications.deliver({ operatorId: piotr.id, kind: 'x', title: '' }), 'VALIDATION', 'notification.title');
  });

  it('announces a delivery on events$ after it committed', async () => {
    const { root, ewa } = await inbox();
    const seen: DomainEvent[] = [];
    root.events$.subscribe((e) => seen.push(e));
    const n = await root.notifications.deliver({ operatorId: ewa.id, kind: 'test', title: 'x' });
    expect(seen.filter((e) => e.type === 'notification.created')).toEqual([{ type: 'notification.created', notification: n }]);
  });
});

describe('the in-app outbox channel', () => {
  it('turns an inapp effect of a job into one notification, keyed by the outbox key', async () => {
    const { root, asEwa, ewa } = await inbox();
    await root.scheduler.schedule({ kind: 'remind', key: 'remind:1', at: root.clock.now() });
    const worker = createScheduler(root, { builtins: true }).handle('remind', (_job, ctx) => {
      ctx.enqueue({ key: 'remind:1:ewa', channel: 'inapp', payload: { operatorId: ewa.id, kind: 'reminder', title: 'Call Zefir' } });
    });
    const report = await worker.runOnce();
    expect(report.deliveries.sent).toBe(1);
    const [n] = (await asEwa.notifications.list()).items;
    expect(n).toMatchObject({ title: 'Call Zefir', key: 'remind:1:ewa' });
    expect(await root.scheduler.delivery('remind:1:ewa')).toMatchObject({ status: 'sent', result: { notificationId: n!.id } });
    // A second delivery of the same effect (a crash after delivering, before recording it) finds the first.
    await root.notifications.deliver({ operatorId: ewa.id, kind: 'reminder', title: 'Call Zefir', key: 'remind:1:ewa' });
    expect(await asEwa.notifications.unreadCount()).toBe(1);
  });
});
