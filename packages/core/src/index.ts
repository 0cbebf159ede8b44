/**
 * @rapport/core: the CRM a host application embeds. `createCrm({ store })` returns the modules
 * (`crm.tasks`, `crm.emails`, …); the records they return and the inputs they take are typed
 * below. Writing a storage adapter? The Store port and its helpers are in `@rapport/core/store`.
 */

// The CRM and the ports it is built with
export { createCrm } from './crm.js';
export type { Crm, CrmOptions, CrmModules } from './crm.js';
export type { CrmSettings } from './context.js';
export type { Store, Page, FindQuery, SortField, GroupKey, Measure, AggregateRow } from './store/store.js';
export { memoryStore } from './store/memory.js';
export { where } from './store/filter.js';
export type { Filter } from './store/filter.js';
export { fsBlobStore, memoryBlobStore } from './blobs.js';
export type { BlobStore, BlobInfo } from './blobs.js';
export { systemClock, steppingClock } from './clock.js';
export type { Clock } from './clock.js';
export type { Mailer, MailMessage, MailAttachment, SendResult } from './mail.js';
export type { SmsGateway, SmsMessage, SmsResult } from './sms.js';

// Automation: persisted jobs, the outbox, and the worker that runs both
export { createScheduler } from './modules/scheduler/worker.js';
export type { Scheduler, SchedulerOptions, RunReport } from './modules/scheduler/worker.js';
export type { JobHandler, JobContext, JobsReport } from './modules/scheduler/run-jobs.js';
export type { ChannelHandler, DeliveriesReport } from './modules/scheduler/deliveries.js';
export type { ScheduleInput, SchedulerStatus, Effect } from './modules/scheduler/index.js';
export type { Backoff } from './modules/scheduler/timing.js';
export { messageIdFor, senderDomain } from './modules/scheduler/outbox.js';

// Errors and events
export { RapportError, isRapportError } from './errors.js';
export type { RapportErrorCode } from './errors.js';
export type { DomainEvent, DomainEventType } from './events.js';

// Records
export * from './domain/types.js';
export * from './domain/email-types.js';
export * from './domain/sales-types.js';
export * from './domain/automation-types.js';
export * from './domain/work-types.js';
export * from './domain/notify-types.js';
export * from './domain/rule-types.js';
export * from './domain/access-types.js';

// What the modules take
export type { PartnerInput, PartnerPatch, PartnerQuery, LeadInput } from './modules/partners/index.js';
export type { PersonInput } from './modules/persons.js';
export type { OperatorInput } from './modules/operators.js';
export type { SubstitutionPeriod, SubstitutionQuery } from './modules/substitutions.js';
export type { Substitution } from './domain/substitution.js';
export type { HandOverKind, HandOverOptions, HandOverCounts } from './modules/hand-over.js';
export type { RegisterInput } from './modules/registers.js';
export type { TaskInput, TaskPatch, TaskQuery, StageInput, StageProgress, DelegateOptions } from './modules/tasks/index.js';
export type { HistoryQuery, EmailHistory } from './modules/history.js';
export type { IngestOptions } from './modules/emails/index.js';
export type { NotificationInput, NotificationQuery, WatchOptions } from './modules/notifications/index.js';
export type { TemplateInput, RenderedMessage, Recipient } from './modules/templates/index.js';
export type { RuleInput } from './modules/rules/index.js';
export { printLiquid, sandboxedLiquid, type SandboxOptions } from './modules/templates/engine.js';
export type { SmsStatusInput } from './modules/sms.js';
export type {
  CampaignInput,
  CampaignPatch,
  CampaignLevelInput,
  CampaignTransactionInput,
  CampaignProgress,
  CampaignRealized,
} from './modules/campaigns/index.js';
export type {
  OpportunityInput,
  OpportunityPatch,
  OpportunityQuery,
  PipelineInput,
  PipelineStageInput,
  Forecast,
  ForecastQuery,
  ForecastRow,
  ForecastGroup,
} from './modules/opportunities/index.js';
export type { OfferInput, OfferPatch } from './modules/offers.js';
export type { InboxQuery, InboxPage } from './modules/inbox/index.js';
export type { Dataset, DatasetColumn, DailyRow, WorkloadRow, TrackingScope } from './modules/tracking/index.js';
export type { LaunchTarget, Launched, LaunchStatus } from './modules/inbox/launch.js';
export type { FeedInput, FeedBody } from './modules/calendar/index.js';
export type { CalendarField, CalendarItem, CalendarQuery, CalendarRange, CalendarDay, CalendarGrid, GridQuery, GridView } from './modules/calendar/index.js';
export type { OfferLineInput } from './modules/offers/money.js';
export type { SalesHooks, HostDocument, OrderRequest, ConvertRequest } from './modules/offers/documents.js';
export type {
  AttachmentInput,
  HostDocumentRef,
  MailHooks,
  MailRecipients,
  MailRun,
  MailRunRecipient,
  SendInput,
  SendResult as MailSendResult,
  SerialAttachmentRequest,
  SerialInput,
  SerialOutcome,
  SerialReport,
  SendFileInput,
  SendFileResult,
} from './modules/mail/index.js';
export type {
  ViewKind,
  ViewSpec,
  ViewFilter,
  ViewValue,
  ViewColumn,
  ViewStyle,
  ViewIcon,
  FormatRule,
  ViewShare,
  SavedView,
  BuiltinView,
  ViewRunOptions,
  ViewResult,
  ViewRow,
  ViewGroup,
  ViewColumnInfo,
  PivotQuery,
  PivotTable,
  RelativeDate,
  DateRange,
  ViewInput,
  ViewPatch,
  ViewRef,
  ViewReader,
} from './modules/views/index.js';
export { VIEW_KINDS, VIEW_ICONS, RELATIVE_DATES, DATE_RANGES } from './modules/views/index.js';

export type { GroupInput, RoleInput, ShareTarget, ShareRecord, AccessUpgradeReport } from './modules/access/index.js';

// Rules and helpers a host may show or reuse
export { BUILT_IN_ROLES, DEFAULT_ROLE } from './modules/access/index.js';
export { newId } from './ids.js';
export { TRANSITIONS } from './modules/tasks/index.js';
export { formatNumber } from './modules/registers.js';
export { hashToken } from './modules/operators.js';
export { HAND_OVER_KINDS } from './modules/hand-over.js';
export { e164 } from './domain/phone.js';
export { FREEMAIL_DOMAINS, isFreemail, domainOf } from './domain/freemail.js';
export { canonicalDomain, canonicalAddress, unicodeDomain } from './domain/mail-address.js';
export { normalizeMessageId, isBulk, isBlocked, safeFilename, DEFAULT_MAIL_POLICY } from './modules/emails/index.js';
export { DEFAULT_PIPELINE_STAGES, DEFAULT_PIPELINE_CODE } from './modules/opportunities/index.js';
export { OFFER_TRANSITIONS } from './modules/offers.js';
export { CALENDAR_FIELDS, GRID_VIEWS } from './modules/calendar/index.js';
export { DEFAULT_PRIORITY_WEIGHTS } from './modules/tracking/index.js';
export { SEARCH_KINDS, SEARCH_WINDOW, SEARCH_MAX_LIMIT, SEARCH_COUNT_CAP } from './modules/search/index.js';
export type { SearchKind, SearchHit, SearchCount, SearchResult, SearchOptions } from './modules/search/index.js';
export { offerLine, offerTotals } from './modules/offers/money.js';
