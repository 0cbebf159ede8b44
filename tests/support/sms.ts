/** Starts the SMS provider sink (tests/support/sms-sink.ts) as its own process and reads what it received. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./sms-sink.ts', import.meta.url));

export interface SmsRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export interface SmsSink {
  url: string;
  received(): SmsRequest[];
  stop(): Promise<void>;
}

export async function startSmsSink(port: number, file: string, args: string[] = []): Promise<SmsSink> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, String(port), file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`SMS sink on port ${port} did not start: ${stderr}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => d.toString().includes('listening') && (clearTimeout(timer), resolve()));
    child.on('exit', (code) => (clearTimeout(timer), reject(new Error(`SMS sink on port ${port} exited with ${code}: ${stderr}`))));
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    url: `http://127.0.0.1:${port}/send`,
    received: () =>
      existsSync(file)
        ? readFileSync(file, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as SmsRequest)
        : [],
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
