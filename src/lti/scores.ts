import type { PendingScore, ScoreOutbox } from '../audits';
import type { Logger } from '../log/logger';
import { lti } from './provider';

export const SCORE_SCOPE = 'https://purl.imsglobal.org/spec/lti-ags/scope/score';
const SEND_TIMEOUT_MS = 10_000;

/** AGS: a line item's scores live at `<line item>/scores`, before any query string. */
export function scoresUrl(lineItem: string): string {
  const url = new URL(lineItem);
  url.pathname = `${url.pathname.replace(/\/$/, '')}/scores`;
  return url.toString();
}

/** How the tool gets an access token: ltijs holds the tool's key for each platform. */
export type AccessTokenSource = (issuer: string, clientId: string, scope: string) => Promise<string>;

const ltijsAccessToken: AccessTokenSource = async (issuer, clientId, scope) => {
  const platform = await lti.getPlatform(issuer, clientId);
  if (!platform || Array.isArray(platform)) throw new Error('the platform is no longer registered');
  return (await platform.platformAccessToken(scope)).access_token;
};

/**
 * Sends queued audit scores to Canvas (LTI Assignment and Grade Services). Run by the `scores`
 * job, and straight after a submission; a failure leaves the score queued with a later attempt
 * time, so a restart or an outage of Canvas loses nothing.
 */
export class ScoreDelivery {
  private running: Promise<{ delivered: number; failed: number }> | null = null;

  constructor(
    private readonly outbox: Pick<ScoreOutbox, 'due' | 'markDelivered' | 'markFailed'>,
    private readonly logger: Logger,
    private readonly accessToken: AccessTokenSource = ltijsAccessToken,
  ) {}

  private async send(score: PendingScore): Promise<void> {
    const token = await this.accessToken(score.issuer, score.clientId, SCORE_SCOPE);
    const response = await fetch(scoresUrl(score.lineItem), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.ims.lis.v1.score+json' },
      body: JSON.stringify({
        userId: score.userSub,
        scoreGiven: score.scoreGiven,
        scoreMaximum: score.scoreMaximum,
        activityProgress: score.activityProgress,
        gradingProgress: 'FullyGraded',
        timestamp: score.timestamp,
      }),
      redirect: 'error',
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`Canvas answered ${response.status}`);
  }

  /** Sends every score due; one pass at a time per process. */
  deliverDue(now = new Date()): Promise<{ delivered: number; failed: number }> {
    this.running ??= this.pass(now).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(now: Date): Promise<{ delivered: number; failed: number }> {
    let delivered = 0;
    let failed = 0;
    for (const score of await this.outbox.due(now)) {
      try {
        await this.send(score);
        await this.outbox.markDelivered(score._id);
        delivered += 1;
        this.logger.info({ event: 'scores.delivered', module: score.module, attempts: score.attempts + 1 }, 'audit score sent to Canvas');
      } catch (error) {
        failed += 1;
        const reason = error instanceof Error ? error.message : String(error);
        const retryAt = await this.outbox.markFailed(score, reason);
        this.logger.warn({ event: 'scores.failed', module: score.module, attempts: score.attempts + 1, retryAt, reason }, 'audit score not sent; it will be retried');
      }
    }
    return { delivered, failed };
  }

  /** After a submission: try at once without holding up the page; the job retries what fails. */
  deliverSoon(): void {
    this.deliverDue().catch((error: unknown) => this.logger.error({ err: error, event: 'scores.pass_failed' }, 'sending audit scores failed'));
  }
}
