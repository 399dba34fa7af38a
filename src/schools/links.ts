import crypto from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { isDuplicateKey } from '../db/collections';
import type { Store } from '../db/store';
import { AppError, NotFoundError, ValidationError } from '../errors';

/** A signed link a provider gives one school, or one multi-academy trust: insert-only, in `ecf_school_links`. */
export interface SchoolLink {
  /** Random, 22 base64url characters: the JWT's `sub`. */
  _id: string;
  /** The school it opens; absent on a trust's link. */
  urn?: string;
  /** The trust (by name, as the schools list spells it) whose schools it opens; absent on a school's link. */
  trust?: string;
  /** Lowercased; who the link was made for, when the provider said. */
  email: string | null;
  createdAt: Date;
  expiresAt: Date;
}

/** A revocation, insert-only in `ecf_school_link_revocations`: its `_id` is the link's, so revoking twice changes nothing. */
interface Revocation {
  _id: string;
  revokedAt: Date;
}

export type LinkState = 'active' | 'expired' | 'revoked';

export interface LinkListing extends SchoolLink {
  state: LinkState;
}

export const LINK_DAYS_DEFAULT = 30;
export const LINK_DAYS_MAX = 365;
const DAY_MS = 24 * 3600 * 1000;
const LINK_ID = /^[A-Za-z0-9_-]{22}$/;
/** A token longer than this is not one we made (ours are about 200 characters). */
export const TOKEN_MAX_LENGTH = 1000;
const AUDIENCE = 'ecf-progress:school';

/** Whom a link opens: one school, or every school of one trust. */
export type LinkOwner = { urn: string } | { trust: string };

/** The owner a link (or a token's claims) names; null when it names neither, or both. */
function ownerOf(claims: { urn?: unknown; trust?: unknown }): LinkOwner | null {
  const { urn, trust } = claims;
  if (typeof urn === 'string' && trust === undefined) return { urn };
  if (typeof trust === 'string' && urn === undefined) return { trust };
  return null;
}

const sameOwner = (a: LinkOwner, b: LinkOwner) => JSON.stringify(a) === JSON.stringify(b);

/** Why a link does not open; the page says it in words, and nothing else. */
export type LinkRefusal = 'malformed' | 'invalid' | 'expired' | 'revoked';

export class SchoolLinkError extends AppError {
  constructor(readonly reason: LinkRefusal) {
    super(`school_link_${reason}`, reason === 'expired' || reason === 'revoked' ? 410 : 403, REFUSAL_MESSAGES[reason]);
  }
}

export const REFUSAL_MESSAGES: Record<LinkRefusal, string> = {
  malformed: 'This link is not complete. Copy the whole link from your email, or ask your provider for a new one.',
  invalid: 'This link is not valid. Ask your provider for a new one.',
  expired: 'This link has expired. Ask your provider for a new one.',
  revoked: 'This link has been withdrawn by your provider. Ask them for a new one.',
};

/**
 * Signed, expiring, revocable links to one school's dashboard (for contacts without a Canvas
 * account), or to a multi-academy trust's view of its schools. The token is an HS256 JWT with a
 * key derived from the app secret, naming the link's record and its URN (or trust); a token opens
 * only while its record exists with the same URN (or trust), has not
 * expired and has not been revoked. Records and revocations are insert-only, so two instances
 * never race on one document.
 */
export class SchoolLinks {
  constructor(
    private readonly store: Store,
    private readonly key: Uint8Array,
    private readonly publicUrl: string,
  ) {}

  private get links() {
    return this.store.collection<SchoolLink>('school_links');
  }

  private get revocations() {
    return this.store.collection<Revocation>('school_link_revocations');
  }

  /**
   * A new link for a school, valid `days` days (1 to 365).
   * @returns the record, its token and the URL to send.
   */
  async create(input: LinkOwner & { email?: string | null; days?: number }, now = new Date()): Promise<{ link: SchoolLink; token: string; url: string }> {
    const days = input.days ?? LINK_DAYS_DEFAULT;
    if (!Number.isInteger(days) || days < 1 || days > LINK_DAYS_MAX) throw new ValidationError(`--days must be a whole number from 1 to ${LINK_DAYS_MAX}.`);
    const owner: LinkOwner = 'urn' in input ? { urn: input.urn } : { trust: input.trust };
    const link: SchoolLink = {
      _id: crypto.randomBytes(16).toString('base64url'),
      ...owner,
      email: input.email ? input.email.trim().toLowerCase() : null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + days * DAY_MS),
    };
    await this.links.insertOne(link);
    const token = await new SignJWT({ ...owner })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(link._id)
      .setAudience(AUDIENCE)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(link.expiresAt.getTime() / 1000))
      .sign(this.key);
    return { link, token, url: this.urlOf(token) };
  }

  urlOf(token: string): string {
    return `${this.publicUrl.replace(/\/+$/, '')}/school/open?token=${encodeURIComponent(token)}`;
  }

  /**
   * The link a token opens.
   * @throws SchoolLinkError: malformed (not a token), invalid (bad signature, claims or unknown record), expired, revoked.
   */
  async verify(token: unknown, now = new Date()): Promise<SchoolLink> {
    if (typeof token !== 'string' || token.length === 0 || token.length > TOKEN_MAX_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
      throw new SchoolLinkError('malformed');
    }
    let claims: { sub?: unknown; urn?: unknown; trust?: unknown };
    try {
      ({ payload: claims } = await jwtVerify(token, this.key, { algorithms: ['HS256'], audience: AUDIENCE, currentDate: now }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new SchoolLinkError('expired');
      throw new SchoolLinkError('invalid');
    }
    const claimed = ownerOf(claims);
    if (typeof claims.sub !== 'string' || !LINK_ID.test(claims.sub) || !claimed) throw new SchoolLinkError('invalid');
    const link = await this.links.findOne({ _id: claims.sub });
    // The record names whom the link opens: a token re-signed for another school or trust opens nothing.
    const recorded = link && ownerOf(link);
    if (!link || !recorded || !sameOwner(recorded, claimed)) throw new SchoolLinkError('invalid');
    await this.requireLive(link, now);
    return link;
  }

  /** Whether a session opened by this link may go on: one `_id` read each, the link and its revocation. */
  async stillOpen(linkId: string, now = new Date()): Promise<boolean> {
    return (await this.liveLink(linkId, now)) !== null;
  }

  /** The link a session was opened by, while it may go on; null once it is revoked, expired or gone. */
  async liveLink(linkId: string, now = new Date()): Promise<SchoolLink | null> {
    const link = LINK_ID.test(linkId) ? await this.links.findOne({ _id: linkId }) : null;
    if (!link) return null;
    try {
      await this.requireLive(link, now);
      return link;
    } catch (error) {
      if (error instanceof SchoolLinkError) return null;
      throw error;
    }
  }

  private async requireLive(link: SchoolLink, now: Date): Promise<void> {
    if (await this.revocations.findOne({ _id: link._id })) throw new SchoolLinkError('revoked');
    if (link.expiresAt <= now) throw new SchoolLinkError('expired');
  }

  /** A school's links, newest first, with their state. */
  async list(schoolUrn: string, now = new Date()): Promise<LinkListing[]> {
    return this.listing(await this.links.find({ urn: schoolUrn }).toArray(), now);
  }

  /** A trust's links, newest first, with their state. */
  async listOfTrust(trust: string, now = new Date()): Promise<LinkListing[]> {
    return this.listing(await this.links.find({ trust }).toArray(), now);
  }

  private async listing(links: SchoolLink[], now: Date): Promise<LinkListing[]> {
    const revoked = links.length ? new Set((await this.revocations.find({ _id: { $in: links.map((l) => l._id) } }).toArray()).map((r) => r._id)) : new Set<string>();
    return links
      .map((link) => ({ ...link, state: (revoked.has(link._id) ? 'revoked' : link.expiresAt <= now ? 'expired' : 'active') as LinkState }))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a._id.localeCompare(b._id));
  }

  /**
   * Revokes a link: it opens no more, and sessions it opened end at their next request.
   * @returns 'revoked', or 'already' when it was revoked before.
   * @throws NotFoundError when there is no such link.
   */
  async revoke(linkId: string, now = new Date()): Promise<'revoked' | 'already'> {
    const link = LINK_ID.test(linkId) ? await this.links.findOne({ _id: linkId }) : null;
    if (!link) throw new NotFoundError(`There is no school link with the id ${LINK_ID.test(linkId) ? linkId : 'given'}.`);
    try {
      await this.revocations.insertOne({ _id: linkId, revokedAt: now });
      return 'revoked';
    } catch (error) {
      if (isDuplicateKey(error)) return 'already';
      throw error;
    }
  }
}
