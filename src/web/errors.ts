import type { Application, NextFunction, Request, Response } from 'express';
import { AppError, LaunchError, NotFoundError, PayloadTooLargeError, ValidationError } from '../errors';

const TITLES: Record<number, string> = {
  400: 'Something was wrong with that request',
  401: 'We could not confirm who you are',
  403: 'You do not have access to this',
  404: 'Page not found',
  409: 'That conflicts with what is already there',
  405: 'That kind of request is not accepted here',
  413: 'That was too large',
  415: 'Something was wrong with that request',
  429: 'Too many requests',
  500: 'Something went wrong on our side',
};

/** body-parser's own errors carry a `type`; turn them into ours so no stack trace leaks. */
function normalise(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  const type = (error as { type?: string })?.type;
  if (type === 'entity.too.large') return new PayloadTooLargeError('The request was larger than the tool accepts.');
  if (type === 'parameters.too.many') return new PayloadTooLargeError('The request had more fields than the tool accepts.');
  if (type === 'entity.parse.failed' || type === 'charset.unsupported' || type === 'encoding.unsupported' || type === 'request.aborted' || type === 'request.size.invalid') {
    return new ValidationError('The request could not be read.');
  }
  // Any other client error from Express's own parts (http-errors marks them `expose`).
  const { status, expose } = error as { status?: number; expose?: boolean };
  if (expose === true && typeof status === 'number' && status >= 400 && status < 500) return new AppError('bad_request', status, 'The request could not be read.');
  return undefined;
}

export function notFound(_req: Request, _res: Response, next: NextFunction): void {
  next(new NotFoundError());
}

/**
 * One place turns every error into a page and one structured log line with the request id.
 * Pages render through our app explicitly: an error raised inside ltijs's mounted app would
 * otherwise render with ltijs's app, which has no view engine.
 */
export const errorHandler = (app: Application) => (error: unknown, req: Request, res: Response, next: NextFunction): void => {
  if (res.headersSent) return next(error);
  const known = normalise(error);
  const status = known?.status ?? 500;
  if (known instanceof LaunchError) req.log.warn({ event: 'lti.launch_refused', code: known.code, status }, 'launch refused');
  else if (!known) req.log.error({ err: error, event: 'request.failed' }, 'request failed');
  res.status(status);
  res.setHeader('Cache-Control', 'no-store');
  const message = known?.message ?? 'Please try again in a minute. If it keeps happening, tell your programme team.';
  if (req.accepts(['html', 'json']) === 'json') {
    res.json({ error: { id: known?.id ?? 'internal_error', message, requestId: req.id } });
    return;
  }
  app.render('pages/error', { title: TITLES[status] ?? 'Something went wrong', message, status, requestId: req.id }, (renderError, html) => {
    if (renderError) return next(renderError);
    res.type('html').send(html);
  });
};
