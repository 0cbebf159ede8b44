/// <reference types="office-js" />
// office.js ships no ES module: the page loads it as a script and these are its published types.
import { base64Utf8, buildMessage, type CurrentMessage, type MailAddress, type MailHost } from './host.js';

/** The parts of a read-mode message item the pane reads, as office.js types them (Office.MessageRead). */
export type OfficeReadItem = Pick<Office.MessageRead, 'from' | 'sender' | 'to' | 'cc' | 'subject' | 'internetMessageId' | 'dateTimeCreated' | 'attachments'> & {
  body: Pick<Office.Body, 'getAsync'>;
} & Partial<Pick<Office.MessageRead, 'getAsFileAsync'>>;

/** The part of office.js the Outlook host uses, as @types/office-js types it (the browser tests' fake implements this). */
export interface OfficeApi {
  onReady: typeof Office.onReady;
  EventType: Pick<typeof Office.EventType, 'ItemChanged'>;
  CoercionType: Pick<typeof Office.CoercionType, 'Text'>;
  AsyncResultStatus: Pick<typeof Office.AsyncResultStatus, 'Succeeded' | 'Failed'>;
  context: {
    mailbox: Pick<Office.Mailbox, 'addHandlerAsync'> & { readonly item?: OfficeReadItem | null };
    requirements: Pick<Office.RequirementSetSupport, 'isSetSupported'>;
    roamingSettings: Pick<Office.RoamingSettings, 'get' | 'set' | 'remove' | 'saveAsync'>;
  };
}

const addr = (d: Office.EmailAddressDetails | null | undefined): MailAddress | null =>
  d?.emailAddress ? { name: d.displayName ?? '', address: d.emailAddress } : null;
const list = (v: Office.EmailAddressDetails[] | undefined) => (Array.isArray(v) ? v.map(addr).filter((a): a is MailAddress => a !== null) : []);

/** The Outlook host: Office.context.mailbox, ItemChanged, roaming settings. */
export async function officeHost(office: OfficeApi = Office): Promise<MailHost> {
  await office.onReady();
  const mailbox = office.context.mailbox;
  const call = <T>(fn: (cb: (result: Office.AsyncResult<T>) => void) => void): Promise<T> =>
    new Promise((resolve, reject) =>
      fn((result) =>
        result.status === office.AsyncResultStatus.Succeeded ? resolve(result.value) : reject(new Error(result.error?.message ?? 'Office call failed')),
      ),
    );
  // The add-in is activated on read-mode messages only (manifest rule ItemIs Message/Read).
  const item = (): OfficeReadItem | null => mailbox.item ?? null;

  const host: MailHost = {
    kind: 'office',
    async currentMessage(): Promise<CurrentMessage | null> {
      const it = item();
      if (!it) return null;
      return {
        from: addr(it.from) ?? addr(it.sender),
        to: list(it.to),
        cc: list(it.cc),
        subject: typeof it.subject === 'string' ? it.subject : '',
        internetMessageId: it.internetMessageId ?? null,
        attachments: (it.attachments ?? []).map((a) => ({ name: a.name, size: a.size ?? null })),
      };
    },
    async rawSource(): Promise<string> {
      const it = item();
      if (!it) throw new Error('no message is selected');
      // Mailbox 1.14: the original source, already base64 (EML).
      if (typeof it.getAsFileAsync === 'function' && office.context.requirements.isSetSupported('Mailbox', '1.14')) {
        return call<string>((cb) => it.getAsFileAsync!(cb));
      }
      const current = await host.currentMessage();
      const body = await call<string>((cb) => it.body.getAsync(office.CoercionType.Text, cb)).catch(() => '');
      return base64Utf8(buildMessage(current!, body, it.dateTimeCreated ? new Date(it.dateTimeCreated) : new Date()));
    },
    onMessageChanged(listener) {
      mailbox.addHandlerAsync(office.EventType.ItemChanged, () => listener());
    },
    settings: {
      async get(key) {
        const value = office.context.roamingSettings.get(key);
        return typeof value === 'string' ? value : null;
      },
      async set(values) {
        const rs = office.context.roamingSettings;
        for (const [k, v] of Object.entries(values)) {
          if (v === null) rs.remove(k);
          else rs.set(k, v);
        }
        await call<void>((cb) => rs.saveAsync(cb));
      },
    },
    defaultServerUrl: () => location.origin,
    serverFixed: true,
  };
  return host;
}
