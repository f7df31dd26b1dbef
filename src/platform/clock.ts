/** Time as a dependency, so token expiry and other time rules are testable without waiting. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
