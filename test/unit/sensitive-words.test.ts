import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/modules/demo/prng.js';
import { AhoCorasick, foldText } from '../../src/platform/sanitize/aho-corasick.js';
import { DEFAULT_SENSITIVE_WORDS } from '../../src/platform/sanitize/default-sensitive-words.js';
import { createSensitiveWordFilter, parseWordList } from '../../src/platform/sanitize/sensitive-words.js';
import { pause } from '../helpers/wait.js';

/** Every occurrence by brute force, the reference the automaton must agree with. */
function naive(patterns: readonly string[], text: string): string[] {
  const folded = foldText(text);
  const found: string[] = [];
  patterns.forEach((pattern, index) => {
    const p = foldText(pattern);
    for (let i = folded.indexOf(p); i !== -1; i = folded.indexOf(p, i + 1)) found.push(`${index}@${i}-${i + p.length}`);
  });
  return found.sort();
}

function occurrences(ac: AhoCorasick, text: string): string[] {
  return ac
    .findAll(text)
    .map((m) => `${m.pattern}@${m.start}-${m.end}`)
    .sort();
}

describe('Aho–Corasick matcher', () => {
  it('finds overlapping and nested patterns (the classic he/she/his/hers)', () => {
    const ac = new AhoCorasick(['he', 'she', 'his', 'hers']);
    const text = 'ushers';
    const found = ac.findAll(text).map((m) => ac.patterns[m.pattern] + '@' + m.start);
    expect(found.sort()).toEqual(['he@2', 'hers@2', 'she@1']);
    for (const m of ac.findAll(text))
      expect(foldText(text.slice(m.start, m.end))).toBe(foldText(ac.patterns[m.pattern]!));
  });

  it('matches Chinese patterns that overlap and contain each other', () => {
    const patterns = ['中国', '国人', '人民', '中国人民', '民'];
    const ac = new AhoCorasick(patterns);
    const text = '我们是中国人民的朋友，人民万岁';
    expect(occurrences(ac, text)).toEqual(naive(patterns, text));
    expect(ac.findAll(text).filter((m) => m.pattern === 3)).toEqual([{ pattern: 3, start: 3, end: 7 }]);
  });

  it('folds Latin case and full-width letters, keeping offsets exact', () => {
    const ac = new AhoCorasick(['Viagra', 'ÉCOLE', 'σοφία']);
    const text = 'buy VIAGRA, ｖｉａｇｒａ and viagra at the école ΣΟΦΊΑ';
    const found = ac.findAll(text).map((m) => text.slice(m.start, m.end));
    expect(found).toEqual(['VIAGRA', 'ｖｉａｇｒａ', 'viagra', 'école', 'ΣΟΦΊΑ']);
  });

  it('does not fold CJK or digits into anything else, and handles emoji (surrogate pairs)', () => {
    const ac = new AhoCorasick(['🔫枪', '１２３']);
    expect(ac.findAll('买🔫枪 123').map((m) => m.start)).toEqual([1, 5]);
    expect(ac.test('枪🔫')).toBe(false);
  });

  it('ignores empty patterns and duplicates that differ only in case', () => {
    const ac = new AhoCorasick(['', 'Spam', 'SPAM', 'spam', 'ham']);
    expect(ac.patterns).toEqual(['Spam', 'ham']);
    expect(ac.findAll('SpAm and HAM')).toHaveLength(2);
    expect(new AhoCorasick([]).findAll('anything')).toEqual([]);
  });

  it('agrees with a brute-force search on random texts and pattern sets', () => {
    const next = mulberry32(20261122);
    const alphabet = ['a', 'b', 'A', 'B', '中', '国', 'ｂ', ' '];
    const pick = (n: number) =>
      Array.from({ length: n }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    for (let round = 0; round < 300; round++) {
      const patterns = Array.from({ length: 1 + Math.floor(next() * 8) }, () => pick(1 + Math.floor(next() * 4)));
      const ac = new AhoCorasick(patterns);
      const text = pick(Math.floor(next() * 60));
      expect(occurrences(ac, text), `patterns ${JSON.stringify(patterns)} text ${JSON.stringify(text)}`).toEqual(
        naive(ac.patterns, text),
      );
    }
  });

  it('can stop at the first match', () => {
    const ac = new AhoCorasick(['x']);
    let calls = 0;
    ac.scan('xxxx', () => {
      calls++;
      return false;
    });
    expect(calls).toBe(1);
    expect(ac.findAll('xxxx', 2)).toHaveLength(2);
  });
});

describe('sensitive-word filter', () => {
  it('ships a small default list and flags it in titles and text', () => {
    const filter = createSensitiveWordFilter();
    expect(filter.size).toBe(DEFAULT_SENSITIVE_WORDS.length);
    expect(filter.match('这是一个包含敏感词的标题')).toEqual(['敏感词']);
    expect(filter.match('Visit our ONLINE CASINO today')).toEqual(['online casino']);
    expect(filter.test('a perfectly ordinary article')).toBe(false);
  });

  it('reports each word once, in order of first occurrence', () => {
    const filter = createSensitiveWordFilter({ words: ['bb', 'abc', 'c'] });
    expect(filter.match('c abc bb abc c')).toEqual(['c', 'abc', 'bb']);
    expect(filter.match('c abc bb', 2)).toEqual(['c', 'abc']);
    expect(filter.findAll('abc').map((m) => m.word)).toEqual(['abc', 'c']);
  });

  it('reloads a new list atomically', async () => {
    const filter = createSensitiveWordFilter({ words: ['old'] });
    expect(filter.test('old news')).toBe(true);
    expect(await filter.reload(['新词', 'fresh'])).toBe(2);
    expect(filter.test('old news')).toBe(false);
    expect(filter.match('FRESH 新词')).toEqual(['fresh', '新词']);
  });

  it('reads a word-list file (comments, blank lines, BOM) and re-reads it on reload', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'words-'));
    const file = path.join(dir, 'words.txt');
    try {
      fs.writeFileSync(file, '\uFEFF# demo list\n违禁词\n\n  Spam Word  \r\n# comment\n');
      const filter = createSensitiveWordFilter({ file });
      expect(filter.size).toBe(2);
      expect(filter.match('this is SPAM WORD and 违禁词')).toEqual(['Spam Word', '违禁词']);
      fs.writeFileSync(file, 'другое\n');
      expect(await filter.reload()).toBe(1);
      expect(filter.test('违禁词')).toBe(false);
      expect(filter.match('ДРУГОЕ слово')).toEqual(['другое']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('picks up a changed file by itself when watching', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'words-'));
    const file = path.join(dir, 'words.txt');
    fs.writeFileSync(file, 'first\n');
    const filter = createSensitiveWordFilter({ file, watchMs: 20 });
    try {
      expect(filter.test('first')).toBe(true);
      await pause(50); // a later mtime than the first write, so the watcher sees a change
      fs.writeFileSync(file, 'second\nthird\n');
      await expect.poll(() => filter.size, { timeout: 3000, interval: 25 }).toBe(2);
      expect(filter.test('first')).toBe(false);
      expect(filter.test('third')).toBe(true);
    } finally {
      filter.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses word lists', () => {
    expect(parseWordList('a\n# b\n\n c \n' + 'x'.repeat(65))).toEqual(['a', 'c']);
  });
});
