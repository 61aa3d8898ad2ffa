/**
 * The distillation report (run.json `extra.distillation`) as table rows: teacher, distilled student and a
 * gold-only n-gram on the same test split. DOM-free (unit-tested under test/unit/webview). run.json is a file
 * anyone can edit, so every field is checked; a malformed report gives no table rather than a broken one.
 */
import { baseName, formatBytes, formatLatency, formatMetric } from './format';

export interface DistillRow {
  role: 'teacher' | 'student' | 'gold_only';
  name: string;
  detail: string;
  macroF1: string;
  accuracy: string;
  latency: string;
  size: string;
  /** Highest macro-F1 of the three (ties: all of them). */
  best: boolean;
}

export interface DistillTable {
  caption: string;
  rows: DistillRow[];
  /** "97× faster than the teacher, macro-F1 −0.004; +0.31 over gold-only". */
  summary: string;
}

interface Facts {
  macro_f1: number;
  accuracy: number;
  p50_ms: number;
  size_bytes: number;
  family?: string;
  model?: string;
  run_dir?: string;
  same_as_student?: boolean;
  train_rows?: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function facts(v: unknown): Facts | undefined {
  if (!isObject(v)) return undefined;
  for (const k of ['macro_f1', 'accuracy', 'p50_ms', 'size_bytes']) if (typeof v[k] !== 'number') return undefined;
  return v as unknown as Facts;
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;
}

export function distillationTable(extra: Record<string, unknown> | undefined): DistillTable | undefined {
  const d = extra?.distillation;
  if (!isObject(d)) return undefined;
  const teacher = facts(d.teacher);
  const student = facts(d.student);
  const gold = facts(d.gold_only);
  if (!teacher || !student || !gold) return undefined;
  const best = Math.max(teacher.macro_f1, student.macro_f1, gold.macro_f1);
  const row = (role: DistillRow['role'], name: string, detail: string, f: Facts): DistillRow => ({
    role,
    name,
    detail,
    macroF1: formatMetric(f.macro_f1),
    accuracy: formatMetric(f.accuracy),
    latency: formatLatency(f.p50_ms),
    size: formatBytes(f.size_bytes),
    best: f.macro_f1 === best,
  });
  const teacherModel = typeof teacher.model === 'string' && teacher.model !== teacher.family ? baseName(teacher.model) : '';
  const unlabeled = isObject(d.unlabeled) && typeof d.unlabeled.rows === 'number' ? d.unlabeled.rows : 0;
  const labeled = isObject(d.train_rows) && typeof d.train_rows.labeled === 'number' ? d.train_rows.labeled : undefined;
  const t = typeof d.temperature === 'number' ? d.temperature : undefined;
  const a = typeof d.alpha === 'number' ? d.alpha : undefined;
  const rows = [
    row('teacher', 'Teacher', [teacher.family ?? '', teacherModel].filter(Boolean).join(' · '), teacher),
    row('student', 'Distilled student', 'n-gram', student),
    row('gold_only', 'Gold labels only', gold.same_as_student ? 'n-gram (= the student: α 1)' : 'n-gram, same rows and options', gold),
  ];
  const caption = [
    t !== undefined ? `T ${t}` : '',
    a !== undefined ? `α ${a}` : '',
    labeled !== undefined ? `${labeled} labeled` : '',
    unlabeled ? `${unlabeled} unlabeled texts` : 'no unlabeled text',
  ]
    .filter(Boolean)
    .join(' · ');
  const speed = teacher.p50_ms / student.p50_ms;
  const speedText = Number.isFinite(speed) && speed > 0 ? `${speed >= 10 ? Math.round(speed) : speed.toFixed(1)}× faster than the teacher` : 'latency unknown';
  const summary = `${speedText}, macro-F1 ${signed(student.macro_f1 - teacher.macro_f1)}; ${signed(student.macro_f1 - gold.macro_f1)} over gold labels only`;
  return { caption, rows, summary };
}
