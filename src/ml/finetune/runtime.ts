/**
 * Runs the training graph step by step on onnxruntime-node.
 *
 * Trainable weights and their Adam moments live in two sets of ORT tensors: each step reads one set and ORT
 * writes the updated values into the other (preallocated outputs), then the two swap. Nothing is allocated per
 * step for parameters; only the batch's activations come and go inside ORT.
 */
import { ort, sessionOptions, type SessionSettings } from '../runtime/ort';
import { serializeModel } from '../onnx';
import type { BuiltGraph, TrainableParam } from './graph';

export interface Batch {
  /** Encoder inputs (int64 [batch, seq]). */
  inputs: Record<string, ort.Tensor>;
  /** [batch, K] target distributions (absent for graphs with another loss, e.g. the contrastive pair loss). */
  targets?: Float32Array;
  /** [batch] weights (class weights of the gold labels). */
  weights?: Float32Array;
}

export interface StepResult {
  loss: number;
  gradNorm: number;
  logits: Float32Array;
}

interface Slot {
  param: TrainableParam;
  value: [ort.Tensor, ort.Tensor];
  m: [ort.Tensor, ort.Tensor];
  v: [ort.Tensor, ort.Tensor];
}


export class GraphTrainer {
  private current = 0;
  private stepCount = 0;
  /** Classification graphs output logits; the contrastive pair graph does not. */
  private readonly hasLogits: boolean;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly slots: Slot[],
    readonly numLabels: number,
  ) {
    this.hasLogits = session.outputNames.includes('logits');
  }

  /** Takes over the built graph's initial weight arrays (`params[i].init`), which training then overwrites. */
  static async create(built: BuiltGraph, numLabels: number, settings: SessionSettings = {}): Promise<GraphTrainer> {
    const session = await ort.InferenceSession.create(serializeModel(built.model), sessionOptions(settings));
    const tensor = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);
    const slots = built.params.map((p) => {
      const n = p.init.length;
      return {
        param: p,
        value: [tensor(p.init, p.dims), tensor(new Float32Array(n), p.dims)],
        m: [tensor(new Float32Array(n), p.dims), tensor(new Float32Array(n), p.dims)],
        v: [tensor(new Float32Array(n), p.dims), tensor(new Float32Array(n), p.dims)],
      } satisfies Slot;
    });
    return new GraphTrainer(session, slots, numLabels);
  }

  /** One optimisation step at learning rate `lr`. */
  async step(batch: Batch, lr: number): Promise<StepResult> {
    this.stepCount++;
    const cur = this.current;
    const nxt = 1 - cur;
    const first = Object.values(batch.inputs)[0];
    const n = first.dims[0];
    const feeds: Record<string, ort.Tensor> = {
      ...batch.inputs,
      ...(batch.targets ? { targets: new ort.Tensor('float32', batch.targets, [n, this.numLabels]) } : {}),
      ...(batch.weights ? { sample_weights: new ort.Tensor('float32', batch.weights, [n]) } : {}),
      lr: new ort.Tensor('float32', Float32Array.of(lr), []),
      step: new ort.Tensor('float32', Float32Array.of(this.stepCount), []),
    };
    const fetches: Record<string, ort.Tensor | null> = { loss: null, grad_norm: null, ...(this.hasLogits ? { logits: null } : {}) };
    for (const s of this.slots) {
      feeds[s.param.name] = s.value[cur];
      feeds[s.param.m!] = s.m[cur];
      feeds[s.param.v!] = s.v[cur];
      fetches[s.param.next!] = s.value[nxt];
      fetches[s.param.nextM!] = s.m[nxt];
      fetches[s.param.nextV!] = s.v[nxt];
    }
    const out = await this.session.run(feeds, fetches);
    this.current = nxt;
    return {
      loss: Number(out.loss.data[0]),
      gradNorm: Number(out.grad_norm.data[0]),
      logits: this.hasLogits ? (out.logits.data as Float32Array) : new Float32Array(0),
    };
  }

  get steps(): number {
    return this.stepCount;
  }

  /** The current weights as ORT tensors (valid until the next step). */
  paramTensors(): Record<string, ort.Tensor> {
    const out: Record<string, ort.Tensor> = {};
    for (const s of this.slots) out[s.param.name] = s.value[this.current];
    return out;
  }

  /** A copy of the current weights. */
  snapshot(): Map<string, Float32Array> {
    return new Map(this.slots.map((s) => [s.param.name, (s.value[this.current].data as Float32Array).slice()]));
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
