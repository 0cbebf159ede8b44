import { bytesToBase64, parseAddress, type CurrentMessage, type MailAddress, type MailHost } from './host.js';

const addresses = (values: string[] | undefined) => (values ?? []).map(parseAddress).filter((a): a is MailAddress => a !== null);

/** The Thunderbird host: the displayed message of the active tab, messages.getRaw, storage.local. */
export function thunderbirdHost(): MailHost {
  async function displayed(): Promise<TbMessageHeader | null> {
    const [tab] = await messenger.tabs.query({ active: true, currentWindow: true });
    const result = await messenger.messageDisplay.getDisplayedMessages(tab?.id);
    // Thunderbird 128+ answers a MessageList; older versions an array.
    const messages = Array.isArray(result) ? result : (result?.messages ?? []);
    return messages.length === 1 ? messages[0]! : null;
  }

  return {
    kind: 'thunderbird',
    async currentMessage(): Promise<CurrentMessage | null> {
      const header = await displayed();
      if (!header) return null;
      const attachments = await messenger.messages.listAttachments(header.id).catch(() => []);
      return {
        from: parseAddress(header.author),
        to: addresses(header.recipients),
        cc: addresses(header.ccList),
        subject: header.subject ?? '',
        internetMessageId: header.headerMessageId ? `<${header.headerMessageId.replace(/^<|>$/g, '')}>` : null,
        attachments: attachments.map((a) => ({ name: a.name, size: a.size ?? null })),
      };
    },
    async rawSource(): Promise<string> {
      const header = await displayed();
      if (!header) throw new Error('no message is displayed');
      const raw = await messenger.messages.getRaw(header.id, { data_format: 'File' });
      if (typeof raw === 'string') {
        // A binary string: one char per byte.
        const bytes = new Uint8Array(raw.length);
        for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i) & 0xff;
        return bytesToBase64(bytes);
      }
      return bytesToBase64(new Uint8Array(await raw.arrayBuffer()));
    },
    onMessageChanged(listener) {
      messenger.messageDisplay.onMessageDisplayed.addListener(() => listener());
    },
    settings: {
      async get(key) {
        const value = (await messenger.storage.local.get([key]))[key];
        return typeof value === 'string' ? value : null;
      },
      async set(values) {
        const remove = Object.keys(values).filter((k) => values[k] === null);
        const keep = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null));
        if (remove.length) await messenger.storage.local.remove(remove);
        if (Object.keys(keep).length) await messenger.storage.local.set(keep);
      },
    },
    defaultServerUrl: () => 'https://localhost:3000',
    serverFixed: false,
    async requestAccess(serverUrl) {
      if (!messenger.permissions) return true;
      const origin = new URL(serverUrl).origin;
      return messenger.permissions.request({ origins: [`${origin}/*`] }).catch(() => false);
    },
  };
}
