// Rewritten by scripts/generate-migration.ts: the committed migrations of each dialect, in order.
import type { MigrationSet, Snapshot } from '../migration-plan.js';
import snapshot from '../../migrations/snapshot.json';
import { Initial1795333962404 as sqliteInitial1795333962404 } from './sqlite/1795333962404-initial.js';
import { TasksDueIndex1795337426825 as sqliteTasksDueIndex1795337426825 } from './sqlite/1795337426825-tasks-due-index.js';
import { ContactKeyExclusive1795347239638 as sqliteContactKeyExclusive1795347239638 } from './sqlite/1795347239638-contact-key-exclusive.js';
import { OpportunityForecastIndex1795349168471 as sqliteOpportunityForecastIndex1795349168471 } from './sqlite/1795349168471-opportunity-forecast-index.js';
import { TasksDefaultOrderIndexes1796086123080 as sqliteTasksDefaultOrderIndexes1796086123080 } from './sqlite/1796086123080-tasks-default-order-indexes.js';
import { EmailThreadAndLiveUidIndexes1796093396490 as sqliteEmailThreadAndLiveUidIndexes1796093396490 } from './sqlite/1796093396490-email-thread-and-live-uid-indexes.js';
import { SchedulerJobsOutbox1796093476999 as sqliteSchedulerJobsOutbox1796093476999 } from './sqlite/1796093476999-scheduler-jobs-outbox.js';
import { Substitutions1796093570082 as sqliteSubstitutions1796093570082 } from './sqlite/1796093570082-substitutions.js';
import { InboxLaunchesFeeds1796093776234 as sqliteInboxLaunchesFeeds1796093776234 } from './sqlite/1796093776234-inbox-launches-feeds.js';
import { SavedViews1796093941192 as sqliteSavedViews1796093941192 } from './sqlite/1796093941192-saved-views.js';
import { NotificationsTemplatesPhones1796094093845 as sqliteNotificationsTemplatesPhones1796094093845 } from './sqlite/1796094093845-notifications-templates-phones.js';
import { AccessControl1796094271164 as sqliteAccessControl1796094271164 } from './sqlite/1796094271164-access-control.js';
import { AccessEmails1796095287742 as sqliteAccessEmails1796095287742 } from './sqlite/1796095287742-access-emails.js';
import { ReminderSettings1796096740906 as sqliteReminderSettings1796096740906 } from './sqlite/1796096740906-reminder-settings.js';
import { AccessTaskChildren1796098326658 as sqliteAccessTaskChildren1796098326658 } from './sqlite/1796098326658-access-task-children.js';
import { FullTextSearch1796104601700 as sqliteFullTextSearch1796104601700 } from './sqlite/1796104601700-full-text-search.js';
import { NotificationRules1796105974474 as sqliteNotificationRules1796105974474 } from './sqlite/1796105974474-notification-rules.js';
import { ViewsGroupIndex1796106465710 as sqliteViewsGroupIndex1796106465710 } from './sqlite/1796106465710-views-group-index.js';
import { MailSerialRuns1796107157242 as sqliteMailSerialRuns1796107157242 } from './sqlite/1796107157242-mail-serial-runs.js';
import { AccessRuleIndex1796108751061 as sqliteAccessRuleIndex1796108751061 } from './sqlite/1796108751061-access-rule-index.js';
import { SearchRecentIndexes1796117763659 as sqliteSearchRecentIndexes1796117763659 } from './sqlite/1796117763659-search-recent-indexes.js';
import { DueNullsLast1796121251333 as sqliteDueNullsLast1796121251333 } from './sqlite/1796121251333-due-nulls-last.js';
import { Initial1795333962404 as postgresInitial1795333962404 } from './postgres/1795333962404-initial.js';
import { TasksDueIndex1795337426825 as postgresTasksDueIndex1795337426825 } from './postgres/1795337426825-tasks-due-index.js';
import { ContactKeyExclusive1795347239638 as postgresContactKeyExclusive1795347239638 } from './postgres/1795347239638-contact-key-exclusive.js';
import { OpportunityForecastIndex1795349168471 as postgresOpportunityForecastIndex1795349168471 } from './postgres/1795349168471-opportunity-forecast-index.js';
import { TasksDefaultOrderIndexes1796086123080 as postgresTasksDefaultOrderIndexes1796086123080 } from './postgres/1796086123080-tasks-default-order-indexes.js';
import { EmailThreadAndLiveUidIndexes1796093396490 as postgresEmailThreadAndLiveUidIndexes1796093396490 } from './postgres/1796093396490-email-thread-and-live-uid-indexes.js';
import { SchedulerJobsOutbox1796093476999 as postgresSchedulerJobsOutbox1796093476999 } from './postgres/1796093476999-scheduler-jobs-outbox.js';
import { Substitutions1796093570082 as postgresSubstitutions1796093570082 } from './postgres/1796093570082-substitutions.js';
import { InboxLaunchesFeeds1796093776234 as postgresInboxLaunchesFeeds1796093776234 } from './postgres/1796093776234-inbox-launches-feeds.js';
import { SavedViews1796093941192 as postgresSavedViews1796093941192 } from './postgres/1796093941192-saved-views.js';
import { NotificationsTemplatesPhones1796094093845 as postgresNotificationsTemplatesPhones1796094093845 } from './postgres/1796094093845-notifications-templates-phones.js';
import { AccessControl1796094271164 as postgresAccessControl1796094271164 } from './postgres/1796094271164-access-control.js';
import { AccessEmails1796095287742 as postgresAccessEmails1796095287742 } from './postgres/1796095287742-access-emails.js';
import { ReminderSettings1796096740906 as postgresReminderSettings1796096740906 } from './postgres/1796096740906-reminder-settings.js';
import { AccessTaskChildren1796098326658 as postgresAccessTaskChildren1796098326658 } from './postgres/1796098326658-access-task-children.js';
import { FullTextSearch1796104601700 as postgresFullTextSearch1796104601700 } from './postgres/1796104601700-full-text-search.js';
import { NotificationRules1796105974474 as postgresNotificationRules1796105974474 } from './postgres/1796105974474-notification-rules.js';
import { ViewsGroupIndex1796106465710 as postgresViewsGroupIndex1796106465710 } from './postgres/1796106465710-views-group-index.js';
import { MailSerialRuns1796107157242 as postgresMailSerialRuns1796107157242 } from './postgres/1796107157242-mail-serial-runs.js';
import { AccessRuleIndex1796108751061 as postgresAccessRuleIndex1796108751061 } from './postgres/1796108751061-access-rule-index.js';
import { SearchRecentIndexes1796117763659 as postgresSearchRecentIndexes1796117763659 } from './postgres/1796117763659-search-recent-indexes.js';
import { DueNullsLast1796121251333 as postgresDueNullsLast1796121251333 } from './postgres/1796121251333-due-nulls-last.js';

export const coreMigrations: MigrationSet = {
  dialects: {
    sqlite: [sqliteInitial1795333962404, sqliteTasksDueIndex1795337426825, sqliteContactKeyExclusive1795347239638, sqliteOpportunityForecastIndex1795349168471, sqliteTasksDefaultOrderIndexes1796086123080, sqliteEmailThreadAndLiveUidIndexes1796093396490, sqliteSchedulerJobsOutbox1796093476999, sqliteSubstitutions1796093570082, sqliteInboxLaunchesFeeds1796093776234, sqliteSavedViews1796093941192, sqliteNotificationsTemplatesPhones1796094093845, sqliteAccessControl1796094271164, sqliteAccessEmails1796095287742, sqliteReminderSettings1796096740906, sqliteAccessTaskChildren1796098326658, sqliteFullTextSearch1796104601700, sqliteNotificationRules1796105974474, sqliteViewsGroupIndex1796106465710, sqliteMailSerialRuns1796107157242, sqliteAccessRuleIndex1796108751061, sqliteSearchRecentIndexes1796117763659, sqliteDueNullsLast1796121251333],
    postgres: [postgresInitial1795333962404, postgresTasksDueIndex1795337426825, postgresContactKeyExclusive1795347239638, postgresOpportunityForecastIndex1795349168471, postgresTasksDefaultOrderIndexes1796086123080, postgresEmailThreadAndLiveUidIndexes1796093396490, postgresSchedulerJobsOutbox1796093476999, postgresSubstitutions1796093570082, postgresInboxLaunchesFeeds1796093776234, postgresSavedViews1796093941192, postgresNotificationsTemplatesPhones1796094093845, postgresAccessControl1796094271164, postgresAccessEmails1796095287742, postgresReminderSettings1796096740906, postgresAccessTaskChildren1796098326658, postgresFullTextSearch1796104601700, postgresNotificationRules1796105974474, postgresViewsGroupIndex1796106465710, postgresMailSerialRuns1796107157242, postgresAccessRuleIndex1796108751061, postgresSearchRecentIndexes1796117763659, postgresDueNullsLast1796121251333],
  },
  snapshot: snapshot as unknown as Snapshot,
};
