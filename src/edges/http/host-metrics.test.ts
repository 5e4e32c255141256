import { describe, expect, it } from 'vitest';
import { IsoMessage, MessageCodec, unionPayPosSpec, type UnionPayPosSpec } from '../../lib/iso8583/index.js';
import { emptyChannelCounters } from '../channel/counters.js';
import { channelFamilies, formatExposition, HostMetrics, processFamilies, replySeriesMax, storeFamilies } from './host-metrics.js';
import { parsePrometheusText, sampleSum } from './test-prometheus.js';

const codec = new MessageCodec<UnionPayPosSpec>(unionPayPosSpec);

function reply(mti: string, responseCode: string): Buffer {
  return codec.pack(new IsoMessage(unionPayPosSpec, mti, { 11: '000001', 39: responseCode, 41: '10000001', 42: '898310048160001' }));
}

describe('host metrics', () => {
  it('counts replies by request MTI, reply MTI and field 39, and times every request', () => {
    const metrics = new HostMetrics();
    expect(metrics.observe({ requestMti: '0800', reply: reply('0810', '00'), durationSeconds: 0.003 })).toEqual({
      requestMti: '0800',
      replyMti: '0810',
      responseCode: '00',
      terminalId: '10000001',
      trace: '000001',
      durationMs: 3,
    });
    metrics.observe({ requestMti: '0200', reply: reply('0210', '00'), durationSeconds: 0.02 });
    metrics.observe({ requestMti: '0200', reply: reply('0210', '51'), durationSeconds: 0.02 });
    metrics.observe({ requestMti: '0200', reply: reply('0210', '51'), durationSeconds: 30 });
    metrics.observe({ requestMti: '0200', reply: undefined, durationSeconds: 0.5 });
    metrics.observe({ requestMti: '0200', reply: Buffer.from([0x02]), durationSeconds: 0.001 });
    const parsed = parsePrometheusText(formatExposition(metrics.families()));
    expect(sampleSum(parsed, 'bastion_host_replies_total', { request_mti: '0200', reply_mti: '0210', response_code: '51' })).toBe(2);
    expect(sampleSum(parsed, 'bastion_host_replies_total', { request_mti: '0800', reply_mti: '0810', response_code: '00' })).toBe(1);
    expect(sampleSum(parsed, 'bastion_host_replies_total', { reply_mti: 'unknown' })).toBe(1);
    expect(sampleSum(parsed, 'bastion_host_requests_unanswered_total', { request_mti: '0200' })).toBe(1);
    expect(sampleSum(parsed, 'bastion_host_request_duration_seconds_count')).toBe(6);
    expect(sampleSum(parsed, 'bastion_host_request_duration_seconds_bucket', { le: '0.005' })).toBe(2);
    expect(sampleSum(parsed, 'bastion_host_request_duration_seconds_bucket', { le: '10' })).toBe(5);
    expect(sampleSum(parsed, 'bastion_host_request_duration_seconds_bucket', { le: '+Inf' })).toBe(6);
  });

  it('keeps at most replySeriesMax series and counts the rest as other', () => {
    const metrics = new HostMetrics();
    for (let index = 0; index < replySeriesMax + 5; index++) {
      metrics.observe({ requestMti: String(1000 + index).padStart(4, '0'), reply: reply('0210', '00'), durationSeconds: 0 });
    }
    const parsed = parsePrometheusText(formatExposition(metrics.families()));
    expect(parsed.samples.filter((sample) => sample.name === 'bastion_host_replies_total')).toHaveLength(replySeriesMax + 1);
    expect(sampleSum(parsed, 'bastion_host_replies_total', { request_mti: 'other' })).toBe(5);
  });

  it('channel counters and process facts parse as one exposition', () => {
    const counters = { ...emptyChannelCounters(), connectionsTotal: 3, framesMalformed: 2 };
    const parsed = parsePrometheusText(formatExposition([...processFamilies(Date.now()), ...channelFamilies(counters, true)]));
    expect(sampleSum(parsed, 'bastion_channel_connections_accepted_total')).toBe(3);
    expect(sampleSum(parsed, 'bastion_channel_frames_malformed_total')).toBe(2);
    expect(sampleSum(parsed, 'bastion_channel_listening')).toBe(1);
    expect(sampleSum(parsed, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(parsed.samples.find((sample) => sample.name === 'bastion_build_info')?.labels).toMatchObject({ version: '0.1.0' });
  });

  it('the store\'s group commit counts parse with the rest, and a store that does not group commit adds none', () => {
    const parsed = parsePrometheusText(formatExposition([...processFamilies(Date.now()), ...storeFamilies({ groups: 4, units: 40, fsyncs: 4, fsyncSeconds: 0.008, groupsRerun: 1 })]));
    expect(sampleSum(parsed, 'bastion_store_group_commits_total')).toBe(4);
    expect(sampleSum(parsed, 'bastion_store_group_commit_units_total')).toBe(40);
    expect(sampleSum(parsed, 'bastion_store_wal_fsyncs_total')).toBe(4);
    expect(sampleSum(parsed, 'bastion_store_wal_fsync_seconds_total')).toBeCloseTo(0.008);
    expect(sampleSum(parsed, 'bastion_store_group_commit_reruns_total')).toBe(1);
    expect(storeFamilies(undefined)).toEqual([]);
  });
});
