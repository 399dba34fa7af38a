import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CLASSIFICATION_FILE,
  classifyItem,
  countsTowardsCompletion,
  loadClassificationRules,
  parseClassificationOverrides,
  type ClassifiableItem,
} from '../../src/completion/classify';

const rules = loadClassificationRules(CLASSIFICATION_FILE);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-classify-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeTempFile(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}
const item = (title: string, type = 'Page', id = '501'): ClassifiableItem => ({ id, title, type });

describe('default classification rules', () => {
  it.each([
    ['Mentor meeting 1: Reviewing the module audit', 'mentor-meeting'],
    ['mentor Meeting - planning practice', 'mentor-meeting'],
    ['Training event: Engaging pupils (online workshop)', 'event'],
    ['Module 3 audit', 'audit'],
    ['MODULE 12 AUDIT', 'audit'],
    ['End of module: module 4 audit (reflection)', 'audit'],
    ['1.2 Reading: How pupils learn', 'self-study'],
    ['Preparing for your mentor meeting', 'self-study'],
    ['Module audit guidance', 'self-study'],
    ['Module three audit', 'self-study'],
  ])('classifies "%s" as %s', (title, expected) => {
    expect(classifyItem(item(title), rules)).toBe(expected);
  });

  it('classifies a SubHeader as a header whatever its title says', () => {
    expect(classifyItem(item('Mentor meeting materials', 'SubHeader'), rules)).toBe('header');
    expect(classifyItem(item('Module 2 audit', 'SubHeader'), rules)).toBe('header');
  });

  it('ignores whitespace around the title', () => {
    expect(classifyItem(item('   Training event: peer network '), rules)).toBe('event');
  });

  it('counts only items with a completion requirement, and never a header', () => {
    expect(countsTowardsCompletion('self-study', true)).toBe(true);
    expect(countsTowardsCompletion('audit', true)).toBe(true);
    expect(countsTowardsCompletion('self-study', false)).toBe(false);
    expect(countsTowardsCompletion('header', true)).toBe(false);
  });
});

describe('per-course overrides', () => {
  const overrides = parseClassificationOverrides(
    {
      items: { '777': 'event', '778': 'self-study' },
      titles: [
        { pattern: '^webinar\\b', class: 'event' },
        { pattern: 'check-in', class: 'mentor-meeting' },
      ],
    },
    'overrides.json',
  );

  it('lets an item id override win over titles and the default rules', () => {
    expect(classifyItem(item('Webinar: feedback', 'Page', '777'), rules, overrides)).toBe('event');
    expect(classifyItem(item('Mentor meeting 2', 'Page', '778'), rules, overrides)).toBe('self-study');
  });

  it('applies title overrides case-insensitively before the default rules', () => {
    expect(classifyItem(item('WEBINAR on questioning'), rules, overrides)).toBe('event');
    expect(classifyItem(item('Module 5 audit check-in'), rules, overrides)).toBe('mentor-meeting');
  });

  it('falls back to the default rules for anything not overridden', () => {
    expect(classifyItem(item('Module 5 audit', 'Assignment', '900'), rules, overrides)).toBe('audit');
    expect(classifyItem(item('Reading: scaffolding', 'Page', '901'), rules, overrides)).toBe('self-study');
  });

  it('defaults missing parts of an overrides file to none', () => {
    expect(parseClassificationOverrides({ titles: [] }, 'f.json')).toEqual({ items: {}, titles: [] });
  });

  it.each([
    [{ items: { '12': 'quiz' } }, /items\.12/],
    [{ items: { abc: 'event' } }, /items/],
    [{ titles: [{ pattern: '(unclosed', class: 'event' }] }, /titles\.0\.pattern: is not a valid regular expression/],
    [{ title: [] }, /f\.json/],
  ])('refuses %j naming the field', (value, message) => {
    expect(() => parseClassificationOverrides(value, 'f.json')).toThrow(message);
  });
});

describe('a provider rules file', () => {
  it('replaces the default rules', () => {
    const file = writeTempFile(
      'classification.json',
      JSON.stringify({ default: 'self-study', rules: [{ class: 'event', titlePattern: '^Workshop' }] }),
    );
    const custom = loadClassificationRules(file);
    expect(classifyItem(item('Workshop: routines'), custom)).toBe('event');
    expect(classifyItem(item('Training event: routines'), custom)).toBe('self-study');
  });

  it('is refused with the field at fault', () => {
    const file = writeTempFile('bad.json', JSON.stringify({ default: 'self-study', rules: [{ class: 'event' }] }));
    expect(() => loadClassificationRules(file)).toThrow(`${file}: rules.0: a rule needs itemType or titlePattern`);
  });

  it('ships a default file that loads', () => {
    expect(path.basename(CLASSIFICATION_FILE)).toBe('classification.json');
    expect(rules.default).toBe('self-study');
  });
});
