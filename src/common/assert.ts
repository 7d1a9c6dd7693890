/**
 * Assertions are for bugs, never for input: a failed assertion means our own code broke an
 * invariant, and the process should stop before it spreads bad state (as raft panics and
 * Mesos CHECKs). Bad input is answered with a value or a 4xx, never with an assertion.
 */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Marks a branch the type system proves unreachable; reaching it at run time is a bug. */
export function unreachable(value: never, message = 'unreachable'): never {
  throw new AssertionError(`${message}: ${JSON.stringify(value)}`);
}
