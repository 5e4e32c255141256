import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import { packPlain, replyFor } from './reply.js';

/** 60.3 of an echo test (回响测试): a terminal checking that the host is there. */
export const ECHO_TEST_NETWORK_CODE = '301';

/**
 * Echo test (0820, 60.3 = 301): answered 0830 with 39 = 00 and nothing else done. It needs no
 * sign-in and carries no MAC either way; it says only that the link and the host are up, which a
 * stranger may learn anyway by connecting.
 */
export function echoTest(_deps: unknown, request: IsoMessage<UnionPayPosSpec>): Promise<Buffer> {
  return Promise.resolve(packPlain(replyFor(request, '00')));
}
