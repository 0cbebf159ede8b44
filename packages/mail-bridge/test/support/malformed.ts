/** Broken messages the project writes itself: every one must be imported as far as possible or quarantined. */
export interface Malformed {
  name: string;
  raw: Buffer;
  /** What the import must do with it. */
  expect: 'imported' | 'quarantined';
}

const crlf = (lines: string[]) => lines.join('\r\n');
const b64 = (s: string) => Buffer.from(s).toString('base64');

export function malformedMessages(): Malformed[] {
  const list: Array<{ name: string; raw: string | Buffer; expect: 'imported' | 'quarantined' }> = [
    {
      name: 'broken-boundary',
      expect: 'imported',
      raw: crlf([
        'From: a@broken.test',
        'Subject: broken boundary',
        'Message-ID: <broken-boundary@broken.test>',
        'Content-Type: multipart/mixed; boundary="XYZ"',
        '',
        '--WRONG',
        'Content-Type: text/plain',
        '',
        'text under a boundary that was never declared',
        '--XYZ',
        'Content-Type: text/plain',
        '',
        'unterminated part',
      ]),
    },
    {
      name: 'bad-charset',
      expect: 'imported',
      raw: Buffer.concat([
        Buffer.from(
          crlf([
            'From: b@broken.test',
            'Subject: =?x-no-such-charset?Q?caf=E9?=',
            'Message-ID: <bad-charset@broken.test>',
            'Content-Type: text/plain; charset="x-no-such-charset"',
            'Content-Transfer-Encoding: 8bit',
            '',
            '',
          ]),
        ),
        Buffer.from([0x63, 0x61, 0x66, 0xe9, 0xff, 0xfe, 0x0d, 0x0a]),
      ]),
    },
    { name: 'missing-headers', expect: 'quarantined', raw: 'just some text\r\nwithout any header at all\r\n' },
    { name: 'only-body-no-from', expect: 'imported', raw: crlf(['Subject: no sender, no id, no date', '', 'body']) },
    {
      name: 'eight-bit-headers',
      expect: 'imported',
      raw: Buffer.from(
        crlf([
          'From: Łukasz Żółć <lukasz@broken.test>',
          'To: Zażółć <anna@firma.test>',
          'Subject: Zażółć gęślą jaźń',
          'Message-ID: <8bit@broken.test>',
          '',
          'treść',
        ]),
        'utf8',
      ),
    },
    {
      name: 'huge-header-line',
      expect: 'imported',
      raw: crlf([
        'From: c@broken.test',
        `Subject: ${'x'.repeat(300_000)}`,
        `X-Long: ${'y'.repeat(200_000)}`,
        'Message-ID: <huge-header@broken.test>',
        '',
        'body',
      ]),
    },
    {
      name: 'nested-rfc822',
      expect: 'imported',
      raw: crlf([
        'From: d@broken.test',
        'Subject: forwarded',
        'Message-ID: <nested@broken.test>',
        'Content-Type: multipart/mixed; boundary="outer"',
        '',
        '--outer',
        'Content-Type: text/plain',
        '',
        'see attached',
        '--outer',
        'Content-Type: message/rfc822',
        'Content-Disposition: attachment; filename="fwd.eml"',
        '',
        'From: inner@broken.test',
        'Subject: inner message',
        'Message-ID: <inner@broken.test>',
        'Content-Type: multipart/mixed; boundary="inner"',
        '',
        '--inner',
        'Content-Type: text/plain',
        '',
        'inner body',
        '--inner',
        'Content-Type: application/octet-stream; name="in.bin"',
        'Content-Transfer-Encoding: base64',
        '',
        b64('inner attachment'),
        '--inner--',
        '--outer--',
        '',
      ]),
    },
    {
      name: 'path-traversal-filename',
      expect: 'imported',
      raw: crlf([
        'From: e@broken.test',
        'Subject: evil names',
        'Message-ID: <traversal@broken.test>',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'two files',
        '--b',
        `Content-Type: application/octet-stream; name="=?UTF-8?B?${b64('../../x')}?="`,
        `Content-Disposition: attachment; filename="=?UTF-8?B?${b64('../../x')}?="`,
        'Content-Transfer-Encoding: base64',
        '',
        b64('payload one'),
        '--b',
        'Content-Type: application/octet-stream',
        "Content-Disposition: attachment; filename*=UTF-8''..%2F..%2F..%2Fetc%2Fpasswd",
        'Content-Transfer-Encoding: base64',
        '',
        b64('payload two'),
        '--b--',
        '',
      ]),
    },
    {
      name: 'bad-base64-and-date',
      expect: 'imported',
      raw: crlf([
        'From: f@broken.test',
        'Subject: bad base64',
        'Date: Someday, 99 Foo 20X6 25:61:00 +9999',
        'Message-ID: <bad-b64@broken.test>',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        '!!!! this is not base64 ####',
      ]),
    },
    {
      name: 'binary-garbage',
      expect: 'quarantined',
      raw: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256).filter((b) => b !== 0x3a)),
    },
    {
      // The transfer ended inside the header of an attachment: mailparser gives it no content type (false).
      name: 'truncated-content-type',
      expect: 'imported',
      raw: crlf([
        'From: g@broken.test',
        'Subject: cut short',
        'Message-ID: <truncated-ct@broken.test>',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'the attachment follows',
        '--b',
        'Content-Type: ',
      ]),
    },
    {
      name: 'bad-address-headers',
      expect: 'imported',
      raw: crlf([
        'From: <<<>>> @@@',
        'To: undisclosed-recipients:;',
        'Cc: "unterminated <x@',
        'Subject: weird addresses',
        'Message-ID: <<weird@@broken.test>>',
        '',
        'b',
      ]),
    },
  ];
  return list.map((m) => ({ ...m, raw: Buffer.isBuffer(m.raw) ? m.raw : Buffer.from(m.raw, 'utf8') }));
}
