import { courseKeyId, deploymentKeyId, identityKeyId, launchNonceKeyId, platformKeyId } from '../../src/domain';

// These ids are already stored as `_id`s: a change of shape would orphan every document.
const platform = { issuer: 'https://canvas.instructure.com', clientId: '10000000000001' };

describe('stored ids', () => {
  it('keep the shape the stored documents have', () => {
    expect(platformKeyId(platform)).toBe('["https://canvas.instructure.com","10000000000001"]');
    expect(courseKeyId(platform, '42')).toBe('["https://canvas.instructure.com","10000000000001","42"]');
    expect(deploymentKeyId(platform, '7:abc')).toBe('["https://canvas.instructure.com","10000000000001","7:abc"]');
    expect(identityKeyId(platform, 'sub-1')).toBe('["https://canvas.instructure.com","10000000000001","sub-1"]');
    expect(launchNonceKeyId(platform.issuer, 'n0nce')).toBe('["https://canvas.instructure.com","n0nce"]');
  });

  it('keep parts apart whatever characters they hold', () => {
    expect(courseKeyId({ issuer: 'a', clientId: 'b","c' }, 'd')).not.toBe(courseKeyId({ issuer: 'a', clientId: 'b' }, 'c","d'));
  });
});
