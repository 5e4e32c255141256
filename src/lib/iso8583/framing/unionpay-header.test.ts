import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bastionErrorOr, expectFramingError, hex } from './test-helpers.js';
import {
  ApplicationType,
  encodeUnionPayHeader,
  parseUnionPayHeader,
  ProcessingRequirement,
  processingRequirementName,
  replyUnionPayHeader,
  SoftwareVersion,
  TerminalStatus,
  unionPayHeaderLengthBytes,
  type UnionPayHeader,
} from './unionpay-header.js';

describe('UnionPay header', () => {
  it('reads the header of a posp_server sample frame: 603100315046', () => {
    // ConardLKL/posp_server PospEncoder.java comment: "6000020000603100315046" (TPDU + header).
    expect(parseUnionPayHeader(hex('603100315046'))).toEqual({
      applicationType: ApplicationType.Magstripe,
      softwareVersion: 0x31,
      terminalStatus: TerminalStatus.Normal,
      processingRequirement: ProcessingRequirement.None,
      subVersion: 0x315046,
    });
  });

  it('reads the test-mode and IC headers of public terminal code', () => {
    // CaoEnXin/LiaoYang_POS trancomm.c MakeReqPacket: "\x60\x31\x10\x31\x00\x00" when testing.
    expect(parseUnionPayHeader(hex('603110310000'))).toMatchObject({ terminalStatus: TerminalStatus.Test, processingRequirement: 0, subVersion: 0x310000 });
    // teddy-lee/AIAUnionPay MainActivity sign-in frame: header 602110000000 (version 21 = the
    // 2002 UnionPay POS specification, test status).
    expect(parseUnionPayHeader(hex('602110000000'))).toEqual({
      applicationType: 0x60,
      softwareVersion: SoftwareVersion.UnionPay2002,
      terminalStatus: TerminalStatus.Test,
      processingRequirement: ProcessingRequirement.None,
      subVersion: 0,
    });
    // A Newland terminal app's CommHead defaults: "61" + "32" + "0" + "0" + "320001".
    expect(parseUnionPayHeader(hex('613200320001'))).toMatchObject({ applicationType: ApplicationType.Ic, softwareVersion: 0x32, subVersion: 0x320001 });
  });

  it('sets the processing requirement of a reply as posp_server does (hex digit 5 of the header)', () => {
    // posp_server M_SignInChecker.updatePara: header.substring(0, 5) + "4" + header.substring(6).
    const request = parseUnionPayHeader(hex('603100315046'));
    expect(encodeUnionPayHeader(replyUnionPayHeader(request, ProcessingRequirement.DownloadCapks)).toString('hex')).toBe('603104315046');
    expect(encodeUnionPayHeader(replyUnionPayHeader(request, ProcessingRequirement.DownloadIcParameters)).toString('hex')).toBe('603105315046');
    expect(encodeUnionPayHeader(replyUnionPayHeader(request, ProcessingRequirement.DownloadContactlessParameters)).toString('hex')).toBe('603109315046');
    // The terminal-status nibble is kept: a test terminal gets 0x14, not 0x04.
    const testRequest = parseUnionPayHeader(hex('603110310000'));
    expect(encodeUnionPayHeader(replyUnionPayHeader(testRequest, ProcessingRequirement.DownloadCapks)).toString('hex')).toBe('603114310000');
    expect(replyUnionPayHeader(testRequest)).toEqual(testRequest);
  });

  it('names every processing requirement 0 to 9 once', () => {
    const names = Array.from({ length: 10 }, (_, value) => processingRequirementName(value as ProcessingRequirement));
    expect(new Set(names).size).toBe(10);
    expect(processingRequirementName(4)).toBe('DownloadCapks');
    expect(processingRequirementName(5)).toBe('DownloadIcParameters');
    expect(processingRequirementName(9)).toBe('DownloadContactlessParameters');
    for (const [name, value] of Object.entries(ProcessingRequirement)) expect(processingRequirementName(value)).toBe(name);
  });

  it('rejects nibbles that are not decimal digits, pointing at byte 2', () => {
    const badStatus = hex('60 31 A0 315046');
    expectFramingError(() => parseUnionPayHeader(badStatus), 'ISO_ERR_FRAME_HEADER', { field: 'header.terminalStatus', offset: 2 }, [badStatus]);
    const badRequirement = hex('FFFF 60 31 0F 315046');
    expectFramingError(() => parseUnionPayHeader(badRequirement, 2), 'ISO_ERR_FRAME_HEADER', { field: 'header.processingRequirement', offset: 4 }, [badRequirement]);
  });

  it('rejects fewer than six bytes', () => {
    for (let length = 0; length < unionPayHeaderLengthBytes; length++) {
      expectFramingError(() => parseUnionPayHeader(hex('603100315046').subarray(0, length)), 'ISO_ERR_FRAME_HEADER', { field: 'header', offset: 0, availableBytes: length });
    }
    expectFramingError(() => parseUnionPayHeader(hex('603100315046'), 1), 'ISO_ERR_FRAME_HEADER', { field: 'header', offset: 1, availableBytes: 5 });
  });

  it('refuses to build a header with values that do not fit', () => {
    const good = parseUnionPayHeader(hex('603100315046'));
    const cases: [UnionPayHeader, string][] = [
      [{ ...good, applicationType: 0x100 }, 'header.applicationType'],
      [{ ...good, softwareVersion: -1 }, 'header.softwareVersion'],
      [{ ...good, terminalStatus: 10 }, 'header.terminalStatus'],
      [{ ...good, processingRequirement: 15 as ProcessingRequirement }, 'header.processingRequirement'],
      [{ ...good, subVersion: 0x1000000 }, 'header.subVersion'],
      [{ ...good, subVersion: 0.5 }, 'header.subVersion'],
    ];
    for (const [header, field] of cases) expectFramingError(() => encodeUnionPayHeader(header), 'ISO_ERR_FIELD_VALUE', { field });
    expectFramingError(() => replyUnionPayHeader(good, 12 as ProcessingRequirement), 'ISO_ERR_FIELD_VALUE', { field: 'header.processingRequirement' });
  });

  it('round-trips every valid header', () => {
    const headers = fc.record({
      applicationType: fc.integer({ min: 0, max: 255 }),
      softwareVersion: fc.integer({ min: 0, max: 255 }),
      terminalStatus: fc.integer({ min: 0, max: 9 }),
      processingRequirement: fc.integer({ min: 0, max: 9 }).map((value) => value as ProcessingRequirement),
      subVersion: fc.integer({ min: 0, max: 0xffffff }),
    });
    fc.assert(
      fc.property(headers, (header) => {
        const bytes = encodeUnionPayHeader(header);
        expect(bytes.length).toBe(6);
        expect(bytes[2]).toBe(header.terminalStatus * 16 + header.processingRequirement);
        expect(parseUnionPayHeader(bytes)).toEqual(header);
      }),
      { numRuns: 200 },
    );
  });

  it('fuzz: random bytes give a header that re-encodes to them, or a BastionError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 10 }), fc.integer({ min: -1, max: 11 }), (bytes, offset) => {
        const header = bastionErrorOr(() => parseUnionPayHeader(bytes, offset));
        if (header !== undefined) expect(encodeUnionPayHeader(header)).toEqual(Buffer.from(bytes.subarray(offset, offset + 6)));
      }),
      { numRuns: 2000 },
    );
  });
});
