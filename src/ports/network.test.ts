import { describe, expect, expectTypeOf, it } from 'vitest';
import type { MethodsCarryingClearPin } from './hsm.js';
import { networkResponseCodes, type NetworkDeclineReason, type NetworkPort, type NetworkResponse } from './network.js';

describe('NetworkPort', () => {
  it('carries no clear PIN: the PIN travels only as a block under the zone PIN key', () => {
    expectTypeOf<MethodsCarryingClearPin<NetworkPort>>().toEqualTypeOf<never>();
  });

  it('gives every reason a two-character ISO 8583 response code, 00 only for approval', () => {
    for (const [reason, code] of Object.entries(networkResponseCodes)) {
      expect(code, reason).toMatch(/^[0-9A-Z]{2}$/);
      expect(code === '00', reason).toBe(reason === 'approved');
    }
  });

  it('lets only an approval carry an authorization code', () => {
    expectTypeOf<Extract<NetworkResponse, { outcome: 'approved' }>['authorizationCode']>().toEqualTypeOf<string>();
    expectTypeOf<Extract<NetworkResponse, { outcome: 'declined' }>['reason']>().toEqualTypeOf<NetworkDeclineReason>();
    expectTypeOf<Extract<NetworkResponse, { outcome: 'declined' }>>().not.toHaveProperty('authorizationCode');
  });
});
