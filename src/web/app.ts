import path from 'node:path';
import express, { type Express, type Router } from 'express';
import { engine } from 'express-handlebars';
import type { Logger } from '../log/logger';
import type { PlatformRegistry } from '../lti';
import type { SessionStore } from '../sessions/store';
import { errorHandler, notFound } from './errors';
import type { FrameAncestors } from './frame-ancestors';
import { requestLogging } from './request-logging';
import { securityHeaders } from './security';
import { healthRoutes } from './routes/health';
import { ltiRoutes } from './routes/lti';
import { pageRoutes } from './routes/pages';

const ROOT = path.join(__dirname, '..', '..');

export interface AppDeps {
  logger: Logger;
  publicUrl: string;
  registry: PlatformRegistry;
  sessions: SessionStore;
  frameAncestors: FrameAncestors;
  syncIntervalMs: number;
  /** The development platform, mounted only outside production. */
  devPlatform?: Router;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
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
      },
    }),
  );
  app.set('view engine', 'hbs');
  app.set('views', path.join(ROOT, 'views'));

  app.use(requestLogging(deps.logger));
  app.use(healthRoutes());
  if (deps.devPlatform) app.use('/dev-platform', deps.devPlatform);
  app.use(securityHeaders(deps.frameAncestors));
  app.use('/static', express.static(path.join(ROOT, 'public'), { maxAge: '1h', index: false }));
  app.use('/lti', ltiRoutes({ registry: deps.registry, publicUrl: deps.publicUrl, onRegistered: () => deps.frameAncestors.refresh() }));
  app.use('/s/:sessionId', pageRoutes({ sessions: deps.sessions, publicUrl: deps.publicUrl, syncIntervalMs: deps.syncIntervalMs }));
  app.get('/', (_req, res) => {
    res.render('pages/about', { title: 'ECF Progress' });
  });
  app.use(notFound);
  app.use(errorHandler(app));
  return app;
}
