import { isDuplicateKey } from '../db/collections';
import type { Store } from '../db/store';
import { identityKeyId, type PlatformKey } from '../domain';
import { LaunchError } from '../errors';

/**
 * Who a launching person is comes from the signed `sub` on its platform. The Canvas user id
 * the pages need arrives in a custom field (`canvas_user_id=$Canvas.user.id`), which a course
 * designer or a misconfigured key could set to anything; it is trusted only when it agrees with
 * what the tool recorded for that `sub` (the first launch records it). Insert-only: one
 * document per person, never rewritten, so FerretDB's lost updates cannot touch it.
 */
interface KnownIdentity {
  _id: string;
  issuer: string;
  clientId: string;
  sub: string;
  canvasUserId: string;
  recordedAt: Date;
}

export class IdentityMismatchError extends LaunchError {
  constructor() {
    super('IDENTITY_MISMATCH', 'Canvas sent a user id that does not match your account, so the tool cannot show your data. Tell your Canvas administrator.', 403);
  }
}

/** Each person's Canvas user id as first recorded (`ecf_identities`). */
export class Identities {
  constructor(private readonly store: Store) {}

  private get identities() {
    return this.store.collection<KnownIdentity>('identities');
  }

  /**
   * The Canvas user id for this `sub`: the recorded one, after checking the claimed one agrees;
   * the claimed one when none is recorded yet (then recorded); null when neither is known.
   */
  async resolveCanvasUserId(platform: PlatformKey, sub: string, claimed: string | null): Promise<string | null> {
    const _id = identityKeyId(platform, sub);
    const known = await this.identities.findOne({ _id });
    if (known) {
      if (claimed !== null && claimed !== known.canvasUserId) throw new IdentityMismatchError();
      return known.canvasUserId;
    }
    if (claimed === null) return null;
    try {
      await this.identities.insertOne({ _id, issuer: platform.issuer, clientId: platform.clientId, sub, canvasUserId: claimed, recordedAt: new Date() });
      return claimed;
    } catch (error) {
      // Two first launches at once: the other one recorded first, so compare with what it wrote.
      if (!isDuplicateKey(error)) throw error;
      return this.resolveCanvasUserId(platform, sub, claimed);
    }
  }

  /** The platform is being removed: what it told us about its people goes with it. */
  async deleteOf(issuer: string, clientId: string): Promise<number> {
    return (await this.identities.deleteMany({ issuer, clientId })).deletedCount;
  }
}
