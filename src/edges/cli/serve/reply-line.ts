import { fixedLineWriter, type Logger } from '../../../adapters/log/index.js';
import type { HostExchangeObserver } from '../../channel/host-handler.js';
import { replySummaryFieldNames, type HostMetrics } from '../../http/host-metrics.js';

/**
 * The host's observer of each exchange: counts it in `metrics` and writes one `reply` line
 * (request and reply MTI, response code, terminal, trace, milliseconds in the pipeline; no card
 * data). The line has a fixed shape, so it takes the logger's fixed-line path: short scalar values
 * are written as they are, anything else falls back to the generic, redacting path.
 */
export function replyLineObserver(logger: Logger, metrics: HostMetrics): HostExchangeObserver {
  const writeReply = fixedLineWriter(logger, { level: 'info', message: 'reply', fieldNames: replySummaryFieldNames });
  return (exchange) => {
    writeReply(metrics.observe(exchange));
  };
}
