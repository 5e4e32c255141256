/**
 * The Prometheus text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), written by hand: it is a few
 * lines of escaping and formatting, and Bastion's host keeps its counters itself, so a client
 * library (prom-client and its global registry and default collectors) would add a dependency
 * without removing any code. One metric family at a time: `# HELP`, `# TYPE`, then its samples.
 */
export const prometheusContentType = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly labels?: Labels;
  readonly value: number;
}

export interface MetricFamily {
  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`; counters end in `_total`. */
  readonly name: string;
  readonly help: string;
  readonly type: Exclude<MetricType, 'histogram'>;
  readonly samples: readonly Sample[];
}

export interface HistogramFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'histogram';
  /** Upper bounds, ascending, without +Inf. */
  readonly bucketBounds: readonly number[];
  /** Observations per bucket, not cumulative, with one extra slot for +Inf. */
  readonly bucketCounts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `\` → `\\`, newline → `\n`, and in label values `"` → `\"`. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(labels: Labels | undefined): string {
  if (labels === undefined) return '';
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  for (const [name] of entries) if (!labelNamePattern.test(name) || name.startsWith('__')) throw new Error(`invalid label name ${name}`);
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

function header(name: string, help: string, type: MetricType): string {
  if (!metricNamePattern.test(name)) throw new Error(`invalid metric name ${name}`);
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}

/** The exposition of the families given, in order; ends with a newline. */
export function formatExposition(families: readonly (MetricFamily | HistogramFamily)[]): string {
  let text = '';
  for (const family of families) {
    text += header(family.name, family.help, family.type);
    if (family.type === 'histogram') {
      let cumulative = 0;
      family.bucketBounds.forEach((bound, index) => {
        cumulative += family.bucketCounts[index] ?? 0;
        text += `${family.name}_bucket{le="${formatValue(bound)}"} ${cumulative}\n`;
      });
      text += `${family.name}_bucket{le="+Inf"} ${family.count}\n`;
      text += `${family.name}_sum ${formatValue(family.sum)}\n`;
      text += `${family.name}_count ${family.count}\n`;
    } else {
      for (const sample of family.samples) text += `${family.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}\n`;
    }
  }
  return text;
}
