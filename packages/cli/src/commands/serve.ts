import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Crm } from '@rapport/core';
import type { InternalErrorReport } from '@rapport/outlook-addin';
import { host, origins, portFrom } from '../args.js';
import { openCrm } from '../db.js';
import { emit, type GlobalOptions } from '../output.js';

/** `--port` of serve and demo (0 picks a free port). */
export const port = portFrom(0);

export interface ServeOptions {
  port: number;
  host: string;
  /** Extra origins allowed by CORS (the pane's own origin needs none). */
  origins?: string[];
  /** Plain HTTP (behind a TLS-terminating proxy); default is HTTPS with a dev certificate. */
  tls: boolean;
}

export interface RunningServer {
  url: string;
  certificate: string | null;
  manifests: { outlookXml: string; unifiedJson: string; thunderbird: string; thunderbirdXpi: string | null; servedXml: string; servedJson: string };
  close(): Promise<void>;
}

/** Starts the HTTP API and the task pane for a CRM (building the pane first if needed). */
export async function startServer(crm: Crm, options: ServeOptions): Promise<RunningServer> {
  const { buildPane, createApiServer, defaultPaneDir, ensureDevCertificate, manifestPaths } = await import('@rapport/outlook-addin');
  if (!existsSync(join(defaultPaneDir(), 'pane.js'))) await buildPane();
  const cert = options.tls ? ensureDevCertificate() : null;
  const scheme = cert ? 'https' : 'http';
  const displayHost = options.host === '0.0.0.0' || options.host === '127.0.0.1' ? 'localhost' : options.host;
  // The public origin is known only once the port is (port 0 picks a free one): listen first.
  let publicOrigin = `${scheme}://${displayHost}:${options.port}`;
  const make = () =>
    createApiServer({
      crm,
      ...(cert ? { tls: cert } : {}),
      allowedOrigins: options.origins ?? [],
      publicOrigin,
      logger: false,
      onInternalError: logInternalError,
      // pdfmake loads with the first print, not with the server.
      print: async (acting, request, out) => (await import('@rapport/export')).printRecord(acting, request, out),
    });
  let app = await make();
  await app.listen({ port: options.port, host: options.host });
  const actual = (app.server.address() as { port: number }).port;
  if (actual !== options.port) {
    await app.close();
    publicOrigin = `${scheme}://${displayHost}:${actual}`;
    app = await make();
    await app.listen({ port: actual, host: options.host });
  }
  const paths = manifestPaths();
  return {
    url: `${publicOrigin}/pane/taskpane.html`,
    certificate: cert?.caPath ?? null,
    manifests: {
      ...paths,
      thunderbirdXpi: existsSync(paths.thunderbirdXpi) ? paths.thunderbirdXpi : null,
      servedXml: `${publicOrigin}/manifests/outlook-addin.xml`,
      servedJson: `${publicOrigin}/manifests/manifest.json`,
    },
    close: () => app.close(),
  };
}

/** One 500 on stderr: when, the request id the client was told, the request, the error with its causes. */
export function logInternalError(report: InternalErrorReport): void {
  const causes: string[] = [];
  for (let e: unknown = report.error; e instanceof Error && causes.length < 5; e = e.cause) causes.push(e.stack ?? `${e.name}: ${e.message}`);
  if (causes.length === 0) causes.push(String(report.error));
  process.stderr.write(`${new Date().toISOString()} 500 request ${report.requestId} ${report.method} ${report.url}: ${causes.join('\ncaused by: ')}\n`);
}

/** Runs until SIGINT/SIGTERM, then closes the server and the CRM. */
export async function serveUntilStopped(server: RunningServer, crm: Crm): Promise<void> {
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await crm.close();
}

export function describeServer(s: RunningServer): string {
  return [
    `Rapport API and task pane: ${s.url}`,
    s.certificate ? `Dev CA to trust (docs/addin.md, "Trusting the dev certificate"): ${s.certificate}` : 'Plain HTTP (no TLS)',
    'Manifests:',
    `  Outlook (add-in only, XML): ${s.manifests.outlookXml}`,
    `     served for this server:  ${s.manifests.servedXml}`,
    `  Outlook (unified, JSON):    ${s.manifests.unifiedJson}`,
    `  Thunderbird:                ${s.manifests.thunderbirdXpi ?? `${s.manifests.thunderbird} (package it: npm run build:xpi -w @rapport/outlook-addin)`}`,
  ].join('\n');
}

export function registerServe(program: Command) {
  program
    .command('serve')
    .description('serve the HTTP API and the Outlook/Thunderbird task pane (HTTPS with a dev certificate)')
    .option('--port <port>', 'port to listen on', port, 3000)
    .option('--host <host>', 'address to listen on', host, '127.0.0.1')
    .option('--origin <origin...>', 'extra origins allowed by CORS, e.g. https://crm.example.com', origins)
    .option('--no-tls', 'plain HTTP (only behind a TLS-terminating proxy)')
    .action(async (opts: { port: number; host: string; origin?: string[]; tls: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm } = await openCrm(g.db);
      let server: RunningServer;
      try {
        server = await startServer(crm, { port: opts.port, host: opts.host, tls: opts.tls, ...(opts.origin ? { origins: opts.origin } : {}) });
      } catch (err) {
        await crm.close();
        throw err;
      }
      emit(g, { url: server.url, certificate: server.certificate, manifests: server.manifests }, () => `${describeServer(server)}\n\nPress Ctrl+C to stop.`);
      await serveUntilStopped(server, crm);
    });
}
