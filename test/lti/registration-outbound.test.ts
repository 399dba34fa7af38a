import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { registrationFrameAncestors } from '../../src/lti';
import { isPublicAddress, requestOutbound, UnreachableError } from '../../src/net/safe-fetch';

const GET = { method: 'GET' as const, headers: {} };
const LOCAL = { allowPrivateAddresses: true };

/** A local server; each test decides the answer. */
async function serve(handler: http.RequestListener): Promise<{ origin: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('outbound requests to addresses that came from a request', () => {
  it('counts only public unicast addresses as public', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fd00::1', 'ff02::1', '::ffff:10.0.0.1', '64:ff9b::a00:1', 'not an address']) {
      expect([address, isPublicAddress(address)]).toEqual([address, false]);
    }
    for (const address of ['8.8.8.8', '151.101.1.69', '2a04:4e42::81', '::ffff:8.8.8.8']) expect([address, isPublicAddress(address)]).toEqual([address, true]);
  });

  it('follows no redirect', async () => {
    const target = await serve((_req, res) => res.end('{}'));
    const redirecting = await serve((_req, res) => res.writeHead(302, { Location: `${target.origin}/config` }).end());
    try {
      expect((await requestOutbound(new URL(`${redirecting.origin}/config`), GET, LOCAL)).status).toBe(302);
      expect(target.requests).toEqual([]);
    } finally {
      await target.close();
      await redirecting.close();
    }
  });

  it('stops reading an answer larger than 256 KB', async () => {
    const large = await serve((_req, res) => res.end('x'.repeat(300 * 1024)));
    try {
      await expect(requestOutbound(new URL(`${large.origin}/config`), GET, LOCAL)).rejects.toThrow(UnreachableError);
    } finally {
      await large.close();
    }
  });

  it("lets Instructure's domains frame the answer to an Instructure-hosted Canvas, and only the configuration's origin otherwise", () => {
    expect(registrationFrameAncestors('https://sso.canvaslms.com/api/lti/security/openid-configuration?registration_token=t', false)).toEqual([
      'https://sso.canvaslms.com',
      'https://*.instructure.com',
      'https://*.canvaslms.com',
    ]);
    expect(registrationFrameAncestors('https://canvas.example.edu/api/lti/security/openid-configuration', false)).toEqual(['https://canvas.example.edu']);
    expect(registrationFrameAncestors('http://127.0.0.1:3999/config', false)).toEqual([]);
    expect(registrationFrameAncestors(['https://a.example.org', 'https://b.example.org'], false)).toEqual([]);
  });
});
