/**
 * The `default` of a switch that must handle every member of a union: the compiler refuses the
 * call when a member has no case (its value is then not `never`), and at run time a value from
 * outside the types (a row, a message) fails loudly instead of falling into another branch.
 */
export function assertNever(value: never, what = 'value'): never {
  const shown: unknown = (value as { type?: unknown } | null)?.type ?? value;
  throw new Error(`unhandled ${what}: ${typeof shown === 'string' ? shown : JSON.stringify(shown)}`);
}
