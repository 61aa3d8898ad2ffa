/**
 * The trainer child process: the extension forks it (child_process.fork) and talks over IPC with
 * the messages of src/protocol/trainer.ts, validated on arrival. One training run per process
 * (so a crash or an out-of-memory kill takes only that run down); dataset inspections may come
 * before it.
 */
import { readUnlabeled, suggestFor } from './suggest';
import { DEFAULT_JACCARD } from '../ml/audit/duplicates';
import { silentReporter } from '../ml/audit/crossval';
import { defaultCacheDir } from '../ml/cacheDir';
import { dataIssuesReport } from './dataIssues';
import { inspectDataset } from './inspect';
import { expectValid, ProtocolError } from '../protocol/check';
import { FromTrainer, toTrainer, ToTrainer } from '../protocol/trainer';
import { familyByName, loadClassifier } from '../ml/families';
import { errorKindOf, runTraining } from './pipeline';


function send(msg: FromTrainer): void {
  process.send?.(msg);
}

const controller = new AbortController();
let training = false;

async function handle(msg: ToTrainer): Promise<void> {
  switch (msg.type) {
    case 'cancel':
      controller.abort();
      return;
    case 'inspect': {
      try {
        // The first rows go out as soon as they are parsed; the full statistics follow once the file is read.
        const done = await inspectDataset(msg.request, {
          signal: controller.signal,
          onPreview: (first) => send({ type: 'inspected', id: msg.id, ...first }),
        });
        send({ type: 'inspected', id: msg.id, ...done });
      } catch (e) {
        send({ type: 'error', id: msg.id, kind: errorKindOf(e), message: (e as Error).message });
      }
      return;
    }
    case 'audit': {
      try {
        const { report } = await dataIssuesReport(
          msg.request.path,
          await familyByName('ngram'),
          { reporter: silentReporter(controller.signal), model: 'ngram', device: 'cpu', cacheDir: defaultCacheDir() },
          { textColumn: msg.request.text_column, labelColumn: msg.request.label_column, folds: 5, seed: 42, rankBy: 'self-confidence', jaccard: DEFAULT_JACCARD, signal: controller.signal },
        );
        send({ type: 'audited', id: msg.id, report });
      } catch (e) {
        send({ type: 'error', id: msg.id, kind: errorKindOf(e), message: (e as Error).message });
      }
      return;
    }
    case 'suggest': {
      const { request } = msg;
      try {
        const model = await loadClassifier(request.run_dir, { device: 'cpu', cacheDir: request.cache_dir ?? defaultCacheDir() });
        try {
          const rows = await readUnlabeled(request.path, undefined, controller.signal);
          const suggestions = await suggestFor(model, rows, request.n, { signal: controller.signal });
          send({ type: 'suggested', id: msg.id, labels: model.labels, suggestions });
        } finally {
          await model.dispose?.();
        }
      } catch (e) {
        send({ type: 'error', id: msg.id, kind: errorKindOf(e), message: (e as Error).message });
      }
      return;
    }
    case 'describe': {
      const names = ['ngram', 'encoder', 'finetune', 'auto'] as const;
      const families = await Promise.all(names.map(familyByName));
      send({ type: 'described', id: msg.id, families: families.map((f, i) => ({ name: names[i], title: f.title, options: [...f.options] })) });
      return;
    }
    case 'train': {
      if (training) {
        send({ type: 'error', kind: 'usage', message: 'this trainer process is already training; start another process' });
        return;
      }
      training = true;
      let runDir: string | undefined;
      try {
        await runTraining(
          msg.request,
          (m) => {
            if (m.type === 'run-created') runDir = m.run_dir;
            send(m);
          },
          controller.signal,
        );
      } catch (e) {
        const kind = errorKindOf(e);
        send({
          type: 'error',
          kind,
          message: kind === 'cancelled' ? 'cancelled by the user' : (e as Error).message,
          ...(runDir ? { run_dir: runDir } : {}),
        });
        if (kind === 'internal') process.stderr.write(`${(e as Error).stack}\n`);
      } finally {
        // One run per process: leave once the parent has our last message.
        process.disconnect?.();
      }
      return;
    }
  }
}

if (!process.send) {
  process.stderr.write('finetune trainer: this is the extension\'s child process; use "finetune train" from a terminal instead.\n');
  process.exit(2);
}

process.on('message', (raw: unknown) => {
  let msg: ToTrainer;
  try {
    msg = expectValid(toTrainer, raw, 'extension');
  } catch (e) {
    send({ type: 'error', kind: 'internal', message: (e as ProtocolError).message });
    return;
  }
  void handle(msg);
});
// SIGTERM from the extension's Cancel: abort the pipeline, which marks the run cancelled and exits.
process.on('SIGTERM', () => {
  controller.abort();
  setTimeout(() => process.exit(130), 1500).unref();
});
process.on('disconnect', () => controller.abort());
send({ type: 'ready', pid: process.pid });
