import type { DateField, KeywordField, NumberField, TextField } from './fields';

/** How a string value is matched: as written, as a substring, by prefix (`abc*`), by pattern (`a*c?`), or present at all (`*`). */
export type TextMatch = { how: 'exact' | 'contains' | 'prefix' | 'glob'; value: string } | { how: 'any' };

export type Comparison = '=' | '<' | '>' | '<=' | '>=';

/** One condition on one field, with its value already checked and typed. */
export type Predicate =
  | { kind: 'text'; field: TextField; match: TextMatch }
  | { kind: 'keyword'; field: KeywordField; match: TextMatch }
  | { kind: 'tag'; match: TextMatch }
  /** `exact`: assets directly in the folder; `prefix`: the folder and everything below it. */
  | { kind: 'folder'; match: TextMatch }
  | { kind: 'context'; key: string; match: TextMatch }
  | { kind: 'metadata'; key: string; match: TextMatch }
  | { kind: 'metadata_compare'; key: string; op: Comparison; value: string | number }
  | { kind: 'number'; field: NumberField; op: Comparison; value: number }
  /** Dates as `YYYY-MM-DDTHH:MM:SSZ`, the index's own format, so they compare as strings. */
  | { kind: 'date'; field: DateField; op: Comparison; value: string }
  /** A bare word: public id, display name, file name or a tag. */
  | { kind: 'free'; value: string };

export type SearchNode =
  | { kind: 'and' | 'or'; items: SearchNode[] }
  | { kind: 'not'; item: SearchNode }
  | { kind: 'pred'; pred: Predicate }
  /** The empty expression: every asset. */
  | { kind: 'all' };
