/**
 * Every collection that is not a record kind of its own, through an operator's store
 * (`crm.as(op).store`) and the modules: personal rows are their operator's, rows of a partner or
 * opportunity follow its visibility, saved views are their owner's and sharees', the directory
 * is written by administrators only, and queues and bookkeeping are not open (decision 0104).
 */
import { describe, expect, it } from 'vitest';
import type { Notification, ViewSpec } from '@rapport/core';
import { where } from '@rapport/core';
import { rejects, team } from './setup.js';

const SECRET = 'Poufne';

/** Anna and Bartek as sales reps who read their own partners, tasks and opportunities only. */
async function reps() {
  const t = await team();
  const { root, anna, bartek } = t;
  const rep = await root.roles.create({
    name: 'rep',
    permissions: {
      partners: { read: 'own', create: 'own', update: 'own', assign: 'own' },
      persons: { read: 'all' },
      tasks: { read: 'own', create: 'own', update: 'own' },
      campaigns: { read: 'all' },
      opportunities: { read: 'own', create: 'own', update: 'own' },
      registers: { read: 'all' },
      emails: { read: 'all' },
    },
  });
  for (const op of [anna, bartek]) await root.roles.grant(op.id, rep.id);
  const asAnna = root.as(anna.id);
  const asBartek = root.as(bartek.id);
  const hers = await asAnna.partners.create({ code: 'ZEFIR', name: `Zefir ${SECRET}`, ownerId: anna.id });
  const his = await asBartek.partners.create({ code: 'BOREASZ', name: 'Boreasz', ownerId: bartek.id });
  return { ...t, asAnna, asBartek, hers, his };
}

describe('access: personal rows are their operator’s', () => {
  it('notifications: another operator finds, counts, gets and changes none of them', async () => {
    const o = await reps();
    const n = await o.root.notifications.deliver({ operatorId: o.anna.id, kind: 'test', title: `${SECRET} dla Anny` });
    await o.root.notifications.deliver({ operatorId: o.bartek.id, kind: 'test', title: 'dla Bartka' });
    expect((await o.asBartek.store.find<Notification>('notifications', { limit: 100 })).items.map((x) => x.title)).toEqual(['dla Bartka']);
    expect(await o.asBartek.store.count('notifications', where.eq('operatorId', o.anna.id))).toBe(0);
    expect(await o.asBartek.store.aggregate('notifications', { groupBy: ['operatorId'], measures: { n: { fn: 'count' } } })).toEqual([
      { group: { operatorId: o.bartek.id }, values: { n: 1 } },
    ]);
    expect(await o.asBartek.store.get('notifications', n.id)).toBeNull();
    await rejects(o.asBartek.store.update('notifications', n.id, { readAt: new Date() }, n.version), 'NOT_FOUND');
    await rejects(o.asBartek.store.delete('notifications', n.id), 'NOT_FOUND');
    expect(await o.asBartek.store.updateWhere('notifications', where.eq('operatorId', o.anna.id), { readAt: new Date() })).toBe(0);
    expect(await o.asBartek.store.deleteWhere('notifications', where.eq('id', n.id))).toBe(0);
    await rejects(o.asBartek.store.create('notifications', { ...n, id: 'forged', key: null }), 'FORBIDDEN');
    await rejects(o.asBartek.notifications.list({ operatorId: o.anna.id }), 'FORBIDDEN');
    // Her row is intact, and hers to read.
    expect(await o.asAnna.store.get('notifications', n.id)).toMatchObject({ title: `${SECRET} dla Anny`, readAt: null });
    expect(await o.asAnna.notifications.unreadCount()).toBe(1);
  });

  it('API tokens, calendar feeds and inbox marks: only one’s own, through the store and the modules', async () => {
    const o = await reps();
    const { record: token } = await o.root.operators.createToken(o.anna.id);
    const { feed } = await o.asAnna.calendar.feeds.create({});
    await o.asAnna.inbox.markSeen('for_me');
    for (const collection of ['api_tokens', 'calendar_feeds', 'inbox_marks']) {
      expect(await o.asBartek.store.count(collection), collection).toBe(0);
      expect((await o.asBartek.store.find(collection, { limit: 10 })).items, collection).toEqual([]);
      expect(await o.asAnna.store.count(collection), collection).toBe(1);
    }
    expect(await o.asBartek.store.get('api_tokens', token.id)).toBeNull();
    await rejects(o.asBartek.operators.tokens(o.anna.id), 'FORBIDDEN');
    await rejects(o.asBartek.operators.revokeToken(token.id), 'FORBIDDEN');
    await rejects(o.asBartek.calendar.feeds.list(o.anna.id), 'FORBIDDEN');
    await rejects(o.asBartek.calendar.feeds.revoke(feed.id), 'NOT_FOUND');
    expect((await o.root.store.get<typeof token>('api_tokens', token.id))?.revokedAt ?? null).toBeNull();
    // An administrator reads them all.
    await o.root.roles.grant(o.admin.id, 'administrator');
    expect(await o.crm.store.count('api_tokens')).toBe(1);
  });
});

describe('access: rows of a partner or opportunity follow its visibility', () => {
  it('campaign members, links and competitors of a partner the operator may not read are not theirs to count', async () => {
    const o = await reps();
    const k = await o.root.campaigns.create({ code: 'TARGI', name: 'Targi' });
    await o.root.campaigns.register(k.id, o.hers.id);
    await o.root.campaigns.register(k.id, o.his.id);
    const link = {
      campaignId: k.id,
      kind: 'revenue',
      revenueKind: 'accepted',
      docType: 'ZK',
      number: null,
      date: new Date(),
      netAmount: 100,
      vatAmount: 23,
      currency: 'PLN',
      createdAt: new Date(),
    };
    await o.root.store.create('campaign_links', { id: 'l1', version: 1, ...link, docId: 'd1', partnerId: o.hers.id });
    await o.root.store.create('campaign_links', { id: 'l2', version: 1, ...link, docId: 'd2', partnerId: null });
    await o.root.store.create('partner_competitors', { id: 'c1', version: 1, partnerId: o.his.id, competitorId: o.hers.id, createdAt: new Date() });

    expect(await o.asBartek.store.count('campaign_members')).toBe(1);
    expect((await o.asBartek.campaigns.members(k.id)).items.map((m) => m.partnerId)).toEqual([o.his.id]);
    expect((await o.asBartek.store.find('campaign_links', { limit: 10 })).items.map((l) => l.id)).toEqual(['l2']);
    expect(await o.asBartek.store.get('campaign_links', 'l1')).toBeNull();
    expect(await o.asBartek.store.count('partner_competitors')).toBe(0);
    expect(await o.asAnna.store.count('campaign_members')).toBe(1);
    expect(await o.root.store.count('campaign_members')).toBe(2);
    await rejects(o.asBartek.store.deleteWhere('campaign_members', where.eq('campaignId', k.id)), 'FORBIDDEN');
    expect(await o.root.store.count('campaign_members')).toBe(2);
  });

  it('campaign progress counts the members the operator may see, exactly, and all of them for the host', async () => {
    const o = await reps();
    const k = await o.root.campaigns.create({ code: 'TARGI', name: 'Targi' });
    const more = [];
    for (let i = 0; i < 3; i++) more.push(await o.asAnna.partners.create({ code: `A${i}`, name: `Anny ${i}`, ownerId: o.anna.id }));
    for (const p of [o.hers, o.his, ...more]) await o.root.campaigns.register(k.id, p.id);
    await o.root.campaigns.hold(k.id, more[0]!.id);
    expect((await o.root.campaigns.progress(k.id)).total).toBe(5);
    const hers = await o.asAnna.campaigns.progress(k.id);
    expect(hers.total).toBe(4);
    expect(hers.rows.reduce((n, r) => n + (r.state === 'held' ? r.count : 0), 0)).toBe(1);
    const his = await o.asBartek.campaigns.progress(k.id);
    expect(his.total).toBe(1);
    expect(his.levels.reduce((n, l) => n + l.held, 0)).toBe(0);
    // Sharing a partner with him shows it in his figures at once.
    await o.asAnna.shares.share({ kind: 'partners', id: more[0]!.id }, { operatorId: o.bartek.id }, 'read');
    expect((await o.asBartek.campaigns.progress(k.id)).total).toBe(2);
  });

  it('stage changes and sales documents of an opportunity the operator may not read are not theirs', async () => {
    const o = await reps();
    const opp = await o.asAnna.opportunities.create({ partnerId: o.hers.id, name: `${SECRET} przetarg`, amount: 1000, currency: 'PLN' });
    await o.asAnna.opportunities.moveStage(opp.id, 'offering');
    const doc = {
      docType: 'order',
      number: null,
      date: new Date(),
      offerId: null,
      netAmount: 1,
      vatAmount: 0,
      currency: 'PLN',
      status: 'active',
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    await o.root.store.create('sales_documents', { id: 'd1', version: 1, ...doc, docId: 'x1', partnerId: o.hers.id, opportunityId: opp.id });
    await o.root.store.create('sales_documents', { id: 'd2', version: 1, ...doc, docId: 'x2', partnerId: o.his.id, opportunityId: null });
    expect(await o.asAnna.store.count('opportunity_stage_changes')).toBeGreaterThan(0);
    expect(await o.asBartek.store.count('opportunity_stage_changes')).toBe(0);
    expect(await o.asBartek.store.count('opportunity_stage_changes', where.eq('opportunityId', opp.id))).toBe(0);
    await rejects(o.asBartek.opportunities.stageHistory(opp.id), 'NOT_FOUND');
    expect((await o.asBartek.store.find('sales_documents', { limit: 10 })).items.map((d) => d.id)).toEqual(['d2']);
    expect((await o.asAnna.store.find('sales_documents', { limit: 10 })).items.map((d) => d.id)).toEqual(['d1']);
    await rejects(o.asAnna.store.update('sales_documents', 'd1', { status: 'cancelled' }, 1), 'FORBIDDEN');
  });
});

describe('access: saved views are their owner’s and sharees’', () => {
  it('another operator reads neither a private view nor its shares; a shared one is readable, not writable through the store', async () => {
    const o = await reps();
    const spec: ViewSpec = { kind: 'tasks', filter: { op: 'eq', field: 'status', value: 'open' } };
    const secret = await o.asAnna.views.save({ name: `${SECRET} lejek`, spec });
    const shared = await o.asAnna.views.save({ name: 'Wspólny', spec, shares: [{ operatorId: o.bartek.id, canEdit: false }] });
    expect((await o.asBartek.store.find('views', { limit: 10 })).items.map((v) => v.id)).toEqual([shared.id]);
    expect(await o.asBartek.store.get('views', secret.id)).toBeNull();
    expect(await o.asBartek.store.count('view_shares')).toBe(1);
    expect(JSON.stringify(await o.asBartek.views.list())).not.toContain(SECRET);
    await rejects(o.asBartek.views.get(secret.id), 'NOT_FOUND');
    await rejects(o.asBartek.store.update('views', shared.id, { name: 'mój' }, shared.version), 'FORBIDDEN');
    await rejects(
      o.asBartek.store.create('view_shares', { id: 'x', version: 1, viewId: secret.id, principalType: 'operator', principal: o.bartek.id, canEdit: true }),
      'FORBIDDEN',
    );
    expect(await o.asAnna.store.count('views')).toBe(2);
  });
});

describe('access: the directory is readable, written by administrators only', () => {
  it('an operator cannot share a task with himself, grant himself a role or edit another operator through the store', async () => {
    const o = await reps();
    const task = await o.asAnna.tasks.create({ subject: `${SECRET} sprawa`, private: true });
    const share = {
      id: 'forged',
      version: 1,
      kind: 'tasks',
      recordId: task.id,
      principal: `o:${o.bartek.id}`,
      level: 'edit',
      source: 'share',
      createdBy: o.bartek.id,
      createdAt: new Date(),
    };
    await rejects(o.asBartek.store.create('shares', share), 'FORBIDDEN');
    await rejects(
      o.asBartek.store.create('role_grants', { id: 'g', version: 1, operatorId: o.bartek.id, roleId: 'administrator', createdAt: new Date() }),
      'FORBIDDEN',
    );
    await rejects(o.asBartek.store.update('operators', o.anna.id, { name: 'x' }, o.anna.version), 'FORBIDDEN');
    await rejects(o.asBartek.store.deleteWhere('group_members', where.eq('operatorId', o.anna.id)), 'FORBIDDEN');
    await rejects(o.asBartek.tasks.get(task.id), 'NOT_FOUND');
    expect(await o.asBartek.store.count('operators')).toBe(3);
    // Templates: everyone reads them, a role permission writes them.
    const t = await o.root.templates.create({
      name: 'Przypomnienie',
      channel: 'email',
      recordKind: 'task',
      language: 'pl',
      subject: 'Zadanie',
      body: 'Termin',
    });
    expect(await o.asBartek.store.count('message_templates')).toBe(1);
    expect((await o.asBartek.templates.get(t.id)).name).toBe('Przypomnienie');
    await rejects(o.asBartek.templates.update(t.id, { body: 'zmiana' }), 'FORBIDDEN');
    await rejects(o.asBartek.store.update('message_templates', t.id, { body: 'zmiana' }, t.version), 'FORBIDDEN');
    await o.root.roles.grant(o.admin.id, 'administrator');
    await o.crm.store.update('operators', o.anna.id, { phone: null }, o.anna.version);
  });
});
