import crypto from 'node:crypto';
import { isDuplicateKey } from '../db/collections';
import type { Store } from '../db/store';
import type { PlatformKey } from '../domain';
import { AppError, ValidationError } from '../errors';
import { toolUrls } from './canvas-config';

/**
 * One-time links for dynamic registration, so only a platform an admin chose can register.
 * The store keeps a link's SHA-256 only, and every state is an insert-only document (the only
 * write with exactly one winner on FerretDB, see FERRETDB.md):
 * - `<hash>`: the link, with its expiry, written by the CLI;
 * - `claim:<hash>`: a registration is using it; deleted again if that one fails before a
 *   platform is recorded, so the admin can retry with the same link;
 * - `spent:<hash>`: a platform was registered with it; the claim then stays for good.
 */
interface LinkDoc {
  _id: string;
  createdAt: Date;
  expiresAt?: Date;
  issuer?: string;
  clientId?: string;
}

const DEFAULT_LIFETIME_MS = 24 * 3_600_000;
const MAX_LIFETIME_MS = 7 * 24 * 3_600_000;
const MIN_LIFETIME_MS = 60_000;
const LIFETIME_PATTERN = /^(\d+)(m|h|d)$/;
const LIFETIME_UNITS_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 24 * 3_600_000 };
/** 32 random bytes in base64url. */
const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;

const CREATE_LINK = 'Create a new one with `ecf-progress platform registration-link`.';

/** A link that cannot be used, with a reason an admin can act on. */
export class RegistrationLinkError extends AppError {
  constructor(status: number, message: string) {
    super('registration_link_refused', status, message);
  }
}

export const LINK_REFUSALS = {
  missing: () =>
    new RegistrationLinkError(
      404,
      'This address needs a registration link. Create one with `ecf-progress platform registration-link` and paste the link it prints into Canvas (Admin → Developer Keys → + Developer Key → + LTI Registration).',
    ),
  unknown: () => new RegistrationLinkError(404, `This registration link is not valid: it may have been mistyped or cut short. ${CREATE_LINK}`),
  used: () => new RegistrationLinkError(410, `This registration link has already been used. ${CREATE_LINK}`),
  expired: () => new RegistrationLinkError(410, `This registration link has expired. ${CREATE_LINK}`),
  inUse: () =>
    new RegistrationLinkError(
      409,
      'This registration link is in use by a registration that has not finished. Try again in a minute; if this page comes back, create a new link with `ecf-progress platform registration-link`.',
    ),
};

const hashOf = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

/** "30m", "24h", "7d": at least a minute, at most seven days. */
export function parseLinkLifetime(value: string): number {
  const match = LIFETIME_PATTERN.exec(value.trim());
  const ms = match ? Number(match[1]) * LIFETIME_UNITS_MS[match[2]] : NaN;
  if (!(ms >= MIN_LIFETIME_MS && ms <= MAX_LIFETIME_MS)) {
    throw new ValidationError(`--expires must be a duration from 1m to 7d, such as 30m, 24h or 7d (got "${value}")`);
  }
  return ms;
}

export interface CreatedLink {
  url: string;
  expiresAt: Date;
}

/** A link held by one registration: it ends either spent or released. */
export interface LinkClaim {
  /** The registration failed before a platform was recorded: the link may be used again. */
  release(): Promise<void>;
  /** A platform was registered: the link can never be used again. */
  spend(platform: PlatformKey): Promise<void>;
}

/** One-time dynamic registration links, stored by the hash of their token (`ecf_registration_links`). */
export class RegistrationLinks {
  constructor(private readonly store: Store) {}

  private get links() {
    return this.store.collection<LinkDoc>('registration_links');
  }

  /** Creates a link; its token exists only in the returned URL, which the caller shows once. */
  async create(publicUrl: string, lifetimeMs = DEFAULT_LIFETIME_MS, now = new Date()): Promise<CreatedLink> {
    const token = crypto.randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + lifetimeMs);
    await this.links.insertOne({ _id: hashOf(token), createdAt: now, expiresAt });
    return { url: `${toolUrls(publicUrl).register}/${token}`, expiresAt };
  }

  private async findUsable(hash: string): Promise<void> {
    const [link, spent] = await Promise.all([this.links.findOne({ _id: hash }), this.links.findOne({ _id: `spent:${hash}` })]);
    if (!link) throw LINK_REFUSALS.unknown();
    if (spent) throw LINK_REFUSALS.used();
    if (!link.expiresAt || link.expiresAt.getTime() <= Date.now()) throw LINK_REFUSALS.expired();
  }

  /** Refuses a link that cannot be used, without claiming it. */
  async check(token: string): Promise<void> {
    if (!LINK_TOKEN.test(token)) throw LINK_REFUSALS.unknown();
    await this.findUsable(hashOf(token));
  }

  /** Takes the link for one registration; of several at once, exactly one gets it. */
  async claim(token: string): Promise<LinkClaim> {
    await this.check(token);
    const hash = hashOf(token);
    try {
      await this.links.insertOne({ _id: `claim:${hash}`, createdAt: new Date() });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      if (await this.links.findOne({ _id: `spent:${hash}` })) throw LINK_REFUSALS.used();
      throw LINK_REFUSALS.inUse();
    }
    return {
      release: async () => {
        await this.links.deleteOne({ _id: `claim:${hash}` });
      },
      spend: async ({ issuer, clientId }) => {
        await this.links.insertOne({ _id: `spent:${hash}`, createdAt: new Date(), issuer, clientId });
      },
    };
  }
}
