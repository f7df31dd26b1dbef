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
import { createRequire } from 'node:module';
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

/**
 * Browser builds of packages, served like our own files (no CDN): the Socket.IO client for the
 * pages that listen for notifications. The source map comment goes: the map is not served.
 */
const VENDOR: readonly { name: string; file: string }[] = [
  { name: 'socket.io.js', file: 'socket.io-client/dist/socket.io.min.js' },
];

function vendorBody(file: string): Buffer {
  const [scope, ...rest] = file.split('/');
  const pkg = createRequire(import.meta.url).resolve(`${scope}/package.json`);
  const text = fs.readFileSync(path.join(path.dirname(pkg), ...rest), 'utf8');
  return Buffer.from(text.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n'));
}

function asset(name: string, body: Buffer): Asset | undefined {
  const ext = path.extname(name);
  const type = TYPES[ext];
  if (!type) return undefined;
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 12);
  return { path: `/assets/${path.basename(name, ext)}.${hash}${ext}`, type, body };
}

let loaded: ReadonlyMap<string, Asset> | undefined;

/** Every asset by its base name (`site.css`): read and hashed once per process, whoever asks. */
export function loadAssets(): ReadonlyMap<string, Asset> {
  return (loaded ??= readAssets());
}

function readAssets(): Map<string, Asset> {
  const dir = assetDir();
  const assets = new Map<string, Asset>();
  for (const name of fs.readdirSync(dir)) {
    const found = asset(name, fs.readFileSync(path.join(dir, name)));
    if (found) assets.set(name, found);
  }
  for (const { name, file } of VENDOR) assets.set(name, asset(name, vendorBody(file))!);
  return assets;
}

/** The hashed paths every page links: its stylesheet, icon and enhancement script. */
export function pageAssets(): { stylesheet: string; icon: string; script: string } {
  const assets = loadAssets();
  return {
    stylesheet: assets.get('site.css')!.path,
    icon: assets.get('icon.svg')!.path,
    script: assets.get('site.js')!.path,
  };
}
