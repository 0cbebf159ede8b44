/**
 * A real HTTP server process standing in for an SMS provider. Every request is appended to a
 * JSON-lines file (`{"path","headers","body","at"}`) before it is answered, so the file holds what
 * the provider received. Answers `{"id":"msg-N","status":"queued"}` (or `{"list":[{"id":…}]}` with
 * `--nested`); `--fail N` answers the first N requests 503; `--status CODE` answers every one CODE.
 *
 *   node --import tsx tests/support/sms-sink.ts PORT FILE [--fail N] [--status CODE] [--nested]
 *
 * Prints `listening PORT` when ready.
 */
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [portArg, file, ...rest] = process.argv.slice(2);
const port = Number(portArg);
if (!Number.isInteger(port) || !file) {
  console.error('usage: sms-sink.ts PORT FILE [--fail N] [--status CODE] [--nested]');
  process.exit(2);
}
const flag = (name: string) => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : undefined;
};
let failures = Number(flag('--fail') ?? 0);
const fixedStatus = flag('--status') ? Number(flag('--status')) : null;
const nested = rest.includes('--nested');
let count = 0;

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (body += c));
  req.on('end', () => {
    appendFileSync(file, `${JSON.stringify({ path: req.url, headers: req.headers, body, at: Date.now() })}\n`);
    if (fixedStatus) return res.writeHead(fixedStatus, { 'content-type': 'application/json' }).end('{"error":"refused"}');
    if (failures > 0) {
      failures--;
      return res.writeHead(503).end('busy');
    }
    const id = `msg-${++count}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(nested ? { list: [{ id, points: 1 }] } : { id, status: 'queued' }));
  });
});
server.listen(port, '127.0.0.1', () => console.log(`listening ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
