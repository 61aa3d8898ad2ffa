import type { ModelFamily } from '../family';
import { UsageError } from '../family';

/** Placeholder until this family's implementation lands; it refuses clearly rather than pretending. */
export const finetuneFamily: ModelFamily = {
  name: 'finetune',
  title: 'Full fine-tuning',
  options: [],
  train() {
    return Promise.reject(new UsageError('the finetune model family is not available in this build yet'));
  },
  load() {
    return Promise.reject(new UsageError('the finetune model family is not available in this build yet'));
  },
};
