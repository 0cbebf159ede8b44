// The part of Thunderbird's MailExtension API (Manifest V3, Thunderbird 128+) the Thunderbird host
// uses, named and shaped as in Thunderbird's schema files (messageDisplay.json, messages.json,
// tabs.json; permissions.json, storage.json and web_request.json from the toolkit).
// test/browser/thunderbird-schema.test.ts checks every member used here against the installed
// Thunderbird's schema for manifest version 3.

interface TbMessageHeader {
  id: number;
  author: string;
  recipients: string[];
  ccList: string[];
  subject: string;
  headerMessageId: string;
}
/** messages.MessageList: a page of messages; `id` is set when more pages follow. */
interface TbMessageList {
  id: string | null;
  messages: TbMessageHeader[];
}
interface TbTab {
  id?: number;
  windowId?: number;
}
interface TbEvent<L extends (...args: never[]) => unknown, F = never> {
  addListener(listener: L, filter?: F): void;
}
interface TbWebRequestError {
  url: string;
  error: string;
}
declare const messenger: {
  tabs: { query(q: { active?: boolean; currentWindow?: boolean }): Promise<TbTab[]> };
  messageDisplay: {
    getDisplayedMessages(tabId?: number): Promise<TbMessageList>;
    onMessagesDisplayed: TbEvent<(tab: TbTab, displayedMessages: TbMessageList) => void>;
  };
  messages: {
    continueList(messageListId: string): Promise<TbMessageList>;
    getRaw(messageId: number, options?: { data_format?: 'File' | 'BinaryString' }): Promise<File | string>;
    listAttachments(messageId: number): Promise<Array<{ name: string; size?: number }>>;
  };
  storage: {
    local: {
      get(keys: string[] | string): Promise<Record<string, unknown>>;
      set(items: Record<string, unknown>): Promise<void>;
      remove(keys: string[]): Promise<void>;
    };
  };
  permissions?: {
    contains(permissions: { origins: string[] }): Promise<boolean>;
    request(permissions: { origins: string[] }): Promise<boolean>;
  };
  webRequest?: {
    onErrorOccurred: TbEvent<(details: TbWebRequestError) => void, { urls: string[] }>;
  };
};
