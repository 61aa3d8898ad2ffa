/**
 * Renders pipeline messages for a person: on a TTY, one live status line (phase, bar, ETA, loss)
 * redrawn in place; otherwise plain lines, one per phase or epoch, that read well in CI logs.
 */
import { cappedList } from '../ml/data/rows';
import type { FromTrainer } from '../protocol/trainer';
import { printable } from './common';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function formatAmount(n: number, unit?: string): string {
  if (unit === 'bytes') {
    if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GB`;
    if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MB`;
    return `${Math.round(n / 1024)} KB`;
  }
  return String(Math.round(n));
}

/** "12.3k examples/s", "45.0 MB/s". */
export function formatRate(perSecond: number, unit: string): string {
  if (unit === 'bytes') return `${formatAmount(perSecond, unit)}/s`;
  const n = perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(1)}M` : perSecond >= 1e4 ? `${(perSecond / 1e3).toFixed(1)}k` : perSecond.toFixed(perSecond < 10 ? 1 : 0);
  return `${n} ${unit}/s`;
}

export class ProgressView {
  private lastLoss: number | undefined;
  private liveLine = false;
  private lastPhase = '';

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
        if (!this.live) return;
        const width = Math.max(10, Math.min(30, (this.out.columns ?? 80) - 60));
        const frac = msg.total > 0 ? Math.min(1, msg.done / msg.total) : 0;
        const filled = Math.round(frac * width);
        const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
        const eta = msg.eta_s !== undefined && msg.done < msg.total ? `  ETA ${formatDuration(msg.eta_s)}` : '';
        const loss = this.lastLoss !== undefined && msg.phase === 'training' ? `  loss ${this.lastLoss.toFixed(4)}` : '';
        const amount = msg.unit ? `  ${formatAmount(msg.done, msg.unit)}/${formatAmount(msg.total, msg.unit)}` : '';
        const rate = msg.rate !== undefined && msg.unit ? `  ${formatRate(msg.rate, msg.unit)}` : '';
        this.clearLive();
        this.out.write(`${msg.phase.padEnd(12)} ${bar} ${(frac * 100).toFixed(0).padStart(3)}%${amount}${rate}${eta}${loss}`);
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
