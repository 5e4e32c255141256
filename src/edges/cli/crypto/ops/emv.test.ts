import { describe, expect, it } from 'vitest';
import { runOp } from '../run-op.js';
import { BastionError } from '../../../../lib/errors/index.js';

/** How the emv.* operations combine their method-dependent arguments, and what they refuse. */
function failure(op: string, args: Record<string, unknown>): BastionError {
  try {
    runOp(op, args);
  } catch (error) {
    if (error instanceof BastionError) return error;
    throw error;
  }
  throw new Error(`${op} did not fail`);
}

const mk = '0123456789ABCDEFFEDCBA9876543210';

describe('emv.icc-master-key', () => {
  it('defaults the PSN to 00', () => {
    // pyemv tests/test_cvn_hsm.py: PAN 1234567890123456, PSN 00 (check digits BAB0)
    expect(runOp('emv.icc-master-key', { issuerMasterKey: mk, pan: '1234567890123456', option: 'A' })).toEqual({
      iccMasterKey: '154F349D8585CB7F6B0798E9839B10C1',
    });
    expect(runOp('emv.icc-master-key', { issuerMasterKey: mk, pan: '1234567890123456', psn: '00', option: 'B' })).toEqual({
      iccMasterKey: '154F349D8585CB7F6B0798E9839B10C1',
    });
  });

  it('reports a bad PSN and PAN with the EMV codes', () => {
    const psn = failure('emv.icc-master-key', { issuerMasterKey: mk, pan: '1234567890123456', psn: '1', option: 'A' });
    expect([psn.code, psn.details.argument]).toEqual(['CRYPTO_ERR_EMV_PSN', 'psn']);
    const pan = failure('emv.icc-master-key', { issuerMasterKey: mk, pan: '12345678901', option: 'A' });
    expect([pan.code, pan.details.argument]).toEqual(['CRYPTO_ERR_PAN', 'pan']);
    expect(pan.message).not.toContain('12345678901');
  });
});

describe('emv.session-key', () => {
  it('treats atc and r = ATC || 00… alike for the common method', () => {
    const fromAtc = runOp('emv.session-key', { iccMasterKey: mk, method: 'common', atc: '001C' });
    const fromR = runOp('emv.session-key', { iccMasterKey: mk, method: 'common', r: '001C000000000000' });
    expect(fromR).toEqual(fromAtc);
    expect(fromAtc).toEqual({ sessionKey: 'E9FB384AF807B940FEDCEA613461B0C4' });
  });

  it('passes tree options through', () => {
    // pyemv tests/test_kd_hsm.py test_derive_emv2000_tree_sk
    expect(runOp('emv.session-key', { iccMasterKey: '0123456789ABCDEF0123456789ABCDEF', method: 'emv2000-tree', atc: '00FF', height: '8', branchFactor: '4', iv: 'F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0F0' })).toEqual({
      sessionKey: 'D579C8A4927589017FA1739B2C853BAD',
    });
  });

  it.each([
    [{ method: 'common' }, 'CLI_ERR_ARGUMENT_MISSING', 'atc'],
    [{ method: 'visa-sm' }, 'CLI_ERR_ARGUMENT_MISSING', 'atc'],
    [{ method: 'emv2000-tree' }, 'CLI_ERR_ARGUMENT_MISSING', 'atc'],
    [{ method: 'common', atc: '001C', r: '001C000000000000' }, 'CLI_ERR_ARGUMENT_INVALID', 'r'],
    [{ method: 'visa-sm', atc: '001C', r: '001C000000000000' }, 'CLI_ERR_ARGUMENT_INVALID', 'r'],
    [{ method: 'common', atc: '001C', height: 8 }, 'CLI_ERR_ARGUMENT_INVALID', 'height'],
    [{ method: 'visa-sm', atc: '001C', iv: '00000000000000000000000000000000' }, 'CLI_ERR_ARGUMENT_INVALID', 'iv'],
    [{ method: 'common', atc: '001C', branchFactor: 4 }, 'CLI_ERR_ARGUMENT_INVALID', 'branchFactor'],
    [{ method: 'common', atc: '1C' }, 'CRYPTO_ERR_EMV_ATC', 'atc'],
    [{ method: 'common', r: '001C0000000000' }, 'CRYPTO_ERR_ARGUMENT', 'r'],
    [{ method: 'emv2000-tree', atc: '001C', height: 7 }, 'CRYPTO_ERR_ARGUMENT', 'height'],
  ])('%j fails with %s on %s', (args, code, argument) => {
    const error = failure('emv.session-key', { iccMasterKey: mk, ...args });
    expect([error.code, error.details.argument]).toEqual([code, argument]);
    expect(error.message.toUpperCase()).not.toContain(mk);
  });
});

describe('emv.arqc and emv.arpc', () => {
  it('accept padding and method as numbers or strings', () => {
    const args = { key: '29B33180E567CE38EA4CBC9D753B0E61', data: '0123456789ABCDEF0123456789ABCDEF' };
    expect(runOp('emv.arqc', { ...args, padding: '2' })).toEqual({ arqc: 'FA624250B008B59A' });
    expect(runOp('emv.arqc', { ...args, padding: 2 })).toEqual({ arqc: 'FA624250B008B59A' });
    const error = failure('emv.arqc', { ...args, padding: 3 });
    expect([error.code, error.details.argument]).toEqual(['CLI_ERR_ARGUMENT_INVALID', 'padding']);
  });

  it.each([
    [{ method: 1 }, 'arc'],
    [{ method: 1, arc: '0000', csu: '00000000' }, 'csu'],
    [{ method: 2 }, 'csu'],
    [{ method: 2, csu: '00000000', arc: '0000' }, 'arc'],
    [{ method: 2, csu: '00000000', proprietaryAuthData: '001122334455667788' }, 'proprietaryAuthData'],
    [{ method: 1, arc: '0000', arqc: 'FA624250B008B5' }, 'arqc'],
  ])('ARPC %j fails with CRYPTO_ERR_EMV_ARPC on %s', (args, argument) => {
    const error = failure('emv.arpc', { key: '29B33180E567CE38EA4CBC9D753B0E61', arqc: 'FA624250B008B59A', ...args });
    expect([error.code, error.details.argument]).toEqual(['CRYPTO_ERR_EMV_ARPC', argument]);
    expect(error.message).not.toContain('FA624250B008B5');
  });
});
