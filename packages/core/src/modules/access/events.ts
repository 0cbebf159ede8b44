// Not from 'rxjs' itself: see crm.ts.
import { Observable } from 'rxjs/internal/Observable';
import { filter } from 'rxjs/internal/operators/filter';
import type { DomainEvent } from '../../events.js';
import type { Task } from '../../domain/types.js';
import { matches, normalizeFilter } from '../../store/filter.js';
import type { StoredRecord } from '../../store/schema.js';
import type { Store } from '../../store/store.js';
import { allows } from './engine.js';
import { placedVisible } from './collections.js';
import type { Principal } from './principal.js';
import { emailsFilter } from './rules.js';

/** The event whose `type` may be T (some events share one shape for two types). */
type Ev<T extends string> = DomainEvent extends infer E
  ? E extends { type: infer U }
    ? T extends U
      ? string extends U
        ? never
        : E
      : never
    : never
  : never;

const readable = (p: Principal, collection: string, record: StoredRecord) => allows(p, collection, 'read', record);

/** The task a stage, entry or response belongs to, read as it is now: readable by the principal? */
async function taskReadable(p: Principal, store: Store, taskId: string): Promise<boolean> {
  const task = await store.get<Task>('tasks', taskId);
  return task !== null && readable(p, 'tasks', task);
}

const mine = (p: Principal, ...operatorIds: Array<string | null | undefined>) => p.administrator || operatorIds.some((id) => id === p.operatorId);

/**
 * Whether an operator may see a domain event: one about a record is seen by those who may read
 * the record (as the event carries it, or its task as stored); notifications by their operator;
 * mail-server events, hand-overs and substitutions by their people and administrators. An event
 * of a type not named here (a host's own) is not delivered to operators: the host publishes it.
 */
export async function eventVisible(p: Principal, store: Store, event: DomainEvent): Promise<boolean> {
  switch (event.type) {
    case 'task.created':
    case 'task.updated':
    case 'task.status_changed':
    case 'task.closed':
      return readable(p, 'tasks', (event as Ev<'task.created'>).task);
    case 'task.responded':
      return taskReadable(p, store, (event as Ev<'task.responded'>).task.id);
    case 'stage.added':
    case 'stage.completed':
      return taskReadable(p, store, (event as Ev<'stage.added'>).stage.taskId);
    case 'entry.added':
      return taskReadable(p, store, (event as Ev<'entry.added'>).entry.taskId);
    case 'partner.created':
    case 'partner.updated':
      return readable(p, 'partners', (event as Ev<'partner.created'>).partner);
    case 'person.created':
    case 'person.updated':
      return readable(p, 'persons', (event as Ev<'person.created'>).person);
    case 'register.created':
      return readable(p, 'registers', (event as Ev<'register.created'>).register);
    case 'operator.created':
      return true;
    case 'campaign.created':
    case 'campaign.updated':
      return readable(p, 'campaigns', (event as Ev<'campaign.created'>).campaign);
    case 'campaign.member_changed': {
      const e = event as Ev<'campaign.member_changed'>;
      return readable(p, 'campaigns', e.campaign) && placedVisible(p, store, 'campaign_members', e.member);
    }
    case 'campaign.linked':
    case 'campaign.unlinked': {
      const e = event as Ev<'campaign.linked'>;
      return readable(p, 'campaigns', e.campaign) && placedVisible(p, store, 'campaign_links', e.link);
    }
    case 'opportunity.created':
    case 'opportunity.updated':
    case 'opportunity.stage_changed':
      return readable(p, 'opportunities', (event as Ev<'opportunity.created'>).opportunity);
    case 'offer.created':
    case 'offer.status_changed':
      return readable(p, 'offers', (event as Ev<'offer.created'>).offer);
    case 'document.linked':
    case 'document.cancelled':
      return placedVisible(p, store, 'sales_documents', (event as Ev<'document.linked'>).document);
    case 'email.ingested': {
      const { email } = event as Ev<'email.ingested'>;
      const rule = emailsFilter(p);
      if (email.taskId && !(await taskReadable(p, store, email.taskId))) return false;
      return rule === undefined || matches(email as unknown as Record<string, unknown>, normalizeFilter(rule));
    }
    case 'notification.created':
      return (event as Ev<'notification.created'>).notification.operatorId === p.operatorId;
    case 'notification.read':
      return (event as Ev<'notification.read'>).operatorId === p.operatorId;
    case 'operator.handed_over': {
      const e = event as Ev<'operator.handed_over'>;
      return mine(p, e.from, e.to);
    }
    case 'substitution.created':
    case 'substitution.ended': {
      const { substitution: s } = event as Ev<'substitution.created'>;
      return mine(p, s.absentId, s.deputyId);
    }
    default:
      // Mail server state (quarantine, deletions on the server) and hosts' own events.
      return p.administrator && (event.type === 'email.quarantined' || event.type === 'email.deleted_on_server');
  }
}

/**
 * The operators listening to `events$` of one CRM. A unit's events are decided for every
 * listener before they are published (`decide`, awaited by `inUnit`), so each listener gets its
 * events as synchronously as the host does, in order, and only those it may see.
 */
export class EventAudience {
  private readonly listeners = new Set<(events: DomainEvent[]) => Promise<void>>();

  /** Decides, for every listening operator, which of these events they may see. */
  async decide(events: DomainEvent[]): Promise<void> {
    if (events.length && this.listeners.size) await Promise.all([...this.listeners].map((l) => l(events)));
  }

  /** `source` as one operator sees it: events decided visible to them, nothing else. */
  observe(source: Observable<DomainEvent>, principal: () => Promise<Principal>, store: Store): Observable<DomainEvent> {
    return new Observable<DomainEvent>((subscriber) => {
      const allowed = new WeakSet<DomainEvent>();
      const listener = async (events: DomainEvent[]) => {
        try {
          const p = await principal();
          for (const e of events) if (await eventVisible(p, store, e)) allowed.add(e);
        } catch {
          // An operator who cannot be resolved (deleted) sees nothing.
        }
      };
      this.listeners.add(listener);
      const subscription = source.pipe(filter((e) => allowed.has(e))).subscribe(subscriber);
      return () => {
        this.listeners.delete(listener);
        subscription.unsubscribe();
      };
    });
  }
}
