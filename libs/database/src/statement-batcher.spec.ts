import { columns, StatementBatcher } from './statement-batcher';

describe('StatementBatcher', () => {
  it('runs the calls of one turn of the event loop as one batch, answering each its own result', async () => {
    const batches: number[][] = [];
    const batcher = new StatementBatcher<number, string>(async (items) => {
      batches.push([...items]);
      return items.map((i) => `r${i}`);
    });
    const results = await Promise.all([1, 2, 3].map((i) => batcher.run(i)));
    expect(results).toEqual(['r1', 'r2', 'r3']);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(await batcher.run(4)).toBe('r4');
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('splits a burst at maxBatch', async () => {
    const sizes: number[] = [];
    const batcher = new StatementBatcher<number, number>(async (items) => {
      sizes.push(items.length);
      return [...items];
    }, { maxBatch: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((i) => batcher.run(i)));
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('when a batch fails, runs each item alone so only the bad one fails', async () => {
    const calls: number[][] = [];
    const batcher = new StatementBatcher<number, number>(async (items) => {
      calls.push([...items]);
      if (items.includes(2)) throw new Error('bad row 2');
      return items.map((i) => i * 10);
    });
    const settled = await Promise.allSettled([1, 2, 3].map((i) => batcher.run(i)));
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([10, 'bad row 2', 30]);
    expect(calls).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('an Error in an item\'s place rejects that call only, without rerunning the batch', async () => {
    const calls: number[][] = [];
    const batcher = new StatementBatcher<number, number>(async (items) => {
      calls.push([...items]);
      return items.map((i) => (i === 2 ? new Error('refused 2') : i * 10));
    });
    const settled = await Promise.allSettled([1, 2, 3].map((i) => batcher.run(i)));
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([10, 'refused 2', 30]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('rejects a lone call with its own error', async () => {
    const batcher = new StatementBatcher<number, number>(async () => {
      throw new Error('down');
    });
    await expect(batcher.run(1)).rejects.toThrow('down');
  });

  it('never puts two items with the same conflict key in one statement: the later ones follow, in order', async () => {
    const batches: string[][] = [];
    const batcher = new StatementBatcher<string, string>(async (items) => {
      batches.push([...items]);
      return items.map((i) => i.toUpperCase());
    }, { conflictKey: (i) => i[0] });
    const results = await Promise.all(['a1', 'b1', 'a2', 'c1', 'a3', 'b2'].map((i) => batcher.run(i)));
    expect(results).toEqual(['A1', 'B1', 'A2', 'C1', 'A3', 'B2']);
    expect(batches).toEqual([['a1', 'b1', 'c1'], ['a2', 'b2'], ['a3']]);
  });
});

describe('columns', () => {
  it('turns items into one array per field, for unnest()', () => {
    expect(columns([{ a: 1, b: 'x' }, { a: 2, b: 'y' }], (i) => i.a, (i) => i.b)).toEqual([[1, 2], ['x', 'y']]);
  });
});
