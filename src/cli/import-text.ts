import { ValidationError } from '../errors';
import { readImportFile } from '../files';
import { CliError, note } from './output';

/** An import file as `roster import` reads it: size and encoding checked, Windows-1252 said aloud. */
export async function readImportText(file: string, maxBytes: number): Promise<string> {
  try {
    const { text, encoding } = await readImportFile(file, maxBytes);
    if (encoding !== 'UTF-8') note(`${file}: not UTF-8, read as ${encoding}.`);
    return text;
  } catch (error) {
    if (error instanceof ValidationError) throw new CliError(`${file}: ${error.message}`);
    throw new CliError(`Cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unknown error'}).`);
  }
}
