import { INSTRUCTURE_ISSUERS } from '../lti/canvas-config';
import type { PlatformSummary } from '../lti/platforms';

const CHECK_EVERY_MS = 1000;

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * Who may frame the tool: the registered platforms' own hosts and, for Instructure-hosted
 * Canvas (whose institutions share one issuer), Instructure's domains, plus any Canvas base
 * URLs the tool syncs from (custom domains).
 */
export function frameAncestorsFor(platforms: PlatformSummary[], canvasBaseUrls: string[]): string[] {
  const sources = new Set<string>(["'self'"]);
  for (const platform of platforms) {
    if (INSTRUCTURE_ISSUERS.has(platform.issuer)) {
      sources.add('https://*.instructure.com');
      sources.add('https://*.canvaslms.com');
    }
    for (const url of [platform.issuer, platform.authUrl]) {
      const origin = originOf(url);
      if (origin) sources.add(origin);
    }
  }
  for (const url of canvasBaseUrls) {
    const origin = originOf(url);
    if (origin) sources.add(origin);
  }
  return [...sources];
}

/**
 * Keeps the list in memory so no request waits on the store, and follows platform changes at
 * once in every instance: before a response, the platforms' change mark (one read by `_id`) is
 * compared with the one the list was built from, at most once a second, and always for a
 * launch, so the first launch after `platform add` (from the CLI or another instance) frames.
 */
export class FrameAncestors {
  private sources: string[] = ["'self'"];
  private builtFrom: string | null | undefined;
  private checkedAt = 0;
  private checking: Promise<void> | undefined;

  constructor(
    private readonly load: () => Promise<string[]>,
    private readonly readMark: () => Promise<string | null>,
    private readonly checkEveryMs = CHECK_EVERY_MS,
  ) {}

  current(): string[] {
    return this.sources;
  }

  /** Rebuilds the list when the platforms changed since it was built. */
  async follow(options: { now?: number; force?: boolean } = {}): Promise<void> {
    const now = options.now ?? Date.now();
    if (!options.force && now - this.checkedAt < this.checkEveryMs) return;
    this.checking ??= this.check(now).finally(() => {
      this.checking = undefined;
    });
    await this.checking;
  }

  private async check(now: number): Promise<void> {
    const mark = await this.readMark();
    if (mark !== this.builtFrom) {
      this.sources = await this.load();
      this.builtFrom = mark;
    }
    this.checkedAt = now;
  }
}
