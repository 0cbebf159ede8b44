import type { Observable } from 'rxjs';
// rxjs's index loads all ~220 modules of its CommonJS build (which Node picks for import too),
// ~150 ms of every start; these paths, in its exports map, load the ~45 core uses. Each is typed,
// so an rxjs release that moves one fails the typecheck.
import { Subject } from 'rxjs/internal/Subject';
import { concatMap } from 'rxjs/internal/operators/concatMap';
import { defer } from 'rxjs/internal/observable/defer';
import { from } from 'rxjs/internal/observable/from';
import type { BlobStore } from './blobs.js';
import { systemClock, type Clock } from './clock.js';
import type { Context, CrmSettings } from './context.js';
import type { DomainEvent } from './events.js';
import { historyModule } from './modules/history.js';
import { operatorsModule } from './modules/operators.js';
import { partnersModule } from './modules/partners/index.js';
import { personsModule } from './modules/persons.js';
import { registersModule } from './modules/registers.js';
import { tasksModule } from './modules/tasks/index.js';
import { campaignsModule } from './modules/campaigns/index.js';
import { opportunitiesModule } from './modules/opportunities/index.js';
import { offersModule } from './modules/offers.js';
import type { SalesHooks } from './modules/offers/documents.js';
import { emailsModule } from './modules/emails/index.js';
import { calendarModule } from './modules/calendar/index.js';
import { viewsModule } from './modules/views/index.js';
import { schedulerModule } from './modules/scheduler/index.js';
import { inboxModule } from './modules/inbox/index.js';
import { trackingModule } from './modules/tracking/index.js';
import { searchModule } from './modules/search/index.js';
import { notificationsModule } from './modules/notifications/index.js';
import { templatesModule } from './modules/templates/index.js';
import { smsModule } from './modules/sms.js';
import { remindersModule } from './modules/reminders/index.js';
import { mailModule, type MailHooks } from './modules/mail/index.js';
import type { MailPolicy } from './domain/email-types.js';
import type { ReportFunction } from './domain/rule-types.js';
import { rulesModule } from './modules/rules/index.js';
import type { Store } from './store/store.js';
import { AccessEngine } from './modules/access/engine.js';
import { scopedStore } from './modules/access/scoped-store.js';
import { EventAudience } from './modules/access/events.js';
import { rulePresence } from './modules/rules/presence.js';
import { RapportError } from './errors.js';
import { accessModule, groupsModule, rolesModule, sharesModule } from './modules/access/index.js';

export interface CrmOptions {
  store: Store;
  /** Where attachment bytes go; without one, attaching files is refused with a clear error. */
  blobs?: BlobStore;
  clock?: Clock;
  /** The operator changes are attributed to (see also `crm.as`). */
  actorId?: string | null;
  settings?: Partial<CrmSettings>;
  /** Host handlers: create orders, convert offers, cancel documents (sales); printouts and item photos to attach (mail). */
  hooks?: SalesHooks & MailHooks;
  /** Mail policy: own domains, unknown senders, blocklist, register and owner of tasks from mail. */
  mail?: Partial<MailPolicy>;
  /** Report functions that cyclic notification rules run by name (`crm.rules.create({ report: { function: name } })`). */
  reports?: Record<string, ReportFunction>;
  /**
   * Access settings. `defaultRoles`: what an operator granted no role holds (built-in role names
   * or stored role ids; default `['manager']`, decision 0101). `['salesperson']` is least privilege.
   */
  access?: { defaultRoles?: string[] };
}

const DEFAULT_SETTINGS: CrmSettings = {
  defaultRegister: { code: 'CRM', name: 'CRM', color: '#3366cc', numberPattern: '{seq:4}/{yyyy}/CRM' },
};

function modules(ctx: Context, hooks: SalesHooks & MailHooks = {}) {
  return {
    operators: operatorsModule(ctx),
    partners: partnersModule(ctx),
    persons: personsModule(ctx),
    registers: registersModule(ctx),
    tasks: tasksModule(ctx),
    history: historyModule(ctx),
    campaigns: campaignsModule(ctx),
    opportunities: opportunitiesModule(ctx, hooks),
    offers: offersModule(ctx, hooks),
    emails: emailsModule(ctx),
    calendar: calendarModule(ctx),
    views: viewsModule(ctx),
    scheduler: schedulerModule(ctx),
    inbox: inboxModule(ctx),
    tracking: trackingModule(ctx),
    search: searchModule(ctx),
    notifications: notificationsModule(ctx),
    templates: templatesModule(ctx),
    sms: smsModule(ctx),
    reminders: remindersModule(ctx),
    mail: mailModule(ctx, hooks),
    rules: rulesModule(ctx),
    access: accessModule(ctx),
    groups: groupsModule(ctx),
    roles: rolesModule(ctx),
    shares: sharesModule(ctx),
  };
}

export type CrmModules = ReturnType<typeof modules>;

export interface Crm extends CrmModules {
  /** Domain events, published after the change they describe has committed. */
  readonly events$: Observable<DomainEvent>;
  /** The store as this context's operator sees it (the trusted host's sees everything). */
  readonly store: Store;
  readonly clock: Clock;
  /** Where attachment bytes go; null when none was configured (mail with attachments cannot be imported). */
  readonly blobs: BlobStore | null;
  /**
   * The same CRM acting as this operator: changes are attributed to them (created by, audit
   * trail) and every read and write is bounded by their roles, groups, shares and substitutions.
   */
  as(operatorId: string | null): Crm;
  /** Releases the store. */
  close(): Promise<void>;
}

/** Creates a CRM over a store: the entry point of the SDK. */
export function createCrm(options: CrmOptions): Crm {
  const events = new Subject<DomainEvent>();
  const clock = options.clock ?? systemClock;
  const access = new AccessEngine(clock, checkDefaultRoles(options.access?.defaultRoles));
  const audience = new EventAudience();
  const base: Omit<Context, 'actorId' | 'store'> = {
    rootStore: options.store,
    rulePresence: rulePresence(options.store),
    access,
    audience,
    clock,
    blobs: options.blobs ?? null,
    events,
    settings: {
      ...DEFAULT_SETTINGS,
      ...options.settings,
      ...(options.mail ? { mail: { ...options.settings?.mail, ...options.mail } } : {}),
      ...(options.reports ? { reports: { ...options.settings?.reports, ...options.reports } } : {}),
    },
  };
  // An operator's context may turn into another operator's (or the host's) only if they administer access.
  const mayActAs = async (by: string | null, actorId: string | null) => {
    if (by === null || by === actorId) return;
    const p = await access.principal(options.store, by);
    if (!p.administrator)
      throw new RapportError(
        'FORBIDDEN',
        `operator ${p.operator.email} may not act as ${actorId === null ? 'the trusted host' : `operator ${actorId}`}: only administrators may`,
        {
          details: { actorId: by, as: actorId },
        },
      );
  };
  const build = (actorId: string | null, by: string | null): Crm => {
    const guard = () => mayActAs(by, actorId);
    // Modules read beneath the rules through rootStore after their own check: guarded too, or
    // `anna.as(null)` would pass every check as the host on its first read.
    const elevated = by !== null && by !== actorId;
    const rootStore = elevated ? guarded(options.store, guard) : options.store;
    const ctx: Context = { ...base, actorId, rootStore, guard, store: guarded(scopedStore(options.store, access, actorId), guard) };
    // Each event reaches an operator when they may see what it is about (access/events.ts), in order.
    const own$ = actorId === null ? events.asObservable() : audience.observe(events, () => access.principal(options.store, actorId), options.store);
    const events$ = by === null || by === actorId ? own$ : defer(() => from(guard())).pipe(concatMap(() => own$));
    return {
      ...modules(ctx, options.hooks),
      events$,
      store: guarded(scopedStore(options.store, access, actorId, { face: 'caller' }), guard),
      clock: base.clock,
      blobs: base.blobs,
      as: (operatorId) => build(operatorId, actorId === null ? by : actorId),
      close: async () => {
        events.complete();
        await options.store.close();
      },
    };
  };
  return build(options.actorId ?? null, null);
}

const GUARDED = new Set([
  'get',
  'find',
  'count',
  'aggregate',
  'create',
  'createMany',
  'update',
  'delete',
  'updateWhere',
  'deleteWhere',
  'transaction',
  'nextSequence',
]);

/** The store with `guard` awaited before every read and write (a context the caller may not have). */
function guarded(store: Store, guard: () => Promise<void>): Store {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof key !== 'string' || !GUARDED.has(key) || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await guard();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** The default roles a host configured: a non-empty list of role names or ids. */
function checkDefaultRoles(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every((r) => typeof r === 'string' && r.length > 0 && r.length <= 64))
    throw new RapportError('VALIDATION', `access.defaultRoles must be a non-empty list of role names or ids (got ${JSON.stringify(value)})`, {
      details: { field: 'access.defaultRoles' },
    });
  return [...value];
}
