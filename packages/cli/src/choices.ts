import type { AccessAction, HandOverKind, SearchKind, TaskStatus, UnknownSenderPolicy } from '@rapport/core';

// The closed lists the command line offers as option choices. They are copies of core's, so that
// building the command line (and `rapport --help`) does not load @rapport/core and its
// dependencies; `satisfies` keeps every entry valid and test/choices.test.ts checks none is missing.

export const TASK_STATUSES = ['open', 'in_progress', 'done', 'cancelled'] as const satisfies readonly TaskStatus[];
export const HAND_OVER_KINDS = ['tasks', 'stages', 'partners', 'opportunities', 'offers', 'campaigns'] as const satisfies readonly HandOverKind[];
export const UNKNOWN_SENDER_POLICIES = ['ignore', 'prospect', 'keep'] as const satisfies readonly UnknownSenderPolicy[];
export const ACCESS_ACTIONS = ['read', 'create', 'update', 'delete', 'assign', 'export'] as const satisfies readonly AccessAction[];
export const SEARCH_KINDS = ['tasks', 'notes', 'partners', 'persons', 'emails'] as const satisfies readonly SearchKind[];
