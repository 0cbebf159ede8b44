#!/usr/bin/env node
import { version } from '../package.json';

const argv = process.argv.slice(2);
// The version needs nothing else: answer before the command line (commander, its commands) loads.
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${version}\n`);
} else {
  void import('./run.js')
    .then(({ run }) => run(argv))
    .then((code) => {
      process.exitCode = code;
    });
}
