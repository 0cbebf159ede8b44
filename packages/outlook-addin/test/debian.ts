import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Installs the Debian packages whose files are missing ({ '/usr/bin/chromium': 'chromium' }), so a
 * fresh machine runs the tests that need a real browser or mail client. Needs root and apt.
 */
export function ensureDebianPackages(files: Record<string, string>) {
  const missing = [
    ...new Set(
      Object.entries(files)
        .filter(([file]) => !existsSync(file))
        .map(([, pkg]) => pkg),
    ),
  ];
  if (missing.length === 0) return;
  const script = `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`;
  execFileSync('flock', ['/tmp/apt.lock', 'sh', '-c', script], { stdio: 'inherit', timeout: 900_000 });
}
