/**
 * Waits while `out` asks for a pause (its buffer is full), so a writer that produces data
 * synchronously (exceljs, pdfkit) keeps no more than a buffer's worth ahead of a slow reader.
 * A stream that closes or fails while waiting ends the wait (the failure surfaces from the pipe).
 */
export function whenWritable(out: NodeJS.WritableStream): Promise<void> {
  const stream = out as NodeJS.WritableStream & { writableNeedDrain?: boolean; destroyed?: boolean };
  if (!stream.writableNeedDrain || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.removeListener('drain', done);
      stream.removeListener('close', done);
      stream.removeListener('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}
