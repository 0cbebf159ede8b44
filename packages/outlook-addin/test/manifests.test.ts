import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildXpi } from '../src/build/xpi.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const dir = join(import.meta.dirname, '..', 'manifests');
const bin = (name: string) => join(import.meta.dirname, '..', '..', '..', 'node_modules', '.bin', name);

// xml2js comes with office-addin-manifest (a dev dependency of this package).
const parseXml = (xml: string): Promise<any> => require('xml2js').parseStringPromise(xml, { explicitArray: true });

describe('Outlook add-in-only XML manifest', () => {
  it('is a pinnable read-mode MailApp on Mailbox 1.5+, with ReadItem and https URLs only', async () => {
    const xml = readFileSync(join(dir, 'outlook-addin.xml'), 'utf8');
    const doc = (await parseXml(xml)).OfficeApp;
    expect(doc.$['xsi:type']).toBe('MailApp');
    expect(doc.Id[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(doc.Version[0]).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(doc.Hosts[0].Host[0].$.Name).toBe('Mailbox');
    expect(doc.Requirements[0].Sets[0].Set[0].$).toEqual({ Name: 'Mailbox', MinVersion: '1.5' });
    expect(doc.Permissions[0]).toBe('ReadItem');
    expect(doc.Rule[0].Rule[0].$).toMatchObject({ 'xsi:type': 'ItemIs', ItemType: 'Message', FormType: 'Read' });
    expect(doc.FormSettings[0].Form[0].$['xsi:type']).toBe('ItemRead');
    // Element order matters to the schema: the top-level sequence as the XSD lists it.
    const order = [
      'Id',
      'Version',
      'ProviderName',
      'DefaultLocale',
      'DisplayName',
      'Description',
      'IconUrl',
      'HighResolutionIconUrl',
      'SupportUrl',
      'AppDomains',
      'Hosts',
      'Requirements',
      'FormSettings',
      'Permissions',
      'Rule',
      'DisableEntityHighlighting',
      'VersionOverrides',
    ];
    const positions = order.map((tag) => xml.indexOf(`<${tag}`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);

    const v10 = doc.VersionOverrides[0];
    expect(v10.$['xsi:type']).toBe('VersionOverridesV1_0');
    const v11 = v10.VersionOverrides[0];
    expect(v11.$).toMatchObject({ xmlns: 'http://schemas.microsoft.com/office/mailappversionoverrides/1.1', 'xsi:type': 'VersionOverridesV1_1' });
    expect(v11.Requirements[0]['bt:Sets'][0].$.DefaultMinVersion).toBe('1.5');
    for (const [v, pinnable] of [
      [v10, false],
      [v11, true],
    ] as const) {
      const point = v.Hosts[0].Host[0].DesktopFormFactor[0].ExtensionPoint[0];
      expect(point.$['xsi:type']).toBe('MessageReadCommandSurface');
      const action = point.OfficeTab[0].Group[0].Control[0].Action[0];
      expect(action.$['xsi:type']).toBe('ShowTaskpane');
      expect(action.SupportsPinning?.[0]).toBe(pinnable ? 'true' : undefined);
      // Every resid used is defined in that VersionOverrides' resources.
      const res = v.Resources[0];
      const defined = new Set(
        ['bt:Images', 'bt:Urls', 'bt:ShortStrings', 'bt:LongStrings'].flatMap((k) =>
          Object.values(res[k][0])
            .flat()
            .map((e: any) => e.$.id),
        ),
      );
      const used = [...JSON.stringify(v.Hosts).matchAll(/"resid":"([^"]+)"/g)].map((m) => m[1]!);
      expect(used.length).toBeGreaterThan(3);
      for (const id of used) expect(defined, id).toContain(id);
    }
    const urls = [...xml.matchAll(/DefaultValue="(https?:[^"]+)"/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThan(5);
    for (const url of urls) expect(url).toMatch(/^https:\/\/localhost:3000\//);
    expect(urls).toContain('https://localhost:3000/pane/taskpane.html');
  });
});

describe('unified JSON manifest', () => {
  it('passes `office-addin-manifest validate` offline', async () => {
    const { stdout, stderr } = await run(bin('office-addin-manifest'), ['validate', join(dir, 'manifest.json')], {
      env: { ...process.env, OFFICE_ADDIN_USAGE_DATA_OPT_OUT: '1' },
      timeout: 60_000,
    });
    expect(stderr).not.toMatch(/error/i);
    expect(stdout).not.toMatch(/error/i);
  });

  it('is rejected by the same validator when it is broken (the check is real)', async () => {
    const broken = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    delete broken.name;
    const file = join(mkdtempSync(join(tmpdir(), 'rapport-manifest-')), 'manifest.json');
    writeFileSync(file, JSON.stringify(broken));
    await expect(run(bin('office-addin-manifest'), ['validate', file], { timeout: 60_000 })).rejects.toThrow();
  });

  it('opens the same pane, pinnable, in read mode, on Mailbox 1.5', () => {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const ext = m.extensions[0];
    expect(ext.requirements.capabilities).toEqual([{ name: 'Mailbox', minVersion: '1.5' }]);
    expect(ext.runtimes[0].code.page).toBe('https://localhost:3000/pane/taskpane.html');
    expect(ext.runtimes[0].actions[0]).toMatchObject({ type: 'openPage', pinnable: true });
    expect(ext.ribbons[0].contexts).toEqual(['mailRead']);
    expect(m.authorization.permissions.resourceSpecific).toEqual([{ name: 'MailboxItem.Read.User', type: 'Delegated' }]);
  });
});

// Thunderbird-only manifest keys and permissions addons-linter (which knows Firefox) warns about.
const THUNDERBIRD_ONLY_WARNINGS = new Set([
  'MANIFEST_PERMISSIONS|/permissions: Invalid permissions "messagesRead" at 0.',
  // Firefox's data-collection declaration; Thunderbird 128 does not use it.
  'MISSING_DATA_COLLECTION_PERMISSIONS|The "data_collection_permissions" property is missing.',
]);

describe('Thunderbird MailExtension', () => {
  it('builds an .xpi with web-ext that passes addons-linter (known Thunderbird-only warnings allowed)', async () => {
    const out = await buildXpi(mkdtempSync(join(tmpdir(), 'rapport-xpi-')));
    const manifest = JSON.parse(readFileSync(join(out.sourceDir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ manifest_version: 3, message_display_action: { default_popup: 'popup.html' } });
    expect(manifest.permissions).toContain('messagesRead');
    expect(manifest.host_permissions.length).toBeGreaterThan(0);
    const { stdout } = await run(bin('addons-linter'), ['--output', 'json', out.xpi], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }).catch((e) => e);
    const report = JSON.parse(stdout);
    expect(report.errors).toEqual([]);
    const unexpected = report.warnings.filter((w: { code: string; message: string }) => !THUNDERBIRD_ONLY_WARNINGS.has(`${w.code}|${w.message}`));
    expect(unexpected).toEqual([]);
    // No remote code: the popup loads only the bundled script.
    expect(readFileSync(join(out.sourceDir, 'popup.html'), 'utf8')).toMatch(/<script src="pane.js" defer><\/script>/);
  });
});
