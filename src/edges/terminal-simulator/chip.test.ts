import { describe, expect, it } from 'vitest';
import { testCard, testOnlyIccMasterKey } from '../../adapters/network/issuer-simulator/index.js';
import { emvAtcDiversifier, emvCommonSessionKey, emvGenerateArpc, emvVerifyArqc } from '../../lib/crypto/index.js';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { buildTlv, findTlvValue, parseTlv } from '../../lib/tlv/index.js';
import { atcBytes, chipRequest, verifyIssuerAuthentication } from './chip.js';

const card = testCard('approve-chip-pin');

/** The issuer's answer, computed the way the issuer simulator does (ARPC method 1, ARC = 39 in ASCII). */
function issuerAnswer(request: ReturnType<typeof chipRequest>, responseCode: string, cardFor = card): Buffer {
  const sessionKey = emvCommonSessionKey(testOnlyIccMasterKey(cardFor), emvAtcDiversifier(request.atc));
  const arc = Buffer.from(responseCode, 'latin1');
  return buildTlv([{ tag: 0x91, value: Buffer.concat([emvGenerateArpc(sessionKey, request.arqc, { method: 1, arc }), arc]) }]);
}

describe('the simulated chip', () => {
  it('computes a real ARQC over the CDOL1 data it puts in field 55', () => {
    const request = chipRequest(card, { amountMinor: 1_234n, atc: 7, date: '261121', type: 'sale' });
    const nodes = parseTlv(request.field55);
    expect(findTlvValue(nodes, 0x9f26)).toEqual(request.arqc);
    expect(findTlvValue(nodes, 0x9f36)?.toString('hex')).toBe('0007');
    expect(findTlvValue(nodes, 0x9f02)?.toString('hex')).toBe('000000001234');
    expect(findTlvValue(nodes, 0x9a)?.toString('hex')).toBe('261121');
    expect(findTlvValue(nodes, 0x5f34)?.toString('hex')).toBe('01');
    const cdol = Buffer.concat([0x9f02, 0x9f03, 0x9f1a, 0x95, 0x5f2a, 0x9a, 0x9c, 0x9f37, 0x82, 0x9f36].map((tag) => findTlvValue(nodes, tag) ?? Buffer.alloc(0)));
    const sessionKey = emvCommonSessionKey(testOnlyIccMasterKey(card), emvAtcDiversifier(request.atc));
    expect(() => { emvVerifyArqc(sessionKey, cdol, request.arqc, 2); }).not.toThrow();
  });

  it('verifies the issuer ARPC, and refuses a tampered one, another response code, or another card', () => {
    const request = chipRequest(card, { amountMinor: 100n, atc: 1, date: '261121', type: 'sale' });
    expect(verifyIssuerAuthentication(card, request, issuerAnswer(request, '00'), '00')).toBe(true);
    const tampered = issuerAnswer(request, '00');
    tampered[3] = (tampered[3] as number) ^ 0x80;
    expectBastionError(() => verifyIssuerAuthentication(card, request, tampered, '00'), 'SIM_ERR_ARPC');
    expectBastionError(() => verifyIssuerAuthentication(card, request, issuerAnswer(request, '51'), '00'), 'SIM_ERR_ARPC');
    expectBastionError(() => verifyIssuerAuthentication(card, request, issuerAnswer(request, '00', testCard('chip-no-pin')), '00'), 'SIM_ERR_ARPC');
    expectBastionError(() => verifyIssuerAuthentication(card, request, buildTlv([{ tag: 0x91, value: Buffer.alloc(4) }]), '00'), 'SIM_ERR_ARPC');
  });

  it('has nothing to check without tag 91, and refuses a field 55 that is not TLV', () => {
    const request = chipRequest(card, { amountMinor: 100n, atc: 2, date: '261121', type: 'sale' });
    expect(verifyIssuerAuthentication(card, request, undefined, '77')).toBe(false);
    expect(verifyIssuerAuthentication(card, request, buildTlv([{ tag: 0x8a, value: Buffer.from('00') }]), '00')).toBe(false);
    expectBastionError(() => verifyIssuerAuthentication(card, request, Buffer.from('9F', 'hex'), '00'), 'SIM_ERR_RESPONSE');
  });

  it('counts the ATC from 1 to 65535 and refuses a card whose counter is used up or a card without a chip', () => {
    expect(atcBytes(1).toString('hex')).toBe('0001');
    expect(atcBytes(0xffff).toString('hex')).toBe('ffff');
    expectBastionError(() => atcBytes(0x10000), 'SIM_ERR_CARD');
    expectBastionError(() => atcBytes(0), 'SIM_ERR_CARD');
    expectBastionError(() => chipRequest(testCard('approve-magstripe'), { amountMinor: 1n, atc: 1, date: '261121', type: 'sale' }), 'SIM_ERR_CARD');
  });
});
