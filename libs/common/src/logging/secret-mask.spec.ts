import { maskSecrets, REDACTED } from './secret-mask';

describe('maskSecrets', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ0b2tfMSJ9.c2lnbmF0dXJlLXZhbHVl';

  it('masks every shape of our secrets, and leaves ids and words alone', () => {
    const line = JSON.stringify({
      msg: `auth ${jwt} secret whsec_AbC123+/xyz= slack xoxb-123-456-abcdef key sk-proj-abcdef123456`,
      header: `Bearer not-a-jwt-but-long`, url: 'https://user:hunter2pass@hooks.example.com/x?token=abc123&page=2',
      ids: 'task_01J9ZQ job_01J9ZQ agent-tasks desk-1234567 ask-question',
    });
    const masked = maskSecrets(line);
    for (const secret of [jwt, 'whsec_AbC123', 'xoxb-123-456-abcdef', 'sk-proj-abcdef123456', 'not-a-jwt-but-long', 'hunter2pass', 'token=abc123']) {
      expect(masked).not.toContain(secret);
    }
    expect(masked).toContain(REDACTED);
    expect(masked).toContain('task_01J9ZQ job_01J9ZQ agent-tasks desk-1234567 ask-question');
    expect(masked).toContain('page=2');
    // Still one JSON object.
    expect(JSON.parse(masked).header).toBe(`Bearer ${REDACTED}`);
  });
});
