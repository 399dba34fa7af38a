import { Router, type Response } from 'express';
import { z } from 'zod';
import { EMAIL_OFF, type DeliveryLinks, type DeliveryLogEntry, type ExportSource, type Outbox } from '../../delivery';
import { AuthorizationError, ValidationError } from '../../errors';
import { EXPORT_CONTENT_TYPES } from '../../exports';
import type { Schools } from '../../people';
import type { Viewer } from '../../participants/access';
import { allowMethods } from '../edge';
import { formatMoment } from '../format';
import { STAFF, pageOn, viewerOf, wrap } from '../page-kit';
import { presentPerson } from '../presenters';

/** What the signed download links of export emails read. */
export interface DeliveryLinkDeps {
  links: Pick<DeliveryLinks, 'verify'>;
  exports: ExportSource;
}

/** What the admin delivery log page reads. */
export interface DeliveryLogDeps {
  outbox: Pick<Outbox, 'log' | 'configured'>;
  schools: Pick<Schools, 'load'>;
}

const LOG_ROWS = 200;

/**
 * `/deliveries/<token>` (mounted at `/deliveries`): the link in a scheduled export email. The token alone says which
 * school's export it opens (signed, 30 days); a changed or expired one gets a clear page and no data.
 */
export function deliveryLinkRoutes(deps: DeliveryLinkDeps): Router {
  const router = Router({ caseSensitive: true });
  router.all('/:token', allowMethods('GET'));
  router.get(
    '/:token',
    wrap(async (req, res) => {
      const link = await deps.links.verify(String(req.params.token));
      const scope = { kind: 'school' as const, urn: link.urn };
      res.setHeader('Content-Type', EXPORT_CONTENT_TYPES[link.format]);
      res.setHeader('Content-Disposition', `attachment; filename="${deps.exports.fileName(scope, link.format)}"`);
      // A link forwarded by mistake must not land in a shared cache or a Referer.
      res.setHeader('Referrer-Policy', 'no-referrer');
      try {
        await deps.exports.write(scope, link.format, res);
      } catch (error) {
        // Nothing written yet (the school was removed, say): the error page must not download as the file.
        if (!res.headersSent) {
          res.removeHeader('Content-Disposition');
          res.removeHeader('Content-Type');
        }
        throw error;
      }
    }),
  );
  return router;
}

const LogQuery = z.object({ urn: z.union([z.literal(''), z.string().regex(/^\d{6}$/)]).optional() });

/** The admin pages are the programme's: STAFF lets facilitators through the door, this does not. */
function adminOf(res: Response): Viewer {
  const viewer = viewerOf(res);
  if (viewer.kind !== 'admin') throw new AuthorizationError('This page is for programme administrators.');
  return viewer;
}

const RESULT_WORDS = { sent: 'Sent', failed: 'Failed, will try again', 'given-up': 'Failed, given up' } as const;
const KIND_WORDS = { export: 'Scheduled export', notification: 'Notification', digest: 'Digest' } as const;

function presentEntry(entry: DeliveryLogEntry, names: Map<string, string>) {
  return {
    when: formatMoment(entry.at),
    school: names.get(entry.schoolUrn) ?? `School ${entry.schoolUrn}`,
    urn: entry.schoolUrn,
    to: entry.to,
    kind: KIND_WORDS[entry.kind] ?? entry.kind,
    subject: entry.subject,
    dataDate: entry.dataAsOf ? formatMoment(entry.dataAsOf) : null,
    attempt: entry.attempt,
    result: RESULT_WORDS[entry.result] ?? entry.result,
    failed: entry.result !== 'sent',
    error: entry.error,
    retry: entry.retryAt ? formatMoment(entry.retryAt) : null,
  };
}

/** `/admin/deliveries` inside a tool session: every email attempt, newest first, one school's when chosen. */
export function adminDeliveryRoutes(deps: { deliveries?: DeliveryLogDeps }): Router {
  const router = Router({ mergeParams: true, caseSensitive: true });
  const page = pageOn(router);
  page('get', '/admin/deliveries', STAFF, async (req, res) => {
    const viewer = adminOf(res);
    const parsed = LogQuery.safeParse(req.query);
    if (!parsed.success) throw new ValidationError('Choose a school from the list (a school is named by its 6-digit URN).');
    const urn = parsed.data.urn || null;
    const log = deps.deliveries;
    const [entries, schools] = log ? await Promise.all([log.outbox.log({ schoolUrn: urn ?? undefined, limit: LOG_ROWS }), log.schools.load()]) : [[], []];
    const names = new Map(schools.map((s) => [s._id, s.name]));
    const base = presentPerson(viewer.session).base;
    res.render('pages/admin-deliveries', {
      title: 'Email deliveries',
      configured: log?.outbox.configured ?? false,
      emailOff: EMAIL_OFF,
      entries: entries.map((e) => presentEntry(e, names)),
      schools: [...schools].sort((a, b) => a.name.localeCompare(b.name)).map((s) => ({ urn: s._id, name: s.name, selected: s._id === urn })),
      chosen: urn ? (names.get(urn) ?? `School ${urn}`) : null,
      limit: LOG_ROWS,
      formUrl: `${base}admin/deliveries`,
      homeUrl: base,
    });
  });
  return router;
}
