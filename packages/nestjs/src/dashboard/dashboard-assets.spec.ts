import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DashboardAssets } from './dashboard-assets';

function assetsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cask-dashboard-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const settings = (keysRequired: boolean) => ({ keysRequired, dashboardPath: '/dashboard', apiPath: '' });

describe('DashboardAssets', () => {
  const page = '<meta name="cask-keys-required" content="{{keys_required}}">';

  it('holds the page, scripts, styles and icons with their types, and nothing else', () => {
    const dir = assetsDir({
      'index.html': page,
      'main.js': 'x',
      'app.css': 'y',
      'icon.svg': '<svg/>',
      'notes.md': 'z',
      'tsconfig.json': '{}',
    });

    const assets = new DashboardAssets(settings(true), dir);

    expect(assets.names().sort()).toEqual(['app.css', 'icon.svg', 'index.html', 'main.js']);
    expect(assets.get('main.js')?.contentType).toBe('text/javascript; charset=utf-8');
    expect(assets.get('app.css')?.contentType).toBe('text/css; charset=utf-8');
    expect(assets.get('index.html')?.contentType).toBe('text/html; charset=utf-8');
    expect(assets.get('notes.md')).toBeUndefined();
    expect(assets.get('../index.html')).toBeUndefined();
  });

  it('writes into the page whether the api asks for keys', () => {
    const dir = assetsDir({ 'index.html': page });

    expect(new DashboardAssets(settings(true), dir).get('index.html')?.body.toString()).toBe(
      '<meta name="cask-keys-required" content="true">',
    );
    expect(new DashboardAssets(settings(false), dir).get('index.html')?.body.toString()).toBe(
      '<meta name="cask-keys-required" content="false">',
    );
  });

  it('refuses to start without its files, saying how to get them', () => {
    expect(() => new DashboardAssets(settings(true), join(tmpdir(), 'no-such-cask-dashboard-dir'))).toThrow(
      /Dashboard assets are missing from .*npm run build/,
    );
    expect(() => new DashboardAssets(settings(true), assetsDir({ 'main.js': 'x' }))).toThrow(/no index\.html/);
  });
});
