/**
 * The `default` of a switch that must handle every member of a union: the compiler refuses the
 * call when a member has no case (its value is then not `never`), and at run time a value from
 * outside the types (a row, a message) fails loudly instead of falling into another branch.
 */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify((value as { type?: unknown })?.type ?? value)}`);
}
