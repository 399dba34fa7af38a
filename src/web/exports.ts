import type { Response } from 'express';
import { EXPORT_CONTENT_TYPES, type ExportFormat, type ExportOptions, type ExportResult, type ExportScope, type ProgressExports } from '../exports';

/**
 * Streams an export as a download. The rows are chosen first, so an unknown school or cohort
 * is still an error page; once the first byte is sent, a failure can only cut the download
 * short (the error handler then closes the connection), never leave a page that looks whole.
 */
export async function sendExport(res: Response, exports: Pick<ProgressExports, 'prepare' | 'fileName'>, scope: ExportScope, format: ExportFormat, options: ExportOptions = {}): Promise<ExportResult> {
  const now = options.now ?? new Date();
  const prepared = await exports.prepare(scope, { ...options, now });
  res.status(200);
  res.setHeader('Content-Type', EXPORT_CONTENT_TYPES[format]);
  res.setHeader('Content-Disposition', `attachment; filename="${exports.fileName(scope, format, now)}"`);
  // Personal data: never kept by a browser or a proxy.
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  try {
    return await prepared.write(format, res);
  } catch (error) {
    // The person closed the download (or the connection dropped): nothing is left to tell them.
    if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' && res.destroyed) return { rows: prepared.rows, dataAsOf: prepared.dataAsOf };
    throw error;
  }
}
