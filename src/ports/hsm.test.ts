import { describe, expectTypeOf, it } from 'vitest';
import type { CarriesClearPin, ClearPin, HsmPort, MethodsCarryingClearPin } from './hsm.js';

/**
 * The promise "the HSM port has no way to return a clear PIN", checked by the compiler: `tsc`
 * (npm run typecheck) fails this file if any method of HsmPort returns or accepts anything that
 * carries a ClearPin or a field named `pin` / `clearPin` / `pinDigits` / `plainPin`, at any depth
 * of objects, arrays and promises. The runtime assertions are no-ops; the types are the test.
 */
describe('HsmPort carries no clear PIN', () => {
  it('no method returns or takes a clear PIN', () => {
    expectTypeOf<MethodsCarryingClearPin<HsmPort>>().toEqualTypeOf<never>();
  });

  it('the check itself catches a clear PIN in every shape it could take', () => {
    // Each of these would make the check above fail if HsmPort had such a method, e.g.
    //   decryptPinBlock(key: KeyUnderLmk, pinBlock: Buffer): Promise<ClearPin>;
    //   verifyPin(request: { pinBlock: Buffer }): Promise<{ ok: boolean; pin: string }>;
    interface LeakyPort {
      decryptPinBlock(pinBlock: Buffer): Promise<ClearPin>;
      verifyPin(pinBlock: Buffer): Promise<{ ok: boolean; details: { pin: string } }>;
      listPins(): Promise<readonly { clearPin: string }[]>;
      setPin(request: { pinDigits: string }): Promise<void>;
      safe(pinBlock: Buffer): Promise<Buffer>;
    }
    expectTypeOf<MethodsCarryingClearPin<LeakyPort>>().toEqualTypeOf<'decryptPinBlock' | 'verifyPin' | 'listPins' | 'setPin'>();
    expectTypeOf<CarriesClearPin<{ a: { b: { c: ClearPin | undefined } } }>>().toEqualTypeOf<true>();
    expectTypeOf<CarriesClearPin<{ pinBlock: Buffer; pvv: string }>>().toEqualTypeOf<false>();
  });
});
