import { describe, expect, it } from 'vitest';
import { githubSlug, markdownAnchors, markdownLinks } from './markdown.js';

describe('markdownLinks', () => {
  it('finds links and images with their lines, and skips code', () => {
    const page = [
      'See [the guide](docs/a.md#part) and ![a chart](img/x.png "title").',
      '`[not](a-link.md)` in code',
      '```ts',
      'const x = [y](z); // [no](link.md)',
      '```',
      '[last](#top)',
    ].join('\n');
    expect(markdownLinks(page)).toEqual([
      { target: 'docs/a.md#part', line: 1, image: false },
      { target: 'img/x.png', line: 1, image: true },
      { target: '#top', line: 6, image: false },
    ]);
  });
});

describe('githubSlug and markdownAnchors', () => {
  it('makes the anchors GitHub makes', () => {
    expect(githubSlug('Models: Gaussian HMM and Isolation Forest')).toBe(
      'models-gaussian-hmm-and-isolation-forest',
    );
    expect(githubSlug('`microstream bars`')).toBe('microstream-bars');
    expect(githubSlug('What is guaranteed (aggregate trades)')).toBe('what-is-guaranteed-aggregate-trades');
    expect(githubSlug('Per-bar cost')).toBe('per-bar-cost');
  });

  it('numbers repeated headings, ignores headings in code and reads <a id>', () => {
    const page = [
      '# Title',
      '## Speed',
      '```',
      '## Not a heading',
      '```',
      '### Speed',
      '<a id="here"></a>',
    ].join('\n');
    expect([...markdownAnchors(page)]).toEqual(['title', 'speed', 'speed-1', 'here']);
  });
});
