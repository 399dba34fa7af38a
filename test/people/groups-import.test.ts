import { emailDigest } from '../../src/domain';
import { openTestRuntime, type TestRuntime } from '../support/runtime';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await openTestRuntime();
});
afterAll(async () => rt.close());

const HEADER = 'cohort,group,facilitator_emails';

describe('groups import: which facilitators run which groups', () => {
  it('refuses bad rows with their line and reason, and writes nothing', async () => {
    const report = await rt.runtime.stores.groups.import(
      [HEADER, 'September 2025,Group A,carys.evans@example.org', ',Group B,carys.evans@example.org', 'September 2025,Group C,not-an-address', 'September 2025,Group D,', 'September 2025,Group A,other@example.org'].join('\n'),
    );
    expect(report.written).toBe(false);
    expect(report.bad.map((b) => b.line)).toEqual([2, 3, 4, 5, 6]);
    expect(report.bad[1].reasons.join(' ')).toContain('cohort');
    expect(report.bad[2].reasons.join(' ')).toContain('not an email address');
    expect(report.bad[3].reasons.join(' ')).toContain('facilitator_emails');
    expect(report.bad[4].reasons.join(' ')).toContain('same cohort and group');
    expect(await rt.runtime.stores.groups.load()).toEqual([]);
  });

  it('finds a facilitator’s groups in one cohort by the digest of their address, in any case', async () => {
    const report = await rt.runtime.stores.groups.import([HEADER, 'September 2025,Group A,Carys.Evans@example.org', 'September 2025,Group B,carys.evans@example.org;other@example.org', 'September 2026,Group A,carys.evans@example.org', 'September 2025,Group C,other@example.org'].join('\n'));
    expect(report.bad).toEqual([]);
    expect(report.counts.added).toBe(4);
    expect((await rt.runtime.stores.groups.groupsOf(emailDigest('CARYS.EVANS@example.org'), 'September 2025')).sort()).toEqual(['Group A', 'Group B']);
    expect(await rt.runtime.stores.groups.groupsOf(emailDigest('nobody@example.org'), 'September 2025')).toEqual([]);
    expect(await rt.runtime.stores.groups.groupsOf(null, 'September 2025')).toEqual([]);
  });
});
