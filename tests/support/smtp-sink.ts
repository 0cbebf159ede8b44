/**
 * A real SMTP server process for tests (`smtp-server` on loopback, no TLS, no auth). Every
 * accepted message is appended to a JSON-lines file before the server answers 250, so what the
 * file holds is what a receiving server took: `{"messageId","to","at"}` per message.
 *
 *   node --import tsx tests/support/smtp-sink.ts PORT FILE [--reject-to ADDRESS] [--auth USER:PASSWORD]
 *
 * With --auth, a login (AUTH PLAIN/LOGIN, over plain text: loopback tests only) is required.
 *
 * Prints `listening PORT` when ready. Used by tests/automation and the scheduler benchmark.
 */
import { appendFileSync } from 'node:fs';
import { SMTPServer } from 'smtp-server';

const [portArg, file, ...rest] = process.argv.slice(2);
const port = Number(portArg);
if (!Number.isInteger(port) || !file) {
  console.error('usage: smtp-sink.ts PORT FILE [--reject-to ADDRESS]');
  process.exit(2);
}
const flag = (name: string) => (rest.includes(name) ? rest[rest.indexOf(name) + 1] : undefined);
const rejectTo = flag('--reject-to');
const auth = flag('--auth');

const server = new SMTPServer({
  disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
  ...(auth ? { allowInsecureAuth: true, authOptional: false, authMethods: ['PLAIN', 'LOGIN'] } : {}),
  onAuth(login, _session, callback) {
    if (auth && `${login.username}:${login.password}` === auth) return callback(null, { user: login.username });
    callback(Object.assign(new Error('5.7.8 authentication failed'), { responseCode: 535 }));
  },
  logger: false,
  maxClients: 200,
  onRcptTo(address, _session, callback) {
    if (address.address === rejectTo) return callback(Object.assign(new Error(`5.1.1 <${address.address}>: no such user`), { responseCode: 550 }));
    callback();
  },
  onData(stream, session, callback) {
    let head = '';
    let inHead = true;
    stream.on('data', (chunk: Buffer) => {
      if (!inHead) return;
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) inHead = false;
    });
    stream.on('end', () => {
      const headers = head.split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' ');
      const messageId = /^message-id:\s*(\S+)/im.exec(headers)?.[1] ?? null;
      const to = session.envelope.rcptTo.map((r) => r.address);
      appendFileSync(file, `${JSON.stringify({ messageId, to, at: Date.now() })}\n`);
      callback();
    });
  },
});
// A client killed mid-session (a worker's SIGKILL) resets its socket: smtp-server reports that as
// an 'error' event, which without a listener would end this process and refuse every later message.
server.on('error', (err) => console.error(`smtp-sink: ${err.message}`));
server.listen(port, '127.0.0.1', () => console.log(`listening ${port}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
