import { packCompletions, unpackCompletions } from '../../src/sync/packing';

describe('packed completions', () => {
  const ids = ['1', '4294967295', '4294967296', '21070000000018477', '18446744073709551615', '123456789012'];
  const completions = new Map(ids.map((id, i) => [id, (1_700_000_000 + i) * 1000]));

  it('come back as they went in, ids above 2^53 included', () => {
    expect([...unpackCompletions(packCompletions(completions))]).toEqual([...completions]);
  });

  it('keep the layout generations are stored in: a big-endian 64-bit item id, then seconds', () => {
    const packed = packCompletions(new Map([['21070000000018477', 1_700_000_123_456]]));
    expect(packed.readBigUInt64BE(0)).toBe(21070000000018477n);
    expect(packed.readUInt32BE(8)).toBe(1_700_000_123);
    expect(packed).toHaveLength(12);
  });
});
