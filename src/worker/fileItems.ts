/**
 * Classify file, the parts without `vscode` (unit-tested): what is classified in a file and where
 * the predictions go.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Prediction } from '../protocol/types';
import { asWriteError, tempPathFor } from '../runs/atomic';

export interface FileItem {
  /** 1-based line in the source file (where the row starts). */
  line: number;
  text: string;
  /** The file's own label for the row, when it has a label column. */
  gold?: string;
}

/** Every non-blank line of an editor's text (unsaved documents; saved files are read by the worker). */
export function lineItems(content: string): FileItem[] {
  const items: FileItem[] = [];
  const lines = content.split(/\r\n|\n|\r/);
  lines.forEach((text, i) => {
    if (text.trim()) items.push({ line: i + 1, text });
  });
  return items;
}

/** `notes/mail.txt` → `notes/mail.predictions.jsonl`, beside it. */
export function predictionsPathFor(file: string): string {
  const ext = path.extname(file);
  return path.join(path.dirname(file), `${path.basename(file, ext)}.predictions.jsonl`);
}

/** One output line: where the text was, the text, the file's label if any, and the prediction. */
export function predictionLine(item: FileItem, p: Prediction): string {
  return JSON.stringify({ line: item.line, text: item.text, ...(item.gold !== undefined ? { gold: item.gold } : {}), ...p }) + '\n';
}

/**
 * Writes predictions to a temp file beside the target and renames it into place at the end, so a
 * cancelled or failed run leaves no half-written file (and keeps an older one intact).
 */
export class PredictionsWriter {
  private readonly tmp: string;
  private handle?: fsp.FileHandle;

  constructor(readonly target: string) {
    this.tmp = tempPathFor(target);
  }

  async write(items: readonly FileItem[], predictions: readonly Prediction[]): Promise<void> {
    let chunk = '';
    items.forEach((item, i) => (chunk += predictionLine(item, predictions[i])));
    try {
      this.handle ??= await fsp.open(this.tmp, 'w');
      await this.handle.write(chunk);
    } catch (e) {
      throw asWriteError(e, this.target);
    }
  }

  async commit(): Promise<void> {
    try {
      this.handle ??= await fsp.open(this.tmp, 'w');
      await this.handle.sync();
      await this.handle.close();
      this.handle = undefined;
      await fsp.rename(this.tmp, this.target);
    } catch (e) {
      throw asWriteError(e, this.target);
    }
  }

  async abort(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    await fsp.rm(this.tmp, { force: true });
  }
}
