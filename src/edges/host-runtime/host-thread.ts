import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { LocalMasterKey } from '../../adapters/hsm/local-master-key.js';
import { openLmkFromParent } from '../../adapters/hsm/lmk-handoff.js';
import { SoftwareHsm } from '../../adapters/hsm/software-hsm.js';
import { encodeError } from '../../adapters/hsm/worker-protocol.js';
import { openStore } from '../../adapters/store/open-store.js';
import { hostLogCodeOf } from '../../domain/host/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { MessageCodec, unionPayPosSpec, type UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { Store } from '../../ports/store.js';
import type { HostResponder } from '../channel/host-handler.js';
import { assemblePipeline } from './assemble-host.js';
import {
  hostThreadProtocol,
  type HostThreadData,
  type HostThreadMessage,
  type HostThreadParentMessage,
  type HostThreadRefusal,
  type HostThreadReply,
  type HostThreadRequest,
} from './host-thread-protocol.js';

/**
 * The entry of one host thread (`host-threads.ts`): a transaction pipeline of its own — its own
 * store connection, software HSM over its copy of the LMK, caches and group committer — answering
 * the requests the main thread's channel sends it. Answers settled in one turn of this thread's
 * event loop go back in one message. Nothing here logs by itself: the pipeline's error reports
 * (codes only) go to the parent's log.
 */

function post(port: MessagePort, message: HostThreadMessage): void {
  port.postMessage(message);
}

/** A compact copy for postMessage: a Buffer is often a view into a larger pool, which would be cloned whole. */
function compact(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

async function serve(port: MessagePort, data: HostThreadData): Promise<void> {
  let store: Store | undefined;
  let lmk: LocalMasterKey | undefined;
  try {
    if ((data.protocol as string) !== hostThreadProtocol) throw new BastionError('HOST_ERR_THREAD', 'the host thread was started by a parent of another version');
    lmk = openLmkFromParent(data.lmk);
    store = openStore(data.location, data.storeOptions);
    const hsm = new SoftwareHsm(lmk);
    const { pipeline } = await assemblePipeline({
      store,
      hsm,
      auditChainKey: data.auditChainKey,
      settings: data.settings,
      hostLogger: { error: (fields, message) => { post(port, { kind: 'log', fields, message }); } },
    });
    const opened = store;
    const openedLmk = lmk;
    answer(port, data, { pipeline, store: opened, close: async () => {
      hsm.forgetCachedKeys();
      openedLmk.destroy();
      await opened.close();
    } });
  } catch (error) {
    // A thread that could not start wipes the LMK it opened before it says so and ends.
    lmk?.destroy();
    await store?.close().catch(() => undefined);
    post(port, { kind: 'failed', error: encodeError(error) });
    port.close();
  }
}

interface Running {
  readonly pipeline: HostResponder;
  readonly store: Store;
  close(): Promise<void>;
}

function answer(port: MessagePort, data: HostThreadData, running: Running): void {
  const codec = new MessageCodec<UnionPayPosSpec>(unionPayPosSpec);
  let replies: HostThreadReply[] = [];
  let refusals: HostThreadRefusal[] = [];
  let flushScheduled = false;
  let inFlight = 0;
  let closing: (() => void) | undefined;

  const flush = (): void => {
    flushScheduled = false;
    const message: HostThreadMessage = { kind: 'answers', replies, refusals };
    replies = [];
    refusals = [];
    post(port, message);
    if (inFlight === 0) closing?.();
  };
  const settle = (reply: HostThreadReply): void => {
    inFlight -= 1;
    replies.push(reply);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  };
  const run = async (request: HostThreadRequest): Promise<void> => {
    const { id } = request;
    try {
      const message = Buffer.from(request.message.buffer, request.message.byteOffset, request.message.byteLength);
      const answered = await running.pipeline.respond({
        message,
        // The channel decoded these bytes already (to tell malformed frames apart): they decode.
        unpacked: codec.unpack(message),
        unknownTerminalRefusals: (event) => { refusals.push({ id, event }); },
      });
      settle(answered === undefined ? { id, reply: undefined } : { id, reply: compact(answered.reply), processingRequirement: answered.processingRequirement });
    } catch (error) {
      // The pipeline answers its own failures (96); this is a failure around it. No reply: the terminal reverses.
      post(port, { kind: 'log', fields: { code: hostLogCodeOf(error) }, message: 'a host thread could not answer a request' });
      settle({ id, reply: undefined });
    }
  };

  const reportStats = (): void => {
    const stats = running.store.commitStats?.();
    if (stats !== undefined) post(port, { kind: 'stats', stats });
  };
  const statsTimer = setInterval(reportStats, data.statsIntervalMs);
  statsTimer.unref();

  port.on('message', (message: HostThreadParentMessage) => {
    if ('close' in message) {
      // Sent once the channel has stopped and every request it sent was answered.
      clearInterval(statsTimer);
      reportStats();
      void new Promise<void>((resolve) => {
        closing = resolve;
        if (inFlight === 0 && !flushScheduled) resolve();
      })
        .then(() => running.close())
        .finally(() => {
          post(port, { kind: 'closed' });
          port.close();
        });
      return;
    }
    for (const request of message) {
      inFlight += 1;
      void run(request);
    }
  });
  post(port, { kind: 'ready' });
}

if (!isMainThread && parentPort !== null) void serve(parentPort, workerData as HostThreadData);
