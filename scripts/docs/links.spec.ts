import { join } from 'node:path';
import { anchorsOf, brokenLinks, docPages } from './links';

const ROOT = join(__dirname, '..', '..');

describe('the docs', () => {
  it('have no link to a file or heading that does not exist', () => {
    expect(docPages(ROOT).length).toBeGreaterThan(10);
    expect(brokenLinks(ROOT)).toEqual([]);
  });

  it('anchor headings as GitHub does', () => {
    expect([
      ...anchorsOf('# Cask\n## Job lifecycle: retries, timeouts, redrive\n## `GET /jobs/:id`\n## Cask\n```\n# not a heading\n```'),
    ]).toEqual(['cask', 'job-lifecycle-retries-timeouts-redrive', 'get-jobsid', 'cask-1']);
  });
});
