import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeMessenger, type FakeMessage } from './browser/harness.js';
import { message } from './fixtures.js';
import { loadThunderbirdSchema, type ThunderbirdSchema } from './thunderbird/schema.js';

const pkg = join(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(join(pkg, 'manifests/thunderbird/manifest.json'), 'utf8')) as { manifest_version: number };
const mv = manifest.manifest_version;
let schema: ThunderbirdSchema;

beforeAll(async () => {
  schema = await loadThunderbirdSchema();
}, 900_000);
afterEach(() => vi.unstubAllGlobals());

const jan: FakeMessage = {
  from: { name: 'Jan Fiszka', address: 'jan.fiszka@zefir.pl' },
  to: [{ name: 'Anna Kowalska', address: 'anna@firma.pl' }],
  subject: 'Harmonogram',
  internetMessageId: '<s1@zefir.pl>',
  attachments: [{ name: 'plan.xlsx', size: 1200 }],
  raw: Buffer.from(message({ messageId: 's1@zefir.pl' })).toString('base64'),
};

/** The fake as the pane sees it, built outside a browser. */
function buildFake() {
  const window: Record<string, any> = {};
  vi.stubGlobal('window', window);
  fakeMessenger({ settings: { serverUrl: 'https://localhost:3000' }, item: jan, granted: ['https://localhost:3000'] });
  return { messenger: window.messenger, fake: window.__fake };
}

/** Every function and event of the fake, as `namespace.member` (`storage.local.get`). */
function surface(obj: Record<string, any>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'function') return [path];
    if (v && typeof v.addListener === 'function') return [path];
    return v && typeof v === 'object' ? surface(v, path) : [];
  });
}

describe("the Thunderbird host against Thunderbird's own schema", () => {
  it('ships Manifest V3, where onMessageDisplayed no longer exists', () => {
    expect(mv).toBe(3);
    expect(schema.member('messageDisplay.onMessageDisplayed', 2)).not.toBeNull();
    expect(schema.member('messageDisplay.onMessageDisplayed', 3)).toBeNull();
    expect(schema.member('messageDisplay.onMessagesDisplayed', 3)?.kind).toBe('event');
  });

  it('the host calls only APIs Thunderbird offers to a Manifest V3 extension', () => {
    const source = readFileSync(join(pkg, 'src/hosts/thunderbird.ts'), 'utf8');
    const used = [
      ...new Set(
        [...source.matchAll(/messenger((?:[!?]?\.\w+)+)/g)].map((m) =>
          m[1]!
            .replace(/[!?]/g, '')
            .slice(1)
            .replace(/\.addListener$/, ''),
        ),
      ),
    ];
    const apis = used.filter((p) => p.includes('.'));
    expect(apis).toContain('messageDisplay.onMessagesDisplayed');
    expect(apis.filter((p) => !schema.member(p, mv))).toEqual([]);
  });

  it('the fake messenger offers only what the MV3 schema defines', () => {
    const { messenger } = buildFake();
    const paths = surface(messenger);
    expect(paths.length).toBeGreaterThan(8);
    expect(paths.filter((p) => !schema.member(p, mv))).toEqual([]);
  });

  it("the fake's answers and events have the schema's MV3 shapes", async () => {
    const { messenger, fake } = buildFake();
    const result = (path: string) => {
      const m = schema.member(path, mv)!;
      const callback = m.def.parameters!.at(-1)!;
      return (value: unknown) => schema.check(value, callback.parameters![0]!, m.ns, mv, path);
    };
    expect(result('tabs.query')(await messenger.tabs.query({ active: true, currentWindow: true }))).toEqual([]);
    expect(result('messageDisplay.getDisplayedMessages')(await messenger.messageDisplay.getDisplayedMessages(1))).toEqual([]);
    // MV3 answers a MessageList, not MV2's array.
    expect(result('messageDisplay.getDisplayedMessages')([])).not.toEqual([]);
    expect(result('messages.getRaw')(await messenger.messages.getRaw(42))).toEqual([]);
    expect(await messenger.messages.getRaw(42)).toBeInstanceOf(File);
    expect(result('messages.listAttachments')(await messenger.messages.listAttachments(42))).toEqual([]);
    expect(result('messages.continueList')(await messenger.messages.continueList('x'))).toEqual([]);
    expect(result('permissions.contains')(await messenger.permissions.contains({ origins: ['https://localhost:3000/*'] }))).toEqual([]);
    expect(result('storage.local.get')(await messenger.storage.local.get(['serverUrl']))).toEqual([]);

    const event = schema.member('messageDisplay.onMessagesDisplayed', mv)!;
    const params = event.def.parameters!.filter((p) => (p.min_manifest_version ?? 0) <= mv && mv <= (p.max_manifest_version ?? Infinity));
    const seen: unknown[][] = [];
    messenger.messageDisplay.onMessagesDisplayed.addListener((...args: unknown[]) => seen.push(args));
    fake.display(jan);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toHaveLength(params.length);
    expect(params.flatMap((p, i) => schema.check(seen[0]![i], p, event.ns, mv, p.name))).toEqual([]);
  });
});
