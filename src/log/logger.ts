import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Field paths that may carry tokens, secrets or personal data. Redaction is on in every
 * environment so the tests can prove it.
 */
const REDACTED_PATHS = [
  'token',
  'accessToken',
  'id_token',
  'idToken',
  'ltik',
  'password',
  'secret',
  'appSecret',
  'authorization',
  'email',
  'name',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.token',
  '*.email',
  '*.name',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'ecf-progress' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
