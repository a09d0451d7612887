/**
 * A forward-only schema migration. Never edit one that has been released: add a new one.
 * PRAGMA user_version holds the version of the last migration applied.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}
