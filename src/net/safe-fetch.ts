import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

const TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 256 * 1024;

/**
 * Whether a request may reach this machine and the networks behind it. Only the development
 * and test platforms live there; in production a URL from a request never may, so a caller
 * cannot turn our requests against the operator's own network.
 */
export interface OutboundPolicy {
  allowPrivateAddresses: boolean;
}

/**
 * The request never got an answer we can use: DNS, a refused or private address, a timeout, a
 * reset, an oversized body. Callers show one message for all of these, so nothing is revealed
 * about other hosts; `detail` is for the log.
 */
export class UnreachableError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'UnreachableError';
  }
}

export interface OutboundRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

export interface OutboundResponse {
  status: number;
  text: string;
}

/** Public unicast only: private, loopback, link-local, unique-local, multicast, unspecified, reserved and tunnelled ranges are not. */
export function isPublicAddress(address: string): boolean {
  try {
    return ipaddr.process(address).range() === 'unicast';
  } catch {
    return false;
  }
}

/**
 * Resolves the name and checks every address before the socket connects to one of them; the
 * socket then connects to exactly what was checked, so a DNS answer that changes between a
 * check and the connection (a rebind) cannot slip through.
 */
function publicOnlyLookup(hostname: string, options: dns.LookupOptions, callback: (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void): void {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '');
    const refused = addresses.find((entry) => !isPublicAddress(entry.address));
    if (refused || addresses.length === 0) return callback(new UnreachableError(`${hostname} resolves to ${refused?.address ?? 'nothing'}, which is not a public address`), '');
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
}

/** An address written into the URL is connected to without a lookup, so it is checked here. */
function refuseLiteralAddress(url: URL): void {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(host) && !isPublicAddress(host)) throw new UnreachableError(`${host} is not a public address`);
}

function send(url: URL, request: OutboundRequest, policy: OutboundPolicy, deadline: AbortSignal): Promise<http.IncomingMessage> {
  if (!policy.allowPrivateAddresses) refuseLiteralAddress(url);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = client.request(url, {
      method: request.method,
      headers: request.headers,
      // A fresh connection each time: a pooled socket would skip the address check.
      agent: false,
      lookup: policy.allowPrivateAddresses ? undefined : publicOnlyLookup,
      signal: deadline,
    });
    outgoing.once('response', resolve);
    outgoing.once('error', reject);
    outgoing.end(request.body);
  });
}

async function readLimited(response: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) {
      response.destroy();
      throw new UnreachableError(`the answer is larger than ${MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * One HTTP request to a URL that came from outside: no redirects followed (a 3xx is returned
 * as it is), a 10-second limit on the whole exchange, a 256 KB limit on the answer, and under
 * `allowPrivateAddresses: false` only public addresses, checked at connection time.
 */
export async function requestOutbound(url: URL, request: OutboundRequest, policy: OutboundPolicy): Promise<OutboundResponse> {
  const deadline = AbortSignal.timeout(TIMEOUT_MS);
  try {
    const response = await send(url, request, policy, deadline);
    return { status: response.statusCode ?? 0, text: await readLimited(response) };
  } catch (error) {
    if (error instanceof UnreachableError) throw error;
    if (deadline.aborted) throw new UnreachableError(`no complete answer within ${TIMEOUT_MS / 1000} s`);
    const { name, code, message } = error as NodeJS.ErrnoException;
    throw new UnreachableError(`${code ?? name}: ${message}`);
  }
}
