import type { Response } from 'express';
import helmet from 'helmet';
import type { FrameAncestors } from './frame-ancestors';

/**
 * Helmet with a CSP written for an iframe inside Canvas: only registered platforms may frame
 * the tool, and forms post only to ourselves (see `allowFormActionTo` for the one exception).
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
        formAction: ["'self'"],
      },
    },
  });
}

/** Lets this one response post a form to `origin`: the deep-linking reply to the platform. */
export function allowFormActionTo(res: Response, origin: string): void {
  const policy = String(res.getHeader('Content-Security-Policy') ?? '');
  res.setHeader('Content-Security-Policy', policy.replace(/form-action [^;]*/, `form-action 'self' ${origin}`));
}

/** Lets `origin` frame this one response: a platform's registration page, before it is registered. */
export function allowFrameAncestor(res: Response, origin: string): void {
  const policy = String(res.getHeader('Content-Security-Policy') ?? '');
  res.setHeader('Content-Security-Policy', policy.replace(/frame-ancestors [^;]*/, (directive) => `${directive} ${origin}`));
}
