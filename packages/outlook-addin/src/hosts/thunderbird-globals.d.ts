// The slice of the Thunderbird MailExtension API the Thunderbird host uses.

interface TbMessageHeader {
  id: number;
  author: string;
  recipients: string[];
  ccList: string[];
  subject: string;
  headerMessageId: string;
}
interface TbTab {
  id?: number;
}
declare const messenger: {
  tabs: { query(q: { active: boolean; currentWindow: boolean }): Promise<TbTab[]> };
  messageDisplay: {
    getDisplayedMessages(tabId?: number): Promise<TbMessageHeader[] | { messages: TbMessageHeader[] }>;
    onMessageDisplayed: { addListener(cb: (tab: TbTab, message: unknown) => void): void };
  };
  messages: {
    getRaw(id: number, options?: { data_format?: 'File' | 'BinaryString' }): Promise<string | Blob>;
    listAttachments(id: number): Promise<Array<{ name: string; size?: number }>>;
  };
  storage: { local: { get(keys: string[] | string): Promise<Record<string, unknown>>; set(values: Record<string, unknown>): Promise<void>; remove(keys: string[]): Promise<void> } };
  permissions?: { request(p: { origins: string[] }): Promise<boolean> };
};
