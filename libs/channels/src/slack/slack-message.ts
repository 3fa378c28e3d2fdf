/**
 * Pure formatting: a task result → a Slack message (`text` + Block Kit `blocks`).
 * No I/O, unit-tested in slack-message.spec.ts.
 *
 * - a string result is the agent's own Slack mrkdwn: posted as is, in sections;
 * - an object with a string `text` is "Slack-ready" (e.g. the jobs-report builtin): its
 *   text is the message (and its `blocks`, when it brings valid-looking ones, are used);
 * - any other object: short values become section fields (`key: value`), long strings a
 *   section of their own, nested objects/arrays a JSON code block;
 * - anything else (array, number, ...) is a JSON code block.
 * Every message ends with a context line naming the job. Everything is cut to Slack's limits.
 */

export interface SlackMessageInput {
  jobId: string;
  taskId: string;
  jobTypeId: string;
  /** 1 for the job's first post, then 2, 3... for follow-up results. */
  seq: number;
  isFinal: boolean;
  result: unknown;
}

export type SlackTextObject = { type: 'mrkdwn' | 'plain_text'; text: string };
export type SlackBlock =
  | { type: 'section'; text?: SlackTextObject; fields?: SlackTextObject[] }
  | { type: 'context'; elements: SlackTextObject[] }
  | Record<string, unknown>;

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

/** Slack's limits (Block Kit reference). */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fieldText: 2000,
  fields: 10,
  /** chat.postMessage `text`: Slack truncates at 40,000; keep notifications short. */
  text: 3000,
} as const;

/** A value shorter than this (one line) is shown as a field. */
export const SHORT_VALUE_CHARS = 150;
/** A string result longer than this many sections is cut. */
const MAX_TEXT_SECTIONS = 10;

/** Cuts `s` to at most `max` characters (code points), ending in "…" when cut. */
export function truncate(s: string, max: number): string {
  const chars = Array.from(s);
  if (chars.length <= max) return s;
  return chars.slice(0, Math.max(0, max - 1)).join('') + '…';
}

/** Escapes the characters Slack treats as control characters in text (`<!channel>` cannot ping anyone). */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const mrkdwn = (text: string): SlackTextObject => ({ type: 'mrkdwn', text });
const section = (text: string): SlackBlock => ({ type: 'section', text: mrkdwn(truncate(text, SLACK_LIMITS.sectionText)) });

/** A key as a bold label: without the characters that would end the bold span. */
function label(key: string): string {
  const clean = key.replace(/[*_~`\n\r]/g, ' ').trim() || '(empty key)';
  return `*${escapeMrkdwn(truncate(clean, 100))}*`;
}

/** Splits long text into section-sized chunks, preferring line ends. */
export function chunkText(text: string, size: number = SLACK_LIMITS.sectionText): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > size) {
    let cut = rest.lastIndexOf('\n', size);
    if (cut < size / 2) cut = size;
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  if (rest.length || !chunks.length) chunks.push(rest);
  return chunks;
}

function textSections(text: string): SlackBlock[] {
  const chunks = chunkText(text.trim() ? text : '_(empty result)_');
  const kept = chunks.slice(0, MAX_TEXT_SECTIONS);
  if (chunks.length > kept.length) kept[kept.length - 1] = truncate(kept[kept.length - 1], SLACK_LIMITS.sectionText - 20) + '\n…';
  return kept.map(section);
}

/** A JSON code block, safe for mrkdwn, never longer than a section allows. */
export function codeBlock(title: string | null, value: unknown): SlackBlock {
  const head = title ? `${title}\n` : '';
  let json: string;
  try {
    json = JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    json = String(value);
  }
  // "```" inside the JSON would end the code block early.
  const body = escapeMrkdwn(json).replace(/```/g, '``\u200b`');
  const room = SLACK_LIMITS.sectionText - head.length - 8;
  const shown = body.length <= room ? body : `${body.slice(0, room - 14)}\n…(truncated)`;
  return { type: 'section', text: mrkdwn(`${head}\`\`\`\n${shown}\n\`\`\``) };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function scalarText(v: unknown): string {
  if (v === null || v === undefined) return '_null_';
  return escapeMrkdwn(String(v));
}

function isShort(v: unknown): boolean {
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return true;
  return typeof v === 'string' && v.length <= SHORT_VALUE_CHARS && !/\n/.test(v);
}

/** Fields for short values, a section for long strings, a code block for nested values. */
function objectBlocks(obj: Record<string, unknown>): SlackBlock[] {
  const entries = Object.entries(obj);
  if (!entries.length) return [section('_(empty result)_')];
  const blocks: SlackBlock[] = [];
  let fields: SlackTextObject[] = [];
  const flush = () => {
    if (fields.length) blocks.push({ type: 'section', fields });
    fields = [];
  };
  for (const [key, value] of entries) {
    if (isShort(value)) {
      fields.push(mrkdwn(truncate(`${label(key)}: ${scalarText(value)}`, SLACK_LIMITS.fieldText)));
      if (fields.length === SLACK_LIMITS.fields) flush();
    } else if (typeof value === 'string') {
      flush();
      blocks.push(section(`${label(key)}\n${escapeMrkdwn(value)}`));
    } else {
      flush();
      blocks.push(codeBlock(label(key), value));
    }
  }
  flush();
  return blocks;
}

/** Agent-supplied Block Kit blocks: used only when they look like blocks and fit. */
function agentBlocks(value: unknown): SlackBlock[] | null {
  if (!Array.isArray(value) || !value.length || value.length > SLACK_LIMITS.blocks - 1) return null;
  if (!value.every((b) => isPlainObject(b) && typeof b.type === 'string')) return null;
  return value as SlackBlock[];
}

/** The notification text: readable plain text, short. */
function plainText(result: unknown): string {
  if (typeof result === 'string') return result.trim() ? result : '(empty result)';
  if (result === null || result === undefined) return 'No result';
  if (isPlainObject(result)) {
    if (typeof result.text === 'string') return result.text;
    const entries = Object.entries(result);
    if (!entries.length) return '(empty result)';
    return entries.map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('\n');
  }
  return JSON.stringify(result) ?? String(result);
}

function contextBlock(input: SlackMessageInput): SlackBlock {
  const what = input.isFinal ? (input.seq > 1 ? `final result (${input.seq})` : 'result') : `update ${input.seq}`;
  const text = `${escapeMrkdwn(truncate(input.jobTypeId, 100))} · job \`${escapeMrkdwn(input.jobId)}\` · ${what}`;
  return { type: 'context', elements: [mrkdwn(text)] };
}

export function buildSlackMessage(input: SlackMessageInput): SlackMessage {
  const { result } = input;
  let body: SlackBlock[];
  if (typeof result === 'string') {
    body = textSections(result);
  } else if (result === null || result === undefined) {
    body = [section('_No result_')];
  } else if (isPlainObject(result)) {
    body = typeof result.text === 'string'
      ? (agentBlocks(result.blocks) ?? textSections(result.text))
      : objectBlocks(result);
  } else {
    body = [codeBlock(null, result)];
  }
  const room = SLACK_LIMITS.blocks - 1;
  if (body.length > room) {
    const hidden = body.length - (room - 1);
    body = [...body.slice(0, room - 1), { type: 'context', elements: [mrkdwn(`…${hidden} more block(s) not shown: the full result is on the job (GET /services/agent-jobs/${escapeMrkdwn(input.jobId)})`)] }];
  }
  return { text: truncate(plainText(result), SLACK_LIMITS.text), blocks: [...body, contextBlock(input)] };
}
