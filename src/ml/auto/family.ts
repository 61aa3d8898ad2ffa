/**
 * `--model auto [--encoder <hub-id|folder>] [--budget 5m]`: tries the candidates in order of cost — the n-gram
 * model, the frozen-encoder head, the hybrid of the two (free once both exist), full fine-tuning when the time
 * left allows (timed on its first steps, stopped with the reason when the projection does not fit: fullCandidate.ts)
 * — and keeps the one with the best validation macro-F1 (ties: the cheaper, earlier candidate).
 * Each candidate's validation score, training time, size on disk and single-text latency are logged as a table
 * and recorded in run.json (`model.auto`). When the encoder cannot load, the run says so and goes on with what
 * can run. The saved model is the chosen candidate's own (it loads with its family).
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ModelDescription, OptionSpec, OptionValues } from '../../protocol/types';
import { formatBytes } from '../../protocol/format';
import { encoderFamily, encoderOptions } from '../encoder/family';
import { DEFAULT_ENCODER_MODEL, encoderFilesOnDisk, type Dtype } from '../encoder/source';
import { folderBytes } from '../families';
import { CancelledError, resolveOptions, UsageError, type FamilyContext, type LoadContext, type ModelFamily } from '../family';
import { combineHybrid } from '../hybrid/family';
import { macroF1 } from '../metrics';
import { argmax, type Classifier, type ModelManifest, type TrainInput } from '../model';
import { ngramFamily } from '../ngram/family';
import { finetuneFamily } from '../finetune/family';
import { tryFullCandidate } from './fullCandidate';

export const autoOptions: readonly OptionSpec[] = [
  { key: 'encoder', flag: 'encoder', type: 'string', default: DEFAULT_ENCODER_MODEL, help: 'Transformer encoder to try (Hub id or local folder)' },
  { key: 'budget', flag: 'budget', type: 'string', default: 'auto', help: 'Time for all candidates, e.g. 90s, 5m, 1h; auto = 5 min + 50 ms per training text on CPU, 5 ms on CUDA' },
  ...encoderOptions,
];

export interface Candidate {
  name: 'ngram' | 'head' | 'hybrid' | 'full';
  valid_macro_f1: number;
  train_seconds: number;
  size_bytes: number;
  latency_ms: number;
}

/** "90s", "5m", "1.5h", "300" (seconds) → seconds. */
export function parseBudget(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$/i.exec(text);
  if (!m) throw new UsageError(`--budget ${JSON.stringify(text)}: expected a duration such as 90s, 5m or 1h`);
  const v = Number(m[1]) * ({ s: 1, m: 60, h: 3600 }[(m[2] ?? 's').toLowerCase() as 's' | 'm' | 'h']);
  if (!(v > 0)) throw new UsageError(`--budget ${JSON.stringify(text)}: must be more than 0`);
  return v;
}

export function defaultBudgetSeconds(trainTexts: number, device: string): number {
  return 300 + trainTexts * (device === 'cuda' ? 0.005 : 0.05);
}

function validScore(probs: Float32Array, input: TrainInput): number {
  const k = input.labels.length;
  const index = new Map(input.labels.map((l, i) => [l, i]));
  const gold = Int32Array.from(input.valid, (e) => index.get(e.label)!);
  const pred = Int32Array.from(gold, (_, i) => argmax(probs, i * k, k));
  return macroF1(gold, pred, k);
}

/**
 * Median milliseconds to classify one unseen text: validation texts with a suffix naming the candidate, so neither
 * the embedding cache nor an earlier candidate's measurement answers.
 */
async function latencyMs(clf: Classifier, input: TrainInput, name: string): Promise<number> {
  const texts = input.valid.slice(0, 9).map((e, i) => `${e.text} (${name} ${i})`);
  const times: number[] = [];
  for (const t of texts) {
    const t0 = performance.now();
    await clf.predictProba([t]);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times.length ? times[times.length >> 1] : 0;
}

async function sizeOnDisk(clf: Classifier, encoderBytes: number): Promise<number> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'finetune-auto-'));
  try {
    await clf.save(dir);
    return (await folderBytes(dir)) + encoderBytes;
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

class AutoClassifier implements Classifier {
  constructor(
    private readonly chosen: Classifier,
    private readonly record: { budget_s: number; candidates: Candidate[]; choice: string; reasons: string[] },
  ) {}
  get family() {
    return this.chosen.family;
  }
  get labels() {
    return this.chosen.labels;
  }
  predictProba(texts: string[], signal?: AbortSignal): Promise<Float32Array> {
    return this.chosen.predictProba(texts, signal);
  }
  truncated(texts: string[]): boolean[] | Promise<boolean[]> {
    return this.chosen.truncated?.(texts) ?? texts.map(() => false);
  }
  save(dir: string): Promise<void> {
    return this.chosen.save(dir);
  }
  describe(): ModelDescription {
    const d = this.chosen.describe();
    return { ...d, auto: this.record, extra: { ...d.extra, auto_choice: this.record.choice } };
  }
  async dispose(): Promise<void> {
    await this.chosen.dispose?.();
  }
}

function formatTable(rows: Candidate[], chosen: string): string[] {
  const lines = [['candidate', 'valid macro-F1', 'train s', 'size', 'latency ms'], ...rows.map((r) => [r.name + (r.name === chosen ? ' *' : ''), r.valid_macro_f1.toFixed(4), r.train_seconds.toFixed(1), formatBytes(r.size_bytes), r.latency_ms.toFixed(1)])];
  const w = lines[0].map((_, j) => Math.max(...lines.map((l) => l[j].length)));
  return lines.map((l) => l.map((c, j) => c.padEnd(w[j])).join('  '));
}

async function train(input: TrainInput, values: OptionValues, ctx: FamilyContext): Promise<Classifier> {
  const { reporter } = ctx;
  if (input.valid.length === 0) throw new UsageError('--model auto chooses on validation data: set --valid-fraction above 0 or give --valid');
  const { encoder: encoderRef, budget, ...encoderValues } = values;
  const t0 = performance.now();
  const budgetS = typeof budget === 'string' && budget.trim() && budget !== 'auto' ? parseBudget(budget) : defaultBudgetSeconds(input.train.length, ctx.device);
  const elapsed = () => (performance.now() - t0) / 1000;
  const candidates: Candidate[] = [];
  const models = new Map<Candidate['name'], Classifier>();
  const reasons: string[] = [];
  const measure = async (name: Candidate['name'], clf: Classifier, seconds: number, encoderBytes: number) => {
    const row: Candidate = {
      name,
      valid_macro_f1: validScore(await clf.predictProba(input.valid.map((e) => e.text), reporter.signal), input),
      train_seconds: seconds,
      size_bytes: await sizeOnDisk(clf, encoderBytes),
      latency_ms: await latencyMs(clf, input, name),
    };
    candidates.push(row);
    models.set(name, clf);
    reporter.log(`auto: ${name} — validation macro-F1 ${row.valid_macro_f1.toFixed(4)} in ${row.train_seconds.toFixed(1)} s`);
  };
  try {
    reporter.phase('auto: n-gram model');
    let t = performance.now();
    const ngram = await ngramFamily.train(input, resolveOptions(ngramFamily.options, {}), ctx);
    await measure('ngram', ngram, (performance.now() - t) / 1000, 0);

    const encoderModel = typeof encoderRef === 'string' && encoderRef ? encoderRef : DEFAULT_ENCODER_MODEL;
    let head: Classifier | undefined;
    if (elapsed() >= budgetS) reasons.push(`no time left for the encoder head (budget ${Math.round(budgetS)} s)`);
    else {
      reporter.phase('auto: frozen encoder + head', encoderModel);
      t = performance.now();
      try {
        head = await encoderFamily.train(input, resolveOptions(encoderOptions, encoderValues), { ...ctx, model: encoderModel });
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        const why = `the encoder ${encoderModel} could not be used: ${(e as Error).message}`;
        reporter.log(`auto: ${why}; going on with the n-gram model`);
        reasons.push(why);
      }
      if (head) {
        const headSeconds = (performance.now() - t) / 1000;
        const dtype = (head.describe().dtype ?? 'fp32') as Dtype; // the dtype the head ran with (`auto` resolved)
        let encoderBytes = 0;
        for (const f of encoderFilesOnDisk(encoderModel, dtype, ctx.cacheDir)) encoderBytes += (await fsp.stat(f).catch(() => ({ size: 0 }))).size;
        await measure('head', head, headSeconds, encoderBytes);
        t = performance.now();
        const hybrid = await combineHybrid(ngram, head, input, reporter);
        await measure('hybrid', hybrid, headSeconds + candidates[0].train_seconds + (performance.now() - t) / 1000, encoderBytes);
        if (budgetS - elapsed() <= 0) reasons.push(`full fine-tuning skipped: no time left of the ${Math.round(budgetS)} s budget`);
        else {
          reporter.phase('auto: full fine-tuning', encoderModel);
          t = performance.now();
          const full = await tryFullCandidate(input, { ...ctx, model: encoderModel }, () => budgetS - elapsed(), (i, c) =>
            finetuneFamily.train(i, resolveOptions(finetuneFamily.options, {}), c),
          );
          if ('model' in full) await measure('full', full.model, (performance.now() - t) / 1000, 0);
          else {
            reporter.log(`auto: ${full.reason}`);
            reasons.push(full.reason);
          }
        }
      }
    }
    let best = candidates[0];
    for (const c of candidates) if (c.valid_macro_f1 > best.valid_macro_f1) best = c;
    reasons.unshift(`${best.name} has the best validation macro-F1 (${best.valid_macro_f1.toFixed(4)}) of ${candidates.map((c) => c.name).join(', ')}`);
    for (const line of formatTable(candidates, best.name)) reporter.log(`auto: ${line}`);
    reporter.log(`auto: chose ${best.name}: ${reasons.join('; ')}`);
    const chosen = models.get(best.name)!;
    // The hybrid holds the n-gram model and the head; anything else not chosen is released.
    const keep = new Set<Classifier>([chosen]);
    if (best.name === 'hybrid') for (const part of ['ngram', 'head'] as const) keep.add(models.get(part)!);
    for (const [name, m] of models) if (!keep.has(m) && name !== 'hybrid') await m.dispose?.();
    return new AutoClassifier(chosen, { budget_s: Math.round(budgetS), candidates, choice: best.name, reasons });
  } catch (e) {
    for (const [name, m] of models) if (name !== 'hybrid') await m.dispose?.();
    throw e;
  }
}

function load(_dir: string, _manifest: ModelManifest, _ctx: LoadContext): Promise<Classifier> {
  // Saved models carry the chosen family's manifest, so they never load through here.
  return Promise.reject(new UsageError('an auto run saves the chosen model under its own family; load that model folder'));
}

export const autoFamily: ModelFamily = {
  name: 'auto',
  title: 'Automatic: n-gram, encoder head, hybrid and full fine-tuning tried within a time budget, best validation macro-F1 kept',
  options: autoOptions,
  train,
  load,
};
