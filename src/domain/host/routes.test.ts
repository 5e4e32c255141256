import { describe, expect, it } from 'vitest';
import { IsoMessage, unionPayPosSpec } from '../../lib/iso8583/index.js';
import { routeOf } from './routes.js';

function request(mti: string, fields: { processingCode?: string; typeCode?: string; networkCode?: string } = {}) {
  const message = new IsoMessage(unionPayPosSpec, mti, { 11: '000001', 41: '10000001', 60: { typeCode: fields.typeCode ?? '00', batchNumber: '000001', ...(fields.networkCode === undefined ? {} : { networkCode: fields.networkCode }) } });
  if (fields.processingCode !== undefined) message.set(3, fields.processingCode);
  return message;
}

describe('host routes', () => {
  it('tells requests apart by MTI, then 60.3 for network management', () => {
    expect(routeOf(request('0800', { networkCode: '004' }))?.name).toBe('sign-in');
    expect(routeOf(request('0800', { networkCode: '003' }))?.name).toBe('sign-in');
    expect(routeOf(request('0820', { networkCode: '002' }))?.name).toBe('sign-out');
    expect(routeOf(request('0820', { networkCode: '301' }))?.name).toBe('echo-test');
    expect(routeOf(request('0200', { processingCode: '000000', typeCode: '22' }))?.name).toBe('financial');
  });

  it('finds no route for what the host does not answer (the pipeline replies 12)', () => {
    expect(routeOf(request('0820', { networkCode: '999' }))).toBeUndefined();
    expect(routeOf(request('0820'))).toBeUndefined();
    expect(routeOf(request('0600'))).toBeUndefined();
  });
});
