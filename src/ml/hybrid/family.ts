/**
 * The `hybrid` family (`--mode hybrid`): the n-gram model and the frozen-encoder head, each trained as usual,
 * each calibrated by a temperature fitted on validation log loss, then mixed
 *   p = α · p_ngram + (1 − α) · p_head
 * with α chosen on validation log loss (see chooseWeight). The two models
 * see different evidence (surface n-grams vs sentence meaning), so their errors differ and the mix beats both
 * on most data; α = 0 or 1 falls back to one of them when the other only adds noise.
 * Saved as `model/ngram/` + `model/encoder/` (each the family's own format) and model.json's `hybrid` section.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { ModelDescription, OptionValues } from '../../protocol/types';
import { encoderFamily, encoderOptions } from '../encoder/family';
import { throwIfAborted, UsageError, resolveOptions, type FamilyContext, type LoadContext, type ModelFamily } from '../family';
import { logLoss, macroF1 } from '../metrics';
import { argmax, type Classifier, type ModelManifest, type TrainInput, type TrainReporter } from '../model';
import { ngramFamily } from '../ngram/family';

export const hybridOptions = [
  ...encoderOptions,
  { key: 'ngramWeight', flag: 'ngram-weight', type: 'float' as const, default: -1, min: -1, max: 1, help: 'Weight of the n-gram model in the mix (−1 = choose on validation log loss)', advanced: true },
];

export interface HybridManifest extends ModelManifest {
  family: 'hybrid';
  hybrid: { ngram_weight: number; ngram_temperature: number; encoder_temperature: number; parts: { ngram: string; encoder: string } };
}

/** Temperatures tried for calibration (probabilities raised to 1/T and renormalized). */
const TEMPERATURES = [0.25, 0.35, 0.5, 0.7, 1, 1.4, 2, 2.8, 4];
const WEIGHTS = Array.from({ length: 21 }, (_, i) => i / 20);

/** p^(1/T), renormalized per row. */
export function temper(p: Float32Array, k: number, t: number): Float32Array {
  if (t === 1) return p;
  const out = new Float32Array(p.length);
  for (let o = 0; o < p.length; o += k) {
    let sum = 0;
    for (let c = 0; c < k; c++) sum += out[o + c] = Math.pow(Math.max(p[o + c], 1e-12), 1 / t);
    for (let c = 0; c < k; c++) out[o + c] /= sum;
  }
  return out;
}

export function mix(a: Float32Array, b: Float32Array, alpha: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = alpha * a[i] + (1 - alpha) * b[i];
  return out;
}

function predictions(p: Float32Array, k: number): Int32Array {
  const n = p.length / k;
  return Int32Array.from({ length: n }, (_, i) => argmax(p, i * k, k));
}

/** The temperature with the lowest validation log loss. */
export function calibrate(p: Float32Array, gold: Int32Array, k: number): number {
  let best = { t: 1, loss: logLoss(gold, p, k) };
  for (const t of TEMPERATURES) {
    const loss = logLoss(gold, temper(p, k, t), k);
    if (loss < best.loss - 1e-12) best = { t, loss };
  }
  return best.t;
}

/**
 * α by validation log loss of the mix (ties: higher macro-F1, then the α nearer ½). A mixing weight is a
 * calibration parameter: log loss scores every example's probability, where macro-F1 on a validation slice of a
 * few hundred texts flips with a handful of argmax decisions (measured on the shared sets, README "Hybrid").
 */
export function chooseWeight(pa: Float32Array, pb: Float32Array, gold: Int32Array, k: number): { alpha: number; macroF1: number; logLoss: number } {
  let best: { alpha: number; f1: number; loss: number } | undefined;
  for (const alpha of WEIGHTS) {
    const p = mix(pa, pb, alpha);
    const f1 = macroF1(gold, predictions(p, k), k);
    const loss = logLoss(gold, p, k);
    const better =
      !best || loss < best.loss - 1e-12 || (Math.abs(loss - best.loss) <= 1e-12 && (f1 > best.f1 + 1e-12 || (Math.abs(f1 - best.f1) <= 1e-12 && Math.abs(alpha - 0.5) < Math.abs(best.alpha - 0.5))));
    if (better) best = { alpha, f1, loss };
  }
  return { alpha: best!.alpha, macroF1: best!.f1, logLoss: best!.loss };
}

interface Mixing {
  alpha: number;
  tNgram: number;
  tEncoder: number;
}

class HybridClassifier implements Classifier {
  readonly family = 'hybrid' as const;
  constructor(
    readonly labels: string[],
    private readonly ngram: Classifier,
    private readonly encoder: Classifier,
    private readonly m: Mixing,
    private readonly trainingFacts: Record<string, unknown> = {},
  ) {}

  async predictProba(texts: string[], signal?: AbortSignal): Promise<Float32Array> {
    const k = this.labels.length;
    const a = this.m.alpha > 0 ? temper(await this.ngram.predictProba(texts, signal), k, this.m.tNgram) : undefined;
    throwIfAborted(signal);
    const b = this.m.alpha < 1 ? temper(await this.encoder.predictProba(texts, signal), k, this.m.tEncoder) : undefined;
    if (!a) return b!;
    if (!b) return a;
    return mix(a, b, this.m.alpha);
  }

  truncated(texts: string[]): boolean[] | Promise<boolean[]> {
    return this.encoder.truncated?.(texts) ?? texts.map(() => false);
  }

  async save(dir: string): Promise<void> {
    for (const [part, clf] of [['ngram', this.ngram], ['encoder', this.encoder]] as const) {
      await fsp.mkdir(path.join(dir, part));
      await clf.save(path.join(dir, part));
    }
    const manifest: HybridManifest = {
      format: 'finetune-model',
      version: 1,
      family: 'hybrid',
      labels: this.labels,
      hybrid: { ngram_weight: this.m.alpha, ngram_temperature: this.m.tNgram, encoder_temperature: this.m.tEncoder, parts: { ngram: 'ngram', encoder: 'encoder' } },
    };
    await fsp.writeFile(path.join(dir, 'model.json'), JSON.stringify(manifest, null, 2) + '\n');
  }

  describe(): ModelDescription {
    const enc = this.encoder.describe();
    return {
      family: 'hybrid',
      device: enc.device,
      ngram_weight: this.m.alpha,
      ngram_temperature: this.m.tNgram,
      encoder_temperature: this.m.tEncoder,
      ...this.trainingFacts,
      ...(enc.device_reason !== undefined ? { device_reason: enc.device_reason } : {}),
      ...(enc.best_epoch !== undefined ? { best_epoch: enc.best_epoch } : {}),
      ngram: this.ngram.describe(),
      encoder: enc,
      ...(enc.extra !== undefined ? { extra: enc.extra } : {}),
    };
  }

  async dispose(): Promise<void> {
    await this.ngram.dispose?.();
    await this.encoder.dispose?.();
  }
}

/** Weighs two trained models on validation (temperatures, then α) and returns the hybrid; owns both from here on. */
export async function combineHybrid(ngram: Classifier, encoder: Classifier, input: TrainInput, reporter: TrainReporter, ngramWeight?: number): Promise<Classifier> {
  reporter.phase('weighing the n-gram model and the head on validation');
  const k = input.labels.length;
  const index = new Map(input.labels.map((l, i) => [l, i]));
  const gold = Int32Array.from(input.valid, (e) => index.get(e.label)!);
  const texts = input.valid.map((e) => e.text);
  const pn = await ngram.predictProba(texts, reporter.signal);
  const pe = await encoder.predictProba(texts, reporter.signal);
  const tNgram = calibrate(pn, gold, k);
  const tEncoder = calibrate(pe, gold, k);
  const an = temper(pn, k, tNgram);
  const ae = temper(pe, k, tEncoder);
  const f1 = (p: Float32Array) => macroF1(gold, predictions(p, k), k);
  const chosen = ngramWeight !== undefined ? { alpha: ngramWeight, macroF1: f1(mix(an, ae, ngramWeight)) } : chooseWeight(an, ae, gold, k);
  const facts = { valid_macro_f1_ngram: f1(an), valid_macro_f1_encoder: f1(ae), valid_macro_f1_hybrid: chosen.macroF1 };
  reporter.log(
    `hybrid: n-gram weight ${chosen.alpha.toFixed(2)}${ngramWeight !== undefined ? ' (given)' : ' (lowest validation log loss)'}; temperatures n-gram ${tNgram}, head ${tEncoder}; ` +
      `validation macro-F1 n-gram ${facts.valid_macro_f1_ngram.toFixed(4)}, head ${facts.valid_macro_f1_encoder.toFixed(4)}, hybrid ${chosen.macroF1.toFixed(4)}`,
  );
  return new HybridClassifier(input.labels, ngram, encoder, { alpha: chosen.alpha, tNgram, tEncoder }, facts);
}

async function train(input: TrainInput, values: OptionValues, ctx: FamilyContext): Promise<Classifier> {
  const { reporter } = ctx;
  if (input.valid.length === 0) throw new UsageError('--mode hybrid needs validation data to weigh its two models (set --valid-fraction above 0 or give --valid)');
  const { ngramWeight, ...encoderValues } = values;
  reporter.phase('training n-gram model');
  const ngram = await ngramFamily.train(input, resolveOptions(ngramFamily.options, {}), ctx);
  let encoder: Classifier | undefined;
  try {
    encoder = await encoderFamily.train(input, encoderValues, ctx);
    return await combineHybrid(ngram, encoder, input, reporter, typeof ngramWeight === 'number' && ngramWeight >= 0 ? ngramWeight : undefined);
  } catch (e) {
    await ngram.dispose?.();
    await encoder?.dispose?.();
    throw e;
  }
}

async function load(dir: string, manifest: ModelManifest, ctx: LoadContext): Promise<Classifier> {
  const m = manifest as HybridManifest;
  if (!m.hybrid) throw new UsageError(`${path.join(dir, 'model.json')}: not a hybrid model (hybrid section missing)`);
  const { loadClassifier } = await import('../families.js');
  const ngram = await loadClassifier(path.join(dir, m.hybrid.parts.ngram), ctx);
  const encoder = await loadClassifier(path.join(dir, m.hybrid.parts.encoder), ctx);
  return new HybridClassifier(m.labels, ngram, encoder, { alpha: m.hybrid.ngram_weight, tNgram: m.hybrid.ngram_temperature, tEncoder: m.hybrid.encoder_temperature });
}

export const hybridFamily: ModelFamily = {
  name: 'hybrid',
  title: 'Hybrid: n-gram model + frozen encoder head, mixed by a weight chosen on validation',
  options: hybridOptions,
  train,
  load,
};
