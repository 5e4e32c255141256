import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { HostDependencies } from './deps.js';
import { ECHO_TEST_NETWORK_CODE, echoTest } from './echo-test.js';
import { batchUpload } from './batch-upload.js';
import { financial } from './financial.js';
import { completion, completionVoid, preAuthVoid } from './preauth.js';
import { refund } from './refund.js';
import { reversal } from './reversal.js';
import { aidDownload, aidEnd, aidQuery, capkDownload, capkEnd, capkQuery, paramNetworkCodes } from './param-download.js';
import { SETTLEMENT_NETWORK_CODE, settlement } from './settlement.js';
import { SIGNATURE_UPLOAD_NETWORK_CODE, SIGNATURE_UPLOAD_TYPE_CODE, signatureUpload } from './signature-upload.js';
import { signIn, signOut } from './sign-in.js';
import { voidSale } from './void.js';

type Request = IsoMessage<UnionPayPosSpec>;

/**
 * One kind of request the host answers, as PROTOCOL.md's table tells them apart: the MTI, and
 * where the MTI is shared, the processing code (field 3), 60.1 (transaction type) and 60.3
 * (network management code). A criterion left out matches anything, so the more specific routes
 * come first in `hostRoutes` and a general one (sign-in for any other 0800) last.
 */
export interface HostRoute {
  /** For logs and metrics: `sale`, `void`, `capk-download` … */
  readonly name: string;
  readonly mti: string;
  readonly processingCode?: string;
  readonly typeCode?: string;
  readonly networkCode?: string;
  /** The reply (MTI onward); `message` is the request as received, for the MAC check. */
  readonly handle: (deps: HostDependencies, request: Request, message: Buffer) => Promise<Buffer>;
}

/**
 * Every request the host answers, first match wins. A module adds its transactions here, one line
 * each, in front of the general routes of its MTI.
 */
export const hostRoutes: readonly HostRoute[] = [
  { name: 'sign-out', mti: '0820', networkCode: '002', handle: signOut },
  { name: 'echo-test', mti: '0820', networkCode: ECHO_TEST_NETWORK_CODE, handle: echoTest },
  { name: 'signature-upload', mti: '0820', typeCode: SIGNATURE_UPLOAD_TYPE_CODE, networkCode: SIGNATURE_UPLOAD_NETWORK_CODE, handle: signatureUpload },
  // Parameter download (docs/protocol.md): queries are 0820, downloads and end messages 0800.
  { name: 'capk-query', mti: '0820', networkCode: paramNetworkCodes.capkQuery, handle: capkQuery },
  { name: 'aid-query', mti: '0820', networkCode: paramNetworkCodes.aidQuery, handle: aidQuery },
  { name: 'capk-download', mti: '0800', networkCode: paramNetworkCodes.capkDownload, handle: capkDownload },
  { name: 'capk-download-end', mti: '0800', networkCode: paramNetworkCodes.capkEnd, handle: capkEnd },
  { name: 'aid-download', mti: '0800', networkCode: paramNetworkCodes.aidDownload, handle: aidDownload },
  { name: 'aid-download-end', mti: '0800', networkCode: paramNetworkCodes.aidEnd, handle: aidEnd },
  // Terminals differ in 60.3 of a sign-in (001 single-length keys, 003 double-length, 004 with a
  // TDK); the host always answers in the 004 layout, which those terminals take as well.
  { name: 'sign-in', mti: '0800', handle: signIn },
  { name: 'void', mti: '0200', processingCode: '200000', typeCode: '23', handle: voidSale },
  // The pre-authorisation family (preauth.ts; the pre-auth itself is answered by financial.ts).
  { name: 'pre-auth', mti: '0100', processingCode: '030000', typeCode: '10', handle: financial },
  { name: 'pre-auth-void', mti: '0100', processingCode: '200000', typeCode: '11', handle: preAuthVoid },
  { name: 'completion', mti: '0200', processingCode: '000000', typeCode: '20', handle: completion },
  { name: 'completion-advice', mti: '0220', processingCode: '000000', typeCode: '24', handle: completion },
  { name: 'completion-void', mti: '0200', processingCode: '200000', typeCode: '21', handle: completionVoid },
  { name: 'financial', mti: '0200', handle: financial },
  { name: 'refund', mti: '0220', processingCode: '200000', typeCode: '25', handle: refund },
  // A reversal copies its original's 3 and 60.1: every 0400 is one route (reversal.ts reads the class).
  { name: 'reversal', mti: '0400', handle: reversal },
  { name: 'settlement', mti: '0500', networkCode: SETTLEMENT_NETWORK_CODE, handle: settlement },
  { name: 'batch-upload', mti: '0320', handle: batchUpload },
];

export function routeOf(request: Request, routes: readonly HostRoute[] = hostRoutes): HostRoute | undefined {
  const field60 = request.get(60);
  return routes.find(
    (route) =>
      route.mti === request.mti &&
      (route.processingCode === undefined || route.processingCode === request.get(3)) &&
      (route.typeCode === undefined || route.typeCode === field60?.typeCode) &&
      (route.networkCode === undefined || route.networkCode === field60?.networkCode),
  );
}
