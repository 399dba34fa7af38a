/**
 * Completed items and when the sync first saw each, packed as 12-byte records (uint64 item
 * id, uint32 seconds): a national cohort holds millions of completions, and this keeps each
 * student's share a few hundred bytes.
 */
export type Completions = Map<string, number>;

const RECORD_BYTES = 12;

export function packCompletions(completions: Completions): Buffer {
  const buffer = Buffer.alloc(completions.size * RECORD_BYTES);
  let offset = 0;
  for (const [itemId, firstSeenMs] of completions) {
    buffer.writeBigUInt64BE(BigInt(itemId), offset);
    buffer.writeUInt32BE(Math.floor(firstSeenMs / 1000), offset + 8);
    offset += RECORD_BYTES;
  }
  return buffer;
}

export function unpackCompletions(buffer: Buffer): Completions {
  const completions: Completions = new Map();
  for (let offset = 0; offset + RECORD_BYTES <= buffer.length; offset += RECORD_BYTES) {
    completions.set(buffer.readBigUInt64BE(offset).toString(), buffer.readUInt32BE(offset + 8) * 1000);
  }
  return completions;
}
