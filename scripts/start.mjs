#!/usr/bin/env node
// `npm start`: compile when dist/ is missing or older than src/, then serve. Keeps a fresh clone's
// first run to one command without shipping build output in the repository.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'main.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

const stale = !fs.existsSync(entry) || fs.statSync(entry).mtimeMs < newestMtime(path.join(root, 'src'));
if (stale) {
  console.log('[inkstone] building…');
  const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
  const build = spawnSync(tsc, ['-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
// Run in this process, so signals (SIGTERM from a supervisor) reach the server directly.
await import(pathToFileURL(entry).href);
