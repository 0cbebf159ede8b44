/**
 * The IMAP floor as its own process (the cold figure): fetch a mailbox's sources in batches of 200
 * UIDs and parse each with the product's parse set-up — the same worker (ParsePool), main-thread
 * parseMessage for what the worker hands back — but store nothing. Config as JSON in argv[2].
 */
import { fetchAndParse } from './imap-floor.js';

const c = JSON.parse(process.argv[2]!) as { host: string; port: number; user: string; password: string; mailbox: string };
const n = await fetchAndParse(c, c.mailbox);
process.stdout.write(`${JSON.stringify({ n })}\n`);
process.exit(0);
