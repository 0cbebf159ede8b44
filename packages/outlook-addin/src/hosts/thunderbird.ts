import { bytesToBase64, parseAddress, type CurrentMessage, type MailAddress, type MailHost } from './host.js';

const addresses = (values: string[] | undefined) => (values ?? []).map(parseAddress).filter((a): a is MailAddress => a !== null);

/**
 * Gecko's network errors (webRequest.onErrorOccurred `error`) in the user's words. Connection
 * errors come as names (NS_ERROR_CONNECTION_REFUSED); certificate errors as NSS's own sentence
 * ("Peer’s certificate has an invalid signature.") or a name (SEC_ERROR_UNKNOWN_ISSUER).
 */
export function describeNetworkError(error: string): string {
  if (/^(SEC_ERROR|MOZILLA_PKIX_ERROR|SSL_ERROR)_|certificate/i.test(error))
    return `its certificate is not trusted (${error}); see "Trusting the dev certificate" in docs/addin.md`;
  if (/CONNECTION_REFUSED/.test(error)) return 'the connection was refused: is the server running on that port?';
  if (/TIMEOUT|TIMED_OUT/.test(error)) return 'the server did not answer in time';
  if (/UNKNOWN_HOST/.test(error)) return 'the host name is unknown';
  if (/NET_RESET|NET_INTERRUPT|CONNECTION_CLOSED/.test(error)) return 'the connection was closed by the server';
  return `the request failed (${error})`;
}

/**
 * The host permission for an origin, without its port: a match pattern with a port is never
 * covered by a granted `https://localhost/*` (Thunderbird's permissions.contains answers false,
 * and permissions.request shows a prompt that lists nothing), while the portless one covers
 * every port.
 */
export function hostPattern(origin: string): string {
  const url = new URL(origin);
  return `${url.protocol}//${url.hostname}/*`;
}

/** The Thunderbird host (Manifest V3): the message displayed in the popup's tab, messages.getRaw, storage.local. */
export function thunderbirdHost(): MailHost {
  // The popup belongs to the tab that was active when it opened: follow that tab only.
  const tab = messenger.tabs.query({ active: true, currentWindow: true }).then(([t]) => t?.id);
  // Network errors Gecko reported for our own requests, by URL (fetch() itself says only "NetworkError").
  const failures = new Map<string, string>();
  messenger.webRequest?.onErrorOccurred.addListener(
    (details) => {
      failures.set(details.url, details.error);
      if (failures.size > 20) failures.delete(failures.keys().next().value!);
    },
    { urls: ['<all_urls>'] },
  );

  async function displayed(): Promise<TbMessageHeader | null> {
    const list = await messenger.messageDisplay.getDisplayedMessages(await tab);
    // One message only: a multi-selection (or a list with more pages) has no single sender.
    return list.messages.length === 1 && !list.id ? list.messages[0]! : null;
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
      messenger.messageDisplay.onMessagesDisplayed.addListener((shownIn) => {
        void tab.then((id) => {
          if (id === undefined || shownIn.id === id) listener();
        });
      });
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
    access: messenger.permissions && {
      has: (origin) => messenger.permissions!.contains({ origins: [hostPattern(origin)] }).catch(() => false),
      request: (origin) => messenger.permissions!.request({ origins: [hostPattern(origin)] }).catch(() => false),
    },
    async networkFailure(url) {
      // onErrorOccurred may arrive just after fetch() rejected.
      for (let i = 0; i < 5 && !failures.has(url); i++) await new Promise((r) => setTimeout(r, 20));
      const error = failures.get(url);
      return error ? describeNetworkError(error) : null;
    },
  };
}
