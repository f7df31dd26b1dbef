/**
 * The site's static assets, read once at start-up and served from memory under a name that
 * carries a hash of their content (`/assets/site.3f9a….css`): a changed file gets a new name,
 * so every copy may be cached for a year (`immutable`) and no page ever pairs with a stale one.
 *
 * The files live in src/modules/web/assets/ (tsc does not copy them into dist/); compiled code
 * finds them under the package root's src/.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  /** The public path, hash included. */
  path: string;
  type: string;
  body: Buffer;
}

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

function assetDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  const beside = path.join(dir, 'assets');
  if (fs.existsSync(beside)) return beside;
  // Compiled (dist/, a bundle in a build folder): the package's own src/ holds them.
  for (;;) {
    const candidate = path.join(dir, 'src', 'modules', 'web', 'assets');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('web assets not found: src/modules/web/assets beside package.json');
    dir = parent;
  }
}

/** Every asset by its base name (`site.css`). */
export function loadAssets(): Map<string, Asset> {
  const dir = assetDir();
  const assets = new Map<string, Asset>();
  for (const name of fs.readdirSync(dir)) {
    const ext = path.extname(name);
    const type = TYPES[ext];
    if (!type) continue;
    const body = fs.readFileSync(path.join(dir, name));
    const hash = createHash('sha256').update(body).digest('base64url').slice(0, 12);
    assets.set(name, { path: `/assets/${path.basename(name, ext)}.${hash}${ext}`, type, body });
  }
  return assets;
}
