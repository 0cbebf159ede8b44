import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrm, createScheduler, steppingClock } from '@rapport/core';
import { httpSmsGateway } from '@rapport/mail-bridge';
import { createApiServer } from '@rapport/outlook-addin';
import { startSmsSink, type SmsSink } from '../support/sms.js';
import { testStore } from '../support/stores.js';

// One sink per store project: the three projects run at once.
const PORTS: Record<string, number> = { memory: 4520, sqlite: 4521, postgres: 4522 };
let sink: SmsSink;

beforeAll(async () => {
  process.env.TEST_SMS_CALLBACK = 'cb-secret-456';
  sink = await startSmsSink(PORTS[process.env.RAPPORT_TEST_STORE ?? 'memory']!, join(mkdtempSync(join(tmpdir(), 'rapport-sms-')), 'sink.jsonl'));
});
afterAll(async () => {
  await sink.stop();
});

describe('SMS from the outbox to the provider and back', () => {
  it('sends an sms effect through the HTTP gateway with its outbox key as reference, and records the delivery report', async () => {
    const crm = createCrm({ store: await testStore(), clock: steppingClock('2026-03-02T08:00:00Z') });
    await crm.scheduler.schedule({ kind: 'notify', key: 'n1', at: crm.clock.now() });
    const worker = createScheduler(crm, { sms: httpSmsGateway({ url: sink.url }) }).handle('notify', (_job, ctx) => {
      ctx.enqueue({ key: 'n1:sms:ewa', channel: 'sms', payload: { to: '+48601220310', text: 'Termin: jutro' } });
    });
    expect((await worker.runOnce()).deliveries.sent).toBe(1);
    const sent = sink.received().filter((r) => JSON.parse(r.body).reference === 'n1:sms:ewa');
    expect(sent).toHaveLength(1);

    const api = await createApiServer({ crm, paneDir: false, smsCallback: { secretEnv: 'TEST_SMS_CALLBACK' } });
    try {
      const report = (token: string, payload: string) =>
        api.inject({ method: 'POST', url: `/api/v1/sms/status?token=${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload });
      expect((await report('wrong-secret!', 'reference=n1%3Asms%3Aewa&status=DELIVERED')).statusCode).toBe(401);
      expect((await report('cb-secret-456', 'reference=nobody&status=DELIVERED')).statusCode).toBe(404);
      const ok = await report('cb-secret-456', 'reference=n1%3Asms%3Aewa&status=DELIVERED');
      expect(ok.json()).toEqual({ key: 'n1:sms:ewa', delivery: 'delivered' });
      const delivery = await crm.scheduler.delivery('n1:sms:ewa');
      expect(delivery?.result).toMatchObject({ delivery: 'delivered', deliveryHistory: [{ status: 'delivered' }] });
    } finally {
      await api.close();
    }
  });
});
