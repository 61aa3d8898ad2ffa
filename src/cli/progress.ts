/**
 * Renders pipeline messages for a person: on a TTY, one live status line (phase, bar, ETA, loss)
 * redrawn in place; otherwise plain lines, one per phase or epoch, that read well in CI logs.
 */
import { cappedList } from '../ml/data/rows';
import type { FromTrainer } from '../protocol/trainer';
import { printable } from './common';
import { progressLine, ProgressTracker } from '../protocol/progress';

export class ProgressView {
  private lastLoss: number | undefined;
  private liveLine = false;
  private lastPhase = '';
  /** The progress model the panel and the notification show too. */
  private readonly tracker = new ProgressTracker();

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private readonly live = !!out.isTTY,
  ) {}

  private write(line: string): void {
    this.clearLive();
    this.out.write(line + '\n');
  }

  private clearLive(): void {
    if (this.liveLine) {
      this.out.write('\r\x1b[K');
      this.liveLine = false;
    }
  }

  /** Call before printing anything else to the same stream. */
  done(): void {
    this.clearLive();
  }

  handle(msg: FromTrainer): void {
    switch (msg.type) {
      case 'dataset': {
        const s = msg.summary;
        const classes = cappedList(s.classes.map((c) => `${printable(c.label)} ${c.count}`), 20);
        this.write(
          `${msg.role === 'train' ? 'dataset' : msg.role}: ${s.path} — ${s.rows} rows, text "${s.text_column}", label "${s.label_column}"` +
            `${s.skipped ? `, ${s.skipped} skipped` : ''}\n  classes: ${classes}`,
        );
        for (const r of s.skipped_first ?? []) this.write(`  skipped line ${r.line}: ${r.reason}`);
        break;
      }
      case 'run-created':
        this.write(`run folder: ${msg.run_dir}`);
        break;
      case 'metric': {
        const e = msg.event;
        this.tracker.event(e, Date.now());
        if (e.kind === 'phase') {
          if (e.phase !== this.lastPhase) this.write(`▸ ${e.phase}${e.detail ? ` (${e.detail})` : ''}`);
          this.lastPhase = e.phase;
        } else if (e.kind === 'step') {
          this.lastLoss = e.loss;
        } else if (e.kind === 'epoch') {
          const parts = [`epoch ${e.epoch}`, `train loss ${e.train_loss.toFixed(4)}`];
          if (e.valid_loss !== undefined) parts.push(`valid loss ${e.valid_loss.toFixed(4)}`);
          if (e.valid_accuracy !== undefined) parts.push(`acc ${e.valid_accuracy.toFixed(4)}`);
          if (e.valid_macro_f1 !== undefined) parts.push(`macro-F1 ${e.valid_macro_f1.toFixed(4)}`);
          if (e.seconds !== undefined) parts.push(`${e.seconds.toFixed(1)}s`);
          this.write(`  ${parts.join('  ')}${e.best ? '  ★' : ''}`);
        } else if (e.kind === 'log') {
          this.write(`  ${e.message}`);
        }
        break;
      }
      case 'progress': {
        this.tracker.update(msg, Date.now());
        if (!this.live) return;
        const v = this.tracker.view(Date.now());
        const width = Math.max(10, Math.min(30, (this.out.columns ?? 80) - 70));
        const filled = Math.round((v.fraction ?? 0) * width);
        const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
        const loss = this.lastLoss !== undefined && /^train/.test(v.phase) ? ` · loss ${this.lastLoss.toFixed(4)}` : '';
        this.clearLive();
        this.out.write(`${bar} ${progressLine(v)}${loss}`);
        this.liveLine = true;
        break;
      }
      case 'error':
        this.clearLive();
        break;
      default:
        break;
    }
  }
}
