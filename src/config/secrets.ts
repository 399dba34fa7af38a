import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './env';

/** Derived keys, one per purpose, so a leak of one use never exposes another. */
export interface Secrets {
  /** ltijs signs cookies and encrypts its stored keys with this. */
  readonly ltiKey: string;
  /** 32 bytes for JWE (A256GCM) of stored Canvas tokens. */
  readonly tokenEncryptionKey: Uint8Array;
  /** Signs the CSRF token each form of a tool session carries. */
  readonly formKey: Uint8Array;
  /** Signs the notification settings link in every notification email (HS256), and its form's CSRF token. */
  readonly settingsLinkKey: Uint8Array;
  /** Signs school links (HS256 JWTs), so a link's URN cannot be changed. */
  readonly schoolLinkKey: Uint8Array;
  /** Signs the download links of scheduled export emails (HS256). */
  readonly deliveryLinkKey: Uint8Array;
}

const SECRET_FILE = 'app-secret';

/**
 * Returns APP_SECRET, or outside production a secret generated once and kept under DATA_DIR,
 * so development restarts keep platforms' keys readable.
 */
export function resolveAppSecret(config: Config): string {
  if (config.appSecret) return config.appSecret;
  const file = path.join(config.dataDir, SECRET_FILE);
  fs.mkdirSync(config.dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, crypto.randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return fs.readFileSync(file, 'utf8').trim();
}

function derive(appSecret: string, purpose: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', appSecret, 'ecf-progress', purpose, 32));
}

export function deriveSecrets(appSecret: string): Secrets {
  return Object.freeze({
    ltiKey: derive(appSecret, 'ltijs').toString('hex'),
    tokenEncryptionKey: derive(appSecret, 'canvas-token-jwe'),
    formKey: derive(appSecret, 'form-csrf'),
    settingsLinkKey: derive(appSecret, 'notification-settings-jwt'),
    schoolLinkKey: derive(appSecret, 'school-link-jwt'),
    deliveryLinkKey: derive(appSecret, 'delivery-link-jwt'),
  });
}
