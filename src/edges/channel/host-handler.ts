import type { HostPipeline } from '../../domain/host/index.js';
import type { ChannelHandler } from './handler.js';

/**
 * Wires the host pipeline (domain) to the terminal channel (edge): the domain cannot import the
 * channel's handler contract, so this adapter hands each well-formed request's bytes and decoding
 * to the pipeline and its reply back to the channel. No reply means none is sent.
 */
export function hostChannelHandler(pipeline: HostPipeline): ChannelHandler {
  return {
    async handle(request) {
      const reply = await pipeline.handle({ message: request.message, unpacked: request.unpacked });
      return reply === undefined ? undefined : { reply };
    },
  };
}
