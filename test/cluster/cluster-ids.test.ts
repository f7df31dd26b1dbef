/**
 * Ids across real processes: two nodes (own DATA_DIRs) × two cluster workers each, one database
 * (and one Redis in the redis combinations), every process minting 10,000 content ids and 10,000
 * user ids in the same instants. Every process leases its own worker id, so no id repeats.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDb, testEnvironment, testRedis } from '../helpers/app.js';
import { compiled, inkstone } from '../helpers/server-entry.js';
import { until } from '../helpers/wait.js';

const root = path.resolve(import.meta.dirname, '../..');
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

describe(`ids across nodes and workers (db=${testDb}, redis=${testRedis})`, () => {
  it('2 nodes × 2 workers minting 10,000 ids each never repeat an id', { timeout: 400_000 }, async () => {
    const { env, cleanup } = await testEnvironment();
    cleanups.push(cleanup);
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkstone-ids-'));
    cleanups.push(async () => fs.rmSync(outDir, { recursive: true, force: true }));
    const goFile = path.join(outDir, 'go');
    // The database is migrated once first, as `serve --workers N` does in its primary.
    const migrate = spawn(process.execPath, inkstone('migrate'), {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: 'inherit',
    });
    await new Promise((resolve) => migrate.once('exit', resolve));

    const nodes = ['a', 'b'].map((name) => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `inkstone-node-${name}-`));
      cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
      let output = '';
      const child = spawn(process.execPath, [compiled('test/cluster/fixtures/mint.ts')], {
        cwd: root,
        env: {
          ...process.env,
          ...env,
          DATA_DIR: dataDir,
          NODE_NAME: name,
          OUT_DIR: outDir,
          GO_FILE: goFile,
          WORKERS: '2',
          COUNT: '10000',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      return { exited, output: () => output };
    });

    await until(
      'four processes booted',
      () => fs.readdirSync(outDir).filter((f) => f.endsWith('.ready')).length === 4,
      {
        timeoutMs: 240_000,
        intervalMs: 50,
        context: () => nodes.map((n) => n.output()).join('\n'),
      },
    );
    const workerIds = fs
      .readdirSync(outDir)
      .filter((f) => f.endsWith('.ready'))
      .map((f) => fs.readFileSync(path.join(outDir, f), 'utf8'));
    expect(new Set(workerIds).size).toBe(4);
    fs.writeFileSync(goFile, '');
    for (const node of nodes) expect(await node.exited, node.output()).toBe(0);

    const all = new Set<string>();
    let total = 0;
    for (const file of fs.readdirSync(outDir).filter((f) => f.endsWith('.txt'))) {
      const ids = fs.readFileSync(path.join(outDir, file), 'utf8').split('\n');
      expect(ids).toHaveLength(20_000);
      total += ids.length;
      for (const id of ids) all.add(id);
    }
    expect(total).toBe(80_000);
    expect(all.size).toBe(total);
  });
});
