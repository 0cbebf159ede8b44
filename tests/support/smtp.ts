/**
 * Starts the SMTP sink (tests/support/smtp-sink.ts) as its own process and reads what it
 * received. Each test file passes its own port (the scheduler's tests use 4400-4499).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./smtp-sink.ts', import.meta.url));

export interface SmtpSink {
  port: number;
  file: string;
  /** Message-IDs in the order they arrived (repeats included). */
  received(): Array<{ messageId: string | null; to: string[]; at: number }>;
  /** Stops the process (SIGTERM) and waits for it. */
  stop(): Promise<void>;
}

export async function startSmtpSink(port: number, file: string, options: { rejectTo?: string; auth?: string } = {}): Promise<SmtpSink> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      script,
      String(port),
      file,
      ...(options.rejectTo ? ['--reject-to', options.rejectTo] : []),
      ...(options.auth ? ['--auth', options.auth] : []),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`SMTP sink on port ${port} did not start: ${stderr}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`SMTP sink on port ${port} exited with ${code}: ${stderr}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    port,
    file,
    received: () =>
      existsSync(file)
        ? readFileSync(file, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as { messageId: string | null; to: string[]; at: number })
        : [],
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
