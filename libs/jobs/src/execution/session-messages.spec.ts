import { SERVICE_DEFAULT_CONFIG } from '@app/job-types';
import { jobAnswer, jobBrief, MAX_SESSION_MESSAGE } from './session-messages';

describe('a job as session messages', () => {
  it('briefs with the start prompt, a blank line, then the params as JSON', () => {
    expect(jobBrief({ config: { ...SERVICE_DEFAULT_CONFIG, start_prompt: 'Write the daily report.' }, params: { day: '2025-01-02' } }))
      .toBe('Write the daily report.\n\nParams: {"day":"2025-01-02"}');
    expect(jobBrief({ config: SERVICE_DEFAULT_CONFIG, params: {} })).toBe('Params: {}');
  });

  it('answers with a string result, its response or text field, or the JSON', () => {
    expect(jobAnswer('plain')).toBe('plain');
    expect(jobAnswer({ response: 'from the model', text: 'not this', usage: {} })).toBe('from the model');
    expect(jobAnswer({ text: 'for Slack', n: 1 })).toBe('for Slack');
    expect(jobAnswer({ response: 42, items: [1] })).toBe('{"response":42,"items":[1]}');
    expect(jobAnswer(null)).toBe('null');
    expect(jobAnswer([1, 2])).toBe('[1,2]');
    expect(jobAnswer('x'.repeat(MAX_SESSION_MESSAGE + 5))).toHaveLength(MAX_SESSION_MESSAGE);
  });
});
