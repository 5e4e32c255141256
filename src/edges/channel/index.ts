/** The terminal channel: a TCP / TLS server speaking the UnionPay POS framing (see README.md). */
export { ChannelServer, type ChannelAddress, type ChannelListenOptions, type ChannelServerOptions } from './channel-server.js';
export { emptyChannelCounters, type ChannelCounters } from './counters.js';
export { formatErrorReply, formatErrorResponseCode, readableMti, replyMtiOf } from './format-error.js';
export type { ChannelCloseConnection, ChannelConnectionInfo, ChannelHandler, ChannelReplyMessage, ChannelRequest, ChannelResponse } from './handler.js';
export { channelLimitsDefault, resolveChannelLimits, type ChannelLimits } from './limits.js';
export { channelSecurityAuditEvent, channelSecurityAuditSinks, channelSecuritySummaryAuditEvent, type ChannelSecurityEvent, type ChannelSecurityEventSink } from './security-event.js';
export { SecurityEventCoalescer, securityEventCoalescingDefault, type ChannelSecuritySummary, type ChannelSecuritySummarySink, type SecurityEventCoalescing } from './security-event-coalescer.js';
export { tlsClientSubjectLengthMax, type ChannelTlsOptions } from './tls-options.js';
