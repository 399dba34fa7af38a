import http from 'node:http';
import net from 'node:net';
import type { Config } from '../../src/config/env';
import { startTestService, type TestService } from '../support/service';

/** A listener that only counts connections: proof that nothing was fetched from it. */
export interface ConnectionCounter {
  port: number;
  connections(): number;
  close(): Promise<void>;
}

export async function startConnectionCounter(): Promise<ConnectionCounter> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A platform that serves whatever configuration a test gives it, at `/config`. */
export interface FakePlatform {
  origin: string;
  requests: string[];
  close(): Promise<void>;
}

export async function startFakePlatform(configuration: (origin: string) => object): Promise<FakePlatform> {
  const requests: string[] = [];
  let origin = '';
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(configuration(origin)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return { origin, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const ENTITIES: Record<string, string> = { '&#x60;': '`', '&#x27;': "'", '&quot;': '"', '&#x3D;': '=', '&lt;': '<', '&gt;': '>', '&amp;': '&' };

/** The words a page says, as a person reads them (Handlebars escapes quotes and backticks). */
export const pageText = (html: string) => html.replace(/&(?:#x60|#x27|quot|#x3D|lt|gt|amp);/g, (entity) => ENTITIES[entity]);

/** The sources a response's Content-Security-Policy allows to frame it. */
export const frameAncestorsOf = (res: { headers: Record<string, string> }) =>
  /frame-ancestors ([^;]*)/.exec(res.headers['content-security-policy'] ?? '')?.[1].split(' ') ?? [];

export const pathOf = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

/** The test service with dynamic registrations in the ltijs worker, as the service runs them. */
export async function startRegistrationService(config?: Config): Promise<TestService> {
  return startTestService({ config });
}
