/**
 * Test support (left out of the build): a strict reader of the Prometheus text format 0.0.4, so
 * tests check that `/metrics` parses — HELP and TYPE before a family's samples, each sample
 * belongs to a declared family, label syntax and escapes, numeric values, histogram buckets
 * cumulative and ending in +Inf equal to `_count` — and can read values back.
 */
export interface ParsedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface ParsedExposition {
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly ParsedSample[];
}

const samplePattern = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/;
const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\\\|\\"|\\n)*)"(,|$)/y;

function parseValue(text: string, line: number): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text)) throw new Error(`line ${line}: value ${text} is not a number`);
  return Number(text);
}

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  labelPattern.lastIndex = 0;
  while (labelPattern.lastIndex < text.length) {
    const match = labelPattern.exec(text);
    if (match === null) throw new Error(`line ${line}: malformed labels {${text}}`);
    labels[match[1] as string] = (match[2] as string).replace(/\\(\\|"|n)/g, (_all, escaped: string) => (escaped === 'n' ? '\n' : escaped));
  }
  return labels;
}

export function parsePrometheusText(text: string): ParsedExposition {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const types = new Map<string, string>();
  const helped = new Set<string>();
  const samples: ParsedSample[] = [];
  text
    .slice(0, -1)
    .split('\n')
    .forEach((content, index) => {
      const line = index + 1;
      if (content.startsWith('# HELP ')) {
        const name = content.slice(7).split(' ')[0] as string;
        if (helped.has(name)) throw new Error(`line ${line}: second HELP for ${name}`);
        helped.add(name);
        return;
      }
      if (content.startsWith('# TYPE ')) {
        const [name, type] = content.slice(7).split(' ') as [string, string];
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type)) throw new Error(`line ${line}: unknown type ${type}`);
        if (types.has(name)) throw new Error(`line ${line}: second TYPE for ${name}`);
        if (samples.some((sample) => familyOf(sample.name, types) === name)) throw new Error(`line ${line}: TYPE after samples of ${name}`);
        types.set(name, type);
        return;
      }
      if (content.startsWith('#') || content === '') throw new Error(`line ${line}: unexpected line`);
      const match = samplePattern.exec(content);
      if (match === null) throw new Error(`line ${line}: not a sample: ${content}`);
      const name = match[1] as string;
      if (familyOf(name, types) === undefined) throw new Error(`line ${line}: ${name} has no TYPE before it`);
      samples.push({ name, labels: match[3] === undefined ? {} : parseLabels(match[3], line), value: parseValue(match[4] as string, line) });
    });
  for (const [name, type] of types) if (type === 'histogram') checkHistogram(name, samples);
  return { types, samples };
}

function familyOf(sampleName: string, types: ReadonlyMap<string, string>): string | undefined {
  if (types.has(sampleName)) return sampleName;
  const base = sampleName.replace(/_(bucket|sum|count)$/, '');
  return types.get(base) === 'histogram' ? base : undefined;
}

function checkHistogram(name: string, samples: readonly ParsedSample[]): void {
  const buckets = samples.filter((sample) => sample.name === `${name}_bucket`);
  const count = samples.find((sample) => sample.name === `${name}_count`);
  if (buckets.length === 0 || count === undefined || samples.find((sample) => sample.name === `${name}_sum`) === undefined) throw new Error(`${name}: buckets, _sum and _count are needed`);
  let previous = -Infinity;
  let previousCount = 0;
  for (const bucket of buckets) {
    const bound = parseValue(bucket.labels['le'] ?? 'missing', 0);
    if (!(bound > previous) || bucket.value < previousCount) throw new Error(`${name}: buckets must ascend and be cumulative`);
    previous = bound;
    previousCount = bucket.value;
  }
  if (previous !== Infinity || previousCount !== count.value) throw new Error(`${name}: the last bucket must be +Inf and equal _count`);
}

/** The sum of the samples named `name` whose labels include `labels`. */
export function sampleSum(exposition: ParsedExposition, name: string, labels: Readonly<Record<string, string>> = {}): number {
  return exposition.samples
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}
