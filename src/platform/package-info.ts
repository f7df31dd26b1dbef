/**
 * The app's own package.json (name, version), found by walking up from this file: the same
 * answer from src/ under tsx, from dist/, and from a bundle written anywhere inside the package.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  name: string;
  version: string;
}

let cached: PackageInfo | undefined;

export function packageInfo(): PackageInfo {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<PackageInfo>;
      if (parsed.name === 'inkstone') return (cached = { name: parsed.name, version: parsed.version ?? '0.0.0' });
    }
    const parent = path.dirname(dir);
    if (parent === dir) return (cached = { name: 'inkstone', version: 'unknown' });
    dir = parent;
  }
}
