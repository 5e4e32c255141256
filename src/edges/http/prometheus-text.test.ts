import { describe, expect, it } from 'vitest';
import { formatExposition } from './prometheus-text.js';
import { parsePrometheusText, sampleSum } from './test-prometheus.js';

describe('Prometheus text exposition', () => {
  it('writes HELP and TYPE before the samples, escapes label values and help text', () => {
    const text = formatExposition([
      { name: 'demo_total', help: 'a back\\slash and\na newline', type: 'counter', samples: [{ labels: { code: 'say "hi"\\\n' }, value: 3 }, { value: 1.5 }] },
      { name: 'demo_up', help: 'up', type: 'gauge', samples: [{ value: 1 }] },
    ]);
    expect(text).toBe(
      [
        '# HELP demo_total a back\\\\slash and\\na newline',
        '# TYPE demo_total counter',
        'demo_total{code="say \\"hi\\"\\\\\\n"} 3',
        'demo_total 1.5',
        '# HELP demo_up up',
        '# TYPE demo_up gauge',
        'demo_up 1',
        '',
      ].join('\n'),
    );
    const parsed = parsePrometheusText(text);
    expect(parsed.samples[0]?.labels).toEqual({ code: 'say "hi"\\\n' });
    expect(sampleSum(parsed, 'demo_total')).toBe(4.5);
  });

  it('writes histograms with cumulative buckets, +Inf, _sum and _count', () => {
    const text = formatExposition([{ name: 'latency_seconds', help: 'h', type: 'histogram', bucketBounds: [0.1, 1], bucketCounts: [2, 1, 4], sum: 12.5, count: 7 }]);
    expect(text).toContain('latency_seconds_bucket{le="0.1"} 2\nlatency_seconds_bucket{le="1"} 3\nlatency_seconds_bucket{le="+Inf"} 7\nlatency_seconds_sum 12.5\nlatency_seconds_count 7\n');
    expect(parsePrometheusText(text).types.get('latency_seconds')).toBe('histogram');
  });

  it('refuses invalid metric and label names', () => {
    expect(() => formatExposition([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }])).toThrow();
    expect(() => formatExposition([{ name: 'ok', help: '', type: 'gauge', samples: [{ labels: { 'bad-label': 'x' }, value: 1 }] }])).toThrow();
  });

  it('the test reader refuses what is not the format (so the /metrics tests can fail)', () => {
    expect(() => parsePrometheusText('no_type 1\n')).toThrow(/no TYPE/);
    expect(() => parsePrometheusText('# TYPE a counter\na one\n')).toThrow(/not a number/);
    expect(() => parsePrometheusText('# TYPE a counter\na{x=1} 1\n')).toThrow(/labels/);
    expect(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n')).toThrow(/cumulative/);
    expect(() => parsePrometheusText('# TYPE a counter\na 1')).toThrow(/newline/);
  });
});
