// `tsx bench/heap-diff.ts <before.heapsnapshot> <after.heapsnapshot> [top]`: what grew in a V8 heap
// between two snapshots (e.g. those `npm run bench -- idle-journeys --heapSnapshots=1` takes at a
// fifth and all of the journeys waiting), as self size and count per node type and constructor
// or string kind, largest growth first. Reads files larger than V8's longest string.
import { readFile } from 'node:fs/promises';

interface Group {
  count: number;
  bytes: number;
}

/** Self size and count per `type name` (names of strings and code are cut: they are too many). */
export async function summarise(file: string): Promise<Map<string, Group>> {
  const buf = await readFile(file);
  const nodesAt = buf.indexOf('"nodes":[');
  const edgesAt = buf.indexOf('"edges":[', nodesAt);
  const stringsAt = buf.lastIndexOf('"strings":[');
  if (nodesAt < 0 || edgesAt < 0 || stringsAt < 0) throw new Error(`${file} is not a V8 heap snapshot`);
  const header = JSON.parse(`${buf.subarray(0, nodesAt).toString('utf8').replace(/,\s*$/, '')}}`) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  };
  const fields = header.snapshot.meta.node_fields;
  const types = header.snapshot.meta.node_types[0];
  const nodes = parseInts(buf, nodesAt + '"nodes":['.length);
  const stringsEnd = buf.lastIndexOf(']');
  const strings = JSON.parse(
    buf.subarray(stringsAt + '"strings":'.length, stringsEnd + 1).toString('utf8'),
  ) as string[];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const groups = new Map<string, Group>();
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = types[nodes[i + typeAt]!] ?? '?';
    const raw = strings[nodes[i + nameAt]!] ?? '';
    const name = ['string', 'concatenated string', 'sliced string', 'code', 'number', 'hidden'].includes(type)
      ? ''
      : raw.slice(0, 80);
    const key = `${type} ${name}`.trim();
    const g = groups.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += nodes[i + sizeAt]!;
    groups.set(key, g);
  }
  return groups;
}

function parseInts(buf: Buffer, from: number): number[] {
  const out: number[] = [];
  let n = 0;
  let inNumber = false;
  for (let i = from; i < buf.length; i++) {
    const c = buf[i]!;
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      inNumber = true;
    } else {
      if (inNumber) out.push(n);
      n = 0;
      inNumber = false;
      if (c === 93) break; // ']'
    }
  }
  return out;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const [before, after, top] = process.argv.slice(2);
  if (!before || !after) {
    console.error('usage: tsx bench/heap-diff.ts <before.heapsnapshot> <after.heapsnapshot> [top]');
    process.exit(2);
  }
  const [a, b] = [await summarise(before), await summarise(after)];
  const total = (m: Map<string, Group>) => [...m.values()].reduce((k, g) => k + g.bytes, 0);
  const rows = [...new Set([...a.keys(), ...b.keys()])].map((key) => {
    const x = a.get(key) ?? { count: 0, bytes: 0 };
    const y = b.get(key) ?? { count: 0, bytes: 0 };
    return { key, bytes: y.bytes - x.bytes, count: y.count - x.count, after: y.bytes };
  });
  rows.sort((p, q) => q.bytes - p.bytes);
  const MB = 2 ** 20;
  console.log(`heap: ${(total(a) / MB).toFixed(1)} MB → ${(total(b) / MB).toFixed(1)} MB`);
  for (const r of rows.slice(0, Number(top ?? 30))) {
    console.log(
      `${(r.bytes / MB).toFixed(2).padStart(9)} MB ${String(r.count).padStart(9)} objects  (${(r.after / MB).toFixed(1)} MB after)  ${r.key}`,
    );
  }
}
