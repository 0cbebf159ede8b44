import { inUnit, retryConflicts, type Context } from '../context.js';
import type { JsonObject, OutboxEntry } from '../domain/automation-types.js';
import { e164 } from '../domain/phone.js';
import { RapportError } from '../errors.js';
import { where } from '../store/filter.js';
import * as v from '../validate.js';

/** What a provider reported about a sent SMS. */
export interface SmsStatusInput {
  /** The client reference the message was sent with: its outbox key. */
  reference: string;
  /** The provider's status word (`delivered`, `failed`, `undelivered`, …). */
  status: string;
  /** The provider's reason, when it gives one. */
  error?: string | null;
}

/** SMS helpers: numbers in E.164 and delivery statuses reported back by the provider. */
export function smsModule(ctx: Context) {
  return {
    /** A phone number in E.164, read in the CRM's `settings.phoneCountry` when it has no `+`; VALIDATION otherwise. */
    normalize(number: string): string {
      return e164('phone', number, ctx.settings.phoneCountry);
    },

    /**
     * Records a provider's delivery status on the SMS's outbox row (`result.delivery`), keeping
     * every report in `result.deliveryHistory`. An unknown reference is NOT_FOUND.
     */
    recordStatus(input: SmsStatusInput): Promise<OutboxEntry> {
      const reference = v.text('sms.reference', input?.reference, { max: 500 });
      const status = v.text('sms.status', input?.status, { max: 64 }).toLowerCase();
      const error = v.text('sms.error', input?.error, { optional: true, max: 500 });
      return retryConflicts(() =>
        inUnit(ctx, async (unit) => {
          const entry = (await unit.tx.find<OutboxEntry>('outbox', { where: where.and(where.eq('key', reference), where.eq('channel', 'sms')), limit: 1 }))
            .items[0];
          if (!entry) throw new RapportError('NOT_FOUND', `no SMS was sent with reference ${JSON.stringify(reference)}`);
          const result: JsonObject = entry.result ?? {};
          const history = Array.isArray(result.deliveryHistory) ? result.deliveryHistory : [];
          const report: JsonObject = { status, at: unit.now.toISOString(), ...(error ? { error } : {}) };
          return unit.tx.update<OutboxEntry>(
            'outbox',
            entry.id,
            { result: { ...result, delivery: status, deliveryHistory: [...history, report] } },
            entry.version,
          );
        }),
      );
    },
  };
}
