import { dedupeOf } from './slack-scopes';

describe('dedupeOf', () => {
  it('exactly once with both history scopes; at least once, naming what is missing, without', () => {
    expect(dedupeOf(['chat:write', 'channels:history', 'groups:history'])).toEqual({ dedupe: 'exactly_once', missing_scopes: [] });
    expect(dedupeOf(['chat:write', 'channels:history'])).toEqual({ dedupe: 'at_least_once', missing_scopes: ['groups:history'] });
    expect(dedupeOf(['chat:write'])).toEqual({ dedupe: 'at_least_once', missing_scopes: ['channels:history', 'groups:history'] });
  });

  it('unknown when Slack did not list the scopes', () => {
    expect(dedupeOf(null)).toEqual({ dedupe: null, missing_scopes: [] });
  });
});
