import { base64Utf8, buildMessage, type CurrentMessage, type MailAddress, type MailHost } from './host.js';

const addr = (d: OfficeEmailAddress | null | undefined): MailAddress | null => (d?.emailAddress ? { name: d.displayName ?? '', address: d.emailAddress } : null);
const list = (v: OfficeEmailAddress[] | undefined) => (Array.isArray(v) ? v.map(addr).filter((a): a is MailAddress => a !== null) : []);

function call<T>(fn: (cb: (result: OfficeAsyncResult<T>) => void) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    fn((result) => (result.status === 'succeeded' ? resolve(result.value) : reject(new Error(result.error?.message ?? 'Office call failed')))),
  );
}

/** The Outlook host: Office.context.mailbox, ItemChanged, roaming settings. */
export async function officeHost(): Promise<MailHost> {
  await Office.onReady();
  const mailbox = Office.context.mailbox;
  const item = () => mailbox.item ?? null;

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
      if (typeof it.getAsFileAsync === 'function' && Office.context.requirements.isSetSupported('Mailbox', '1.14')) {
        return call<string>((cb) => it.getAsFileAsync!(cb));
      }
      const current = await host.currentMessage();
      const body = await call<string>((cb) => it.body.getAsync(Office.CoercionType.Text, cb)).catch(() => '');
      return base64Utf8(buildMessage(current!, body, it.dateTimeCreated ? new Date(it.dateTimeCreated) : new Date()));
    },
    onMessageChanged(listener) {
      mailbox.addHandlerAsync(Office.EventType.ItemChanged, () => listener());
    },
    settings: {
      async get(key) {
        const value = Office.context.roamingSettings.get(key);
        return typeof value === 'string' ? value : null;
      },
      async set(values) {
        const rs = Office.context.roamingSettings;
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
