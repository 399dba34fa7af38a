import crypto from 'node:crypto';
import { z } from 'zod';
import { isDuplicateKey } from '../db/collections';
import type { Store } from '../db/store';
import { NotFoundError, ValidationError } from '../errors';

export const NOTICE_KINDS = ['newsletter', 'policy', 'guidance'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];
export const NOTICE_KIND_LABELS: Record<NoticeKind, string> = { newsletter: 'Newsletter', policy: 'Policy', guidance: 'Guidance' };

/** A provider notice every school's dashboard shows: insert-only in `ecf_notices`. */
export interface Notice {
  /** `nt_` and 16 random hex characters. */
  _id: string;
  title: string;
  /** Plain text, short. */
  body: string;
  /** https only; null when none. */
  link: string | null;
  kind: NoticeKind;
  publishedAt: Date;
}

/** A withdrawal, insert-only in `ecf_notice_withdrawals` under the notice's `_id`. */
interface Withdrawal {
  _id: string;
  withdrawnAt: Date;
}

export interface NoticeListing extends Notice {
  withdrawn: boolean;
}

export const NOTICE_LIMITS = { title: 120, body: 1000, link: 500 } as const;
const NOTICE_ID = /^nt_[0-9a-f]{16}$/;

const httpsLink = z
  .string()
  .max(NOTICE_LIMITS.link, { error: `The link must be at most ${NOTICE_LIMITS.link} characters.` })
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return url.protocol === 'https:' && url.hostname.length > 0 && !url.username && !url.password;
      } catch {
        return false;
      }
    },
    { error: 'The link must be a full https:// address.' },
  );

/** What may be published: each problem in words, so the admin page and the CLI can say it. */
export const NoticeDraft = z.object({
  title: z.string().trim().min(1, { error: 'Enter a title.' }).max(NOTICE_LIMITS.title, { error: `The title must be at most ${NOTICE_LIMITS.title} characters.` }),
  body: z.string().trim().min(1, { error: 'Enter the text of the notice.' }).max(NOTICE_LIMITS.body, { error: `The text must be at most ${NOTICE_LIMITS.body} characters.` }),
  link: z
    .string()
    .trim()
    .optional()
    .transform((value) => value || null)
    .pipe(httpsLink.nullable()),
  kind: z.enum(NOTICE_KINDS, { error: 'Choose newsletter, policy or guidance.' }).default('newsletter'),
});
export type NoticeDraftInput = z.input<typeof NoticeDraft>;

/**
 * Provider notices (newsletters, policy, guidance) for every school's dashboard. Published and
 * withdrawn as insert-only records, so two admins never overwrite each other; the few notices
 * a provider publishes are read whole and sorted in memory.
 */
export class Notices {
  constructor(private readonly store: Store) {}

  private get notices() {
    return this.store.collection<Notice>('notices');
  }

  private get withdrawals() {
    return this.store.collection<Withdrawal>('notice_withdrawals');
  }

  /** @throws ValidationError naming what is wrong with the draft. */
  async publish(draft: NoticeDraftInput, now = new Date()): Promise<Notice> {
    const parsed = NoticeDraft.safeParse(draft);
    if (!parsed.success) throw new ValidationError(parsed.error.issues.map((i) => i.message).join(' '));
    const notice: Notice = { _id: `nt_${crypto.randomBytes(8).toString('hex')}`, ...parsed.data, publishedAt: now };
    await this.notices.insertOne(notice);
    return notice;
  }

  /**
   * @returns 'withdrawn', or 'already' when it was withdrawn before.
   * @throws NotFoundError when there is no such notice.
   */
  async withdraw(id: string, now = new Date()): Promise<'withdrawn' | 'already'> {
    const notice = NOTICE_ID.test(id) ? await this.notices.findOne({ _id: id }) : null;
    if (!notice) throw new NotFoundError('There is no such notice.');
    try {
      await this.withdrawals.insertOne({ _id: id, withdrawnAt: now });
      return 'withdrawn';
    } catch (error) {
      if (isDuplicateKey(error)) return 'already';
      throw error;
    }
  }

  /** Every notice, withdrawn ones too, newest first: what the admin page and `notice list` show. */
  async all(): Promise<NoticeListing[]> {
    const [notices, withdrawals] = await Promise.all([this.notices.find({}).toArray(), this.withdrawals.find({}).toArray()]);
    const withdrawn = new Set(withdrawals.map((w) => w._id));
    return notices.map((n) => ({ ...n, withdrawn: withdrawn.has(n._id) })).sort((a, b) => b.publishedAt.getTime() - a.publishedAt.getTime() || b._id.localeCompare(a._id));
  }

  /** The notices schools see: not withdrawn, newest first. */
  async latest(limit = 10): Promise<Notice[]> {
    return (await this.all())
      .filter((n) => !n.withdrawn)
      .slice(0, limit)
      .map(({ withdrawn: _withdrawn, ...notice }) => notice);
  }
}
