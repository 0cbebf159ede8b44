/** What an import did, for progress lines and the final report (`--json` prints it as is). */
export interface SyncReport {
  /** Messages read from the server or the files. */
  fetched: number;
  /** New e-mails stored. */
  imported: number;
  /** New e-mails linked to a partner, person or thread task that existed before them. */
  linked: number;
  /** Messages already stored (same Message-ID), at most linked to a new mailbox location. */
  duplicates: number;
  /** Messages put aside with a reason (see `quarantine`). */
  quarantined: number;
  /** Messages or files that could not be processed at all (see `failures`). */
  failed: number;
  /** Dropped by policy: sender on the blocklist, or unknown sender with policy "ignore". */
  skipped: number;
  tasksCreated: number;
  /** Locations marked deleted on the server (expunged since the last sync). */
  deletedOnServer: number;
  seconds: number;
  mailboxes: MailboxReport[];
  quarantine: Array<{ source: string; reason: string }>;
  failures: Array<{ source: string; reason: string }>;
}

export interface MailboxReport {
  mailbox: string;
  /** `skipped`: unchanged since the last sync (one STATUS); `resynced`: UIDVALIDITY changed. */
  state: 'synced' | 'skipped' | 'resynced';
  uidValidity: number;
  lastUid: number;
  fetched: number;
}

export function emptyReport(): SyncReport {
  return {
    fetched: 0,
    imported: 0,
    linked: 0,
    duplicates: 0,
    quarantined: 0,
    failed: 0,
    skipped: 0,
    tasksCreated: 0,
    deletedOnServer: 0,
    seconds: 0,
    mailboxes: [],
    quarantine: [],
    failures: [],
  };
}

/** Adds `b` into `a` (for a report over several mailboxes or files). */
export function mergeReport(a: SyncReport, b: SyncReport): SyncReport {
  for (const k of ['fetched', 'imported', 'linked', 'duplicates', 'quarantined', 'failed', 'skipped', 'tasksCreated', 'deletedOnServer'] as const) a[k] += b[k];
  a.mailboxes.push(...b.mailboxes);
  a.quarantine.push(...b.quarantine);
  a.failures.push(...b.failures);
  return a;
}

/** Progress of a running import: called after every message. */
export type ProgressListener = (progress: { done: number; total: number | null; report: SyncReport; mailbox?: string }) => void;
