import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { BastionError } from '../../lib/errors/index.js';
import { LocalMasterKey } from './local-master-key.js';
import { SoftwareHsm } from './software-hsm.js';
import {
  encodeError,
  fromWire,
  hsmWorkerProtocol,
  isHsmMethod,
  toWire,
  wipeBytes,
  workerLmkAad,
  type HsmCloseRequest,
  type HsmRequest,
  type HsmWorkerData,
  type HsmWorkerMessage,
} from './worker-protocol.js';

/**
 * The entry of one worker thread of the worker HSM (`worker-hsm.ts`): a SoftwareHsm over its own
 * copy of the LMK, answering the operations its parent posts, one at a time, in order. Nothing
 * here logs; errors go back to the caller as they are (coded, without key material).
 */

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Opens the LMK the parent sent, and wipes what it was sent in. */
function openLmk(data: HsmWorkerData): LocalMasterKey {
  const sent = data.lmk;
  if (sent.development) return LocalMasterKey.development();
  const wrappingKey = new Uint8Array(sent.wrappingKey);
  try {
    const lmk = LocalMasterKey.unsealFrom(
      wrappingKey,
      { iv: asBuffer(sent.iv), ciphertext: asBuffer(sent.ciphertext), tag: asBuffer(sent.tag) },
      workerLmkAad,
    );
    if (lmk === undefined) throw new BastionError('HSM_ERR_UNAVAILABLE', 'the HSM worker could not open the LMK its parent sent');
    return lmk;
  } finally {
    wrappingKey.fill(0);
    sent.ciphertext.fill(0);
  }
}

function post(port: MessagePort, message: HsmWorkerMessage, temporaries: Uint8Array[] = []): void {
  try {
    port.postMessage(message);
  } finally {
    for (const copy of temporaries) copy.fill(0);
  }
}

function serve(port: MessagePort, data: HsmWorkerData): void {
  let hsm: SoftwareHsm;
  let lmk: LocalMasterKey;
  try {
    if ((data.protocol as string) !== hsmWorkerProtocol) throw new BastionError('HSM_ERR_UNAVAILABLE', 'the HSM worker was started by a parent of another version');
    lmk = openLmk(data);
    hsm = new SoftwareHsm(lmk, data.cacheEntriesMax === undefined ? {} : { cacheEntriesMax: data.cacheEntriesMax });
  } catch (error) {
    post(port, { kind: 'failed', error: encodeError(error) });
    port.close();
    return;
  }

  const answer = (id: number, method: string, value: unknown): void => {
    const temporaries: Uint8Array[] = [];
    try {
      post(port, { kind: 'reply', id, value: toWire(value, temporaries) }, temporaries);
    } catch (error) {
      post(port, { kind: 'error', id, error: encodeError(error) });
    } finally {
      // The one result with clear key material: once cloned into the message, the worker's copy goes.
      if (method === 'exportKeyAsComponents') wipeBytes(value);
    }
  };

  const handle = async (request: HsmRequest): Promise<void> => {
    const { id, method, args } = request;
    if (!isHsmMethod(method) || !Array.isArray(args)) {
      post(port, { kind: 'error', id, error: encodeError(new BastionError('HSM_ERR_UNAVAILABLE', 'the HSM worker was sent an unknown operation')) });
      return;
    }
    const received = fromWire(args) as unknown[];
    try {
      answer(id, method, await (hsm[method].bind(hsm) as (...operands: unknown[]) => Promise<unknown>)(...received));
    } catch (error) {
      post(port, { kind: 'error', id, error: encodeError(error) });
    } finally {
      // Clear components, once combined, are of no further use here.
      if (method === 'importKeyFromComponents') wipeBytes(received);
    }
  };

  port.on('message', (message: HsmRequest | HsmCloseRequest) => {
    if ('close' in message) {
      // An orderly stop: wipe the cached clear keys and the LMK, then let the thread end.
      hsm.forgetCachedKeys();
      lmk.destroy();
      port.close();
      return;
    }
    void handle(message);
  });

  post(port, { kind: 'ready', lmkKcv: new Uint8Array(lmk.kcv) });
}

if (!isMainThread && parentPort !== null) serve(parentPort, workerData as HsmWorkerData);
