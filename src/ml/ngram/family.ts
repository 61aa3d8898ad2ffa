import type { ModelFamily } from '../family';
import { UsageError } from '../family';

/** Placeholder until this family's implementation lands; it refuses clearly rather than pretending. */
export const ngramFamily: ModelFamily = {
  name: 'ngram',
  title: 'Hashed n-gram linear model',
  options: [],
  train() {
    return Promise.reject(new UsageError('the ngram model family is not available in this build yet'));
  },
  load() {
    return Promise.reject(new UsageError('the ngram model family is not available in this build yet'));
  },
};
