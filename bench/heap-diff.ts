/**
 * What a process kept between two V8 heap snapshots of the same run: the objects alive in the
 * later snapshot whose ids the earlier one did not have (V8 keeps an object's id for its life),
 * grouped by kind and constructor, largest first, each group with the objects that hold it (the
 * retainers' constructor and edge name), and a few string values. This is how the soak's memory
 * trend is attributed instead of guessed.
 *
 * Three kinds are told apart: the program's data (objects, strings, arrays, closures — what a
 * leak is made of), compiled code and its metadata (the JIT optimising hot functions as a run
 * goes on), and Node's own C++ objects, which are outside the JS heap and get new ids in every
 * snapshot, so they are listed but never counted as kept.
 *
 *   npx tsx bench/heap-diff.ts early.heapsnapshot late.heapsnapshot [groups]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface RawSnapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface Heap {
  readonly raw: RawSnapshot;
  readonly nodeFieldCount: number;
  readonly edgeFieldCount: number;
  readonly field: Record<'type' | 'name' | 'id' | 'selfSize' | 'edgeCount', number>;
  readonly edgeField: Record<'type' | 'nameOrIndex' | 'toNode', number>;
  readonly nodeTypes: string[];
  readonly edgeTypes: string[];
}

function load(path: string): Heap {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as RawSnapshot;
  const { node_fields, node_types, edge_fields, edge_types } = raw.snapshot.meta;
  const at = (fields: string[], name: string): number => {
    const index = fields.indexOf(name);
    if (index < 0) throw new Error(`${path}: no ${name} field in the snapshot`);
    return index;
  };
  return {
    raw,
    nodeFieldCount: node_fields.length,
    edgeFieldCount: edge_fields.length,
    field: {
      type: at(node_fields, 'type'),
      name: at(node_fields, 'name'),
      id: at(node_fields, 'id'),
      selfSize: at(node_fields, 'self_size'),
      edgeCount: at(node_fields, 'edge_count'),
    },
    edgeField: {
      type: at(edge_fields, 'type'),
      nameOrIndex: at(edge_fields, 'name_or_index'),
      toNode: at(edge_fields, 'to_node'),
    },
    nodeTypes: node_types[0],
    edgeTypes: edge_types[0],
  };
}

function nodeLabel(heap: Heap, offset: number): string {
  const { raw, field, nodeTypes } = heap;
  const type = nodeTypes[raw.nodes[offset + field.type]!]!;
  const name = raw.strings[raw.nodes[offset + field.name]!]!;
  // Strings and code are named by their content or source: group them by kind alone.
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string') return `(string)`;
  if (type === 'code' || type === 'hidden' || type === 'number') return `(${type}) ${name.slice(0, 60)}`;
  return `${type} ${name.slice(0, 80)}`;
}

export type HeapKind = 'data' | 'code' | 'native';

/** code: compiled code, feedback, and the VM's own bookkeeping (hidden classes, internal lists). */
function kindOf(type: string): HeapKind {
  if (type === 'native' || type === 'synthetic') return 'native';
  return type === 'code' || type === 'hidden' || type === 'object shape' ? 'code' : 'data';
}

interface Group {
  kind: HeapKind;
  label: string;
  count: number;
  bytes: number;
  retainers: Map<string, number>;
  examples: string[];
  /** Up to MAX_MEMBERS objects of the group, and how many of them each path back holds. */
  members: number[];
  paths: Map<string, number>;
}

const MAX_MEMBERS = 5000;
const PATH_STEPS = 4;

export interface HeapDiff {
  /** Objects and bytes kept, by kind (native: listed, not kept; see above). */
  readonly kept: Record<HeapKind, { objects: number; bytes: number }>;
  readonly groups: readonly Group[];
  /**
   * The objects that hold the most kept program data directly: a collection that grows with
   * every checkout (a leak's usual shape) is at the top with about one entry per checkout.
   */
  readonly fullestHolders: readonly { holder: string; keptObjects: number; heldBy: string }[];
}

export function diffSnapshots(earlierPath: string, laterPath: string): HeapDiff {
  const before = new Set<number>();
  {
    const heap = load(earlierPath);
    for (let offset = 0; offset < heap.raw.nodes.length; offset += heap.nodeFieldCount) {
      before.add(heap.raw.nodes[offset + heap.field.id]!);
    }
  }
  const heap = load(laterPath);
  const { raw, field, edgeField, nodeFieldCount, edgeFieldCount } = heap;
  const groups = new Map<string, Group>();
  const groupOfOffset = new Map<number, Group>();
  const kept: HeapDiff['kept'] = {
    data: { objects: 0, bytes: 0 },
    code: { objects: 0, bytes: 0 },
    native: { objects: 0, bytes: 0 },
  };
  for (let offset = 0; offset < raw.nodes.length; offset += nodeFieldCount) {
    if (before.has(raw.nodes[offset + field.id]!)) continue;
    const label = nodeLabel(heap, offset);
    const kind = kindOf(heap.nodeTypes[raw.nodes[offset + field.type]!]!);
    let group = groups.get(label);
    if (!group) {
      group = { kind, label, count: 0, bytes: 0, retainers: new Map(), examples: [], members: [], paths: new Map() };
      groups.set(label, group);
    }
    const size = raw.nodes[offset + field.selfSize]!;
    group.count++;
    group.bytes += size;
    if (group.members.length < MAX_MEMBERS) group.members.push(offset);
    kept[kind].objects++;
    kept[kind].bytes += size;
    groupOfOffset.set(offset, group);
    if (label === '(string)' && group.examples.length < 8) {
      const text = raw.strings[raw.nodes[offset + field.name]!]!;
      if (text.length > 20) group.examples.push(text.slice(0, 120));
    }
  }
  // Who holds the new objects: each edge into one, by the holder's label and the edge's name;
  // and for every object one holder (a program object if there is one), to walk a path back.
  const holderOf = new Map<number, { from: number; edge: string; program: boolean }>();
  let edgeOffset = 0;
  for (let offset = 0; offset < raw.nodes.length; offset += nodeFieldCount) {
    const edges = raw.nodes[offset + field.edgeCount]!;
    const holder = nodeLabel(heap, offset);
    const program = kindOf(heap.nodeTypes[raw.nodes[offset + field.type]!]!) === 'data';
    for (let e = 0; e < edges; e++, edgeOffset += edgeFieldCount) {
      const edgeType = heap.edgeTypes[raw.edges[edgeOffset + edgeField.type]!]!;
      if (edgeType === 'weak') continue;
      const to = raw.edges[edgeOffset + edgeField.toNode]!;
      const nameOrIndex = raw.edges[edgeOffset + edgeField.nameOrIndex]!;
      const edgeName =
        edgeType === 'element' || edgeType === 'hidden' ? `[${edgeType}]` : (raw.strings[nameOrIndex] ?? '?');
      const known = holderOf.get(to);
      if (!known || (program && !known.program)) holderOf.set(to, { from: offset, edge: edgeName, program });
      const target = groupOfOffset.get(to);
      if (!target) continue;
      const key = `${holder} .${edgeName}`;
      target.retainers.set(key, (target.retainers.get(key) ?? 0) + 1);
    }
  }
  const perHolder = new Map<number, number>();
  for (const [offset, group] of groupOfOffset) {
    if (group.kind !== 'data') continue;
    const up = holderOf.get(offset);
    if (up) perHolder.set(up.from, (perHolder.get(up.from) ?? 0) + 1);
  }
  const pathFrom = (start: number, steps: number): string => {
    const parts: string[] = [];
    const seen = new Set<number>([start]);
    let at = start;
    for (let step = 0; step < steps; step++) {
      const up = holderOf.get(at);
      if (!up || seen.has(up.from)) break;
      parts.push(`${nodeLabel(heap, up.from)} .${up.edge}`);
      seen.add((at = up.from));
    }
    return parts.join(' ← ');
  };
  const fullestHolders = [...perHolder.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([holder, keptObjects]) => ({ holder: nodeLabel(heap, holder), keptObjects, heldBy: pathFrom(holder, 5) }));

  // The paths back from each object of a program-data group, a few steps, counted: the most
  // common one says where most of the group lives.
  for (const group of groups.values()) {
    if (group.kind !== 'data') continue;
    for (const member of group.members) {
      const path = pathFrom(member, PATH_STEPS);
      group.paths.set(path, (group.paths.get(path) ?? 0) + 1);
    }
  }
  return { kept, groups: [...groups.values()].sort((a, b) => b.bytes - a.bytes), fullestHolders };
}

function commonestPath(group: Group): string {
  const [path, count] = [...group.paths.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
  return `${count} of ${group.count} held by ${path}`;
}

/** What one process kept over `checkouts` checkouts, for the soak's results and report. */
export function keptSummary(diff: HeapDiff, fromCheckout: number, toCheckout: number): Record<string, unknown> {
  const kb = (bytes: number): number => Math.round(bytes / 102.4) / 10;
  return {
    fromCheckout,
    toCheckout,
    programDataKb: kb(diff.kept.data.bytes),
    programDataBytesPerCheckout: Math.round(diff.kept.data.bytes / (toCheckout - fromCheckout)),
    compiledCodeAndVmKb: kb(diff.kept.code.bytes),
    fullestHolders: diff.fullestHolders.slice(0, 3),
    largestProgramData: topGroups(diff, 'data', 5),
  };
}

/** The largest groups of one kind, with their two main holders, for a report. */
export function topGroups(
  diff: HeapDiff,
  kind: HeapKind,
  count: number,
): { what: string; objects: number; kb: number; heldBy: string[]; mostlyHeldBy: string }[] {
  return diff.groups
    .filter((g) => g.kind === kind)
    .slice(0, count)
    .map((g) => ({
      what: g.label,
      objects: g.count,
      kb: Math.round(g.bytes / 102.4) / 10,
      heldBy: [...g.retainers.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 2)
        .map(([holder, n]) => `${n}× ${holder}`),
      mostlyHeldBy: commonestPath(g),
    }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [earlier, later, top = '15'] = process.argv.slice(2);
  if (!earlier || !later) {
    console.error('usage: npx tsx bench/heap-diff.ts early.heapsnapshot late.heapsnapshot [groups]');
    process.exit(2);
  }
  const diff = diffSnapshots(earlier, later);
  const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
  console.log(`Alive in the later snapshot only:`);
  console.log(`  program data:  ${diff.kept.data.objects} objects, ${kb(diff.kept.data.bytes)}`);
  console.log(`  compiled code: ${diff.kept.code.objects} objects, ${kb(diff.kept.code.bytes)}`);
  console.log(`  (Node's C++ objects, new ids in every snapshot: ${diff.kept.native.objects}, not counted)`);
  console.log(`\nObjects holding the most kept program data directly:`);
  for (const h of diff.fullestHolders) console.log(`  ${h.keptObjects}× in ${h.holder}, held by ${h.heldBy}`);
  for (const group of diff.groups.filter((g) => g.kind !== 'native').slice(0, Number(top))) {
    console.log(`\n${kb(group.bytes).padStart(12)} ${String(group.count).padStart(7)}× ${group.label}`);
    const retainers = [...group.retainers.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4);
    for (const [holder, count] of retainers) console.log(`              held by ${count}× ${holder}`);
    for (const example of group.examples.slice(0, 3)) console.log(`              e.g. ${JSON.stringify(example)}`);
    if (group.kind === 'data') console.log(`              most of them: ${commonestPath(group)}`);
  }
}
