/**
 * A V8 CPU profile (`node --cpu-prof`, `VIGIL_SERVER_NODE_ARGS`) as a standalone SVG flame graph, plus
 * the functions with the most self time as text. Time is what the samples say (each sample weighted
 * by its time delta); idle and the profiler's own frames are left out, so widths are shares of busy time.
 *
 *   node dist/bench/flamegraph.js /tmp/prof/CPU.*.cpuprofile --out bench/results/x.svg [--title T] [--top 25]
 *                                 [--from S] [--until S]   (seconds since the profile began: leave out start-up)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One frame of the merged call tree: time in microseconds spent in it (self) and below it (total). */
export interface Frame {
  name: string;
  self: number;
  total: number;
  children: Frame[];
}

/** Waiting is not work. */
const LEFT_OUT = new Set(['(idle)']);

const frameName = (n: ProfileNode) => {
  const fn = n.callFrame.functionName || '(anonymous)';
  if (!n.callFrame.url) return fn;
  const file = n.callFrame.url.replace(/^file:\/\//, '');
  const where = file.includes('/node_modules/') ? file.slice(file.lastIndexOf('/node_modules/') + 14).split('/').slice(0, 2).join('/') : basename(file);
  return `${fn} (${where}:${n.callFrame.lineNumber + 1})`;
};

/** The profile's tree with self/total times; `(garbage collector)` and `(program)` (V8 outside JS) stay: they are busy time. */
export function callTree(profile: CpuProfile, window: { fromSec?: number; untilSec?: number } = {}): Frame {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfTime = new Map<number, number>();
  const from = (window.fromSec ?? 0) * 1e6;
  const until = (window.untilSec ?? Infinity) * 1e6;
  let at = 0;
  profile.samples.forEach((id, i) => {
    const delta = Math.max(0, profile.timeDeltas[i] ?? 0);
    at += delta;
    if (at >= from && at <= until) selfTime.set(id, (selfTime.get(id) ?? 0) + delta);
  });
  const build = (n: ProfileNode): Frame => {
    const children = (n.children ?? [])
      .map((c) => byId.get(c)!)
      .filter((c) => !LEFT_OUT.has(c.callFrame.functionName))
      .map(build)
      .filter((f) => f.total > 0);
    // Frames with the same name under one parent are one frame.
    const merged = new Map<string, Frame>();
    for (const c of children) {
      const m = merged.get(c.name);
      if (!m) merged.set(c.name, c);
      else {
        m.self += c.self;
        m.total += c.total;
        m.children.push(...c.children);
      }
    }
    const self = selfTime.get(n.id) ?? 0;
    const kids = [...merged.values()].sort((a, b) => b.total - a.total);
    return { name: frameName(n), self, total: self + kids.reduce((s, k) => s + k.total, 0), children: kids };
  };
  const root = profile.nodes[0]!;
  const tree = build(root);
  tree.name = 'all busy time';
  tree.total -= tree.self;
  tree.self = 0;
  return tree;
}

/** Self time per function over the whole tree, largest first. */
export function topSelf(tree: Frame, n: number): { name: string; ms: number; share: number }[] {
  const sums = new Map<string, number>();
  const walk = (f: Frame) => {
    if (f.self > 0) sums.set(f.name, (sums.get(f.name) ?? 0) + f.self);
    f.children.forEach(walk);
  };
  walk(tree);
  return [...sums.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / Math.max(1, tree.total) }));
}

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

const color = (name: string) => {
  if (name.includes('@duckdb') || name.includes('duckdb')) return '#e6a04b';
  if (name.includes('/dist/src/') || /\((?!node:)[\w-]+\.js:/.test(name)) return '#6fa8dc';
  if (name.startsWith('(garbage collector)')) return '#b4a7d6';
  if (name.includes('node_modules')) return '#93c47d';
  return '#d9d9d9';
};

export function flameSvg(tree: Frame, title: string, width = 1200): string {
  const rowH = 17;
  const minW = 0.5;
  const rects: string[] = [];
  let depthMax = 0;
  const draw = (f: Frame, x: number, depth: number, scale: number) => {
    const w = f.total * scale;
    if (w < minW) return;
    depthMax = Math.max(depthMax, depth);
    const y = depth * rowH;
    const share = ((f.total / Math.max(1, tree.total)) * 100).toFixed(1);
    const label = w > 40 ? esc(f.name.slice(0, Math.floor(w / 6.5))) : '';
    rects.push(
      `<g><title>${esc(f.name)} — ${(f.total / 1000).toFixed(1)} ms, ${share} % (self ${(f.self / 1000).toFixed(1)} ms)</title>` +
        `<rect x="${x.toFixed(1)}" y="__Y${y}__" width="${w.toFixed(1)}" height="${rowH - 1}" fill="${color(f.name)}" stroke="white" stroke-width="0.5"/>` +
        (label ? `<text x="${(x + 3).toFixed(1)}" y="__T${y}__">${label}</text>` : '') +
        `</g>`,
    );
    let cx = x;
    for (const c of f.children) {
      draw(c, cx, depth + 1, scale);
      cx += c.total * scale;
    }
  };
  draw(tree, 0, 0, width / Math.max(1, tree.total));
  const top = 30;
  const height = top + (depthMax + 1) * rowH + 10;
  // Flame graphs grow upwards: the root at the bottom.
  const body = rects
    .join('\n')
    .replace(/__Y(\d+)__/g, (_, d) => String(height - 10 - Number(d) - rowH))
    .replace(/__T(\d+)__/g, (_, d) => String(height - 10 - Number(d) - 5));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="monospace" font-size="10">
<rect width="100%" height="100%" fill="white"/>
<text x="${width / 2}" y="18" text-anchor="middle" font-family="sans-serif" font-size="13">${esc(title)} — ${(tree.total / 1000).toFixed(0)} ms busy</text>
${body}
</svg>
`;
}

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' }, title: { type: 'string' }, top: { type: 'string', default: '25' }, from: { type: 'string' }, until: { type: 'string' } },
  });
  if (positionals.length !== 1) {
    process.stderr.write('usage: node dist/bench/flamegraph.js <file.cpuprofile> [--out graph.svg] [--title text] [--top N] [--from S] [--until S]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as CpuProfile;
  const tree = callTree(profile, { fromSec: values.from ? Number(values.from) : undefined, untilSec: values.until ? Number(values.until) : undefined });
  if (values.out) writeFileSync(values.out, flameSvg(tree, values.title ?? basename(positionals[0]!)));
  const spanSec = profile.timeDeltas.reduce((a, b) => a + b, 0) / 1e6;
  process.stdout.write(`profile spans ${spanSec.toFixed(1)} s; busy ${(tree.total / 1000).toFixed(1)} ms in the window; most self time:\n`);
  for (const t of topSelf(tree, Number(values.top))) process.stdout.write(`${(t.share * 100).toFixed(1).padStart(5)} %  ${t.ms.toFixed(1).padStart(8)} ms  ${t.name}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
