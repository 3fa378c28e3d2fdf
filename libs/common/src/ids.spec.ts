import { ID_PATTERN, newId } from './ids';

describe('newId', () => {
  it('gives prefixed ULIDs, unique and in creation order, past many refills of the random pool', () => {
    const ids = Array.from({ length: 5000 }, () => newId('job'));
    for (const id of ids) expect(id).toMatch(ID_PATTERN);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

});
