import { BastionError } from '../../lib/errors/index.js';
import type { HostDependencies, HostReply, HostRequest } from './deps.js';
import { packPlain, replyFor } from './reply.js';
import { refusalCodes } from './response-codes.js';
import { routeOf } from './routes.js';

/**
 * The host's transaction pipeline behind the terminal channel: one request in, one reply out.
 * Nothing escapes as an exception: an unexpected failure is logged by its error code only (no
 * field values, so no card data) and answered 96 without a MAC.
 */
export class HostPipeline {
  constructor(private readonly deps: HostDependencies) {}

  async handle(request: HostRequest): Promise<HostReply> {
    const message = request.unpacked;
    try {
      const route = routeOf(message);
      if (route === undefined) return packPlain(replyFor(message, refusalCodes['unsupported-message']));
      return await route.handle(this.deps, message, request.message);
    } catch (error) {
      const code = error instanceof BastionError ? error.code : 'HOST_ERR_INTERNAL';
      this.deps.logger?.error({ code, mti: message.mti }, 'the host pipeline failed on a request; answered 96');
      try {
        return packPlain(replyFor(message, refusalCodes['internal-error']));
      } catch {
        return undefined;
      }
    }
  }
}
