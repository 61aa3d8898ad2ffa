import type { FromTrainer, TrainRequest } from '../../../src/protocol/trainer';
import type { RunRecord } from '../../../src/protocol/types';
import type { DistillationReport } from '../../../src/trainer/distill';
import { runTraining } from '../../../src/trainer/pipeline';

/** Runs the pipeline in-process; returns its result, record and the messages it emitted. */
export async function train(req: Omit<TrainRequest, 'model'> & { model?: string }) {
  const messages: FromTrainer[] = [];
  const out = await runTraining({ model: 'ngram', ...req }, (m) => messages.push(m), new AbortController().signal);
  return { ...out, messages };
}

export function report(record: RunRecord): DistillationReport {
  return record.extra!.distillation as DistillationReport;
}
