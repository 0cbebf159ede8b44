import { createHash } from 'node:crypto';
import type { JsonObject, OutboxChannel, OutboxEntry } from '../../domain/automation-types.js';
import { invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import type { Store } from '../../store/store.js';
import * as v from '../../validate.js';

/**
 * An effect to deliver: written to the outbox in the transaction that decided it, delivered
 * afterwards by a worker. `key` makes it idempotent: (rule, target, occurrence), e.g.
 * `reminder:TASK:op1:2026-05-01T09:00Z`.
 *
 * Payloads by channel: `email` a `MailMessage` without `messageId` (attachments as base64
 * text), `sms` `{ to, text, from? }`, `inapp` whatever the in-app channel handler expects.
 */
export interface Effect {
  key: string;
  channel: OutboxChannel;
  payload: JsonObject;
  /** Delivery attempts before the row is dead (default 10, at most 100). */
  maxAttempts?: number;
  /** Not before this instant (default: at once). */
  notBefore?: Date;
}

export const OUTBOX_CHANNELS: readonly OutboxChannel[] = ['email', 'sms', 'inapp'];
export const DEFAULT_DELIVERY_ATTEMPTS = 10;

/** Validates an effect into the outbox row it becomes (not yet written). */
export function outboxEntry(effect: Effect, now: Date, jobKey: string | null = null): OutboxEntry {
  if (!effect || typeof effect !== 'object') throw invalid('effect', 'must be an object', effect);
  const key = v.text('effect.key', effect.key, { max: 255 });
  const channel = v.oneOf('effect.channel', effect.channel, OUTBOX_CHANNELS);
  const payload = effect.payload;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw invalid('effect.payload', 'must be a JSON object', payload);
  const maxAttempts = effect.maxAttempts === undefined ? DEFAULT_DELIVERY_ATTEMPTS : v.integer('effect.maxAttempts', effect.maxAttempts, { min: 1 });
  if (maxAttempts > 100) throw invalid('effect.maxAttempts', 'must be at most 100', maxAttempts);
  const notBefore = effect.notBefore === undefined ? now : v.date('effect.notBefore', effect.notBefore);
  return {
    id: newId(now.getTime()),
    version: 1,
    key,
    channel,
    payload: JSON.parse(JSON.stringify(payload)) as JsonObject,
    jobKey,
    status: 'pending',
    attempts: 0,
    maxAttempts,
    nextAttemptAt: notBefore,
    leaseOwner: null,
    leaseUntil: null,
    lastError: null,
    result: null,
    sentAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * Writes an effect to the outbox inside `tx`. A key already there keeps the first row (it is
 * returned, unchanged): deciding the same effect twice delivers it once.
 */
export async function enqueueIn(tx: Store, effect: Effect, now: Date, jobKey: string | null = null): Promise<OutboxEntry> {
  const entry = outboxEntry(effect, now, jobKey);
  // Look first: on PostgreSQL a unique violation would abort the caller's whole transaction.
  const existing = await tx.find<OutboxEntry>('outbox', { where: where.eq('key', entry.key), limit: 1 });
  if (existing.items[0]) return existing.items[0];
  return tx.create<OutboxEntry>('outbox', entry);
}

/** `enqueueIn` for many rows at once: one read of the keys already there, one insert of the rest (the first of equal keys wins). */
export async function enqueueManyIn(tx: Store, entries: OutboxEntry[]): Promise<void> {
  const fresh = new Map<string, OutboxEntry>();
  for (const e of entries) if (!fresh.has(e.key)) fresh.set(e.key, e);
  const keys = [...fresh.keys()];
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    const found = await tx.find<OutboxEntry>('outbox', { where: where.in('key', chunk), limit: chunk.length });
    for (const e of found.items) fresh.delete(e.key);
  }
  if (fresh.size > 0) await tx.createMany('outbox', [...fresh.values()]);
}

/** The domain of a sender (`a@b.pl` or `"Name" <a@b.pl>`), lower-cased; null when there is none. */
export function senderDomain(from: string | null | undefined): string | null {
  if (typeof from !== 'string') return null;
  const address = /<([^<>]*)>\s*$/.exec(from)?.[1] ?? from;
  const domain = address.slice(address.lastIndexOf('@') + 1).trim();
  return address.includes('@') && /^[^\s@<>()[\],;:"\\]+$/.test(domain) ? domain.toLowerCase() : null;
}

/**
 * The Message-ID of the e-mail an outbox key sends: the same key always gives the same id,
 * so a message sent again after a crash is recognisable as a repeat by the receiving server.
 */
export function messageIdFor(key: string, domain: string): string {
  const hash = createHash('sha256').update(key).digest('base64url').slice(0, 32);
  return `<${hash}@${domain}>`;
}
