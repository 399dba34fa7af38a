/**
 * Completed items and when the sync first saw each, packed as 12-byte records (uint64 item
 * id, uint32 seconds): a national cohort holds millions of completions, and this keeps each
 * student's share a few hundred bytes.
 */
export type Completions = Map<string, number>;

const RECORD_BYTES = 12;

/**
 * Item ids as their two 32-bit halves and back. A course has a few hundred items, met again
 * for every student, so converting each through BigInt once is what keeps reading and writing
 * a generation of thousands of students cheap.
 */
const halvesOfId = new Map<string, [high: number, low: number]>();
const idOfHalves = new Map<number, Map<number, string>>();
/** Far above the items of any install; a guard, not a working size. */
const MAX_CACHED_IDS = 200_000;

function halves(itemId: string): [number, number] {
  let found = halvesOfId.get(itemId);
  if (!found) {
    if (halvesOfId.size >= MAX_CACHED_IDS) halvesOfId.clear();
    const id = BigInt(itemId);
    found = [Number(id >> 32n), Number(id & 0xffffffffn)];
    halvesOfId.set(itemId, found);
  }
  return found;
}

function idOf(high: number, low: number): string {
  let lows = idOfHalves.get(high);
  if (!lows) {
    if (idOfHalves.size >= MAX_CACHED_IDS) idOfHalves.clear();
    lows = new Map();
    idOfHalves.set(high, lows);
  }
  let id = lows.get(low);
  if (id === undefined) {
    if (lows.size >= MAX_CACHED_IDS) lows.clear();
    id = ((BigInt(high) << 32n) | BigInt(low)).toString();
    lows.set(low, id);
  }
  return id;
}

export function packCompletions(completions: Completions): Buffer {
  const buffer = Buffer.alloc(completions.size * RECORD_BYTES);
  let offset = 0;
  for (const [itemId, firstSeenMs] of completions) {
    const [high, low] = halves(itemId);
    buffer.writeUInt32BE(high, offset);
    buffer.writeUInt32BE(low, offset + 4);
    buffer.writeUInt32BE(Math.floor(firstSeenMs / 1000), offset + 8);
    offset += RECORD_BYTES;
  }
  return buffer;
}

export function unpackCompletions(buffer: Buffer): Completions {
  const completions: Completions = new Map();
  for (let offset = 0; offset + RECORD_BYTES <= buffer.length; offset += RECORD_BYTES) {
    completions.set(idOf(buffer.readUInt32BE(offset), buffer.readUInt32BE(offset + 4)), buffer.readUInt32BE(offset + 8) * 1000);
  }
  return completions;
}
