import type { Response } from 'express';
import helmet from 'helmet';
import type { FrameAncestors } from './frame-ancestors';

/**
 * Helmet with a CSP written for an iframe inside Canvas: only registered platforms may frame
 * the tool, and a form may post only to ourselves or, on the deep-linking page, to the
 * platform's return URL (set per response in `res.locals.formActionOrigin`).
 */
export function securityHeaders(frameAncestors: FrameAncestors) {
  return helmet({
    frameguard: false,
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-site' },
    referrerPolicy: { policy: 'no-referrer' },
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: [() => frameAncestors.current().join(' ')],
        formAction: ["'self'", (_req, res) => ((res as Response).locals.formActionOrigin as string | undefined) ?? "'self'"],
      },
    },
  });
}
