import type { PlatformSummary } from '../lti/platforms';

const INSTRUCTURE_ISSUERS = new Set(['https://canvas.instructure.com', 'https://canvas.beta.instructure.com', 'https://canvas.test.instructure.com']);
const REFRESH_MS = 60_000;

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

/** Keeps the list in memory, refreshed in the background, so no request waits on the store. */
export class FrameAncestors {
  private sources: string[] = ["'self'"];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly load: () => Promise<string[]>) {}

  current(): string[] {
    return this.sources;
  }

  async refresh(): Promise<void> {
    this.sources = await this.load();
  }

  start(onError: (error: unknown) => void): void {
    this.timer = setInterval(() => this.refresh().catch(onError), REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
