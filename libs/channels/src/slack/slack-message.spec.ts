import { buildSlackMessage, chunkText, codeBlock, SLACK_LIMITS, SlackMessageInput } from './slack-message';

const base: Omit<SlackMessageInput, 'result'> = { jobId: 'job_1', taskId: 'task_1', jobTypeId: 'echo', seq: 1, isFinal: true };
const build = (result: unknown, extra: Partial<SlackMessageInput> = {}) => buildSlackMessage({ ...base, ...extra, result });

type AnyBlock = { type: string; text?: { type: string; text: string }; fields?: Array<{ text: string }>; elements?: Array<{ text: string }> };
const blocks = (m: { blocks: unknown[] }) => m.blocks as AnyBlock[];

/** Every limit Slack enforces on what we build. */
function expectWithinLimits(m: { text: string; blocks: unknown[] }) {
  expect(m.text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
  expect(m.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  for (const b of blocks(m)) {
    if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    if (b.fields) {
      expect(b.fields.length).toBeLessThanOrEqual(SLACK_LIMITS.fields);
      for (const f of b.fields) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    }
    for (const e of b.elements ?? []) expect(e.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
  }
}

describe('buildSlackMessage', () => {
  it('posts a string result as mrkdwn, as the agent wrote it', () => {
    const m = build('*Deploy* done: <https://example.com|logs>');
    expect(m.text).toBe('*Deploy* done: <https://example.com|logs>');
    expect(blocks(m)[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '*Deploy* done: <https://example.com|logs>' } });
    expect(blocks(m)[1].type).toBe('context');
  });

  it('renders short object values as fields "key: value", escaped', () => {
    const m = build({ hello: 'world', count: 3, ok: true, none: null, html: '<!channel> & co' });
    const [fields, context] = blocks(m);
    expect(fields.type).toBe('section');
    expect(fields.fields!.map((f) => f.text)).toEqual([
      '*hello*: world', '*count*: 3', '*ok*: true', '*none*: _null_', '*html*: &lt;!channel&gt; &amp; co',
    ]);
    expect(context.type).toBe('context');
    expect(m.text).toBe('hello: world\ncount: 3\nok: true\nnone: null\nhtml: <!channel> & co');
    expectWithinLimits(m);
  });

  it('puts nested values in JSON code blocks and long strings in their own section', () => {
    const long = 'word '.repeat(100).trim();
    const m = build({ status: 'ok', details: { a: [1, 2], b: { c: 'x' } }, summary: long });
    const [fields, code, summary] = blocks(m);
    expect(fields.fields!.map((f) => f.text)).toEqual(['*status*: ok']);
    expect(code.text!.text).toBe('*details*\n```\n' + JSON.stringify({ a: [1, 2], b: { c: 'x' } }, null, 2) + '\n```');
    expect(summary.text!.text).toBe(`*summary*\n${long}`);
    expectWithinLimits(m);
  });

  it('groups at most 10 fields per section', () => {
    const obj = Object.fromEntries(Array.from({ length: 23 }, (_, i) => [`k${i}`, i]));
    const m = build(obj);
    const sections = blocks(m).filter((b) => b.fields);
    expect(sections.map((s) => s.fields!.length)).toEqual([10, 10, 3]);
    expectWithinLimits(m);
  });

  it('uses the text of a Slack-ready result (jobs-report), and its blocks when valid', () => {
    const m = build({ text: '*Jobs report*\n• Total: 3', total: 3, by_status: { COMPLETED: 3 } });
    expect(m.text).toBe('*Jobs report*\n• Total: 3');
    expect(blocks(m).map((b) => b.type)).toEqual(['section', 'context']);
    expect(blocks(m)[0].text!.text).toBe('*Jobs report*\n• Total: 3');

    const own = [{ type: 'header', text: { type: 'plain_text', text: 'Hi' } }];
    expect(build({ text: 'Hi', blocks: own }).blocks.slice(0, 1)).toEqual(own);
    // Not blocks: ignored, the text is used.
    expect(blocks(build({ text: 'Hi', blocks: ['nope'] }))[0].text!.text).toBe('Hi');
  });

  it('cuts everything to Slack limits', () => {
    const huge = 'x'.repeat(50_000);
    const m1 = build(huge);
    expectWithinLimits(m1);
    expect(m1.text.endsWith('…')).toBe(true);

    const m2 = build({ blob: { data: 'y'.repeat(10_000) } });
    expectWithinLimits(m2);
    expect(blocks(m2)[0].text!.text).toContain('…(truncated)');
    expect(blocks(m2)[0].text!.text.endsWith('```')).toBe(true);

    const many = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`n${i}`, { i }]));
    const m3 = build(many);
    expectWithinLimits(m3);
    expect(m3.blocks).toHaveLength(SLACK_LIMITS.blocks);
    expect(blocks(m3)[48].elements![0].text).toMatch(/^…32 more block\(s\) not shown/);

    const longField = build({ k: 'z'.repeat(SLACK_LIMITS.fieldText + 50) });
    expectWithinLimits(longField);
  });

  it('keeps code blocks closed even when the value holds backticks', () => {
    const b = codeBlock('*x*', { s: '```oops```' }) as AnyBlock;
    const inner = b.text!.text.slice('*x*\n```\n'.length, -'\n```'.length);
    expect(inner).not.toContain('```');
  });

  it('handles null, empty, arrays and numbers', () => {
    expect(blocks(build(null))[0].text!.text).toBe('_No result_');
    expect(build(null).text).toBe('No result');
    expect(blocks(build({}))[0].text!.text).toBe('_(empty result)_');
    expect(blocks(build(''))[0].text!.text).toBe('_(empty result)_');
    expect(blocks(build([1, 2]))[0].text!.text).toBe('```\n' + JSON.stringify([1, 2], null, 2) + '\n```');
    expect(build(42).text).toBe('42');
  });

  it('names the job in a context line: result, update n, final result', () => {
    const last = (m: { blocks: unknown[] }) => blocks(m)[m.blocks.length - 1].elements![0].text;
    expect(last(build('a'))).toBe('echo · job `job_1` · result');
    expect(last(build('a', { seq: 2, isFinal: false }))).toBe('echo · job `job_1` · update 2');
    expect(last(build('a', { seq: 3, isFinal: true }))).toBe('echo · job `job_1` · final result (3)');
  });
});

describe('chunkText', () => {
  it('splits at line ends when it can', () => {
    const text = `${'a'.repeat(2000)}\n${'b'.repeat(2000)}`;
    expect(chunkText(text, 3000)).toEqual(['a'.repeat(2000), 'b'.repeat(2000)]);
    expect(chunkText('c'.repeat(7000), 3000).map((c) => c.length)).toEqual([3000, 3000, 1000]);
  });
});
