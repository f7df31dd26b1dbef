import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createAnalyzer,
  escapeHtml,
  foldText,
  highlight,
  htmlToText,
  MAX_TERM_LENGTH,
  PrefixIndex,
  snippet,
} from '../../src/platform/search/index.js';
import { osaDistance } from '../../src/modules/search/search.suggestions.js';
import { booleanQuery, decodeTerm, encodeTerm } from '../../src/platform/search/mysql-engine.js';
import { tsqueryLiteral, tsvectorLiteral } from '../../src/platform/search/postgres-engine.js';
import { ftsMatch } from '../../src/platform/search/sqlite-engine.js';

const analyzer = createAnalyzer();

describe('analyzer', () => {
  it('segments Chinese in search mode with the bundled dictionary', () => {
    expect(analyzer.analyze('北京大学')).toEqual(['北京', '大学', '北京大学']);
    expect(analyzer.analyze('中华人民共和国')).toEqual(
      expect.arrayContaining(['中华', '人民', '共和国', '中华人民共和国']),
    );
    expect(analyzer.analyze('前端开发工程师')).toEqual(expect.arrayContaining(['前端', '开发', '前端开发', '工程师']));
  });

  it('folds case, width and Latin accents', () => {
    expect(foldText('ＡＢＣ１２３ Python')).toBe('abc123 python');
    expect(analyzer.analyze('Ｎｏｄｅ．ＪＳ')).toEqual(analyzer.analyze('node.js'));
    expect(analyzer.analyze('ｃ＋＋')).toEqual(['c++']);
    expect(analyzer.analyze('Café Résumé')).toEqual(['cafe', 'resume']);
  });

  it('keeps numbers and tech terms whole, with their parts', () => {
    expect(analyzer.analyze('C++ 和 C#')).toEqual(['c++', '和', 'c#']);
    expect(analyzer.analyze('node.js')).toEqual(['node.js', 'node', 'js']);
    expect(analyzer.analyze('HTML5')).toEqual(['html5', 'html']);
    expect(analyzer.analyze('vue3.0')).toEqual(['vue3.0', 'vue3', 'vue']);
    expect(analyzer.analyze('3.14 与 2024年')).toEqual(['3.14', '与', '2024', '年']);
    expect(analyzer.analyze('utf-8 x86_64')).toEqual(['utf-8', 'utf', 'x86_64', 'x86']);
    expect(analyzer.analyze('iPhone15发布')).toEqual(['iphone15', 'iphone', '发布']);
  });

  it('drops punctuation and emoji, never producing empty terms', () => {
    expect(analyzer.analyze('，。！？……「」')).toEqual([]);
    expect(analyzer.analyze('😀🐍🎉')).toEqual([]);
    expect(analyzer.analyze('"*NEAR-OR MATCH)')).toEqual(['near-or', 'near', 'or', 'match']);
    expect(analyzer.analyze('')).toEqual([]);
  });

  it('cuts very long tokens to MAX_TERM_LENGTH at index and query time alike', () => {
    const long = 'a'.repeat(500);
    expect(analyzer.analyze(long)).toEqual(['a'.repeat(MAX_TERM_LENGTH)]);
    expect(analyzer.queryTerms(long)).toEqual(analyzer.analyze(long));
  });

  it('query terms: distinct, stop words dropped unless nothing else remains', () => {
    expect(analyzer.queryTerms('怎么学习python的教程')).toEqual(['学习', 'python', '教程']);
    expect(analyzer.queryTerms('的')).toEqual(['的']);
    expect(analyzer.queryTerms('the python and the snake')).toEqual(['python', 'snake']);
    expect(analyzer.queryTerms('python python')).toEqual(['python']);
  });

  it('mixed scripts', () => {
    expect(analyzer.analyze('学习Python和Go语言')).toEqual(expect.arrayContaining(['学习', 'python', 'go', '语言']));
    expect(analyzer.analyze('Привет мир')).toEqual(['привет', 'мир']);
  });

  it('a user dictionary adds words (file or list)', () => {
    const plain = createAnalyzer();
    expect(plain.analyze('鸿蒙星河版发布')).not.toContain('鸿蒙星河版');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dict-')), 'user.dict');
    fs.writeFileSync(file, '# our words\n鸿蒙星河版 100 nz\n云原生\n');
    const custom = createAnalyzer({ userDictPath: file });
    expect(custom.analyze('鸿蒙星河版发布')).toContain('鸿蒙星河版');
    expect(createAnalyzer({ userWords: ['鸿蒙星河版'] }).analyze('鸿蒙星河版发布')).toContain('鸿蒙星河版');
  });
});

describe('highlighting', () => {
  it('marks terms in the original text, escaping everything else', () => {
    expect(highlight('学习 Node.JS 与 <C++>', ['node.js', 'node', 'c++'])).toBe(
      '学习 <em>Node.JS</em> 与 &lt;<em>C++</em>&gt;',
    );
    expect(highlight('JavaScript and Java', ['java'])).toBe('JavaScript and <em>Java</em>');
    expect(highlight('ＰＹＴＨＯＮ 教程', ['python'])).toBe('<em>ＰＹＴＨＯＮ</em> 教程');
    expect(highlight('北京大学', ['北京', '大学', '北京大学'])).toBe('<em>北京大学</em>');
    expect(highlight('a "quote" & \'apostrophe\'', [])).toBe(escapeHtml('a "quote" & \'apostrophe\''));
  });

  it('snippets start near the first match and mark every term in the window', () => {
    const body = '开头的无关内容。'.repeat(20) + '这里讲 Python 与北京。' + '结尾的内容。'.repeat(20);
    const s = snippet(body, ['python', '北京']);
    expect(s.startsWith('…')).toBe(true);
    expect(s.endsWith('…')).toBe(true);
    expect(s).toContain('<em>Python</em> 与<em>北京</em>');
    expect(s.replace(/<\/?em>|…/g, '').length).toBeLessThanOrEqual(90);
    expect(snippet('short <b>', ['zzz'])).toBe('short &lt;b&gt;');
  });

  it('turns article HTML into text', () => {
    expect(htmlToText('<p>Hello&nbsp;<b>world</b> &amp; 你好</p><script>x()</script><p>&#x4e16;&#30028;</p>')).toBe(
      'Hello world & 你好 世界',
    );
  });
});

describe('engine query builders never pass user syntax through', () => {
  it('FTS5: every term is a quoted string', () => {
    expect(ftsMatch(['c++', 'say"hi', 'near'], 'all')).toBe('"c++" AND "say""hi" AND "near"');
    expect(ftsMatch(['a', 'b'], 'any')).toBe('"a" OR "b"');
  });

  it('tsquery / tsvector literals quote every lexeme', () => {
    expect(tsqueryLiteral(["it's", 'a\\b', 'c++'], 'all')).toBe("'it''s' & 'a\\\\b' & 'c++'");
    expect(tsvectorLiteral(['北京', 'c++'], ['北京'])).toBe("'北京':1A,3B 'c++':2A");
  });

  it('MySQL: hex-encoded words of at least 3 characters, decodable, operators impossible', () => {
    expect(encodeTerm('北京')).toBe('te58c97e4baac');
    expect(encodeTerm('a')).toBe('t61');
    expect(encodeTerm('a').length).toBeGreaterThanOrEqual(3);
    expect(decodeTerm(encodeTerm('c++'))).toBe('c++');
    const long = '龘'.repeat(20);
    expect(encodeTerm(long)).toMatch(/^h[0-9a-f]{40}$/);
    expect(encodeTerm(long).length).toBeLessThanOrEqual(84);
    expect(booleanQuery(['+', '-x', '"'], 'all')).toMatch(/^(\+t[0-9a-f]+ ?){3}$/);
  });
});

describe('in-memory structures', () => {
  it('prefix index: heaviest completions first, keys deduplicated', () => {
    const index = new PrefixIndex([
      { key: 'python', display: 'python', weight: 5 },
      { key: 'python教程', display: 'Python教程', weight: 9 },
      { key: 'pytorch', display: 'pytorch', weight: 1 },
      { key: 'java', display: 'java', weight: 100 },
      { key: 'python', display: 'Python', weight: 7 },
    ]);
    expect(index.complete('py', 10).map((e) => e.display)).toEqual(['Python教程', 'Python', 'pytorch']);
    expect(index.complete('py', 1).map((e) => e.display)).toEqual(['Python教程']);
    expect(index.complete('rust', 10)).toEqual([]);
    expect(index.has('java')).toBe(true);
  });

  it('edit distance counts a swap as one (OSA) and stops early', () => {
    expect(osaDistance('pyhton', 'python', 2)).toBe(1);
    expect(osaDistance('javsacript', 'javascript', 2)).toBe(1);
    expect(osaDistance('kitten', 'sitting', 3)).toBe(3);
    expect(osaDistance('abc', 'xyzxyz', 2)).toBe(3);
  });
});
