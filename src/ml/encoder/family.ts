import type { ModelFamily } from '../family';
import { UsageError } from '../family';

/** Placeholder until this family's implementation lands; it refuses clearly rather than pretending. */
export const encoderFamily: ModelFamily = {
  name: 'encoder',
  title: 'Frozen encoder + trained head',
  options: [],
  train() {
    return Promise.reject(new UsageError('the encoder model family is not available in this build yet'));
  },
  load() {
    return Promise.reject(new UsageError('the encoder model family is not available in this build yet'));
  },
};
