// A minimal Marionette client: Gecko's remote protocol is `length:JSON` frames over TCP;
// a command is [0, id, name, params], its answer [1, id, error, result].
import { connect, type Socket } from 'node:net';

export class MarionetteError extends Error {
  constructor(
    readonly command: string,
    readonly error: { error: string; message: string; stacktrace?: string },
  ) {
    super(`${command}: ${error.error}: ${error.message}`);
  }
}

export interface Marionette {
  /** Sends a command and resolves with its result (rejects with a MarionetteError). */
  send<T = unknown>(name: string, params?: Record<string, unknown>): Promise<T>;
  /**
   * Runs `script` (a function body; `arguments` holds `args`) in the current context and
   * returns its value; an async body is awaited.
   */
  execute<T = unknown>(script: string, args?: unknown[]): Promise<T>;
  close(): void;
}

/** Connects to Marionette on 127.0.0.1:`port`, retrying until it listens or `timeoutMs` passes. */
export async function connectMarionette(port: number, timeoutMs = 30_000): Promise<Marionette> {
  const deadline = Date.now() + timeoutMs;
  let socket: Socket;
  for (;;) {
    try {
      socket = await new Promise<Socket>((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => resolve(s));
        s.once('error', reject);
      });
      break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`Marionette did not listen on port ${port} within ${timeoutMs} ms`, { cause: err });
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  let buffer = Buffer.alloc(0);
  const frames: unknown[] = [];
  let waiting: ((frame: unknown) => void) | null = null;
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const colon = buffer.indexOf(':');
      if (colon < 0) break;
      const length = Number(buffer.subarray(0, colon).toString());
      if (buffer.length < colon + 1 + length) break;
      const frame = JSON.parse(buffer.subarray(colon + 1, colon + 1 + length).toString('utf8'));
      buffer = buffer.subarray(colon + 1 + length);
      if (waiting) {
        const w = waiting;
        waiting = null;
        w(frame);
      } else frames.push(frame);
    }
  });
  const next = () => new Promise<unknown>((resolve) => (frames.length ? resolve(frames.shift()) : (waiting = resolve)));
  await next(); // the greeting: {"applicationType":"gecko","marionetteProtocol":3}

  let id = 0;
  // One command at a time: Marionette answers in order and this client never pipelines.
  let queue: Promise<unknown> = Promise.resolve();
  function send<T>(name: string, params: Record<string, unknown> = {}): Promise<T> {
    const run = async () => {
      const body = Buffer.from(JSON.stringify([0, ++id, name, params]), 'utf8');
      socket.write(`${body.length}:`);
      socket.write(body);
      const [, , error, result] = (await next()) as [number, number, MarionetteError['error'] | null, { value?: T } | T];
      if (error) throw new MarionetteError(name, error);
      return (result && typeof result === 'object' && 'value' in result ? result.value : result) as T;
    };
    const p = queue.then(run, run);
    queue = p.catch(() => undefined);
    return p;
  }
  return {
    send,
    async execute<T>(script: string, args: unknown[] = []) {
      // Run as an async function so the script may await; errors come back as values, with their stack.
      const wrapped = `const done = arguments[arguments.length - 1];
        (async function () { ${script} }).apply(null, Array.from(arguments).slice(0, -1))
          .then((value) => done({ value }), (e) => done({ error: String(e), stack: e && e.stack }));`;
      const out = await send<{ value?: T; error?: string; stack?: string }>('WebDriver:ExecuteAsyncScript', {
        script: wrapped,
        args,
        newSandbox: false,
        scriptTimeout: 60_000,
      });
      if (out.error !== undefined) throw new Error(`script failed: ${out.error}\n${out.stack ?? ''}`);
      return out.value as T;
    },
    close: () => socket.destroy(),
  };
}
