import { DEADLOCK_DETECTED, retryOnDeadlock } from './retry-deadlock';

describe('retryOnDeadlock', () => {
  const deadlock = () => Object.assign(new Error('deadlock detected'), { code: DEADLOCK_DETECTED });

  it('runs again after a deadlock and returns the answer of the run that went through', async () => {
    let runs = 0;
    await expect(retryOnDeadlock(async () => {
      runs++;
      if (runs < 3) throw deadlock();
      return 'done';
    })).resolves.toBe('done');
    expect(runs).toBe(3);
  });

  it('gives up after the last attempt, and never retries other errors', async () => {
    let runs = 0;
    await expect(retryOnDeadlock(async () => { runs++; throw deadlock(); }, 2)).rejects.toMatchObject({ code: DEADLOCK_DETECTED });
    expect(runs).toBe(2);
    runs = 0;
    await expect(retryOnDeadlock(async () => { runs++; throw Object.assign(new Error('unique'), { code: '23505' }); })).rejects.toMatchObject({ code: '23505' });
    expect(runs).toBe(1);
  });
});
