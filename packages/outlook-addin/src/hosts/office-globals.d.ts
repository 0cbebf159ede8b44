// The slice of office.js the Outlook host uses (office.js ships no ES module to import types from).

interface OfficeAsyncResult<T> {
  status: 'succeeded' | 'failed';
  value: T;
  error?: { message: string };
}
interface OfficeEmailAddress {
  displayName?: string;
  emailAddress?: string;
}
interface OfficeMessageRead {
  from?: OfficeEmailAddress;
  sender?: OfficeEmailAddress;
  to?: OfficeEmailAddress[];
  cc?: OfficeEmailAddress[];
  subject?: string;
  internetMessageId?: string;
  dateTimeCreated?: string | Date;
  attachments?: Array<{ name: string; size?: number }>;
  body: { getAsync(coercion: string, cb: (r: OfficeAsyncResult<string>) => void): void };
  getAsFileAsync?(cb: (r: OfficeAsyncResult<string>) => void): void;
}
declare const Office: {
  onReady(): Promise<unknown>;
  EventType: { ItemChanged: string };
  CoercionType: { Text: string };
  context: {
    mailbox: {
      item: OfficeMessageRead | null;
      addHandlerAsync(event: string, handler: () => void, cb?: (r: OfficeAsyncResult<void>) => void): void;
    };
    requirements: { isSetSupported(name: string, version?: string): boolean };
    roamingSettings: {
      get(name: string): unknown;
      set(name: string, value: unknown): void;
      remove(name: string): void;
      saveAsync(cb: (r: OfficeAsyncResult<void>) => void): void;
    };
  };
};
