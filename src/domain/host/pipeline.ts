import { ProcessingRequirement } from '../../lib/iso8583/framing/index.js';
import type { HostDependencies, HostReply, HostRequest } from './deps.js';
import { hostLogCodeOf } from './log-code.js';
import { isDurableReply } from './record.js';
import { packPlain, replyFor } from './reply.js';
import { refusalCodes } from './response-codes.js';
import { routeOf } from './routes.js';

/** A reply and the processing-requirement nibble its header should carry (what the terminal must do next). */
export interface HostAnswer {
  readonly reply: Buffer;
  readonly processingRequirement: ProcessingRequirement;
}

/**
 * The host's transaction pipeline behind the terminal channel: one request in, one reply out.
 * Nothing escapes as an exception: an unexpected failure is logged by its error code only (no
 * field values, so no card data) and answered 96 without a MAC.
 */
export class HostPipeline {
  constructor(private readonly deps: HostDependencies) {}

  /**
   * `handle`, plus the header nibble: a known terminal whose last complete parameter download is
   * older than the current set is asked to download CAPKs (4) or, once it has them, IC / AID
   * parameters (5) — UnionPay's values, see src/lib/iso8583/framing/unionpay-header.ts. Looking
   * that up never costs the reply: a failure there leaves the nibble at 0.
   */
  async respond(request: HostRequest): Promise<HostAnswer | undefined> {
    const { reply, failed } = await this.answer(request);
    if (reply === undefined) return undefined;
    // After a failure (answered 96 and logged once) the store may be the cause: it is not asked again.
    return { reply, processingRequirement: failed ? ProcessingRequirement.None : await this.processingRequirementFor(request.unpacked.get(41)) };
  }

  private async processingRequirementFor(terminalId: string | undefined): Promise<ProcessingRequirement> {
    const params = this.deps.emvParams;
    if (params === undefined || terminalId === undefined) return ProcessingRequirement.None;
    try {
      const needed = await params.downloadNeeded(terminalId);
      if (needed === undefined || (await this.deps.terminals.findByTerminalId(terminalId)) === undefined) return ProcessingRequirement.None;
      return needed === 'capks' ? ProcessingRequirement.DownloadCapks : ProcessingRequirement.DownloadIcParameters;
    } catch (error) {
      this.deps.logger?.error({ code: hostLogCodeOf(error) }, 'the parameter version of a terminal could not be read; the reply goes out without a processing requirement');
      return ProcessingRequirement.None;
    }
  }

  async handle(request: HostRequest): Promise<HostReply> {
    return (await this.answer(request)).reply;
  }

  private async answer(request: HostRequest): Promise<{ readonly reply: HostReply; readonly failed: boolean }> {
    const message = request.unpacked;
    try {
      const route = routeOf(message);
      if (route === undefined) return { reply: packPlain(replyFor(message, refusalCodes['unsupported-message'])), failed: false };
      const deps = request.unknownTerminalRefusals === undefined ? this.deps : { ...this.deps, unknownTerminalRefusals: request.unknownTerminalRefusals };
      const reply = await route.handle(deps, message, request.message);
      // A reply may come from rows whose commit is still being fsynced (a duplicate's replay):
      // it leaves only once they are durable. A failed fsync sends nothing (the terminal reverses).
      // A reply whose own record settled durably after everything it rests on was read needs no wait.
      const durable = isDurableReply(reply) ? undefined : this.deps.store.whenDurable();
      if (durable !== undefined) {
        try {
          await durable;
        } catch (error) {
          this.deps.logger?.error({ code: hostLogCodeOf(error), mti: message.mti }, 'the store could not make a commit durable; the reply is not sent');
          return { reply: undefined, failed: true };
        }
      }
      return { reply, failed: false };
    } catch (error) {
      const code = hostLogCodeOf(error);
      // A commit of this request that could not be made durable may or may not survive a crash:
      // no answer is safe, a decline included (the record might hold an approval). None is sent,
      // and the terminal reverses, as after a failed fsync of a later group (above).
      if (code === 'STORE_ERR_DURABILITY') {
        this.deps.logger?.error({ code, mti: message.mti }, 'the store could not make a commit durable; the reply is not sent');
        return { reply: undefined, failed: true };
      }
      this.deps.logger?.error({ code, mti: message.mti }, 'the host pipeline failed on a request; answered 96');
      try {
        return { reply: packPlain(replyFor(message, refusalCodes['internal-error'])), failed: true };
      } catch {
        return { reply: undefined, failed: true };
      }
    }
  }
}
