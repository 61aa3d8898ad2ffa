import * as path from 'node:path';
import { UsageError } from '../ml/family';
import { defaultCacheDir } from '../ml/cacheDir';
import type { ExportResult } from '../ml/export';
import { writeDirAtomic } from '../runs/atomic';
import { cacheDirFlag, Command, EXIT, helpFlag, jsonFlag, parseCommand, str } from './common';

export const exportCommand: Command = {
  name: 'export',
  usage: 'finetune export <run-dir> <folder> [--no-quantize] [--cache-dir DIR] [--json]',
  summary: 'write a transformers.js text-classification model folder (config.json, tokenizer, onnx/model.onnx, int8 onnx/model_quantized.onnx) from a --mode head or --mode full run',
  flags: [{ name: 'quantize', type: 'bool', help: 'also write the dynamic int8 onnx/model_quantized.onnx (default on; --no-quantize skips it)' }, cacheDirFlag, jsonFlag, helpFlag],
  async run(argv, io) {
    const parsed = parseCommand(this, argv, io);
    if (!parsed) return EXIT.ok;
    const { positionals, flags } = parsed;
    if (positionals.length !== 2) throw new UsageError('export takes a run folder and an output folder; see finetune export --help');
    // Loaded lazily: the exporter pulls in the ONNX codec and onnxruntime.
    const { checkExportTarget, exportTextClassification } = await import('../ml/export.js');
    const target = path.resolve(io.cwd, positionals[1]);
    await checkExportTarget(target);
    let exported: ExportResult | undefined;
    // Written into a temp folder beside the target and renamed: a failure or a Ctrl-C leaves no half-written export.
    await writeDirAtomic(target, async (tmp) => {
      exported = await exportTextClassification(path.resolve(io.cwd, positionals[0]), tmp, {
        quantize: flags.get('quantize') !== false,
        cacheDir: str(flags, 'cache-dir') ?? defaultCacheDir(),
        signal: io.signal,
      });
    });
    const result = { ...exported!, folder: target };
    if (flags.get('json')) {
      io.stdout.write(JSON.stringify(result) + '\n');
    } else {
      io.stdout.write(`exported ${result.labels.length} labels (${result.labels.join(', ')}) to ${result.folder}\n`);
      for (const f of result.files) io.stdout.write(`  ${f}\n`);
      const q = result.quantization;
      if (q) io.stdout.write(`int8: ${q.matmuls} MatMuls and ${q.gathers} embedding tables, ${(q.floatBytes / 2 ** 20).toFixed(1)} MB float → ${(q.int8Bytes / 2 ** 20).toFixed(1)} MB int8\n`);
      for (const note of result.notes ?? []) io.stdout.write(`note: ${note}\n`);
    }
    return EXIT.ok;
  },
};
