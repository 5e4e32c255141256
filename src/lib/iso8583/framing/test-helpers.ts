/**
 * Test support for framing (left out of the build by its `test-*` name): the shared checks under
 * the names these tests use.
 */
export { expectBastionError as expectFramingError, expectNoSecretIn as expectNoInputIn, bastionErrorOr, hex } from '../../errors/test-helpers.js';
