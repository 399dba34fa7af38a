import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Store } from '../db/store';
import { LaunchError } from '../errors';

/**
 * What the tool's OIDC login issued: the `state` (ltijs's, also the name of its state cookie)
 * and the `nonce` the id_token must carry. ltijs never compares the id_token's nonce with the
 * one it sent (and makes that nonce with Math.random), so an unused id_token could be posted
 * from another browser with that browser's own state. We replace the nonce in the redirect with
 * a random one of ours, record it under the state, and the launch guard refuses a token whose
 * nonce is not the one issued with the state it comes back with.
 */
interface IssuedLogin {
  _id: string;
  nonce: string;
  issuedAt: Date;
}

/** ltijs's state is 25 random bytes in hex; anything else never came from our login. */
export const STATE_PATTERN = /^[0-9a-f]{50}$/;
/** ltijs's state record lives ten minutes; Canvas's authorize step takes seconds. */
export const LOGIN_LIFETIME_MS = 10 * 60 * 1000;

/** The logins the tool issued, with the nonce bound to each (`ecf_issued_logins`). */
export class IssuedLogins {
  constructor(private readonly store: Store) {}

  private get issuedLogins() {
    return this.store.collection<IssuedLogin>('issued_logins');
  }

  /**
   * Wraps `res.redirect` for one login request: when ltijs redirects to the platform's
   * authorization endpoint, the nonce is replaced and recorded before the redirect is sent.
   */
  readonly record = (req: Request, res: Response, next: NextFunction): void => {
    const redirect = res.redirect.bind(res) as (url: string) => void;
    res.redirect = ((url: string) => {
      this.bindNonce(url)
        .then((bound) => redirect(bound))
        .catch(next);
    }) as Response['redirect'];
    next();
  };

  private async bindNonce(location: string): Promise<string> {
    const url = new URL(location);
    const state = url.searchParams.get('state');
    if (!state || !STATE_PATTERN.test(state)) throw new LaunchError('LOGIN_WITHOUT_STATE', 'The launch could not be started. Reopen the tool from Canvas.', 400);
    const nonce = crypto.randomBytes(24).toString('base64url');
    url.searchParams.set('nonce', nonce);
    await this.issuedLogins.insertOne({ _id: state, nonce, issuedAt: new Date() });
    return url.toString();
  }

  /**
   * Refuses a launch whose id_token nonce is not the one issued with its state. Called before
   * ltijs verifies the signature, so it only ever refuses; the record is used once.
   */
  async check(state: string, nonce: unknown, now = new Date()): Promise<void> {
    const issued = await this.issuedLogins.findOne({ _id: state });
    if (!issued || now.getTime() - issued.issuedAt.getTime() > LOGIN_LIFETIME_MS) throw new LaunchError('UNKNOWN_STATE', 'This launch could not be verified. Reopen the tool from Canvas.');
    if (typeof nonce !== 'string' || nonce.length !== issued.nonce.length || !crypto.timingSafeEqual(Buffer.from(nonce), Buffer.from(issued.nonce))) {
      throw new LaunchError('NONCE_NOT_ISSUED', 'This launch could not be verified. Reopen the tool from Canvas.');
    }
    await this.issuedLogins.deleteOne({ _id: state });
  }

  async purge(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - LOGIN_LIFETIME_MS);
    return (await this.issuedLogins.deleteMany({ issuedAt: { $lt: cutoff } })).deletedCount;
  }
}
