import { Command, InvalidArgumentError } from 'commander';
import type { GlobalOptions } from '../output.js';

const whole = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
  return n;
};

export interface WorkerOptions {
  once?: boolean;
  pollMs?: number;
  concurrency?: number;
  batchSize?: number;
  leaseSeconds?: number;
  workerId?: string;
}

/** `rapport worker`: the scheduler against the configured database. The implementation loads on use. */
export function registerWorker(program: Command) {
  program
    .command('worker')
    .description('run due jobs and deliver the outbox (e-mail over SMTP from RAPPORT_SMTP_*); stop with Ctrl-C')
    .option('--once', 'run what is due now, then exit with a report')
    .option('--poll-ms <ms>', 'pause between passes when nothing is due (default 1000)', whole(10, 3_600_000))
    .option('--concurrency <n>', 'jobs and deliveries at once (default 8)', whole(1, 1000))
    .option('--batch-size <n>', 'jobs or deliveries claimed per transaction (default 100)', whole(1, 10_000))
    .option('--lease-seconds <s>', 'how long a claim holds before another worker may take over (default 60)', whole(1, 86_400))
    .option('--worker-id <id>', 'name of this worker in leases (default host:pid:random)')
    .action(async (o: WorkerOptions, c: Command) => {
      const { runWorker } = await import('./worker-run.js');
      await runWorker(o, c.optsWithGlobals<GlobalOptions>());
    });
}
