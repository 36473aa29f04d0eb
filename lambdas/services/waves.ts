/**
 * Calls that arrive within `windowMs` of the first of their key are answered by one `flush` of all
 * their items, in arrival order (fan-out's usage counter and its delivery queue, docs/cost.md). A
 * failed flush fails every call of its wave.
 */
interface Wave<Item, Answer> {
  readonly items: Item[];
  readonly waiting: { resolve: (answer: Answer) => void; reject: (error: unknown) => void }[];
}

export class Waves<Item, Answer> {
  private readonly open = new Map<string, Wave<Item, Answer>>();

  constructor(
    private readonly windowMs: number,
    /** One answer per item, in the items' order. */
    private readonly flush: (items: readonly Item[]) => Promise<readonly Answer[]>,
  ) {}

  join(key: string, item: Item): Promise<Answer> {
    let wave = this.open.get(key);
    if (!wave) {
      const opened: Wave<Item, Answer> = { items: [], waiting: [] };
      wave = opened;
      this.open.set(key, opened);
      setTimeout(() => {
        this.open.delete(key);
        void this.settle(opened);
      }, this.windowMs);
    }
    const joined = wave;
    joined.items.push(item);
    return new Promise((resolve, reject) => joined.waiting.push({ resolve, reject }));
  }

  private async settle(wave: Wave<Item, Answer>): Promise<void> {
    try {
      const answers = await this.flush(wave.items);
      for (const [index, waiting] of wave.waiting.entries()) waiting.resolve(answers[index] as Answer);
    } catch (error) {
      for (const waiting of wave.waiting) waiting.reject(error);
    }
  }
}
