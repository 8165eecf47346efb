/**
 * A strict parser of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/): what a scrape must accept.
 * Throws on the first line that breaks the format, naming the line.
 *
 * Checked: `# HELP` / `# TYPE` syntax, at most one of each per family and TYPE before the family's
 * samples; metric and label names; label values with their three escapes (\\, \", \n); duplicate
 * label names; float values including NaN, +Inf, -Inf; optional integer timestamps; each family's
 * samples contiguous; no duplicate series; histograms: _bucket series with `le`, cumulative counts
 * that never decrease, a +Inf bucket equal to _count, and _sum/_count per label set; summaries:
 * `quantile` in [0, 1] and _sum/_count.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestamp?: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export class PrometheusFormatError extends Error {
  override name = 'PrometheusFormatError';
}

/**
 * A sample value as Prometheus reads it (Go's strconv.ParseFloat): decimal floats, and NaN / Inf /
 * Infinity in any letter case, infinities with an optional sign (prom-client writes `Nan`).
 */
export function parseValue(raw: string): number {
  if (/^nan$/i.test(raw)) return NaN;
  const inf = /^([+-]?)inf(?:inity)?$/i.exec(raw);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  if (!FLOAT.test(raw)) throw new PrometheusFormatError(`not a number: ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** Parses `{a="x",b="y\"z"}` starting at `start` (the `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, start: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  const skipSpaces = () => {
    while (line[i] === ' ' || line[i] === '\t') i++;
  };
  for (;;) {
    skipSpaces();
    if (line[i] === '}') return { labels, end: i + 1 };
    const name = /^[^=\s{},"]*/.exec(line.slice(i))![0];
    if (!LABEL_NAME.test(name)) throw new PrometheusFormatError(`bad label name at column ${i + 1}`);
    i += name.length;
    skipSpaces();
    if (line[i] !== '=') throw new PrometheusFormatError(`expected = after label ${name}`);
    i++;
    skipSpaces();
    if (line[i] !== '"') throw new PrometheusFormatError(`label ${name}: value must be in double quotes`);
    i++;
    let value = '';
    for (;;) {
      const c = line[i];
      if (c === undefined) throw new PrometheusFormatError(`label ${name}: unterminated value`);
      if (c === '"') break;
      if (c === '\\') {
        const e = line[i + 1];
        if (e === '\\') value += '\\';
        else if (e === '"') value += '"';
        else if (e === 'n') value += '\n';
        else throw new PrometheusFormatError(`label ${name}: invalid escape \\${e ?? ''}`);
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    i++; // closing quote
    if (name in labels) throw new PrometheusFormatError(`label ${name} appears twice`);
    if (name.startsWith('__')) throw new PrometheusFormatError(`label ${name}: names with __ are reserved`);
    labels[name] = value;
    skipSpaces();
    if (line[i] === ',') {
      i++;
      continue;
    }
    if (line[i] === '}') return { labels, end: i + 1 };
    throw new PrometheusFormatError(`expected , or } after label ${name}`);
  }
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)?/g, (_m, e?: string) => {
    if (e === undefined) throw new PrometheusFormatError('invalid escape in HELP');
    return e === 'n' ? '\n' : '\\';
  });
}

const seriesKey = (name: string, labels: Record<string, string>, omit?: string) =>
  `${name}{${Object.keys(labels)
    .filter((k) => k !== omit)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',')}}`;

/** Parses a whole scrape; throws PrometheusFormatError (with the line number) when it is not valid. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const declaredType = new Map<string, MetricType>();
  const helped = new Set<string>();
  const finished = new Set<string>();
  const seenSeries = new Set<string>();
  let current: string | null = null;

  const familyOfSample = (name: string): string => {
    for (const suffix of ['_bucket', '_sum', '_count']) {
      if (!name.endsWith(suffix)) continue;
      const base = name.slice(0, -suffix.length);
      const type = declaredType.get(base);
      if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return base;
    }
    return name;
  };
  const family = (name: string): MetricFamily => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: declaredType.get(name) ?? 'untyped', samples: [] };
      families.set(name, f);
    }
    return f;
  };
  const enter = (name: string) => {
    if (current === name) return;
    if (finished.has(name)) throw new PrometheusFormatError(`metric family ${name} is not contiguous`);
    if (current !== null) finished.add(current);
    current = name;
  };

  if (text !== '' && !text.endsWith('\n'))
    throw new PrometheusFormatError('the text must end with a newline');
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, index) => {
    const at = `line ${index + 1} (${JSON.stringify(line.length > 120 ? line.slice(0, 120) + '…' : line)})`;
    try {
      if (line.trim() === '') return;
      if (line.startsWith('#')) {
        const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line);
        if (!m) return; // a plain comment
        const [, keyword, name, rest] = m as unknown as [string, 'HELP' | 'TYPE', string, string | undefined];
        if (!METRIC_NAME.test(name)) throw new PrometheusFormatError(`bad metric name ${name}`);
        if (keyword === 'HELP') {
          if (helped.has(name)) throw new PrometheusFormatError(`second HELP for ${name}`);
          helped.add(name);
          enter(name);
          family(name).help = unescapeHelp(rest ?? '');
          return;
        }
        const type = (rest ?? '').trim() as MetricType;
        if (!TYPES.has(type))
          throw new PrometheusFormatError(`unknown type ${JSON.stringify(rest)} for ${name}`);
        if (declaredType.has(name)) throw new PrometheusFormatError(`second TYPE for ${name}`);
        if (families.get(name)?.samples.length)
          throw new PrometheusFormatError(`TYPE for ${name} after its samples`);
        declaredType.set(name, type);
        enter(name);
        family(name).type = type;
        return;
      }
      const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
      if (!nameMatch) throw new PrometheusFormatError('a sample must start with a metric name');
      const name = nameMatch[0];
      let i = name.length;
      let labels: Record<string, string> = {};
      if (line[i] === '{') ({ labels, end: i } = parseLabels(line, i));
      const rest = line.slice(i);
      const parts = rest.trim().split(/[ \t]+/);
      if (!/^[ \t]/.test(rest) || parts.length < 1 || parts.length > 2 || parts[0] === '') {
        throw new PrometheusFormatError('expected: name{labels} value [timestamp]');
      }
      const value = parseValue(parts[0]!);
      let timestamp: number | undefined;
      if (parts[1] !== undefined) {
        if (!/^-?\d+$/.test(parts[1])) throw new PrometheusFormatError(`bad timestamp ${parts[1]}`);
        timestamp = Number(parts[1]);
      }
      const familyName = familyOfSample(name);
      enter(familyName);
      const f = family(familyName);
      const key = seriesKey(name, labels);
      if (seenSeries.has(key)) throw new PrometheusFormatError(`duplicate series ${key}`);
      seenSeries.add(key);
      if (f.type === 'histogram' && name === `${familyName}_bucket`) {
        if (labels.le === undefined) throw new PrometheusFormatError(`${name} without an le label`);
        parseValue(labels.le);
      }
      if (f.type === 'summary' && name === familyName) {
        if (labels.quantile === undefined)
          throw new PrometheusFormatError(`${name} without a quantile label`);
        const q = parseValue(labels.quantile);
        if (!(q >= 0 && q <= 1))
          throw new PrometheusFormatError(`quantile ${labels.quantile} outside [0, 1]`);
      }
      if (f.type === 'histogram' && name === familyName) {
        throw new PrometheusFormatError(`histogram ${name}: samples must be _bucket, _sum or _count`);
      }
      if ((f.type === 'counter' || f.type === 'gauge' || f.type === 'untyped') && name !== familyName) {
        throw new PrometheusFormatError(`sample ${name} outside its family`);
      }
      if (f.type === 'counter' && value < 0) throw new PrometheusFormatError(`counter ${name} is negative`);
      f.samples.push({ name, labels, value, ...(timestamp !== undefined ? { timestamp } : {}) });
    } catch (err) {
      if (err instanceof PrometheusFormatError) throw new PrometheusFormatError(`${at}: ${err.message}`);
      throw err;
    }
  });
  for (const f of families.values()) {
    if (f.type === 'histogram') checkHistogram(f);
    if (f.type === 'summary') checkSummary(f);
  }
  return families;
}

function checkHistogram(f: MetricFamily) {
  const series = new Map<
    string,
    { buckets: { le: number; value: number }[]; sum?: number; count?: number }
  >();
  const of = (labels: Record<string, string>, omit?: string) => {
    const key = seriesKey(f.name, labels, omit);
    let s = series.get(key);
    if (!s) series.set(key, (s = { buckets: [] }));
    return s;
  };
  for (const sample of f.samples) {
    if (sample.name === `${f.name}_bucket`)
      of(sample.labels, 'le').buckets.push({ le: parseValue(sample.labels.le!), value: sample.value });
    else if (sample.name === `${f.name}_sum`) of(sample.labels).sum = sample.value;
    else of(sample.labels).count = sample.value;
  }
  for (const [key, s] of series) {
    const where = `histogram ${key}`;
    if (s.buckets.length === 0) throw new PrometheusFormatError(`${where}: no buckets`);
    if (s.sum === undefined) throw new PrometheusFormatError(`${where}: no _sum`);
    if (s.count === undefined) throw new PrometheusFormatError(`${where}: no _count`);
    const sorted = [...s.buckets].sort((a, b) => a.le - b.le);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]!.le === sorted[i - 1]!.le)
        throw new PrometheusFormatError(`${where}: le ${sorted[i]!.le} twice`);
      if (sorted[i]!.value < sorted[i - 1]!.value) {
        throw new PrometheusFormatError(`${where}: bucket le=${sorted[i]!.le} is below the one before`);
      }
    }
    const inf = sorted[sorted.length - 1]!;
    if (inf.le !== Infinity) throw new PrometheusFormatError(`${where}: no le="+Inf" bucket`);
    if (inf.value !== s.count) {
      throw new PrometheusFormatError(
        `${where}: the +Inf bucket (${inf.value}) differs from _count (${s.count})`,
      );
    }
  }
}

function checkSummary(f: MetricFamily) {
  const keys = new Set<string>();
  const withSum = new Set<string>();
  const withCount = new Set<string>();
  for (const sample of f.samples) {
    const key = seriesKey(f.name, sample.labels, 'quantile');
    keys.add(key);
    if (sample.name === `${f.name}_sum`) withSum.add(key);
    if (sample.name === `${f.name}_count`) withCount.add(key);
  }
  for (const key of keys) {
    if (!withSum.has(key) || !withCount.has(key))
      throw new PrometheusFormatError(`summary ${key}: no _sum or _count`);
  }
}

/** The value of one series (exact label match), or undefined. */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      const keys = Object.keys(s.labels);
      if (keys.length !== Object.keys(labels).length) continue;
      if (keys.every((k) => s.labels[k] === labels[k])) return s.value;
    }
  }
  return undefined;
}

/** Every sample of a name, across label sets. */
export function samplesOf(families: Map<string, MetricFamily>, name: string): Sample[] {
  return [...families.values()].flatMap((f) => f.samples.filter((s) => s.name === name));
}
