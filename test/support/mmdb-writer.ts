/**
 * A minimal MaxMind DB writer for tests (IPv4 tree, 24-bit records): one record per network, the
 * format of https://maxmind.github.io/MaxMind-DB/ — so geo_location() is tested against a real
 * .mmdb file read by the same library as an operator's GeoLite2-City database, without shipping one.
 */
/** An unsigned integer of 2, 4 or 8 bytes (metadata fields). */
class Uint {
  constructor(readonly value: number, readonly bytes: 2 | 4 | 8) {}
}
type Value = string | number | Uint | Value[] | { [k: string]: Value };

function control(type: number, size: number): Buffer {
  const ext = type > 7;
  const head: number[] = [];
  let sizeBytes: number[] = [];
  let s = size;
  if (s >= 29 && s < 285) { sizeBytes = [s - 29]; s = 29; } else if (s >= 285) { const v = s - 285; sizeBytes = [v >> 8, v & 255]; s = 30; }
  head.push(((ext ? 0 : type) << 5) | s);
  if (ext) head.push(type - 7);
  return Buffer.from([...head, ...sizeBytes]);
}

function encode(v: Value): Buffer {
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([control(2, b.length), b]);
  }
  if (typeof v === 'number') {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v);
    return Buffer.concat([control(3, 8), b]);
  }
  if (Array.isArray(v)) return Buffer.concat([control(11, v.length), ...v.map(encode)]);
  if (v instanceof Uint) {
    const type = v.bytes === 2 ? 5 : v.bytes === 4 ? 6 : 9;
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(v.value));
    const trimmed = b.subarray(8 - v.bytes);
    return Buffer.concat([control(type, v.bytes), trimmed]);
  }
  const entries = Object.entries(v as Record<string, Value>);
  return Buffer.concat([control(7, entries.length), ...entries.flatMap(([k, x]) => [encode(k), encode(x)])]);
}

/** A database with one record per IPv4 network (`a.b.c.d/len`). */
export type MmdbValue = Value;

export function writeMmdb(networks: { cidr: string; record: Value }[], databaseType = 'GeoLite2-City'): Buffer {
  // The tree: a binary trie over the address bits; leaves point into the data section.
  type Node = [number | Node | { data: number }, number | Node | { data: number }];
  const root: Node = [0, 0];
  const data: Buffer[] = [];
  let dataLength = 0;
  for (const n of networks) {
    const [ip, len] = n.cidr.split('/') as [string, string];
    const bits = ip.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
    const enc = encode(n.record);
    const leaf = { data: dataLength };
    data.push(enc);
    dataLength += enc.length;
    let node = root;
    for (let i = 0; i < Number(len); i++) {
      const bit = Number((bits >> BigInt(31 - i)) & 1n);
      if (i === Number(len) - 1) node[bit] = leaf;
      else {
        if (typeof node[bit] !== 'object' || 'data' in (node[bit] as object)) node[bit] = [0, 0];
        node = node[bit] as Node;
      }
    }
  }
  const nodes: Node[] = [];
  const walk = (n: Node) => {
    nodes.push(n);
    for (const c of n) if (Array.isArray(c)) walk(c);
  };
  walk(root);
  const nodeCount = nodes.length;
  const tree = Buffer.alloc(nodeCount * 6);
  nodes.forEach((n, i) => {
    n.forEach((c, side) => {
      const value = Array.isArray(c) ? nodes.indexOf(c) : typeof c === 'object' ? nodeCount + 16 + c.data : nodeCount;
      tree.writeUIntBE(value, i * 6 + side * 3, 3);
    });
  });
  const metadata = encode({
    node_count: new Uint(nodeCount, 4),
    record_size: new Uint(24, 2),
    ip_version: new Uint(4, 2),
    database_type: databaseType,
    languages: ['en'],
    binary_format_major_version: new Uint(2, 2),
    binary_format_minor_version: new Uint(0, 2),
    build_epoch: new Uint(1_700_000_000, 8),
    description: { en: 'Vigil test database' },
  });
  return Buffer.concat([tree, Buffer.alloc(16), ...data, Buffer.from([0xab, 0xcd, 0xef]), Buffer.from('MaxMind.com'), metadata]);
}
