import path from 'node:path';
import express, { type Express, type RequestHandler, type Router } from 'express';
import { engine } from 'express-handlebars';
import type { Config } from '../config/env';
import type { Logger } from '../log/logger';
import type { IssuedLogins, PlatformRegistry, RegistrationLinks } from '../lti';
import type { Store } from '../db/store';
import type { SessionStore } from '../sessions/store';
import { allowMethods, noStore, refuseOddPaths } from './edge';
import { errorHandler, notFound } from './errors';
import type { FrameAncestors } from './frame-ancestors';
import { formatDay, formatMoment } from './format';
import { requestLogging } from './request-logging';
import { rateLimiters } from './rate-limits';
import { securityHeaders } from './security';
import { healthRoutes } from './routes/health';
import { ltiRoutes } from './routes/lti';
import { pageRoutes, type PageDeps } from './routes/pages';
import { deliveryLinkRoutes, type DeliveryLinkDeps } from './routes/deliveries';
import { schoolOpenRoute } from './routes/school';
import { notificationLinkRoutes } from './routes/notifications';

const ROOT = path.join(__dirname, '..', '..');

export interface AppDeps {
  logger: Logger;
  publicUrl: string;
  registry: PlatformRegistry;
  sessions: SessionStore;
  /** The database's handle, for /readyz. */
  store: Pick<Store, 'ping'>;
  logins: IssuedLogins;
  registrationLinks: Pick<RegistrationLinks, 'check' | 'claim'>;
  pages: Omit<PageDeps, 'sessions' | 'publicUrl' | 'syncIntervalMs'>;
  frameAncestors: FrameAncestors;
  syncIntervalMs: number;
  rateLimits: Config['rateLimits'];
  /** The signed download links of export emails (`/deliveries/<token>`). */
  deliveryLinks?: DeliveryLinkDeps;
  /** The development platform, mounted only outside production. */
  devPlatform?: Router;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Before the first route: `/S/<id>` must not be the same page as `/s/<id>`, and a query
  // string parses flat (`?iss[$regex]=x` stays the text "iss[$regex]", never an object).
  app.set('case sensitive routing', true);
  app.set('query parser', 'simple');
  // Behind a TLS-terminating proxy (Canvas needs https), trust the proxy on private networks only.
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.engine(
    'hbs',
    engine({
      extname: '.hbs',
      defaultLayout: 'main',
      layoutsDir: path.join(ROOT, 'views', 'layouts'),
      partialsDir: path.join(ROOT, 'views', 'partials'),
      helpers: {
        concat: (...parts: unknown[]) => parts.slice(0, -1).join(''),
        formatPercent: (value: unknown) => (typeof value === 'number' ? `${value}%` : 'no online items'),
        formatDay,
        formatMoment,
        eq: (a: unknown, b: unknown) => a === b,
        lowercase: (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : ''),
      },
    }),
  );
  app.set('view engine', 'hbs');
  app.set('views', path.join(ROOT, 'views'));

  const limits = rateLimiters(deps.rateLimits);
  app.use(requestLogging(deps.logger));
  app.use(refuseOddPaths);
  app.use(exceptUnder(['/s/', '/dev-platform/'], limits.unauthenticated));
  app.use(healthRoutes(deps.store));
  if (deps.devPlatform) app.use('/dev-platform', deps.devPlatform);
  app.use(followPlatformChanges(deps.frameAncestors));
  app.use(securityHeaders(deps.frameAncestors));
  app.use('/static', express.static(path.join(ROOT, 'public'), { maxAge: '1h', index: false }));
  app.use('/lti', noStore, ltiRoutes({ registry: deps.registry, logins: deps.logins, registrationLinks: deps.registrationLinks, publicUrl: deps.publicUrl, limits, onRegistered: () => deps.frameAncestors.follow({ force: true }) }));
  app.use('/school', noStore, schoolOpenRoute({ links: deps.pages.school.links, sessions: deps.sessions }));
  app.use('/notifications', noStore, notificationLinkRoutes(deps.pages.notifications));
  app.use('/s/:sessionId', noStore, limits.sessionFailures, pageRoutes({ ...deps.pages, sessions: deps.sessions, publicUrl: deps.publicUrl, syncIntervalMs: deps.syncIntervalMs }));
  if (deps.deliveryLinks) app.use('/deliveries', noStore, deliveryLinkRoutes(deps.deliveryLinks));
  app.all('/', allowMethods('GET'), (_req, res) => {
    res.render('pages/about', { title: 'ECF Progress' });
  });
  app.use(notFound);
  app.use(errorHandler(app));
  return app;
}

/** A launch always looks, so the first launch after `platform add` frames in Canvas. */
function followPlatformChanges(frameAncestors: FrameAncestors): RequestHandler {
  return (req, _res, next) => {
    frameAncestors.follow({ force: req.method === 'POST' && req.path === '/lti/launch' }).then(
      () => next(),
      (error: unknown) => {
        // The list in memory stays as it was; the page still answers.
        req.log.error({ err: error, event: 'frame_ancestors.refresh_failed' }, 'refreshing frame-ancestors failed');
        next();
      },
    );
  };
}

/** Session pages have their own limit (on refusals only); the development platform is not part of production. */
function exceptUnder(prefixes: string[], handler: RequestHandler): RequestHandler {
  return (req, res, next) => (prefixes.some((prefix) => req.path.startsWith(prefix)) ? next() : handler(req, res, next));
}
