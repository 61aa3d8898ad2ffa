/** The "Data issues" report: what `finetune audit` finds, as the panel receives it (trainer → host → webview). */
import { anyNum, arr, bool, Check, Infer, int, obj, str } from './check';

export const dataIssues = obj({
  file: str,
  format: str,
  label_column: str,
  rows: int,
  folds: int,
  model: str,
  labels: arr(str),
  /** Suspected label errors, most suspicious first (confident learning on cross-validated probabilities). */
  suspects: arr(obj({ line: int, text: str, given: str, suggested: str, confidence: anyNum })),
  duplicates: obj({
    threshold: anyNum,
    exact_duplicate_rows: int,
    near_duplicate_pairs: int,
    conflicting: int,
    pairs: arr(obj({ lines: arr(int), labels: arr(str), jaccard: anyNum, conflict: bool })),
    exact_groups: arr(obj({ lines: arr(int), labels: arr(str), conflict: bool })),
  }),
  /** Held-out rows duplicating training rows under the default split (seed 42, 10 % validation, 20 % test). */
  leakage: obj({ valid_in_train: int, test_in_train: int, test_in_valid: int, valid_rows: int, test_rows: int }),
  seconds: anyNum,
}) as Check<DataIssues>;

export interface DataIssues {
  file: string;
  format: string;
  label_column: string;
  rows: number;
  folds: number;
  model: string;
  labels: string[];
  suspects: { line: number; text: string; given: string; suggested: string; confidence: number }[];
  duplicates: {
    threshold: number;
    exact_duplicate_rows: number;
    near_duplicate_pairs: number;
    conflicting: number;
    pairs: { lines: number[]; labels: string[]; jaccard: number; conflict: boolean }[];
    exact_groups: { lines: number[]; labels: string[]; conflict: boolean }[];
  };
  leakage: { valid_in_train: number; test_in_train: number; test_in_valid: number; valid_rows: number; test_rows: number };
  seconds: number;
}
export type DataIssuesChecked = Infer<typeof dataIssues>;
