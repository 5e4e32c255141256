import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IsoMessage, unionPayPosSpec } from '../../lib/iso8583/index.js';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { packWithMac, signInRequest, simulatorCodec } from './messages.js';
import { checkReply } from './reply-check.js';

const identity = { terminalId: '10000001', merchantId: '102581054110001', batchNumber: '000001' };

function saleRequest(): IsoMessage<typeof unionPayPosSpec> {
  return new IsoMessage(unionPayPosSpec, '0200', { 3: '000000', 4: '000000000100', 11: '000009', 41: identity.terminalId, 42: identity.merchantId });
}

function replyTo(request: IsoMessage<typeof unionPayPosSpec>, responseCode: string, change: Partial<{ mti: string; trace: string; terminalId: string }> = {}): IsoMessage<typeof unionPayPosSpec> {
  return new IsoMessage(unionPayPosSpec, change.mti ?? '0210', { 3: '000000', 11: change.trace ?? request.get(11) ?? '', 37: '123456789012', 39: responseCode, 41: change.terminalId ?? request.get(41) ?? '', 42: identity.merchantId });
}

describe('reply checks', () => {
  const mak = randomBytes(8);
  const options = { mak, macVariant: 'des-left', macRequiredForApproval: true } as const;

  it('accepts a reply that answers the request with a MAC that verifies', () => {
    const request = saleRequest();
    const reply = checkReply(request, packWithMac(replyTo(request, '00'), mak, 'des-left'), options);
    expect(reply.get(39)).toBe('00');
  });

  it('detects a tampered reply MAC and a tampered reply body', () => {
    const request = saleRequest();
    const packed = packWithMac(replyTo(request, '00'), mak, 'des-left');
    const macFlipped = Buffer.from(packed);
    macFlipped[macFlipped.length - 1] = (macFlipped[macFlipped.length - 1] as number) ^ 0x01;
    expectBastionError(() => checkReply(request, macFlipped, options), 'SIM_ERR_RESPONSE_MAC', { field: 64 });
    // An RRN digit changed in transit: same MAC, different body.
    const bodyChanged = Buffer.from(packed);
    const rrnAt = bodyChanged.indexOf(Buffer.from('123456789012'));
    bodyChanged[rrnAt] = 0x39;
    expectBastionError(() => checkReply(request, bodyChanged, options), 'SIM_ERR_RESPONSE_MAC');
    expectBastionError(() => checkReply(request, packWithMac(replyTo(request, '00'), randomBytes(8), 'des-left'), options), 'SIM_ERR_RESPONSE_MAC');
  });

  it('does not take an approval without a MAC, but reads a decline without one (A0, 77, 97 come unsigned)', () => {
    const request = saleRequest();
    expectBastionError(() => checkReply(request, simulatorCodec.pack(replyTo(request, '00')), options), 'SIM_ERR_RESPONSE_MAC');
    expect(checkReply(request, simulatorCodec.pack(replyTo(request, 'A0')), options).get(39)).toBe('A0');
  });

  it('refuses a reply to another request: MTI, trace or terminal differ, or it does not unpack', () => {
    const request = saleRequest();
    expectBastionError(() => checkReply(request, packWithMac(replyTo(request, '00', { mti: '0230' }), mak, 'des-left'), options), 'SIM_ERR_RESPONSE', { mti: '0230' });
    expectBastionError(() => checkReply(request, packWithMac(replyTo(request, '00', { trace: '000010' }), mak, 'des-left'), options), 'SIM_ERR_RESPONSE', { field: 11 });
    expectBastionError(() => checkReply(request, packWithMac(replyTo(request, '00', { terminalId: '10000002' }), mak, 'des-left'), options), 'SIM_ERR_RESPONSE', { field: 41 });
    expectBastionError(() => checkReply(request, Buffer.from('02', 'hex'), options), 'SIM_ERR_RESPONSE');
    const signIn = signInRequest(identity, 1);
    expectBastionError(() => checkReply(signIn, simulatorCodec.pack(replyTo(request, '00')), { ...options, macRequiredForApproval: false }), 'SIM_ERR_RESPONSE');
  });
});
