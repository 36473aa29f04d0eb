/**
 * Shape limits for caller-supplied JSON (event data, examples). Nesting is bounded so that no
 * serializer down the line (JSON.stringify, DynamoDB's 32 levels) can overflow, and numbers must be
 * finite (JSON.parse turns 1e400 into Infinity, which JSON cannot carry back out).
 */
export const MAX_JSON_DEPTH = 32;

/** Iterative (a recursive walk would overflow on exactly the input it must reject). */
export function jsonShapeProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const next = stack.pop();
    if (!next) break;
    if (typeof next.value === 'number' && !Number.isFinite(next.value)) return 'numbers must be finite';
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth >= maxDepth) return `must not nest deeper than ${maxDepth} levels`;
    for (const child of Object.values(next.value)) stack.push({ value: child, depth: next.depth + 1 });
  }
  return undefined;
}
