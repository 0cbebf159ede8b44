// Driving the Rapport pane inside Thunderbird from Marionette's chrome context: selecting
// messages in the 3-pane tab, opening the message display action popup, and reading or
// changing the popup's document, which lives in the extension process (reached with a frame
// script, since Marionette cannot switch into a XUL <browser>).
import type { Marionette } from './marionette.js';

export const EXTENSION_ID = 'rapport-crm@rapport.dev';
const BUTTON_ID = `${EXTENSION_ID.replace(/[@.]/g, '_')}-messageDisplayAction-toolbarbutton`;

/** Finds the open popup's <browser> (chrome-context code, as a string). */
const FIND_POPUP = `const popup = [...document.querySelectorAll('browser')].find((b) => b.currentURI?.spec.startsWith('moz-extension://') && b.currentURI.spec.endsWith('/popup.html'));`;

export interface PaneSnapshot {
  state: string;
  messageId: string;
  text: string;
}

export function paneDriver(m: Marionette) {
  /** Runs `fn` (source of `(content) => value`, may be async) in the popup's page; its value must be cloneable. */
  async function inPopup<T>(fn: string): Promise<T> {
    const out = await m.execute<{ ok?: T; error?: string; missing?: boolean }>(
      `${FIND_POPUP}
      if (!popup) return { missing: true };
      const mm = popup.messageManager;
      const id = Math.random().toString(36).slice(2);
      const reply = new Promise((resolve) => {
        mm.addMessageListener('rapport:' + id, (msg) => resolve(msg.data));
        setTimeout(() => resolve({ error: 'the popup did not answer within 5 s' }), 5000);
      });
      const send = 'sendAsyncMessage(' + JSON.stringify('rapport:' + id) + ', ';
      // A new frame script per call: the popup's CSP forbids eval inside the page's process.
      const src = 'Promise.resolve().then(() => (' + arguments[0] + ')(content)).then((ok) => ' + send + '{ ok }), (e) => ' + send + '{ error: String(e) }));';
      mm.loadFrameScript('data:application/javascript,' + encodeURIComponent(src), false);
      return reply;`,
      [fn],
    );
    if (out.missing) throw new Error('no Rapport popup is open');
    if (out.error) throw new Error(`in the popup: ${out.error}`);
    return out.ok as T;
  }

  const snapshot = () =>
    inPopup<PaneSnapshot>(
      `(c) => ({ state: c.document.body.dataset.state, messageId: c.document.body.dataset.messageId || '', text: c.document.getElementById('app').innerText })`,
    );

  return {
    inPopup,
    snapshot,

    /** Shows `folderUri`'s messages in the 3-pane tab, fetching them from the server until `count` are there. */
    async showFolder(count: number) {
      await m.execute(
        `const { MailServices } = ChromeUtils.importESModule('resource:///modules/MailServices.sys.mjs');
        const server = MailServices.accounts.defaultAccount.incomingServer;
        const inbox = server.rootFolder.getFolderWithFlags(Ci.nsMsgFolderFlags.Inbox);
        gTabmail.currentAbout3Pane.displayFolder(inbox.URI);
        for (let i = 0; i < 150 && inbox.getTotalMessages(false) < arguments[0]; i++) {
          if (i % 20 === 0) inbox.updateFolder(top.msgWindow);
          await new Promise((r) => setTimeout(r, 100));
        }
        if (inbox.getTotalMessages(false) < arguments[0]) throw new Error('INBOX has ' + inbox.getTotalMessages(false) + ' messages');`,
        [count],
      );
    },

    /** Selects the message with this Message-ID (no brackets) in the thread tree and waits until it is displayed. */
    async select(messageId: string) {
      await m.execute(
        `const about3Pane = gTabmail.currentAbout3Pane;
        const hdr = [...about3Pane.gFolder.messages].find((h) => h.messageId === arguments[0]);
        if (!hdr) throw new Error('no message ' + arguments[0]);
        about3Pane.threadTree.selectedIndex = about3Pane.gDBView.findIndexOfMsgHdr(hdr, true);
        for (let i = 0; i < 100 && about3Pane.messageBrowser.contentWindow.gMessage?.messageId !== arguments[0]; i++) await new Promise((r) => setTimeout(r, 50));
        if (about3Pane.messageBrowser.contentWindow.gMessage?.messageId !== arguments[0]) throw new Error('message ' + arguments[0] + ' was not displayed');`,
        [messageId],
      );
    },

    /** Opens the pane with the message header's Rapport button, as a user would, and waits for its page. */
    async open() {
      await m.execute(
        `for (let i = 0; i < 200; i++) {
          ${FIND_POPUP}
          if (popup && popup.closest('panel')?.state === 'open' && !popup.webProgress?.isLoadingDocument) return;
          // The button appears once the message is shown and the extension has started: click
          // it (again) while no popup is on its way.
          const button = gTabmail.currentAbout3Pane.messageBrowser.contentWindow.document.getElementById(arguments[0]);
          if (!popup && button && i % 20 === 0) button.click();
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error('the Rapport popup did not open');`,
        [BUTTON_ID],
      );
    },

    async close() {
      await m.execute(`${FIND_POPUP} popup?.closest('panel')?.hidePopup();
        for (let i = 0; i < 50; i++) { ${FIND_POPUP} if (!popup) return; await new Promise((r) => setTimeout(r, 50)); }`);
    },

    /** The popup's size and its document's, in CSS pixels. */
    size: () =>
      m.execute<{ width: number; height: number }>(`${FIND_POPUP} const r = popup.getBoundingClientRect(); return { width: r.width, height: r.height };`),

    /** Waits until the pane settles in `state` (one of them; for `messageId`, when given), and returns what it shows. */
    async waitFor(state: string | string[], messageId?: string, timeoutMs = 15_000): Promise<PaneSnapshot> {
      const states = [state].flat();
      const deadline = Date.now() + timeoutMs;
      let last: PaneSnapshot | string = 'nothing';
      while (Date.now() < deadline) {
        last = await snapshot().catch((e: Error) => e.message);
        if (typeof last === 'object' && states.includes(last.state) && (messageId === undefined || last.messageId === messageId)) return last;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the pane did not reach ${state}${messageId ? ` for ${messageId}` : ''}; last: ${JSON.stringify(last)}`);
    },
  };
}

export type PaneDriver = ReturnType<typeof paneDriver>;
