/** The outbound SMS port; an HTTP adapter for common providers implements it. */
export interface SmsGateway {
  /** Sends one text message; throws when the provider did not take it (the outbox retries it later). */
  send(message: SmsMessage): Promise<SmsResult>;
}

export interface SmsMessage {
  /** The recipient in E.164 (`+48601234567`). */
  to: string;
  text: string;
  /** A sender name or number, when the provider allows one. */
  from?: string;
  /** The outbox idempotency key: providers that de-duplicate by a client reference get it. */
  reference?: string;
}

export interface SmsResult {
  /** The provider's id of the message. */
  id: string;
  /** The provider's status (`queued`, `sent`, ...), when it gives one. */
  status?: string;
}
