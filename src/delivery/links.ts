import { SignJWT, errors, jwtVerify } from 'jose';
import { z } from 'zod';
import { AppError } from '../errors';
import { DELIVERY_FORMATS, type DeliveryFormat } from './schedule';

/** How long the link in a scheduled export email opens the export. */
export const LINK_LIFETIME_S = 30 * 24 * 3600;
const ISSUER = 'ecf-progress';
const AUDIENCE = 'ecf-progress/delivery-link';

export interface DeliveryLink {
  urn: string;
  format: DeliveryFormat;
  /** The occurrence the email was for (YYYY-MM-DD). */
  occurrence: string;
}

const Claims = z.object({ urn: z.string().regex(/^\d{6}$/), fmt: z.enum(DELIVERY_FORMATS), occ: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) });

/** A link that was altered, or signed with another key: nothing in it is trusted. */
export class LinkNotValidError extends AppError {
  constructor() {
    super('delivery_link_not_valid', 403, 'This download link is not valid. Use the link exactly as it came in the email, or ask your programme team for the latest export.');
  }
}

export class LinkExpiredError extends AppError {
  constructor() {
    super('delivery_link_expired', 403, 'This download link has expired: links in export emails work for 30 days. The next scheduled email brings a new one, or ask your programme team.');
  }
}

/**
 * The signed download links of export emails (HS256 with `deliveryLinkKey`). A link names one
 * school's export and nothing else, so a changed URN breaks the signature.
 */
export class DeliveryLinks {
  constructor(private readonly key: Uint8Array) {}

  async sign(link: DeliveryLink, now = new Date()): Promise<string> {
    const issuedAt = Math.floor(now.getTime() / 1000);
    return new SignJWT({ urn: link.urn, fmt: link.format, occ: link.occurrence })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + LINK_LIFETIME_S)
      .sign(this.key);
  }

  /** The link's school and format; LinkExpiredError or LinkNotValidError otherwise. */
  async verify(token: string, now = new Date()): Promise<DeliveryLink> {
    if (token.length > 2000 || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) throw new LinkNotValidError();
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, currentDate: now, clockTolerance: 0 });
      const claims = Claims.safeParse(payload);
      if (!claims.success) throw new LinkNotValidError();
      return { urn: claims.data.urn, format: claims.data.fmt, occurrence: claims.data.occ };
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new LinkExpiredError();
      throw new LinkNotValidError();
    }
  }
}
