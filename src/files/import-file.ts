import fs from 'node:fs/promises';
import { ValidationError } from '../errors';

export interface ImportText {
  text: string;
  /** Windows-1252 is what Excel on Windows writes for plain "CSV"; UTF-8 for "CSV UTF-8". */
  encoding: 'UTF-8' | 'Windows-1252';
}

const KB = 1024;
const MB = 1024 * KB;
const LF = 0x0a;
const CR = 0x0d;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const UTF16_BOMS = [Buffer.from([0xff, 0xfe]), Buffer.from([0xfe, 0xff])];
/** Windows-1252 has no character for these; decoders pass them through as invisible control characters, so they are refused. */
const UNDEFINED_IN_WINDOWS_1252 = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);
const SAVE_AS_UTF8 = 'save it from the spreadsheet as "CSV UTF-8" and import it again';

/**
 * Windows-1252's characters for 0x80–0x9F (WHATWG index-windows-1252); the five undefined bytes
 * keep their own code point and are refused before this is used. Node's own
 * TextDecoder('windows-1252') decodes these bytes as Latin-1 since 20.18.3
 * (https://github.com/nodejs/node/issues/60888), which would turn O’Neill into O\u0092Neill.
 */
const WINDOWS_1252_C1 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Rounded up, so a file just over the limit never reads as the limit itself. */
function describeSize(bytes: number): string {
  const [unit, name] = bytes >= MB ? [MB, 'MB'] : bytes >= KB ? [KB, 'KB'] : [1, 'bytes'];
  return `${Math.ceil((bytes * 10) / unit) / 10} ${name}`;
}

const startsWith = (bytes: Buffer, prefix: Buffer) => bytes.subarray(0, prefix.length).equals(prefix);

/** The line a text editor shows for a byte, counting CRLF, LF and a lone CR as one line end each. */
function lineAt(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === LF || (bytes[i] === CR && bytes[i + 1] !== LF)) line++;
  return line;
}

/** Latin-1 is Windows-1252 but for 0x80–0x9F. */
function decodeWindows1252(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/[\u0080-\u009f]/g, (char) => WINDOWS_1252_C1[char.charCodeAt(0) - 0x80]);
}

function decodeUtf8(bytes: Buffer): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Decodes without ever substituting U+FFFD: a byte that is not text in either encoding refuses the file. */
function decode(bytes: Buffer): ImportText {
  if (UTF16_BOMS.some((bom) => startsWith(bytes, bom))) throw new ValidationError(`the file is saved as UTF-16 ("Unicode Text"); ${SAVE_AS_UTF8}`);
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new ValidationError(`line ${lineAt(bytes, nul)} has a NUL byte, so this is not a CSV text file; ${SAVE_AS_UTF8}`);
  const utf8 = decodeUtf8(bytes);
  if (utf8 !== null) return { text: utf8, encoding: 'UTF-8' };
  if (startsWith(bytes, UTF8_BOM)) throw new ValidationError(`the file is marked as UTF-8 but is not valid UTF-8; ${SAVE_AS_UTF8}`);
  const undefinedByte = bytes.findIndex((byte) => UNDEFINED_IN_WINDOWS_1252.has(byte));
  if (undefinedByte >= 0) throw new ValidationError(`line ${lineAt(bytes, undefinedByte)} has a character that is neither UTF-8 nor Windows-1252; ${SAVE_AS_UTF8}`);
  return { text: decodeWindows1252(bytes), encoding: 'Windows-1252' };
}

/** Reads at most `size` bytes, so a file that grew after it was measured still cannot pass the limit. */
async function readUpTo(file: string, size: number): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(buffer, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/**
 * Reads an import file as text. The size is checked before any byte is read, so a huge file
 * never reaches memory. Throws a ValidationError a person can act on; errors from the file
 * system (missing, no permission) are left to the caller.
 */
export async function readImportFile(file: string, maxBytes: number): Promise<ImportText> {
  const stats = await fs.stat(file);
  if (!stats.isFile()) throw new ValidationError('this is a folder, a device or a pipe, not a file');
  if (stats.size > maxBytes) {
    throw new ValidationError(`the file is ${describeSize(stats.size)}, more than the import limit of ${describeSize(maxBytes)} (set IMPORT_MAX_SIZE to change it)`);
  }
  return decode(await readUpTo(file, stats.size));
}
