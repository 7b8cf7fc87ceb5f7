import { deleteNamespace, uniqueNamespace } from '@cask/testing';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DashboardAssets } from '../../../packages/nestjs/src/dashboard/dashboard-assets';
import { createApiApp } from './api-app';

const KEY = 'cask_test_key_dash_page_write_012345';

/** The directives of a Content-Security-Policy header, by name. */
function directives(header: string): Map<string, string[]> {
  return new Map(
    header
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name, values]),
  );
}

/** Every file the page loads, found from the HTML and then from each module's imports. */
async function crawl(http: ReturnType<typeof request>, html: string): Promise<Map<string, request.Response>> {
  const found = new Map<string, request.Response>();
  const queue = [...html.matchAll(/<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map(([, url]) => url);
  while (queue.length > 0) {
    const url = queue.shift() as string;
    if (found.has(url)) continue;
    expect(url).toMatch(/^\/dashboard\/[\w-]+\.(js|css|svg)$/);
    const response = await http.get(url);
    found.set(url, response);
    if (url.endsWith('.js')) {
      for (const [, spec] of response.text.matchAll(/^import [^;]*? from '(\.\/[\w-]+\.js)';$/gm))
        queue.push(`/dashboard/${spec.slice(2)}`);
    }
  }
  return found;
}

describe('GET /dashboard', () => {
  const namespace = uniqueNamespace('dash-page');
  let app: INestApplication;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    app = await createApiApp({ CASK_NAMESPACE: namespace, CASK_API_KEYS: `acme:write:${KEY}` });
    http = request(app.getHttpServer());
  });

  afterAll(async () => {
    await app?.close();
    await deleteNamespace(namespace);
  });

  it('serves the page without a key (it holds no data), telling it the api asks for keys', async () => {
    const page = await http
      .get('/dashboard')
      .expect(200)
      .expect('content-type', /^text\/html/);
    expect((await http.get('/dashboard/').expect(200)).text).toBe(page.text);

    expect(page.text).toMatch(/<meta name="cask-keys-required" content="true" ?\/?>/);
    expect(page.text).toContain('<label for="key">');
    // The data is not public: the page's first call needs the key.
    await http.get('/auth/whoami').expect(401);
  });

  it('sends a strict CSP on the page and its files: only its own origin, no inline code, Trusted Types, no framing', async () => {
    const page = await http.get('/dashboard').expect(200);
    const policy = directives(page.headers['content-security-policy']);

    expect(Object.fromEntries(policy)).toEqual({
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'script-src-attr': ["'none'"],
      'style-src': ["'self'"],
      'img-src': ["'self'"],
      'connect-src': ["'self'"],
      'font-src': ["'self'"],
      'object-src': ["'none'"],
      'base-uri': ["'none'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
      'require-trusted-types-for': ["'script'"],
      'trusted-types': ["'none'"],
    });
    expect((await http.get('/dashboard/main.js').expect(200)).headers['content-security-policy']).toBe(
      page.headers['content-security-policy'],
    );
    expect(page.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    // The api's own routes keep helmet's defaults.
    expect((await http.get('/health/live')).headers['content-security-policy']).toContain('upgrade-insecure-requests');
  });

  it('has no inline script, style or event handler: everything it runs is a file the CSP allows', async () => {
    const { text } = await http.get('/dashboard').expect(200);

    const scripts = [...text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.filter(([, attributes, body]) => !/\bsrc=/.test(attributes) || body.trim() !== '')).toEqual([]);
    expect(text).not.toMatch(/<style\b/i);
    expect(text).not.toMatch(/\sstyle=/i);
    expect(text).not.toMatch(/\son[a-z]+=/i);
  });

  it('serves every file the page loads, with its type, from the api itself: nothing from another host', async () => {
    const { text } = await http.get('/dashboard').expect(200);
    const files = await crawl(http, text);

    // Every file shipped is used, and every file used is shipped.
    const shipped = app
      .get(DashboardAssets)
      .names()
      .filter((name) => name !== 'index.html');
    expect([...files.keys()].sort()).toEqual(shipped.map((name) => `/dashboard/${name}`).sort());
    expect([...files.keys()]).toEqual(
      expect.arrayContaining([
        '/dashboard/main.js',
        '/dashboard/app.css',
        '/dashboard/icon.svg',
        '/dashboard/jobs-table.js',
        '/dashboard/live.js',
      ]),
    );
    const types = { js: /^text\/javascript; charset=utf-8$/, css: /^text\/css; charset=utf-8$/, svg: /^image\/svg\+xml/ };
    for (const [url, response] of files) {
      expect([url, response.status]).toEqual([url, 200]);
      expect([url, response.headers['content-type']]).toEqual([
        url,
        expect.stringMatching(types[url.split('.').pop() as keyof typeof types]),
      ]);
      // Works offline: no CDN, no font service. The one URL allowed is the SVG namespace, never fetched.
      const body = response.text ?? response.body.toString();
      expect([url, body.replace('http://www.w3.org/2000/svg', '').match(/https?:\/\/[^\s'"`)]+/g)]).toEqual([url, null]);
      // Trusted Types would refuse these at run time; the scripts never build markup from strings.
      expect([url, /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(/.test(body)]).toEqual([
        url,
        false,
      ]);
    }
  });

  it('answers 404 with the api’s error body for any other file, and revalidates files with their ETag', async () => {
    for (const path of [
      '/dashboard/nope.js',
      '/dashboard/index.html',
      '/dashboard/dashboard.controller.ts',
      '/dashboard/tsconfig.assets.json',
    ]) {
      const response = await http.get(path).expect(404);
      expect([path, response.body]).toEqual([path, { error: 'Not found' }]);
    }
    const first = await http.get('/dashboard/app.css').expect(200).expect('cache-control', 'no-cache');
    expect(first.headers.etag).toBeDefined();
    await http.get('/dashboard/app.css').set('If-None-Match', first.headers.etag).expect(304);
  });
});

describe('GET /dashboard of an open api', () => {
  const namespace = uniqueNamespace('dash-page-open');
  let app: INestApplication;

  beforeAll(async () => {
    app = await createApiApp({ CASK_NAMESPACE: namespace });
  });

  afterAll(async () => {
    await app?.close();
    await deleteNamespace(namespace);
  });

  it('tells the page that no key is needed', async () => {
    const page = await request(app.getHttpServer()).get('/dashboard').expect(200);

    expect(page.text).toMatch(/<meta name="cask-keys-required" content="false" ?\/?>/);
  });
});
