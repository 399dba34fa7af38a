import type { Express } from 'express';

/** One route of the app as Express holds it: its path pattern (with `:params`) and methods. */
export interface RouteEntry {
  path: string;
  methods: string[];
}

interface Layer {
  regexp: RegExp & { fast_slash?: boolean };
  keys: { name: string }[];
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  name: string;
}

/** Reads a mount path back from the pattern Express 4 compiled it to (`/s/:sessionId`, `/lti`). */
function mountPath(layer: Layer): string {
  if (layer.regexp.fast_slash) return '';
  let keyIndex = 0;
  return layer.regexp.source
    .replace(/^\^/, '')
    .replace(/\\\/\?\(\?=\\\/\|\$\)$/, '')
    .replace(/\(\?:\\\/\(\[\^\\?\/\]\+\?\)\)/g, () => `/:${layer.keys[keyIndex++]?.name ?? 'param'}`)
    .replace(/\\(.)/g, '$1');
}

/**
 * Every route of the app, found by walking Express's own router: what the hostile-input tests
 * try, so a route added later is tried without anyone remembering to list it.
 */
export function routeTable(app: Express): RouteEntry[] {
  const routes: RouteEntry[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        routes.push({ path: prefix + layer.route.path, methods: Object.keys(layer.route.methods).map((m) => m.toUpperCase()) });
      } else if (layer.name === 'router' && layer.handle.stack) {
        walk(layer.handle.stack, prefix + mountPath(layer));
      } else if (layer.name === 'serveStatic') {
        routes.push({ path: `${prefix}${mountPath(layer)}/app.css`, methods: ['GET'] });
      }
    }
  };
  walk((app as unknown as { _router: { stack: Layer[] } })._router.stack, '');
  return routes;
}
