import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';

/** Where the page's files are: beside this file, in the sources and (copied by the package's build) in dist. */
export const DASHBOARD_ASSETS_DIR = join(__dirname, 'assets');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** One file of the page, held in memory. */
export interface DashboardAsset {
  readonly body: Buffer;
  readonly contentType: string;
  /** A strong validator of the body, for `If-None-Match`. */
  readonly etag: string;
}

/** What the page is told when it is served. */
export interface DashboardPageSettings {
  /** Whether Cask's routes ask for API keys: the page asks for one before calling them rather than after a refusal. */
  keysRequired: boolean;
  /** Where the page is served, e.g. `/dashboard`. */
  dashboardPath: string;
  /** The prefix of Cask's HTTP routes, e.g. `''` or `/cask`. */
  apiPath: string;
}

function asset(body: Buffer, contentType: string): DashboardAsset {
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/**
 * The dashboard's files (HTML, plain ES2020 modules, CSS, an icon), read once at boot: no build step, no
 * CDN, and a missing file fails the start rather than a browser later. Only these names are ever served.
 */
export class DashboardAssets {
  private readonly files: Map<string, DashboardAsset>;

  constructor(settings: DashboardPageSettings, dir: string = DASHBOARD_ASSETS_DIR) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      throw new Error(`Dashboard assets are missing from ${dir}: build the package (npm run build copies them)`);
    }
    this.files = new Map(
      names
        .filter((name) => CONTENT_TYPES[extname(name)] !== undefined)
        .map((name) => [name, asset(readFileSync(join(dir, name)), CONTENT_TYPES[extname(name)])]),
    );
    const page = this.files.get('index.html');
    if (!page) throw new Error(`Dashboard assets in ${dir} have no index.html`);
    const html = page.body
      .toString('utf8')
      .replaceAll('{{keys_required}}', String(settings.keysRequired))
      .replaceAll('{{dashboard_path}}', escapeAttribute(settings.dashboardPath))
      .replaceAll('{{api_path}}', escapeAttribute(settings.apiPath));
    this.files.set('index.html', asset(Buffer.from(html), page.contentType));
  }

  /** The file of that name, or undefined for any name that is not one of the page's files. */
  get(name: string): DashboardAsset | undefined {
    return this.files.get(name);
  }

  /** Every file's name. */
  names(): string[] {
    return [...this.files.keys()];
  }
}

/** Paths come from the app's code, not from requests; escaped all the same, as they land in attributes. */
function escapeAttribute(value: string): string {
  return value.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
}
