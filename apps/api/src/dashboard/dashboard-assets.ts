import { Injectable } from '@nestjs/common';
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';

/** Where the page's files are: beside this file, in the sources and (copied by nest-cli.json's `assets`) in dist. */
export const DASHBOARD_ASSETS_DIR = join(__dirname, 'assets');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** One file of the page, held in memory. */
export interface DashboardAsset {
  body: Buffer;
  readonly contentType: string;
}

/**
 * The dashboard's files (HTML, plain ES2020 modules, CSS, an icon), read once at boot: no build step, no
 * CDN, and a missing file fails the start rather than a browser later. Only these names are ever served.
 */
@Injectable()
export class DashboardAssets {
  private readonly files: ReadonlyMap<string, DashboardAsset>;

  /**
   * @param keysRequired whether the api asks for API keys: written into the page, so that it asks for a key
   * before calling the api rather than after a refusal
   */
  constructor(keysRequired: boolean, dir: string = DASHBOARD_ASSETS_DIR) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      throw new Error(`Dashboard assets are missing from ${dir}: build the api with \`npm run build\` (nest-cli.json copies them)`);
    }
    this.files = new Map(
      names
        .filter((name) => CONTENT_TYPES[extname(name)] !== undefined)
        .map((name) => [name, { body: readFileSync(join(dir, name)), contentType: CONTENT_TYPES[extname(name)] }]),
    );
    const page = this.files.get('index.html');
    if (!page) throw new Error(`Dashboard assets in ${dir} have no index.html`);
    page.body = Buffer.from(page.body.toString('utf8').replace('{{keys_required}}', String(keysRequired)));
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
