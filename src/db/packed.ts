import zlib from 'node:zlib';
import { mongo } from 'mongoose';

/** The first byte of a compressed payload; JSON text never starts with it. */
const DEFLATED = 0x01;

/**
 * JSON text packed in one Binary field, deflated. FerretDB's cost of writing and reading a
 * document grows with its bytes (it keeps Binary as base64 inside JSON), and the generations
 * of the sync and of the read model are tens of megabytes of repetitive JSON: deflating them
 * at the fastest level costs little of our CPU and spares the store most of its.
 */
export function packText(text: string | Buffer): mongo.Binary {
  const raw = typeof text === 'string' ? Buffer.from(text) : text;
  return new mongo.Binary(Buffer.concat([Buffer.of(DEFLATED), zlib.deflateRawSync(raw, { level: 1 })]));
}

/** The JSON text of a packed Binary; one written before packing (plain UTF-8) reads as it is. */
export function unpackText(binary: mongo.Binary): string {
  const bytes = Buffer.from(binary.buffer);
  return bytes[0] === DEFLATED ? zlib.inflateRawSync(bytes.subarray(1)).toString('utf8') : bytes.toString('utf8');
}
