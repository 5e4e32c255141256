import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { BastionError } from '../../lib/errors/index.js';
import type { LocalMasterKey } from './local-master-key.js';
import { openLmkFromParent } from './lmk-handoff.js';
import { SoftwareHsm } from './software-hsm.js';
import {
  encodeError,
  fromWire,
  hsmWorkerProtocol,
  isHsmMethod,
  toWire,
  wipeBytes,
  type HsmParentMessage,
  type HsmReply,
  type HsmRequest,
  type HsmWorkerData,
  type HsmWorkerMessage,
} from './worker-protocol.js';

/**
 * The entry of one worker thread of the worker HSM (`worker-hsm.ts`): a SoftwareHsm over its own
 * copy of the LMK, answering the batches of operations its parent posts, in order, one reply
 * message per batch. Nothing here logs; errors go back to the caller as they are (coded, without
 * key material).
 */

function post(port: MessagePort, message: HsmWorkerMessage): void {
  port.postMessage(message);
}

function serve(port: MessagePort, data: HsmWorkerData): void {
  let hsm: SoftwareHsm;
  let lmk: LocalMasterKey;
  try {
    if ((data.protocol as string) !== hsmWorkerProtocol) throw new BastionError('HSM_ERR_UNAVAILABLE', 'the HSM worker was started by a parent of another version');
    lmk = openLmkFromParent(data.lmk);
    hsm = new SoftwareHsm(lmk, data.cacheEntriesMax === undefined ? {} : { cacheEntriesMax: data.cacheEntriesMax });
  } catch (error) {
    post(port, { kind: 'failed', error: encodeError(error) });
    port.close();
    return;
  }

  /** One request's reply. What must be wiped once the reply is sent goes to `wipeAfter`. */
  const run = async (request: HsmRequest, temporaries: Uint8Array[], wipeAfter: unknown[]): Promise<HsmReply> => {
    const { id, method, args } = request;
    if (!isHsmMethod(method) || !Array.isArray(args)) return { id, error: encodeError(new BastionError('HSM_ERR_UNAVAILABLE', 'the HSM worker was sent an unknown operation')) };
    const received = fromWire(args) as unknown[];
    // Clear components, once combined, are of no further use here.
    if (method === 'importKeyFromComponents') wipeAfter.push(received);
    try {
      const value = await (hsm[method].bind(hsm) as (...operands: unknown[]) => Promise<unknown>)(...received);
      // The one result with clear key material: the worker's copy goes once it is cloned into the reply.
      if (method === 'exportKeyAsComponents') wipeAfter.push(value);
      return { id, value: toWire(value, temporaries) };
    } catch (error) {
      return { id, error: encodeError(error) };
    }
  };

  /** A batch, in order, answered in one message. */
  const runBatch = async (batch: readonly HsmRequest[]): Promise<void> => {
    const temporaries: Uint8Array[] = [];
    const wipeAfter: unknown[] = [];
    try {
      const replies = await Promise.all(batch.map((request) => run(request, temporaries, wipeAfter)));
      try {
        port.postMessage(replies);
      } catch (error) {
        // A reply that could not be cloned: every call of the batch is told, rather than left waiting.
        const failure = encodeError(error);
        port.postMessage(batch.map(({ id }): HsmReply => ({ id, error: failure })));
      }
    } finally {
      for (const copy of temporaries) copy.fill(0);
      for (const value of wipeAfter) wipeBytes(value);
    }
  };

  port.on('message', (message: HsmParentMessage) => {
    if ('close' in message) {
      // An orderly stop: wipe the cached clear keys and the LMK, then let the thread end.
      hsm.forgetCachedKeys();
      lmk.destroy();
      port.close();
      return;
    }
    void runBatch(message);
  });

  post(port, { kind: 'ready', lmkKcv: new Uint8Array(lmk.kcv) });
}

if (!isMainThread && parentPort !== null) serve(parentPort, workerData as HsmWorkerData);
