import { createHash } from 'node:crypto';
import type { PlatformKey } from './platform';

/**
 * The `_id`s of what is kept per platform, course, deployment, person or nonce. A JSON array,
 * not a joined string: issuers are URLs and Canvas ids are free text, so no separator is safe.
 * These ids are stored, so their shape must never change.
 */
const compositeId = (...parts: string[]): string => JSON.stringify(parts);

/** A platform's Canvas connection and its share of a sync run. */
export const platformKeyId = (platform: PlatformKey): string => compositeId(platform.issuer, platform.clientId);

/** A linked Canvas course: its programme link and its synced progress. */
export const courseKeyId = (platform: PlatformKey, courseId: string): string => compositeId(platform.issuer, platform.clientId, courseId);

/** A deployment the tool accepts launches from. */
export const deploymentKeyId = (platform: PlatformKey, deploymentId: string): string =>
  compositeId(platform.issuer, platform.clientId, deploymentId);

/** A person, by the `sub` their platform signs. */
export const identityKeyId = (platform: PlatformKey, sub: string): string => compositeId(platform.issuer, platform.clientId, sub);

/** An id_token nonce already used, per issuer. */
export const launchNonceKeyId = (issuer: string, nonce: string): string => compositeId(issuer, nonce);

/** A person's own records (audits, meetings), by their platform and Canvas user id. */
export const personKeyId = (platform: PlatformKey, canvasUserId: string): string => compositeId(platform.issuer, platform.clientId, 'user', canvasUserId);

/** Matches every `personKeyId` of one platform: what goes when the platform is removed. */
export const personKeysOf = (platform: PlatformKey): RegExp => {
  const prefix = JSON.stringify([platform.issuer, platform.clientId, 'user']).slice(0, -1) + ',';
  return new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
};

/** An email address (any case) as a digest: to match a person by address without keeping it. */
export const emailDigest = (email: string): string => createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
