import mongoose from 'mongoose';
import { purgeExpiredLtiRecords } from '../../src/lti/purge';
import { openTestRuntime, type TestRuntime } from '../support/runtime';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await openTestRuntime();
});
afterAll(async () => rt.close());

const minutes = (n: number) => new Date(Date.now() - n * 60_000);

describe('purging expired LTI records (FerretDB has no TTL indexes)', () => {
  it('deletes what has expired in ltijs collections and ours, and keeps what has not', async () => {
    const db = mongoose.connection.db!;
    await db.collection('nonces').insertMany([{ nonce: 'old', createdAt: minutes(11) }, { nonce: 'new', createdAt: minutes(1) }]);
    await db.collection('states').insertMany([{ state: 'old', createdAt: minutes(11) }, { state: 'new', createdAt: minutes(5) }]);
    await db.collection('accesstokens').insertMany([{ token: 'old', createdAt: minutes(61) }, { token: 'new', createdAt: minutes(59) }]);
    await db.collection('idtokens').insertMany([{ user: 'old', createdAt: minutes(24 * 60 + 1) }, { user: 'new', createdAt: minutes(60) }]);
    await db.collection('contexttokens').insertMany([{ user: 'old', createdAt: minutes(24 * 60 + 1) }, { user: 'new', createdAt: minutes(60) }]);
    await db.collection('ecf_launch_nonces').insertMany([{ _id: 'old' as never, seenAt: minutes(11) }, { _id: 'new' as never, seenAt: minutes(1) }]);
    await db.collection('ecf_issued_logins').insertMany([{ _id: 'old' as never, issuedAt: minutes(11) }, { _id: 'new' as never, issuedAt: minutes(1) }]);
    await db.collection('ecf_sessions').insertMany([
      { _id: 'old' as never, expiresAt: minutes(1), lastSeenAt: minutes(2) },
      { _id: 'idle' as never, expiresAt: new Date(Date.now() + 60_000), lastSeenAt: minutes(61) },
      { _id: 'new' as never, expiresAt: new Date(Date.now() + 60_000), lastSeenAt: minutes(1) },
    ]);

    const deleted = await purgeExpiredLtiRecords(rt.runtime.stores);
    expect(deleted).toEqual({ nonces: 1, states: 1, accesstokens: 1, idtokens: 1, contexttokens: 1, launchNonces: 1, issuedLogins: 1, sessions: 2 });
    for (const name of ['nonces', 'states', 'accesstokens', 'idtokens', 'contexttokens', 'ecf_launch_nonces', 'ecf_issued_logins', 'ecf_sessions']) {
      expect(await db.collection(name).countDocuments({})).toBe(1);
    }
  });

  it('shows how FerretDB answers ltijs’s TTL index: refused, so only the sweep expires records', async () => {
    const db = mongoose.connection.db!;
    const isFerret = (await db.admin().command({ buildInfo: 1 })).ferretdbVersion !== undefined;
    const attempt = () => db.collection('ttl_probe').createIndex({ createdAt: 1 }, { expireAfterSeconds: 10 });
    if (isFerret) await expect(attempt()).rejects.toThrow(/expireAfterSeconds/);
    else await expect(attempt()).resolves.toBe('createdAt_1');
  });
});
